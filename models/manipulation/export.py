"""Export the trained manipulation segmenter to ONNX (opset 17).

.venv/bin/python -m models.manipulation.export [--checkpoint PATH]
"""

from __future__ import annotations

from pathlib import Path

from ..networks import EditSegmenter, export_main, state_loader

if __name__ == "__main__":
    export_main(state_loader(EditSegmenter), Path(__file__).resolve().parent)
