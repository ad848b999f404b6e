"""The analyses, one module each; importing this package registers them all.

The import order is the order the page shows them in and the CLI runs them: what the file
says first, then compression, noise and camera traces, periodic traces, and visual aids.
"""

from . import metadata  # noqa: I001 - the order below is deliberate
from . import ela, jpeg_ghost, double_jpeg, jpeg_grid
from . import noise, cfa, resampling, spectrum, enhance
from . import copy_move, panels, duplicates

__all__ = [
    "cfa",
    "copy_move",
    "double_jpeg",
    "duplicates",
    "ela",
    "enhance",
    "jpeg_ghost",
    "jpeg_grid",
    "metadata",
    "noise",
    "panels",
    "resampling",
    "spectrum",
]
