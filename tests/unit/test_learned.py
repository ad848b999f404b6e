"""pycore.learned: what the networks see, and tiles put back together without seams."""

import numpy as np
from scipy import ndimage

from pycore import learned
from pycore.blocking import run_blocking


def test_input_is_8bit_levels_padded_to_the_stride():
    gray = np.linspace(0, 255, 70 * 45).reshape(70, 45)
    tensor = learned.model_input(gray)
    assert tensor.dtype == np.float32
    assert tensor.shape == (1, 1, 96, 64)
    assert np.array_equal(tensor[0, 0, :70, :45] * 255, np.rint(gray).astype(np.float32))
    # Mirrored padding: no artificial edge for the network to react to.
    assert np.array_equal(tensor[0, 0, 70:72, :45], tensor[0, 0, 69:67:-1, :45])


def test_same_scene_at_16_bits_gives_the_same_input():
    rng = np.random.default_rng(0)
    levels = rng.integers(0, 256, (40, 40)).astype(np.float64)
    # A 16-bit file's luminance in 8-bit units carries fractions of a level.
    deep = levels + rng.uniform(-0.3, 0.3, levels.shape)
    assert np.array_equal(learned.model_input(levels), learned.model_input(deep))


def _cell_means(stride: int):
    """A stand-in model with a receptive field wider than a cell: a 9x9 blur, then the
    mean of each stride x stride cell."""

    async def infer(tensor: np.ndarray) -> np.ndarray:
        blurred = ndimage.uniform_filter(tensor[0, 0], 9, mode="reflect")
        rows, cols = blurred.shape[0] // stride, blurred.shape[1] // stride
        cells = blurred.reshape(rows, stride, cols, stride).mean(axis=(1, 3))
        return cells[None, None]

    return infer


def test_tiles_are_stitched_as_one_call_would_give():
    rng = np.random.default_rng(1)
    gray = ndimage.gaussian_filter(rng.random((2300, 1500)) * 255, 3)
    stride = 16
    (tiled,) = run_blocking(learned.tiled_inference(_cell_means(stride), gray, stride))
    whole = run_blocking(_cell_means(stride)(learned.model_input(gray)))[0, 0]
    assert tiled.shape == (-(-2300 // stride), -(-1500 // stride))
    # Away from the image's own edge the margin hides the tile seams entirely.
    inner = (slice(1, tiled.shape[0] - 2), slice(1, tiled.shape[1] - 2))
    assert np.abs(tiled[inner] - whole[: tiled.shape[0], : tiled.shape[1]][inner]).max() < 1e-5


def test_every_output_channel_is_stitched():
    one_channel = _cell_means(16)

    async def two_channels(tensor: np.ndarray) -> np.ndarray:
        cells = await one_channel(tensor)
        return np.concatenate([cells, 1.0 - cells], axis=1)

    gray = ndimage.gaussian_filter(np.random.default_rng(2).random((1300, 1100)) * 255, 3)
    tiled = run_blocking(learned.tiled_inference(two_channels, gray, 16))
    assert tiled.shape == (2, -(-1300 // 16), -(-1100 // 16))
    assert np.allclose(tiled[1], 1.0 - tiled[0])
    (alone,) = run_blocking(learned.tiled_inference(one_channel, gray, 16))
    assert np.array_equal(tiled[0], alone)
