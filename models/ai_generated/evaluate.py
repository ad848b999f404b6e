"""Validation of the ai_generated detector; writes models/ai_generated/validation.md.

    .venv/bin/python -m models.ai_generated.evaluate [--logo-steps 4000]

1. Leave one generator out: for each training group (five simulators, the wb_auto_polimi
   patches), a detector trained without it scores 64x64 patches of that group made from
   the test split against genuine test patches (ROC AUC), clean and after JPEG 75.
2. Generators never used in any training, as users meet them (whole files through
   pycore, the exported model): DeepLIIF's GAN-translated IHC panels against their real
   inputs, the DDPM-generated 3-D microscopy of Eschweiler et al. (each slice), and the
   GAN examples of the GRIP and CNNDetection repositories (natural photos, far from our
   domain).
3. False alarms on the whole images of the test split of ../shared/data/real with no
   relative in training (never used for training or for setting the bands).
4. Robustness: how often the decision (score >= 0.5) flips when an image is re-saved as
   JPEG at 95 or 75, resized by 0.5x, 0.75x, 1.5x or 2x (bicubic; 1.5x also Lanczos,
   bicubic then JPEG 90, and nearest; 2x also bilinear, nearest, Lanczos, and bicubic
   then JPEG 90), or stored as PNG rather than as a JPEG; also for an unseen decoder
   family made here (decoders.py: random fixed-kernel transposed convolutions redrawing
   scikit-image's photographs), with its detection rate.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image as PILImage

import pycore
from pycore.learned import model_input
from pycore.result import DECIDED_FROM, INCONCLUSIVE_FROM, SUSPICIOUS_FROM

from ..calibrate import statistics
from ..data import AIGEN, SMOKE, as_jpeg, as_png, jpeg, random_crop, real_images, require, resize
from ..evaluation import analyse, auc, false_alarms, scores, write_report
from ..networks import GeneratedDetector
from . import train as training
from .decoders import decoded, decoder_kernel
from .simulators import redraw

HERE = Path(__file__).resolve().parent
# Whole-image redraws of held-out test images per training simulator (robustness table).
REDRAWS_PER_SIMULATOR = 12
# The unseen decoder family: this many random kernels, each redrawing these scikit-image
# photographs (none in the development data).
DECODER_KERNELS = 6
DECODER_PHOTOS = ("camera", "coins", "brick", "grass", "gravel", "page", "text", "clock", "moon")
ANALYSIS = "ai_generated"
# The leave-one-out table's name for the shipped detector (trained on every group).
SHIPPED = "(none: shipped model)"


@torch.no_grad()
def patch_scores(detector: GeneratedDetector, patches: list[np.ndarray]) -> np.ndarray:
    batch = np.stack([model_input(patch)[0] for patch in patches])
    return detector(torch.from_numpy(batch)).mean(dim=(1, 2, 3)).numpy()


def centre(crop: np.ndarray, side: int = training.PATCH) -> np.ndarray:
    top = (crop.shape[0] - side) // 2
    left = (crop.shape[1] - side) // 2
    return crop[top : top + side, left : left + side]


def leave_one_out(
    steps: int, trained: Path | None = None, left_out: tuple[str, ...] = training.GROUPS
) -> list[dict]:
    """AUC of the shipped detector and of each detector trained without one group of
    ``left_out`` (trained here for ``steps`` steps, one seed, or read from
    ``trained``/<group>.pt, as ``train --leave-out GROUP --steps STEPS --out`` writes
    them, e.g. on a GPU or with several seeds) on each group's test patches."""
    if not (HERE / "checkpoint.pt").is_file():
        raise SystemExit(f"{HERE / 'checkpoint.pt'} is missing: run models.ai_generated.train")
    test_pools = training.build_pools("test", seed=1)
    rng = np.random.default_rng(2)
    genuine = [
        random_crop(test_pools.reals[rng.integers(len(test_pools.reals))], 64, rng)
        for _ in range(1000)
    ]
    genuine += [
        test_pools.real_blot_crops[i]
        for i in rng.choice(len(test_pools.real_blot_crops), 300, replace=False)
    ]
    generated = {
        group: [centre(crop) for crop in crops] for group, crops in test_pools.generated.items()
    }
    # Each patch set once more after JPEG 75, shared by every detector.
    genuine_jpeg = [jpeg(patch, 75) for patch in genuine]
    generated_jpeg = {
        group: [jpeg(patch, 75) for patch in patches] for group, patches in generated.items()
    }
    rows = []
    detectors = {SHIPPED: GeneratedDetector.loaded(HERE / "checkpoint.pt")}
    if trained is None:
        train_pools = training.build_pools("train", seed=0)
        for group in left_out:
            groups = tuple(g for g in training.GROUPS if g != group)
            detectors[group] = training.train(train_pools, groups, steps, seed=0)
    else:
        for group in left_out:
            detectors[group] = GeneratedDetector.loaded(trained / f"{group}.pt")
    for name, detector in detectors.items():
        real_clean = patch_scores(detector, genuine)
        real_jpeg = patch_scores(detector, genuine_jpeg)
        for group, patches in generated.items():
            rows.append(
                {
                    "left_out": name,
                    "seeds": detector.seeds,
                    "steps": training.STEPS if name == SHIPPED else steps,
                    "group": group,
                    "unseen": group == name,
                    "auc": auc(real_clean, patch_scores(detector, patches)),
                    "auc_jpeg75": auc(real_jpeg, patch_scores(detector, generated_jpeg[group])),
                }
            )
    return rows


def stegmaier_slices() -> list[tuple[str, np.ndarray]]:
    """Each slice of the DDPM-generated stacks (float -1..1) as an 8-bit image."""
    from PIL import Image as PILImage

    slices = []
    folder = require(AIGEN / "aigen_ddpm_microscopy3d_stegmaier" / "data_samples" / "experiment_3D")
    for path in sorted(folder.glob("pred_*.tif")):
        stack = PILImage.open(path)
        for index in range(stack.n_frames):
            stack.seek(index)
            values = np.asarray(stack, dtype=np.float32)
            slices.append((f"{path.name}#{index}", np.clip((values + 1) * 127.5, 0, 255)))
    return slices


DDPM_SET = "Eschweiler et al. DDPM (3-D fluorescence, slices)"


def external_sets() -> dict[str, dict[str, list[tuple[str, pycore.Image]]]]:
    """Unseen generators: {set: {"generated": [(name, image)], "real": [...]}}."""

    def files(paths: list[Path]) -> list[tuple[str, pycore.Image]]:
        return [(path.name, pycore.load(path.read_bytes(), path.name)) for path in paths]

    deepliif = require(
        AIGEN / "ihc_deepliif_samples" / "Datasets" / "Sample_Dataset" / "test_DeepLIIF_results"
    )
    grip = require(SMOKE / "aigen_grip_ganimagedetection" / "example_images")
    cnn = require(SMOKE / "aigen_cnndetection_examples" / "examples")
    return {
        "DeepLIIF (GAN image translation, IHC)": {
            "generated": files(sorted(deepliif.glob("*_fake_B_*.png"))),
            "real": files(sorted(deepliif.glob("*_real_A.png"))),
        },
        DDPM_SET: {
            "generated": [(name, as_png(gray)) for name, gray in stegmaier_slices()],
            "real": [],
        },
        "GRIP examples (6 GANs, photos)": {
            "generated": files(sorted(grip.glob("fake_*.png"))),
            "real": files(sorted(grip.glob("real_*.png"))),
        },
        "CNNDetection examples (ProGAN, photos)": {
            "generated": files([cnn / "fake.png"]),
            "real": files([cnn / "real.png"]),
        },
    }


def external(sets) -> list[dict]:
    rows = []
    for name, parts in sets.items():
        found = {
            part: scores(ANALYSIS, [image for _, image in images]) for part, images in parts.items()
        }
        rows.append(
            {
                "set": name,
                "generated": int(found["generated"].size),
                "detected": float(np.mean(found["generated"] >= DECIDED_FROM)),
                "median_score": float(np.median(found["generated"])),
                "real": int(found["real"].size),
                "real_flagged": float(np.mean(found["real"] >= DECIDED_FROM))
                if found["real"].size
                else None,
                "auc": auc(found["real"], found["generated"]) if found["real"].size else None,
            }
        )
    return rows


FORMS = {
    "JPEG 95": lambda gray: as_jpeg(gray, 95),
    "JPEG 75": lambda gray: as_jpeg(gray, 75),
    "resize 0.5x": lambda gray: as_png(resize(gray, 0.5)),
    "resize 0.75x": lambda gray: as_png(resize(gray, 0.75)),
    "resize 1.5x": lambda gray: as_png(resize(gray, 1.5)),
    "resize 1.5x Lanczos": lambda gray: as_png(resize(gray, 1.5, PILImage.LANCZOS)),
    "resize 1.5x, JPEG 90": lambda gray: as_jpeg(resize(gray, 1.5), 90),
    "resize 1.5x nearest": lambda gray: as_png(resize(gray, 1.5, PILImage.NEAREST)),
    "resize 2x": lambda gray: as_png(resize(gray, 2.0)),
    "resize 2x bilinear": lambda gray: as_png(resize(gray, 2.0, PILImage.BILINEAR)),
    "resize 2x nearest": lambda gray: as_png(resize(gray, 2.0, PILImage.NEAREST)),
    "resize 2x Lanczos": lambda gray: as_png(resize(gray, 2.0, PILImage.LANCZOS)),
    "resize 2x, JPEG 90": lambda gray: as_jpeg(resize(gray, 2.0), 90),
}


def outcomes(grays: list[np.ndarray], store) -> tuple[np.ndarray, np.ndarray]:
    """For each image, stored by ``store``: its score (NaN where it is too small to be
    judged), and whether the analysis took it for an enlargement and judged it reduced
    (its own finding)."""
    results = [analyse(ANALYSIS, store(gray)) for gray in grays]
    scores = np.array([np.nan if result.score is None else result.score for result in results])
    reduced = np.array(
        [
            any(
                row.get("statistic") == "Judged at a reduction of" and row["value"] > 1
                for row in result.findings
            )
            for result in results
        ]
    )
    return scores, reduced


def robustness_samples(sets) -> dict[str, list[np.ndarray]]:
    """The images whose changes of form are checked: the genuine test images with no
    relative in training, every other image of the unseen generated sets (and of those,
    the GANs' alone), and whole 256x256 redraws of the held-out test images by the
    training simulators (generators the detector knows, so that there are detections for
    a change of form to undo)."""
    genuine = [image.gray for image in real_images("test", held_out=True)]
    rng = np.random.default_rng(3)
    torch.manual_seed(3)  # the denoiser's sampling noise: the same redraws every run
    simulators = training.simulators(lambda: [image.gray for image in real_images("train")])
    redrawn = [
        redraw(simulator, random_crop(genuine[rng.integers(len(genuine))], 256, rng))
        for simulator in simulators.values()
        for _ in range(REDRAWS_PER_SIMULATOR)
    ]
    unseen = [
        (name, image.gray().astype(np.float32))
        for name, parts in sets.items()
        for _, image in parts["generated"]
    ][::2]
    return {
        "genuine (held-out test)": genuine,
        "generated (unseen sets)": [gray for _, gray in unseen],
        # The same without the DDPM's small dark slices (64 of the 72), which the
        # coding-cost test finds or misses and which dominate the row above.
        "generated (unseen sets: the GANs' images only)": [
            gray for name, gray in unseen if name != DDPM_SET
        ],
        "generated (simulators, held-out images)": redrawn,
        "generated (unseen fixed-kernel decoders, scikit-image photos)": decoder_family(),
    }


def decoder_family() -> list[np.ndarray]:
    """DECODER_PHOTOS redrawn by DECODER_KERNELS random fixed-kernel decoders."""
    from skimage import data as skimage_data  # the evaluation's own dependency, not pycore's

    rng = np.random.default_rng(7)
    kernels = [decoder_kernel(rng) for _ in range(DECODER_KERNELS)]
    photos = [getattr(skimage_data, name)() for name in DECODER_PHOTOS]
    return [decoded(photo, kernel).astype(np.float32) for kernel in kernels for photo in photos]


def robustness(
    samples: dict[str, list[np.ndarray]],
) -> tuple[list[dict], list[dict], list[dict]]:
    """Under changes of form, for genuine test images and generated ones: the share of
    decisions (score 0.5 and up: generated) that flip; the share of verdicts that reverse,
    suspicious becoming clean or clean suspicious (across the whole inconclusive band);
    and the share of images taken for enlargements (as PNG and after each change). The
    reference is the image as a PNG, so 'JPEG 95' is also the PNG-vs-JPEG check. An image
    too small to judge after a change (a 64 px image halved) is left out of that change's
    rates."""
    forms = {"as PNG": as_png, **FORMS}
    flips, reversals, enlarged = [], [], []
    for kind, grays in samples.items():
        found = {form: outcomes(grays, store) for form, store in forms.items()}
        reference = found["as PNG"][0]
        judged = reference[~np.isnan(reference)]
        flip = {
            "images": kind,
            "count": len(grays),
            "decided_generated": float(np.mean(judged >= DECIDED_FROM)),
        }
        reversal = {
            "images": kind,
            "count": len(grays),
            "suspicious": float(np.mean(judged >= SUSPICIOUS_FROM)),
            "clean": float(np.mean(judged < INCONCLUSIVE_FROM)),
        }
        for form in FORMS:
            changed = found[form][0]
            both = ~np.isnan(reference) & ~np.isnan(changed)
            before, after = reference[both], changed[both]
            flip[form] = float(np.mean((before >= DECIDED_FROM) != (after >= DECIDED_FROM)))
            reversal[form] = float(
                np.mean(
                    ((before >= SUSPICIOUS_FROM) & (after < INCONCLUSIVE_FROM))
                    | ((before < INCONCLUSIVE_FROM) & (after >= SUSPICIOUS_FROM))
                )
            )
        flips.append(flip)
        reversals.append(reversal)
        enlarged.append(
            {"images": kind, "count": len(grays)}
            | {form: float(np.mean(reduced)) for form, (_, reduced) in found.items()}
        )
    return flips, reversals, enlarged


def share_table(rows: list[dict], leading: dict[str, str], forms) -> list[str]:
    """A markdown table of shares by kind of image: its count, the ``leading`` shares
    ({header: key}), then one share per form."""
    headers = ["images", "count", *leading, *forms]
    lines = ["| " + " | ".join(headers) + " |", "|---|" + "---:|" * (len(headers) - 1)]
    for row in rows:
        shares = [row[key] for key in (*leading.values(), *forms)]
        lines.append(
            f"| {row['images']} | {row['count']} | "
            + " | ".join(f"{share:.0%}" for share in shares)
            + " |"
        )
    return lines


def remeasured(report: dict) -> str:
    """Which groups the last leave-one-out run measured, where it was not all of them
    (``--logo-groups``: the other rows are kept from earlier runs)."""
    groups = report.get("logo_groups", list(training.GROUPS))
    if set(groups) == set(training.GROUPS):
        return ""
    return f" to measure again only {', '.join(groups)} (the other rows are from earlier runs)"


def markdown(report: dict) -> str:
    lines = [
        "# ai_generated: validation",
        "",
        "`.venv/bin/python -m models.ai_generated.evaluate` (both parts below; the "
        f"leave-one-out part last took {report.get('logo_seconds', 0):.0f} s"
        f"{remeasured(report)}, the other checks {report.get('checks_seconds', 0):.0f} s).",
        "",
        "## Leave one generator out (64x64 patches, ROC AUC)",
        "",
        "Each detector trained without the group named (for the steps per member and the "
        "seeds given), then tested on patches made from the test split: 1000 genuine crops "
        "of real images and 300 of blots against each group's (the genuine crops include "
        "test images with relatives in training, which the whole-image checks below leave "
        "out).",
        "",
        "| trained without | seeds | steps | tested on | unseen | AUC | AUC after JPEG 75 |",
        "|---|---:|---:|---|---|---:|---:|",
    ]
    for row in report["leave_one_out"]:
        lines.append(
            f"| {row['left_out']} | {row['seeds']} | {row['steps']} | {row['group']} | "
            f"{'yes' if row['unseen'] else ''} | {row['auc']:.3f} | {row['auc_jpeg75']:.3f} |"
        )
    lines += [
        "",
        "## Generators never used in training (whole files, shipped model)",
        "",
        "| set | generated | detected (score >= 0.5) | median score | real | real flagged | AUC |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["external"]:
        flagged = "" if row["real_flagged"] is None else f"{row['real_flagged']:.0%}"
        area = "" if row["auc"] is None else f"{row['auc']:.3f}"
        lines.append(
            f"| {row['set']} | {row['generated']} | {row['detected']:.0%} | "
            f"{row['median_score']:.2f} | {row['real']} | {flagged} | {area} |"
        )
    alarms = report["false_alarms"]
    lines += [
        "",
        "## False alarms on genuine images (test split of ../shared/data/real, no relative "
        "in training)",
        "",
        f"{alarms['images']} images: suspicious {alarms['suspicious']:.1%}, "
        f"inconclusive {alarms['inconclusive']:.1%}.",
        "",
        "## Robustness: share of decisions that flip against the PNG original",
        "",
        *share_table(report["robustness"], {"decided generated": "decided_generated"}, FORMS),
        "",
        "## Robustness: share of verdicts that reverse against the PNG original",
        "",
        f"Suspicious (score {SUSPICIOUS_FROM} and up) becoming clean (below "
        f"{INCONCLUSIVE_FROM}), or clean becoming suspicious; a move into or out of the "
        "inconclusive band is not counted here (the table above counts it where it crosses "
        "0.5).",
        "",
        *share_table(
            report.get("reversals", []), {"suspicious": "suspicious", "clean": "clean"}, FORMS
        ),
        "",
        "## Taken for enlargements and judged reduced (pycore.enlargement)",
        "",
        *share_table(report.get("enlargements_found", []), {}, ["as PNG", *FORMS]),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logo-steps", type=int, default=4000)
    parser.add_argument(
        "--logo-from",
        type=Path,
        help="read the leave-one-out detectors from FOLDER/<group>.pt instead of training "
        "them here with one seed (trained with --logo-steps steps)",
    )
    parser.add_argument(
        "--logo-groups",
        nargs="+",
        choices=training.GROUPS,
        default=list(training.GROUPS),
        metavar="GROUP",
        help="leave out only these groups (the others keep their earlier rows)",
    )
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument(
        "--skip-logo",
        action="store_true",
        help="only the shipped model's checks (keeps earlier leave-one-out rows)",
    )
    parts.add_argument(
        "--only-logo",
        action="store_true",
        help="only leave one generator out (keeps the other earlier rows)",
    )
    args = parser.parse_args()
    earlier = HERE / "validation.json"
    report = json.loads(earlier.read_text()) if earlier.is_file() else {"leave_one_out": []}
    if not args.skip_logo:
        logo_started = time.monotonic()
        rows = leave_one_out(args.logo_steps, args.logo_from, tuple(args.logo_groups))
        # Groups not measured again keep their earlier rows.
        again = {row["left_out"] for row in rows}
        kept = [row for row in report["leave_one_out"] if row["left_out"] not in again]
        order = {name: index for index, name in enumerate([SHIPPED, *training.GROUPS])}
        report["leave_one_out"] = sorted(
            rows + kept, key=lambda row: order.get(row["left_out"], len(order))
        )
        report["logo_seconds"] = time.monotonic() - logo_started
        report["logo_groups"] = list(args.logo_groups)
    if not args.only_logo:
        checks_started = time.monotonic()
        sets = external_sets()
        report["external"] = external(sets)
        report["false_alarms"] = false_alarms(ANALYSIS)
        samples = robustness_samples(sets)
        report["robustness"], report["reversals"], report["enlargements_found"] = robustness(
            samples
        )
        report["calibration_statistics"] = statistics(ANALYSIS, "calibrate")
        report["checks_seconds"] = time.monotonic() - checks_started
    write_report(HERE, report, markdown)


if __name__ == "__main__":
    main()
