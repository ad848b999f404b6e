"""The analyses, one module each; importing this package registers them all."""

from . import (
    cfa,
    double_jpeg,
    ela,
    enhance,
    jpeg_ghost,
    jpeg_grid,
    metadata,
    noise,
    resampling,
    spectrum,
)

__all__ = [
    "cfa",
    "double_jpeg",
    "ela",
    "enhance",
    "jpeg_ghost",
    "jpeg_grid",
    "metadata",
    "noise",
    "resampling",
    "spectrum",
]
