"""pycore.models.infer runs an ONNX model natively; the browser test runs the same model."""

import numpy as np
import pytest
from scipy import ndimage

from pycore import models
from pycore.blocking import run_blocking
from tests.onnx_models import GAUSS5_NAME, gaussian_kernel, write_gauss5


@pytest.fixture()
def model_root(tmp_path):
    write_gauss5(tmp_path / GAUSS5_NAME / "model.onnx")
    models.set_model_root(tmp_path)
    yield tmp_path
    models.set_model_root(models.DEFAULT_MODEL_ROOT)


def test_gaussian_conv_model_matches_scipy(model_root):
    rng = np.random.default_rng(0)
    image = rng.random((1, 1, 37, 53), dtype=np.float32)
    output = run_blocking(models.infer(GAUSS5_NAME, image))
    reference = ndimage.correlate(
        image[0, 0].astype(np.float64), gaussian_kernel(), mode="constant"
    )
    assert output.shape == image.shape
    assert np.abs(output[0, 0] - reference).max() < 1e-5


def test_missing_model_names_its_path(model_root):
    with pytest.raises(FileNotFoundError, match="absent"):
        run_blocking(models.infer("absent", np.zeros((1, 1, 4, 4), np.float32)))


@pytest.mark.parametrize("name", ["ai_generated", "manipulation", "coding_cost"])
def test_shipped_models_fit_the_browser(name):
    """Each shipped model: ONNX opset 17 or newer, at most 20 MB, any image size."""
    import onnx

    path = models.DEFAULT_MODEL_ROOT / name / "model.onnx"
    assert path.stat().st_size <= 20 * 1024 * 1024
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    opsets = [entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")]
    assert max(opsets) >= 17
    (image,) = model.graph.input
    height, width = image.type.tensor_type.shape.dim[2:]
    assert height.dim_param and width.dim_param  # free height and width
