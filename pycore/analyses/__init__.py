"""The analyses, one module each; importing this package registers them all.

The import order is the order the page shows them in and the CLI runs them: what the file
says first, then compression, noise and camera traces, periodic traces, visual aids,
duplication, and last the learned detectors (they load a model).
"""

from . import metadata  # noqa: I001 - the order below is deliberate
from . import ela, jpeg_ghost, double_jpeg, jpeg_grid
from . import noise, cfa, resampling, spectrum, enhance
from . import copy_move, panels, duplicates
from . import ai_generated, manipulation

__all__ = [
    "ai_generated",
    "cfa",
    "copy_move",
    "double_jpeg",
    "duplicates",
    "ela",
    "enhance",
    "jpeg_ghost",
    "jpeg_grid",
    "manipulation",
    "metadata",
    "noise",
    "panels",
    "resampling",
    "spectrum",
]
