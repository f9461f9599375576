"""Test-time augmentation over the dihedral group of the square: up to 8 flips/rotations, averaged."""

from __future__ import annotations

import numpy as np

# Ordered so that the first 2 are identity + horizontal flip (the usual choice for
# natural images) and the first 4 are the flips; 8 is the whole group (overhead imagery).
DIHEDRAL = (
    lambda x: x,
    lambda x: x[:, ::-1],
    lambda x: x[::-1, :],
    lambda x: x[::-1, ::-1],
    lambda x: np.swapaxes(x, 0, 1),
    lambda x: np.rot90(x, 1),
    lambda x: np.rot90(x, 3),
    lambda x: np.swapaxes(x[::-1, ::-1], 0, 1),
)


def views(n: int):
    """The first `n` dihedral transforms of an (H, W, C) image; n in 1, 2, 4 or 8."""
    if n not in (1, 2, 4, 8):
        raise ValueError(f"TTA views must be 1, 2, 4 or 8, got {n}")
    return DIHEDRAL[:n]


def average(outputs: np.ndarray, n: int) -> np.ndarray:
    """Mean over each image's `n` consecutive view rows: (N * n, C) -> (N, C)."""
    outputs = np.asarray(outputs)
    if len(outputs) % n:
        raise ValueError(f"{len(outputs)} rows is not a multiple of {n} views")
    return outputs.reshape(len(outputs) // n, n, *outputs.shape[1:]).mean(axis=1)
