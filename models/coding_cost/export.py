"""Export the trained coding-cost predictor to ONNX (opset 17).

.venv/bin/python -m models.coding_cost.export [--checkpoint PATH]
"""

from __future__ import annotations

from pathlib import Path

from ..networks import CodingCost, export_main, state_loader

if __name__ == "__main__":
    export_main(state_loader(CodingCost), Path(__file__).resolve().parent, output="gap")
