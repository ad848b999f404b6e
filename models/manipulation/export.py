"""Export the trained manipulation segmenter to ONNX (opset 17).

.venv/bin/python -m models.manipulation.export [--checkpoint PATH]
"""

from __future__ import annotations

from pathlib import Path

from ..networks import EditSegmenter, export_main

if __name__ == "__main__":
    export_main(EditSegmenter, Path(__file__).resolve().parent)
