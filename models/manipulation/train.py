"""Train the manipulation segmenter (models/networks.EditSegmenter) on CPU.

    .venv/bin/python -m models.manipulation.train [--steps 8000]

Material, 192x192 crops, drawn afresh at every step:
- local edits (edits.py, all kinds but the held-out ones) of crops of the training split
  of ../shared/data/real, the donor of a splice being another training image;
- the training hosts of wb_auto_polimi with their pasted synthetic patches;
- untouched crops of real images (three in ten), so that genuine images, smooth
  backgrounds included, teach the model where nothing was done.
All crops then go through the same changes of form: quarter turns, mirrors, gain and
offset, and JPEG at quality 65 to 100 for a third of them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F  # noqa: N812

from pycore.learned import model_input

from ..data import blots, jpeg, random_crop, real_images, regained, turned
from ..fitting import fit
from ..networks import EditSegmenter
from .edits import EDITS, HELD_OUT, make_edit

HERE = Path(__file__).resolve().parent
CROP = 192
BATCH = 12
TRAINED_EDITS = tuple(kind for kind in EDITS if kind not in HELD_OUT)


def blot_crop(blot, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A CROP-square of a blot holding its synthetic patch whole."""
    rows, cols = np.nonzero(blot.mask)
    side = blot.gray.shape[0]
    top = int(rng.integers(max(rows.max() + 1 - CROP, 0), min(rows.min(), side - CROP) + 1))
    left = int(rng.integers(max(cols.max() + 1 - CROP, 0), min(cols.min(), side - CROP) + 1))
    window = (slice(top, top + CROP), slice(left, left + CROP))
    return blot.gray[window], blot.mask[window]


def change_form(
    image: np.ndarray, mask: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    image, mask = turned((image, mask), rng)
    image = np.ascontiguousarray(regained(image, rng, gain_spread=0.3, offset=15), np.float32)
    if rng.random() < 0.33:
        image = jpeg(image, int(rng.integers(65, 101)))
    return image, np.ascontiguousarray(mask)


def sample(reals: list[np.ndarray], blot_set: list, rng: np.random.Generator):
    choice = rng.random()
    if choice < 0.2:
        image, mask = blot_crop(blot_set[rng.integers(len(blot_set))], rng)
    else:
        image = random_crop(reals[rng.integers(len(reals))], CROP, rng)
        if choice < 0.5:
            mask = np.zeros(image.shape, bool)
        else:
            donor = reals[rng.integers(len(reals))]
            kind = TRAINED_EDITS[rng.integers(len(TRAINED_EDITS))]
            image, mask = make_edit(kind, image, donor, rng)
    return change_form(image, mask, rng)


def batch(reals, blot_set, size: int, rng) -> tuple[torch.Tensor, torch.Tensor]:
    pairs = [sample(reals, blot_set, rng) for _ in range(size)]
    images = np.stack([model_input(image)[0] for image, _ in pairs])
    masks = np.stack([mask[None].astype(np.float32) for _, mask in pairs])
    # The target of a 4x4 cell is the share of its pixels that were edited.
    target = F.avg_pool2d(torch.from_numpy(masks), EditSegmenter.OUTPUT_STRIDE)
    return torch.from_numpy(images), target


def train(steps: int, seed: int) -> EditSegmenter:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    reals = [image.gray for image in real_images("train")]
    blot_set = blots("train")
    segmenter = EditSegmenter()

    def step_loss(step: int) -> torch.Tensor:
        images, target = batch(reals, blot_set, BATCH, rng)
        # Edited cells are the minority: weigh them up so the model does not learn "none".
        weight = 1.0 + 2.0 * target
        return F.binary_cross_entropy_with_logits(segmenter(images), target, weight=weight)

    return fit(segmenter, step_loss, steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "checkpoint.pt")
    args = parser.parse_args()
    started = time.monotonic()
    segmenter = train(args.steps, args.seed)
    torch.save(segmenter.state_dict(), args.out)
    print(f"saved {args.out} after {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
