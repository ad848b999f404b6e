"""Train the ai_generated detector (models/networks.GeneratedDetector) on CPU.

    .venv/bin/python -m models.ai_generated.train [--steps 12000] [--seeds 0 1 2]
        [--leave-out GROUP]
    .venv/bin/python -m models.ai_generated.train --join SEED0.pt SEED1.pt SEED2.pt

Each seed trains one member per residual on its own redraws of the training crops; the
detector is the mean of all of them. The seeds can also be trained apart (in parallel, one
``--seeds N --out SEEDN.pt`` each) and joined.

Real class: 64x64 crops of the training split of ../shared/data/real and of the genuine
parts of the training hosts of wb_auto_polimi. Generated class, in equal shares by group:
redraws of real training crops by our five simulators (one per up-sampling kind and a
diffusion-like denoiser, see simulators.py), and the synthetic 64x64 patches (CycleGAN,
Pix2pix, StyleGAN2-ADA, DDPM) pasted into the training hosts of wb_auto_polimi.
``--leave-out`` drops one group from training, for the leave-one-generator-out evaluation
(evaluate.py).

Both classes go through the same changes of form, so none of them can be the feature:
quarter turns and mirrors, gain and offset, mild blur, resizing by 0.5x to 2x, JPEG at
quality 65 to 100, and the 8-bit rounding of pycore.learned.model_input.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image as PILImage
from scipy import ndimage
from torch.nn import functional as F  # noqa: N812

from pycore.learned import model_input

from ..data import ROOT, blots, jpeg, random_crop, real_images, regained, resize, turned
from ..fitting import fit
from ..networks import (
    GENERATED_RESIDUALS,
    GENERATED_SEEDS,
    GeneratedDetector,
    ResidualDetector,
)
from .simulators import KINDS, Simulator, make_simulator, redraw, train_simulator

HERE = Path(__file__).resolve().parent
CACHE = ROOT / ".cache" / "models"
GROUPS = (*KINDS, "polimi")
PATCH = 64
SIMULATOR_STEPS = 600
STEPS = 12000
REDRAWS_PER_SIMULATOR = 400
# The share of crops (of either class) resized by 0.5x to 2x in training. Half, with
# shrinking as common as enlarging: a generated image shrunk for a figure keeps only its
# coarser traces, and with 30% resized uniformly (until 2026-11-27) halving undid 68% of
# detections of the simulators' images (models/ai_generated/card.md).
RESIZED_SHARE = 0.5


@dataclass
class Pools:
    """Training material: real images (whole) and generated crops by group."""

    reals: list[np.ndarray]
    real_blot_crops: list[np.ndarray]
    generated: dict[str, list[np.ndarray]] = field(default_factory=dict)


def simulators(
    training_grays: Callable[[], list[np.ndarray]], seed: int = 0
) -> dict[str, Simulator]:
    """The simulators, trained once on the training split (``training_grays`` is called
    only if one is not cached yet) and cached."""
    found = {}
    for index, kind in enumerate(KINDS):
        path = CACHE / f"simulator_{kind}_{SIMULATOR_STEPS}.pt"
        simulator = make_simulator(kind)
        if path.is_file():
            simulator.load_state_dict(torch.load(path))
        else:
            simulator = train_simulator(kind, training_grays(), SIMULATOR_STEPS, seed + index)
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save(simulator.state_dict(), path)
        found[kind] = simulator.eval()
    return found


def redraws(simulator: Simulator, grays: list[np.ndarray], count: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)  # the denoiser's sampling noise
    crops = [random_crop(grays[rng.integers(len(grays))], 128, rng) for _ in range(count)]
    return [redraw(simulator, crop) for crop in crops]


def blot_pools(split: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(genuine 64x64 crops clear of the patch, the synthetic 64x64 patches) of a split."""
    genuine, synthetic = [], []
    for blot in blots(split):
        rows, cols = np.nonzero(blot.mask)
        top, left = rows.min(), cols.min()
        synthetic.append(blot.gray[top : top + PATCH, left : left + PATCH])
        for y in range(0, blot.gray.shape[0] - PATCH + 1, PATCH):
            for x in range(0, blot.gray.shape[1] - PATCH + 1, PATCH):
                if not blot.mask[y : y + PATCH, x : x + PATCH].any():
                    genuine.append(blot.gray[y : y + PATCH, x : x + PATCH])
    return genuine, synthetic


def build_pools(split: str, seed: int) -> Pools:
    grays = [image.gray for image in real_images(split)]
    genuine_blots, synthetic_blots = blot_pools(split)
    pools = Pools(reals=grays, real_blot_crops=genuine_blots)

    @cache
    def training_grays() -> list[np.ndarray]:
        return grays if split == "train" else [image.gray for image in real_images("train")]

    for index, (kind, simulator) in enumerate(simulators(training_grays).items()):
        pools.generated[kind] = redraws(simulator, grays, REDRAWS_PER_SIMULATOR, seed + index)
    pools.generated["polimi"] = synthetic_blots
    return pools


def change_form(crop: np.ndarray, rng: np.random.Generator, allow_resize: bool) -> np.ndarray:
    """One random change of form (applied alike to both classes), then a 64x64 crop."""
    (crop,) = turned((crop,), rng)
    crop = regained(crop, rng, gain_spread=0.4, offset=20)
    if rng.random() < 0.15:
        crop = ndimage.gaussian_filter(crop, rng.uniform(0.3, 0.7))
    if allow_resize and rng.random() < RESIZED_SHARE:
        method = (PILImage.BILINEAR, PILImage.BICUBIC, PILImage.LANCZOS)[rng.integers(3)]
        # Log-uniform, so that shrinking is as common as enlarging: halving is where the
        # finest traces are lost and the detector has to learn the coarser ones.
        factor = np.exp(rng.uniform(np.log(max(0.5, PATCH / min(crop.shape))), np.log(2.0)))
        crop = resize(np.ascontiguousarray(crop), factor, method)
    crop = random_crop(np.ascontiguousarray(crop, dtype=np.float32), PATCH, rng)
    if rng.random() < 0.35:
        crop = jpeg(crop, int(rng.integers(65, 101)))
    return model_input(crop)[0]


def sample_batch(
    pools: Pools, groups: tuple[str, ...], size: int, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    patches, labels = [], []
    for index in range(size):
        if index % 2 == 0:
            if rng.random() < 0.2:
                source = pools.real_blot_crops[rng.integers(len(pools.real_blot_crops))]
                patches.append(change_form(source, rng, allow_resize=False))
            else:
                source = random_crop(pools.reals[rng.integers(len(pools.reals))], 128, rng)
                patches.append(change_form(source, rng, allow_resize=True))
            labels.append(0.0)
        else:
            group = groups[rng.integers(len(groups))]
            crops = pools.generated[group]
            source = crops[rng.integers(len(crops))]
            patches.append(change_form(source, rng, allow_resize=source.shape[0] > PATCH))
            labels.append(1.0)
    return torch.from_numpy(np.stack(patches)), torch.tensor(labels)


def train_member(
    residual: type[torch.nn.Module],
    pools: Pools,
    groups: tuple[str, ...],
    steps: int,
    seed: int,
    device: str,
) -> ResidualDetector:
    """One member of the detector, on ``residual``, trained on ``groups`` on ``device``
    (batches are drawn on the CPU whatever it is); returned on the CPU."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    member = ResidualDetector(residual()).to(device)

    def step_loss(step: int) -> torch.Tensor:
        patches, labels = sample_batch(pools, groups, 64, rng)
        # One logit per patch, the mean over its 4x4 cells (the image's score pools the top
        # tenth of cells instead: a patch is either all generated or all genuine here).
        logits = member(patches.to(device)).mean(dim=(1, 2, 3))
        return F.binary_cross_entropy_with_logits(logits, labels.to(device))

    return fit(member, step_loss, steps).cpu()


def train(
    pools: Pools, groups: tuple[str, ...], steps: int, seed: int, device: str = "cpu"
) -> GeneratedDetector:
    """A detector of one seed trained on ``groups``: each member apart, from the same seed,
    so on the same batches."""
    detector = GeneratedDetector(seeds=1)
    for index, residual in enumerate(GENERATED_RESIDUALS):
        detector.members[index] = train_member(residual, pools, groups, steps, seed, device)
    return detector.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--leave-out", choices=GROUPS, default=None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=list(range(GENERATED_SEEDS)),
        metavar="SEED",
        help="train one member per residual from each seed, and average them all",
    )
    mode.add_argument(
        "--join",
        type=Path,
        nargs="+",
        metavar="CHECKPOINT",
        help="train nothing: join detectors trained apart (e.g. one seed each, in parallel)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "checkpoint.pt")
    parser.add_argument("--device", default="cpu", help="where the network trains (cuda: a GPU)")
    args = parser.parse_args()
    started = time.monotonic()
    if args.join:
        detector = GeneratedDetector.joined([GeneratedDetector.loaded(p) for p in args.join])
    else:
        groups = tuple(group for group in GROUPS if group != args.leave_out)
        trained = []
        for seed in args.seeds:
            # Each seed also draws its own redraws of the training crops.
            pools = build_pools("train", seed)
            print(
                f"seed {seed}: pools ready after {time.monotonic() - started:.0f} s: "
                f"{len(pools.reals)} real images, "
                f"{len(pools.real_blot_crops)} genuine blot crops, "
                + ", ".join(f"{k} {len(v)}" for k, v in pools.generated.items()),
                flush=True,
            )
            trained.append(train(pools, groups, args.steps, seed, args.device))
        detector = GeneratedDetector.joined(trained)
    torch.save(detector.state_dict(), args.out)
    print(
        f"saved {args.out} ({len(detector.members)} members) after "
        f"{time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
