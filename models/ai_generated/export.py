"""Export the trained ai_generated detector to ONNX (opset 17).

.venv/bin/python -m models.ai_generated.export [--checkpoint PATH]
"""

from __future__ import annotations

from pathlib import Path

from ..networks import GeneratedDetector, export_main

if __name__ == "__main__":
    export_main(GeneratedDetector.loaded, Path(__file__).resolve().parent)
