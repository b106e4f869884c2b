"""``channel_stats``: per-channel mean and standard deviation of uint8 images, for ``Normalize``."""
from __future__ import annotations

import math

import numpy as np


def channel_stats(images: np.ndarray, indices: np.ndarray | None = None, chunk: int = 4096) -> tuple[list, list]:
    """Per-channel mean and std of ``images[indices] / 255`` (uint8 ``(N, H, W[, C])``).

    Summed in float64 over chunks of images, so a 50,000-image CIFAR-10 split never exists
    as one float array. Returns one value per channel (one for grayscale); ``indices`` None
    means every image.
    """
    if indices is None:
        indices = np.arange(len(images))
    channels = 1 if images.ndim == 3 else images.shape[3]
    total = np.zeros(channels)
    total_sq = np.zeros(channels)
    for start in range(0, len(indices), chunk):
        x = images[np.sort(indices[start:start + chunk])].astype(np.float64).reshape(-1, channels) / 255
        total += x.sum(axis=0)
        total_sq += np.einsum("ij,ij->j", x, x)
    count = len(indices) * math.prod(images.shape[1:]) / channels
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - mean * mean, 1e-12))
    return [float(v) for v in mean], [float(v) for v in std]
