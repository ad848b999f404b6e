"""The two learned detectors' networks (PyTorch), small enough for the browser.

Both are fully convolutional on the luminance (pycore.learned.model_input) and start from
its high-pass residual, the image less its 3x3 local mean: what generators and editing
tools leave behind is in the fine grain, not in the content (the residual is the common
first step of forensic CNNs since Bayar & Stamm, "A deep learning approach to universal
image manipulation detection using a new convolutional layer", IH&MMSec 2016). Being fully
convolutional, one network serves a 64x64 training patch and a 1024x1024 image alike.
"""

from __future__ import annotations

import argparse
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
        corners = F.interpolate(image[:, :, ::2, ::2], scale_factor=2.0, mode="nearest")
        return (image - corners) * _RESIDUAL_GAIN


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


class GeneratedDetector(nn.Module):
    """ai_generated: a logit per 16x16 cell that the grain there was made by a generator,
    the mean of two members' logits, trained apart on the same data.

    The member on the neighbouring-pixel residual finds far more unseen generators, but
    alone it also flags some genuine images whose history holds an interpolation (a
    scanned page); the member on the high-pass residual rarely does. Their mean keeps the
    high-pass member's false-alarm rate and a part of the other's reach (card.md)."""

    OUTPUT_STRIDE = 16

    def __init__(self) -> None:
        super().__init__()
        self.members = nn.ModuleList(ResidualDetector(kind()) for kind in GENERATED_RESIDUALS)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return sum(member(image) for member in self.members) / len(self.members)


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


def export_onnx(network: nn.Module, path: str, opset: int = 17) -> None:
    """The network in inference mode as ONNX with free height and width (multiples of 32)."""
    network.eval()
    example = torch.zeros(1, 1, 64, 64)
    torch.onnx.export(
        network,
        (example,),
        path,
        dynamo=False,  # the TorchScript exporter needs no onnxscript and gives plain opset 17
        opset_version=opset,
        input_names=["luminance"],
        output_names=["logits"],
        dynamic_axes={"luminance": {2: "height", 3: "width"}, "logits": {2: "rows", 3: "cols"}},
    )


def export_main(network_class: type[nn.Module], folder: Path) -> None:
    """Command line of a model's export.py: folder/checkpoint.pt to folder/model.onnx."""
    parser = argparse.ArgumentParser(description=f"Export {folder.name} to ONNX.")
    parser.add_argument("--checkpoint", type=Path, default=folder / "checkpoint.pt")
    parser.add_argument("--out", type=Path, default=folder / "model.onnx")
    args = parser.parse_args()
    if not args.checkpoint.is_file():
        raise SystemExit(f"{args.checkpoint} is missing: run models.{folder.name}.train first")
    network = network_class()
    network.load_state_dict(torch.load(args.checkpoint))
    export_onnx(network, str(args.out))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
