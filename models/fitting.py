"""The optimisation loop the training scripts share."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from torch import nn


def fit(
    network: nn.Module, step_loss: Callable[[int], torch.Tensor], steps: int, rate: float = 2e-3
) -> nn.Module:
    """Minimise ``step_loss(step)`` (which draws its own batch) for ``steps`` steps with
    AdamW and a one-cycle learning-rate schedule peaking at ``rate``; returns the network in
    inference mode."""
    network.train()
    optimiser = torch.optim.AdamW(network.parameters(), lr=rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=rate, total_steps=steps)
    started = time.monotonic()
    for step in range(steps):
        loss = step_loss(step)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 250 == 0 or step == steps - 1:
            elapsed = time.monotonic() - started
            print(f"step {step:5d}  loss {loss.item():.4f}  {elapsed:6.0f} s", flush=True)
    return network.eval()
