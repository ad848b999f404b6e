"""ai_generated: the shipped model (models/ai_generated/model.onnx) through pycore, natively.

Genuine images are scikit-image's 2-D sample photographs that are not among the
development data (public domain / CC0, installed with scikit-image). Generated ones are
drawn the way a GAN's decoder draws (models/ai_generated/decoders.py): from a code at a
quarter of the size, through two transposed convolutions (2x each) with a fixed kernel.
None of these was used to train or calibrate the model.
"""

import numpy as np
import pytest
from PIL import Image as PILImage
from scipy import ndimage
from skimage import data as skimage_data

from models.ai_generated.decoders import decoded, decoder_kernel
from models.data import as_jpeg, as_png, resize
from models.evaluation import analyse

GENUINE = ("camera", "coins", "brick", "grass", "gravel", "page", "text", "clock")


def sample(name: str) -> np.ndarray:
    return getattr(skimage_data, name)().astype(np.float64)


def generated(name: str) -> np.ndarray:
    return decoded(sample(name), decoder_kernel(np.random.default_rng(0)))


def test_genuine_photographs_are_not_called_generated():
    results = {name: analyse("ai_generated", as_png(sample(name))) for name in GENUINE}
    verdicts = [result.verdict for result in results.values()]
    # None suspicious; at most one inconclusive (the validation's false-alarm rates are in
    # models/ai_generated/card.md).
    assert "suspicious" not in verdicts, results
    assert verdicts.count("clean") >= len(GENUINE) - 1, results
    # Both tests judged them: no caveat that one abstained.
    assert not any("network's test alone" in result.reason for result in results.values())
    assert results["camera"].maps["generated"].data.shape == (512, 512)


def findings(result) -> dict:
    return {row["statistic"]: row["value"] for row in result.findings}


def test_genuine_photographs_cost_what_a_model_of_real_images_expects():
    # The coding-cost test (pycore.coding_cost): its model never saw these photographs.
    for name in GENUINE:
        result = analyse("ai_generated", as_png(sample(name)))
        assert findings(result)["Score of the coding-cost test"] < 0.5, name


def test_a_decoder_drawn_image_surprises_the_model_of_real_images():
    result = analyse("ai_generated", as_png(generated("camera")))
    assert findings(result)["Score of the coding-cost test"] >= 0.65
    assert result.maps["surprise"].data.shape == (512, 512)


def test_smoothing_is_not_taken_for_surprise():
    # A smoothed genuine photograph costs less than expected, not more: that side of the
    # gap is never evidence.
    result = analyse("ai_generated", as_png(ndimage.gaussian_filter(sample("camera"), 1.0)))
    assert findings(result)["Coding-cost gap, median of cells"] < 0
    assert findings(result)["Score of the coding-cost test"] < 0.35


def test_the_coding_cost_test_abstains_where_there_is_no_grain():
    # Black but for one small bright patch: too few cells clear of black to judge.
    dark = np.zeros((256, 256))
    dark[100:140, 100:140] = sample("camera")[200:240, 200:240]
    result = analyse("ai_generated", as_png(dark))
    assert findings(result)["Coding-cost gap, median of cells"] is None
    assert result.score == findings(result)["Score of the generator-trace network"]
    assert "network's test alone" in result.reason, result.reason


def test_a_decoder_drawn_image_is_suspicious():
    # Not every such image is caught: the same decoder on scikit-image's `moon` (smooth,
    # low-contrast) stays below the bands (models/ai_generated/card.md, failure cases).
    result = analyse("ai_generated", as_png(generated("camera")))
    assert result.verdict == "suspicious", result.score
    assert "generated" in result.reason


CHANGES = {
    "JPEG 90": lambda gray: as_jpeg(gray, 90),
    "JPEG 75": lambda gray: as_jpeg(gray, 75),
    "half size": lambda gray: as_png(resize(gray.astype(np.float32), 0.5)),
    "1.5x size": lambda gray: as_png(resize(gray.astype(np.float32), 1.5)),
    "double size": lambda gray: as_png(resize(gray.astype(np.float32), 2.0)),
    "double size, bilinear": lambda gray: as_png(
        resize(gray.astype(np.float32), 2.0, PILImage.BILINEAR)
    ),
    "double size, nearest": lambda gray: as_png(
        resize(gray.astype(np.float32), 2.0, PILImage.NEAREST)
    ),
    # Repeated rows and columns, which the coding-cost test finds surprising where they
    # are not dropped first.
    "1.5x size, nearest": lambda gray: as_png(
        resize(gray.astype(np.float32), 1.5, PILImage.NEAREST)
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_genuine_verdicts_survive_resaving_and_resizing(change):
    verdicts = {
        name: analyse("ai_generated", CHANGES[change](sample(name))).verdict for name in GENUINE
    }
    # None becomes a false alarm; a few textured ones rise into the inconclusive band
    # (brick after JPEG 75, clock halved: 0.61 and 0.62 when this was written).
    assert "suspicious" not in verdicts.values(), verdicts
    assert verdicts["camera"] == "clean"


@pytest.mark.parametrize("change", CHANGES)
def test_generated_verdicts_survive_resaving_and_resizing(change):
    # An enlargement is recognised and judged at the size before. Halving is the change
    # that destroys most of a decoder's trace, which sits at the finest scale: there
    # 5 of the 8 stayed suspicious when this was written (coins and grass fell to
    # inconclusive, gravel's fine texture to clean; the card reports the rates on the
    # validation sets).
    verdicts = {
        name: analyse("ai_generated", CHANGES[change](generated(name))).verdict for name in GENUINE
    }
    kept = sum(verdict == "suspicious" for verdict in verdicts.values())
    assert kept >= (5 if change == "half size" else len(GENUINE)), verdicts
    assert verdicts["camera"] == "suspicious"


@pytest.mark.parametrize(
    ("change", "factor"),
    [("double size, bilinear", 2), ("1.5x size", 1.5), ("1.5x size, nearest", 1.5)],
)
def test_an_enlarged_image_is_judged_at_its_size_before_and_mapped_at_its_own(change, factor):
    result = analyse("ai_generated", CHANGES[change](sample("coins")))
    assert findings(result)["Judged at a reduction of"] == pytest.approx(factor, abs=0.01)
    assert "looks enlarged" in result.reason
    assert result.maps["generated"].data.shape == (round(303 * factor), round(384 * factor))


@pytest.mark.parametrize(
    ("kernel", "shrunk"), [(PILImage.BILINEAR, True), (PILImage.BICUBIC, False)]
)
def test_a_clean_verdict_says_when_an_enlargement_had_to_be_shrunk(kernel, shrunk):
    # Enlarged 1.25x by bilinear, the old pixels are not recovered (pycore.unenlarge), so
    # the image is shrunk, blurring the finest grain; by Keys' cubic they are recovered.
    result = analyse(
        "ai_generated", as_png(resize(sample("camera").astype(np.float32), 1.25, kernel))
    )
    assert findings(result)["Judged at a reduction of"] == pytest.approx(1.25, abs=0.01)
    assert result.verdict == "clean", result.score
    assert ("shrunk instead" in result.reason) == shrunk, result.reason


def test_a_decoder_drawn_image_shrunk_by_three_quarters_keeps_its_verdict():
    # Its checkerboard, shrunk, repeats like a 1.5x enlargement's trace, so the image is
    # judged reduced; the coding-cost test's surprise at the size given still counts.
    result = analyse("ai_generated", as_png(resize(generated("camera").astype(np.float32), 0.75)))
    assert findings(result)["Judged at a reduction of"] > 1
    assert findings(result)["Coding-cost gap at the size given, where reduced"] is not None
    assert result.verdict == "suspicious", result.score


def test_a_generated_panel_beside_a_genuine_one_is_localised():
    genuine = sample("coins")[:, :300]
    fake = generated("camera")[:303, :300]
    figure = np.hstack([genuine, np.full((303, 16), 255.0), fake])
    result = analyse("ai_generated", as_png(figure))
    heat = result.maps["generated"].data
    assert result.verdict == "suspicious"
    assert heat[:, 316 + 32 : -32].mean() > heat[:, 32:268].mean() + 0.3


def test_too_small_an_image_is_not_judged():
    result = analyse("ai_generated", as_png(sample("camera")[:40, :50]))
    assert result.score is None
    assert "Too small" in result.reason
