"""pycore: FigSleuth's forensic core, the same code natively and in the browser."""

from . import analyses
from .image import Image, ImageLoadError, load
from .registry import ANALYSES, Analysis, get
from .result import Map, Result

__version__ = "0.1.0"

__all__ = [
    "ANALYSES",
    "Analysis",
    "Image",
    "ImageLoadError",
    "Map",
    "Result",
    "__version__",
    "analyses",
    "get",
    "load",
]
