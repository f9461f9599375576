"""A pencil-sketch redrawing of an image: its outlines in grainy grey pencil strokes on tinted paper.

Filled icons, shaded illustrations and sketches show one object in three styles; drawing a
training image as a sketch now and then teaches a from-scratch net the outline they share.
"""

from __future__ import annotations

import albumentations as A
import cv2
import numpy as np


def pencil_sketch(image: np.ndarray, darkness: float, width: int, paper: np.ndarray, grain: float,
                  rng: np.random.Generator) -> np.ndarray:
    """The outlines of `image` (uint8 RGB) as pencil lines `width` px wide, `darkness` in 0..1, on `paper` (RGB)."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width + 1, width + 1))
    edges = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, kernel).astype(np.float32) / 255.0
    line = np.clip(edges * 3.0, 0.0, 1.0) * darkness
    if grain:
        line *= np.clip(1.0 + rng.normal(0.0, grain, line.shape), 0.0, 1.5).astype(np.float32)
    out = paper.astype(np.float32)[None, None, :] * (1.0 - line[..., None])
    return np.clip(out, 0, 255).astype(np.uint8)


class PencilSketch(A.ImageOnlyTransform):
    """albumentations transform for `pencil_sketch`, drawing its parameters from the pipeline's seeded generator."""

    def get_params(self):
        rng = self.random_generator
        return {"darkness": float(rng.uniform(0.5, 0.9)), "width": int(rng.integers(1, 3)),
                "paper": rng.uniform(225, 255, 3), "grain": float(rng.uniform(0.0, 0.4)),
                "noise_seed": int(rng.integers(2**31))}

    def apply(self, img, darkness=0.7, width=1, paper=(255, 255, 255), grain=0.0, noise_seed=0, **params):
        return pencil_sketch(img, darkness, width, np.asarray(paper), grain, np.random.default_rng(noise_seed))
