"""The analyses, one module each; importing this package registers them all."""

from . import ela, enhance, jpeg_ghost, jpeg_grid, metadata, noise, resampling, spectrum

__all__ = [
    "ela",
    "enhance",
    "jpeg_ghost",
    "jpeg_grid",
    "metadata",
    "noise",
    "resampling",
    "spectrum",
]
