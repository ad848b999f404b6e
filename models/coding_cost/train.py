"""Train the coding-cost predictor (models/networks.CodingCost) on real images only.

    .venv/bin/python -m models.coding_cost.train [--steps 8000]

Material: 128x128 crops of the training split of ../shared/data/real, in random quarter
turns and mirrors, drawn afresh at every step, as they are stored (no generated image and
no change of form: the model is to know real images as users' files hold them). The loss is
the coding cost itself, the mean negative log-likelihood of each pixel given the level
below it, on two levels of the pyramid (full size from half size, half size from quarter
size) so that the predictor sees the grain at more than one scale.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from ..data import random_crop, real_images, turned
from ..fitting import fit
from ..networks import CodingCost, coarser, logistic_log_mass

HERE = Path(__file__).resolve().parent
CROP = 128
BATCH = 16
STEPS = 8000
# Levels of the pyramid predicted in training: full size from half, half from quarter.
LEVELS = 2


def sample_batch(grays: list[np.ndarray], rng: np.random.Generator) -> torch.Tensor:
    crops = []
    for _ in range(BATCH):
        (crop,) = turned((random_crop(grays[rng.integers(len(grays))], CROP, rng),), rng)
        crops.append(np.ascontiguousarray(crop))
    return torch.from_numpy(np.rint(np.clip(np.stack(crops), 0, 255))[:, None]).float()


def coding_cost(predictor: CodingCost, levels: torch.Tensor) -> torch.Tensor:
    """Mean cost (nats per pixel) of coding each of LEVELS levels from the next coarser."""
    total = torch.zeros(())
    fine = levels
    for _ in range(LEVELS):
        coarse = coarser(fine)
        mean, log_scale = predictor.predict(coarse)
        total = total - logistic_log_mass(fine, mean, log_scale).mean()
        fine = coarse
    return total / LEVELS


def train(grays: list[np.ndarray], steps: int, seed: int) -> CodingCost:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    predictor = CodingCost()
    return fit(predictor, lambda step: coding_cost(predictor, sample_batch(grays, rng)), steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "checkpoint.pt")
    args = parser.parse_args()
    started = time.monotonic()
    grays = [image.gray for image in real_images("train")]
    predictor = train(grays, args.steps, args.seed)
    torch.save(predictor.state_dict(), args.out)
    print(f"saved {args.out} after {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
