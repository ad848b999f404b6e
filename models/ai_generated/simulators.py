"""Generated images of our own: small autoencoders that redraw real micrographs.

A generator's decoder draws every pixel from a coarse code through learned up-sampling
layers, and that leaves its trace in the grain. An autoencoder trained on real images has
such a decoder, so its reconstructions of real images carry the trace without any
generator's weights or outputs: this is AutoGAN (X. Zhang, S. Karaman and S.-F. Chang,
"Detecting and Simulating Artifacts in GAN Fake Images", WIFS 2019), whose detector,
trained on reconstructions only, generalised to unseen GANs. Each simulator here uses one
kind of up-sampling found in GAN and diffusion decoders (transposed convolution, nearest
or bilinear up-sampling followed by a convolution, sub-pixel convolution), so that
leaving one out of training tests generalisation to an unseen kind.

A fifth simulator imitates a diffusion model's sampling: a small denoising U-Net (skip
connections, nearest up-sampling, as DDPM's) trained to remove Gaussian noise from real
crops; a real crop drowned in noise is then denoised step by step with decreasing noise
(SDEdit: C. Meng et al., ICLR 2022), so that every pixel of the result is drawn by the
network, as in a diffusion model's last steps.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812

from ..data import random_crop

UPSAMPLERS = ("transposed", "nearest", "bilinear", "subpixel")
KINDS = (*UPSAMPLERS, "denoiser")
# Noise levels (in units of the full range) of the denoiser's sampling steps.
_SAMPLING_NOISE = (0.25, 0.12, 0.05)


def _upsampler(kind: str, channels_in: int, channels_out: int) -> nn.Module:
    if kind == "transposed":
        return nn.ConvTranspose2d(channels_in, channels_out, 4, stride=2, padding=1)
    if kind == "subpixel":
        return nn.Sequential(
            nn.Conv2d(channels_in, channels_out * 4, 3, padding=1), nn.PixelShuffle(2)
        )
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode=kind), nn.Conv2d(channels_in, channels_out, 3, padding=1)
    )


class Autoencoder(nn.Module):
    """Encoder to 1/4 of the image, decoder back up by two learned 2x up-samplings."""

    def __init__(self, upsampler: str) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 32, 3, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 3, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(64, 64, 3, padding=1),
            nn.LeakyReLU(0.2),
        )
        self.decoder = nn.Sequential(
            _upsampler(upsampler, 64, 32),
            nn.LeakyReLU(0.2),
            _upsampler(upsampler, 32, 16),
            nn.LeakyReLU(0.2),
            nn.Conv2d(16, 1, 3, padding=1),
        )

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(self.encoder(image)))

    def training_pair(self, clean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return clean, clean

    def draw(self, image: torch.Tensor) -> torch.Tensor:
        return self(image)


class Denoiser(nn.Module):
    """A two-level U-Net that predicts the clean image from a noisy one."""

    def __init__(self) -> None:
        super().__init__()
        self.down1 = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.SiLU())
        self.down2 = nn.Sequential(nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.SiLU())
        self.middle = nn.Sequential(
            nn.Conv2d(64, 64, 3, stride=2, padding=1), nn.SiLU(), _upsampler("nearest", 64, 64)
        )
        self.up2 = nn.Sequential(nn.SiLU(), _upsampler("nearest", 128, 32), nn.SiLU())
        self.out = nn.Conv2d(64, 1, 3, padding=1)

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:
        first = self.down1(noisy)
        second = self.down2(first)
        merged = self.up2(torch.cat([self.middle(second), second], dim=1))
        return torch.sigmoid(self.out(torch.cat([merged, first], dim=1)))

    def training_pair(self, clean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        sigma = torch.empty(clean.shape[0], 1, 1, 1).uniform_(0.03, 0.3)
        return clean + sigma * torch.randn_like(clean), clean

    def draw(self, image: torch.Tensor) -> torch.Tensor:
        drawn = image
        for sigma in _SAMPLING_NOISE:
            drawn = self(drawn + sigma * torch.randn_like(drawn))
        return drawn


Simulator = Autoencoder | Denoiser


def make_simulator(kind: str) -> Simulator:
    return Denoiser() if kind == "denoiser" else Autoencoder(kind)


def train_simulator(kind: str, grays: list[np.ndarray], steps: int, seed: int) -> Simulator:
    """A simulator fitted to 64x64 crops of ``grays`` (8-bit units) with an L1 loss."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    simulator = make_simulator(kind)
    optimiser = torch.optim.Adam(simulator.parameters(), lr=2e-3)
    for _ in range(steps):
        batch = np.stack([random_crop(grays[rng.integers(len(grays))], 64, rng) for _ in range(16)])
        given, target = simulator.training_pair(torch.from_numpy(batch[:, None] / 255.0).float())
        loss = F.l1_loss(simulator(given), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return simulator.eval()


@torch.no_grad()
def redraw(simulator: Simulator, gray: np.ndarray) -> np.ndarray:
    """``gray`` (8-bit units, sides multiples of 4) as the simulator redraws it."""
    tensor = torch.from_numpy(gray[None, None] / 255.0).float()
    return (simulator.draw(tensor)[0, 0].numpy() * 255.0).astype(np.float32)
