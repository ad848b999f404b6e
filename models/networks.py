"""The learned models' networks (PyTorch), small enough for the browser.

All are fully convolutional on the luminance (pycore.learned.model_input), so one network
serves a training crop and a 1024x1024 image alike. The two detectors start from its
high-pass residual, the image less its 3x3 local mean: what generators and editing tools
leave behind is in the fine grain, not in the content (the residual is the common first
step of forensic CNNs since Bayar & Stamm, "A deep learning approach to universal image
manipulation detection using a new convolutional layer", IH&MMSec 2016). The third,
CodingCost, is a model of real images only, for a one-class test of the same grain.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812 (PyTorch's own convention)

# The residual's scale: 8-bit grain of a few levels becomes order one.
_RESIDUAL_GAIN = 32.0


class HighPass(nn.Module):
    """The image less its 3x3 local mean (mirrored at the edges), amplified."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        padded = F.pad(image, (1, 1, 1, 1), mode="reflect")
        return (image - F.avg_pool2d(padded, 3, stride=1)) * _RESIDUAL_GAIN


def conv_block(channels_in: int, channels_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
    )


class NeighbourResidual(nn.Module):
    """Each pixel less the first pixel of its 2x2 cell, amplified like HighPass.

    Neighbouring pixel relationships (C. Tan et al., "Rethinking the up-sampling operations
    in CNN-based generative network for generalizable deepfake detection", CVPR 2024): an
    up-sampling layer makes the pixels of each 2x2 cell it draws depend on one another
    whatever the generator, which is what lets a detector trained on some generators find
    others. The input's height and width are even (pycore pads to multiples of 32)."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return (image - _upsample(image[:, :, ::2, ::2])) * _RESIDUAL_GAIN


class ResidualDetector(nn.Module):
    """One member of GeneratedDetector: a residual of the image, then six 3x3 conv + batch
    norm + ReLU layers (four with stride 2) and a 1x1 conv to a logit per 16x16 cell.
    Receptive field 42-43 pixels, several periods of the traces of two or three
    up-sampling layers (periods 2 to 8)."""

    def __init__(self, residual: nn.Module) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            residual,
            conv_block(1, 16),
            conv_block(16, 24, stride=2),
            conv_block(24, 32, stride=2),
            conv_block(32, 48),
            conv_block(48, 64, stride=2),
            conv_block(64, 64, stride=2),
            nn.Conv2d(64, 1, 1),
        )

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.layers(image)


# The residuals GeneratedDetector's members start from, in order.
GENERATED_RESIDUALS: tuple[type[nn.Module], ...] = (HighPass, NeighbourResidual)


# Seeds of the shipped ai_generated ensemble: each trains one member per residual.
GENERATED_SEEDS = 3


class GeneratedDetector(nn.Module):
    """ai_generated: a logit per 16x16 cell that the grain there was made by a generator,
    the mean of its members' logits: one member per residual for each of ``seeds``
    trainings that differ only in their seed (a deep ensemble: B. Lakshminarayanan et al.,
    "Simple and scalable predictive uncertainty estimation using deep ensembles", NeurIPS
    2017).

    The member on the neighbouring-pixel residual finds far more unseen generators, but
    alone it also flags some genuine images whose history holds an interpolation (a
    scanned page); the member on the high-pass residual rarely does. Their mean keeps the
    high-pass member's false-alarm rate and a part of the other's reach. Which unseen
    generators one training finds varies from seed to seed as much as from recipe to
    recipe; the mean over seeds is steadier than any one of them (card.md)."""

    OUTPUT_STRIDE = 16

    def __init__(self, seeds: int = GENERATED_SEEDS) -> None:
        super().__init__()
        self.members = nn.ModuleList(
            ResidualDetector(kind()) for _ in range(seeds) for kind in GENERATED_RESIDUALS
        )

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return sum(member(image) for member in self.members) / len(self.members)

    @property
    def seeds(self) -> int:
        return len(self.members) // len(GENERATED_RESIDUALS)

    @classmethod
    def joined(cls, detectors: list[GeneratedDetector]) -> GeneratedDetector:
        """One detector whose members are all of ``detectors``' members, in order: seeds
        trained apart (in parallel, or in another session) ship as one model."""
        joined = cls(seeds=0)
        joined.members = nn.ModuleList(m for detector in detectors for m in detector.members)
        _check_member_count(len(joined.members))
        return joined.eval()

    @classmethod
    def loaded(cls, path: Path) -> GeneratedDetector:
        """The detector saved at ``path``, however many seeds it holds."""
        state = torch.load(path)
        members = {int(key.split(".")[1]) for key in state if key.startswith("members.")}
        _check_member_count(len(members))
        detector = cls(seeds=len(members) // len(GENERATED_RESIDUALS))
        detector.load_state_dict(state)
        return detector.eval()


def _check_member_count(count: int) -> None:
    if not count or count % len(GENERATED_RESIDUALS):
        raise ValueError(
            f"{count} members: a GeneratedDetector has {len(GENERATED_RESIDUALS)} per seed"
        )


class EditSegmenter(nn.Module):
    """manipulation: a logit per 4x4 cell that the pixels there were locally edited.

    A small U-Net (Ronneberger et al., MICCAI 2015): the encoder reaches 1/16 of the image
    for context (an edit is told from its surroundings), the decoder returns to 1/4 with
    skip connections so outlines stay sharp. Receptive field: about 130 pixels."""

    OUTPUT_STRIDE = 4

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(HighPass(), conv_block(1, 16), conv_block(16, 16, stride=2))
        self.quarter = nn.Sequential(conv_block(16, 32, stride=2), conv_block(32, 32))
        self.eighth = nn.Sequential(conv_block(32, 48, stride=2), conv_block(48, 48))
        self.sixteenth = nn.Sequential(conv_block(48, 64, stride=2), conv_block(64, 64))
        self.up_eighth = conv_block(64 + 48, 32)
        self.up_quarter = conv_block(32 + 32, 16)
        self.head = nn.Conv2d(16, 1, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        quarter = self.quarter(self.stem(image))
        eighth = self.eighth(quarter)
        context = self.sixteenth(eighth)
        merged = self.up_eighth(torch.cat([_upsample(context), eighth], dim=1))
        merged = self.up_quarter(torch.cat([_upsample(merged), quarter], dim=1))
        return self.head(merged)


def _upsample(features: torch.Tensor) -> torch.Tensor:
    return F.interpolate(features, scale_factor=2.0, mode="nearest")


# A pixel of CodingCost counts where its predicted distribution is this many scales (and
# one more) clear of 0 and 255.
_CLEAR_OF_ENDS = 4.0


class CodingCost(nn.Module):
    """coding_cost: per 16x16 cell, how much more (or less) the pixels cost to code than a
    model of real images expects (ZED: D. Cozzolino, G. Poggi, M. Niessner and L. Verdoliva,
    "Zero-Shot Detection of AI-Generated Images", ECCV 2024).

    A lossless coder's predictor in the manner of SReC (S. Cao, C.-Y. Wu and P.
    Krähenbühl, "Lossless Image Compression through Super-Resolution", 2020), on one
    level of the image pyramid: each pixel's distribution (a discretised logistic) is
    predicted from the image at half size, the 2x2 means rounded to 8-bit levels. Trained
    on real images only, so it knows nothing of any generator. For a real image the actual
    cost of each pixel (its negative log-likelihood) is on average its expected cost (the
    entropy of its predicted distribution); an image whose fine grain was not recorded
    surprises the model and the two part. Only pixels whose predicted distribution is
    clear of 0 and 255 count: at a saturated or black background, where most of the
    mass sits on the end level, the prediction is trivially right and says nothing of the
    grain (the choice depends on the prediction alone, not on the pixel, so it does not
    bias the gap).

    Output: two channels per cell, the mean gap (nats per pixel, actual less expected)
    over the pixels that count (weighted) and the share of the cell's pixels that count."""

    OUTPUT_STRIDE = 16

    def __init__(self, width: int = 32, depth: int = 5) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(1, width, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True)]
        # Two parameters (mean, log scale) for each of the four pixels under a coarse one.
        layers.append(nn.Conv2d(width, 8, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def predict(self, coarse: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The distribution of each pixel of the level twice as fine as ``coarse`` (8-bit
        units): its mean and log scale, in 8-bit units."""
        offsets = F.pixel_shuffle(self.body(coarse / 64.0 - 2.0), 2)
        mean = _upsample(coarse) + 8.0 * offsets[:, :1]
        return mean, offsets[:, 1:].clamp(-4.0, 5.0)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        fine = torch.round(image * 255.0)
        mean, log_scale = self.predict(coarser(fine))
        gap = -logistic_log_mass(fine, mean, log_scale) - logistic_entropy(mean, log_scale)
        # How many scales the distribution is clear of the end levels; a pixel counts fully
        # from one scale beyond _CLEAR_OF_ENDS, not at all below it, and partly between, so
        # that the output moves smoothly with the prediction (float32 rounding in another
        # runtime must not tip a pixel in or out).
        clearance = torch.minimum(mean - 0.5, 254.5 - mean) * torch.exp(-log_scale)
        counted = (clearance - _CLEAR_OF_ENDS).clamp(0.0, 1.0)
        share = F.avg_pool2d(counted, self.OUTPUT_STRIDE)
        gap_sum = F.avg_pool2d(gap * counted, self.OUTPUT_STRIDE)
        # A cell where no pixel counts gives 0 rather than 0/0 (pycore does not judge it).
        return torch.cat([gap_sum / share.clamp(min=1.0 / 256.0), share], dim=1)


def coarser(levels: torch.Tensor) -> torch.Tensor:
    """The next level of the pyramid: 2x2 means rounded to 8-bit levels."""
    return torch.floor(F.avg_pool2d(levels, 2) + 0.5)


def logistic_log_mass(
    value: torch.Tensor, mean: torch.Tensor, log_scale: torch.Tensor
) -> torch.Tensor:
    """Log-probability of the 8-bit ``value`` under a logistic distribution discretised to
    levels 0..255, the two end levels taking the tails (as in PixelCNN++)."""
    inverse_scale = torch.exp(-log_scale)
    centred = value - mean
    upper = inverse_scale * (centred + 0.5)
    lower = inverse_scale * (centred - 0.5)
    # The mass sigmoid(upper) - sigmoid(lower) is sigmoid(upper) sigmoid(-lower)
    # (1 - exp(lower - upper)); taken in logs it keeps its precision far into the tails,
    # where a difference of two sigmoids loses it in float32 (and then depends on the
    # runtime's sigmoid: onnxruntime's approximation put whole nats on unlikely pixels).
    log_mass = -F.softplus(-upper) - F.softplus(lower) + torch.log(1.0 - torch.exp(-inverse_scale))
    at_zero = -F.softplus(-upper)  # log CDF(0.5)
    at_top = -F.softplus(lower)  # log (1 - CDF(254.5))
    return torch.where(value < 0.5, at_zero, torch.where(value > 254.5, at_top, log_mass))


# Up to this scale (8-bit levels) the entropy is summed level by level over a window of
# this many levels about the mean (about eight scales either side); above it, the
# continuous logistic's entropy between the end levels stands in for the sum. Either way it
# is within 0.007 nat of the sum over all 256 levels (40,000 random means and scales).
_SUMMED_UP_TO_SCALE = 2.0
_SUMMED_LEVELS = 32


def logistic_entropy(mean: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """Entropy (nats) of the discretised logistic of :func:`logistic_log_mass`, the end
    levels 0 and 255 taking the tails."""
    return torch.where(
        log_scale <= math.log(_SUMMED_UP_TO_SCALE),
        _summed_entropy(mean, log_scale),
        _continuous_entropy(mean, log_scale),
    )


def _summed_entropy(mean: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    scale = torch.exp(log_scale)
    first = (torch.round(mean) - _SUMMED_LEVELS // 2).clamp(0.0, 256.0 - _SUMMED_LEVELS)
    # The CDF at the window's level edges; the end levels take the tails.
    edges = [
        torch.sigmoid((first + index - 0.5 - mean) / scale) for index in range(_SUMMED_LEVELS + 1)
    ]
    edges[0] = torch.where(first > 0.5, edges[0], torch.zeros_like(mean))
    last = first + _SUMMED_LEVELS - 1
    edges[-1] = torch.where(last < 254.5, edges[-1], torch.ones_like(mean))
    summed = torch.zeros_like(mean)
    for lower, upper in pairwise(edges):
        summed = summed - _plogp(upper - lower)
    return summed


def _continuous_entropy(mean: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """The end levels' masses, and the logistic density's entropy integral between them:
    with u the CDF, -f log f dx = (log s - log u - log(1 - u)) du, whose integral is G(u)
    below (G(1) - G(0) = log s + 2, the whole logistic's)."""
    below = torch.sigmoid((0.5 - mean) * torch.exp(-log_scale))
    above = torch.sigmoid((254.5 - mean) * torch.exp(-log_scale))

    def integral(u: torch.Tensor) -> torch.Tensor:
        return u * log_scale + u - _plogp(u) + _plogp(1.0 - u) - (1.0 - u)

    return integral(above) - integral(below) - _plogp(below) - _plogp(1.0 - above)


def _plogp(mass: torch.Tensor) -> torch.Tensor:
    mass = mass.clamp(min=1e-12)
    return mass * torch.log(mass)


def export_onnx(network: nn.Module, path: str, opset: int = 17, output: str = "logits") -> None:
    """The network in inference mode as ONNX with free height and width (multiples of 32);
    its output is named ``output``."""
    network.eval()
    example = torch.zeros(1, 1, 64, 64)
    torch.onnx.export(
        network,
        (example,),
        path,
        dynamo=False,  # the TorchScript exporter needs no onnxscript and gives plain opset 17
        opset_version=opset,
        input_names=["luminance"],
        output_names=[output],
        dynamic_axes={"luminance": {2: "height", 3: "width"}, output: {2: "rows", 3: "cols"}},
    )


def state_loader(network_class: type[nn.Module]) -> Callable[[Path], nn.Module]:
    """A loader of ``network_class``'s checkpoints (its default shape) for export_main."""

    def load(path: Path) -> nn.Module:
        network = network_class()
        network.load_state_dict(torch.load(path))
        return network

    return load


def export_main(load: Callable[[Path], nn.Module], folder: Path, output: str = "logits") -> None:
    """Command line of a model's export.py: folder/checkpoint.pt, read by ``load``, to
    folder/model.onnx."""
    parser = argparse.ArgumentParser(description=f"Export {folder.name} to ONNX.")
    parser.add_argument("--checkpoint", type=Path, default=folder / "checkpoint.pt")
    parser.add_argument("--out", type=Path, default=folder / "model.onnx")
    args = parser.parse_args()
    if not args.checkpoint.is_file():
        raise SystemExit(f"{args.checkpoint} is missing: run models.{folder.name}.train first")
    export_onnx(load(args.checkpoint), str(args.out), output=output)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
