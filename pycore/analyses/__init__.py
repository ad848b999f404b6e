"""The analyses, one module each; importing this package registers them all."""

from . import ela, metadata, noise

__all__ = ["ela", "metadata", "noise"]
