"""Our JPEG colour reconstruction equals libjpeg-turbo's, pixel for pixel.

pycore decodes colour JPEGs with its own chroma upsampling and colour conversion so that
the browser (IJG libjpeg 9) and the command line (libjpeg-turbo) see the same pixels. The
reference here is native Pillow, which links libjpeg-turbo.
"""

import io

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import features

from pycore.jpeg import decode_rgb
from tests.synthetic import encode, textured_rgb

pytestmark = pytest.mark.skipif(
    not features.check_feature("libjpeg_turbo"),
    reason="the reference decoder must be libjpeg-turbo",
)

SCENE = textured_rgb(203, 301, seed=3)


@pytest.mark.parametrize("subsampling", [0, 2], ids=["4:4:4", "4:2:0"])
@pytest.mark.parametrize("size", [(301, 203), (300, 200), (17, 9), (3, 5), (2, 2), (1, 1)])
@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_decode_matches_libjpeg_turbo(subsampling, size, progressive):
    width, height = size
    data = encode(
        SCENE[:height, :width], "JPEG", quality=85, subsampling=subsampling, progressive=progressive
    )
    reference = np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))
    ours = decode_rgb(data)
    if ours is None:  # 1x1 4:2:0 is left to Pillow
        assert size == (1, 1) and subsampling == 2
        return
    assert np.array_equal(ours, reference)


def test_other_layouts_are_left_to_pillow():
    assert decode_rgb(encode(SCENE, "JPEG", subsampling=1)) is None  # 4:2:2
    assert decode_rgb(encode(SCENE[:, :, 0], "JPEG")) is None  # grayscale
    assert decode_rgb(encode(SCENE, "PNG")) is None
