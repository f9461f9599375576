"""How photograph-like an image is, from simple statistics, standardised robustly against the whole set."""

from __future__ import annotations

import cv2
import numpy as np

# Statistic of `image_stats` -> (sign: +1 where photographs score higher than drawings, smallest spread used to
# standardise). The floors keep a set of near-identical drawings (spread ~0) from turning tiny differences into
# huge scores.
STATISTICS = {"log_colours": (1.0, 0.25), "flat_fraction": (-1.0, 0.05), "grey_entropy": (1.0, 0.25),
              "texture": (1.0, 1.0)}
# The ones the detector scores with. The colour count is left out: on real icon artwork it told photos from
# drawings no better than chance (emoji gradients, JPEG artefacts and paper grain add colours too), and
# without it F1 rose on every seed of `benchmarks/pictogram_hygiene.py`.
FEATURES = ("flat_fraction", "grey_entropy", "texture")


def image_stats(image: np.ndarray, size: int = 96) -> dict[str, float]:
    """Colour count, share of flat pixels, grey-level entropy and fine texture of an RGB uint8 image.

    Drawings have few colours and large flat areas; photographs and noisy textures have neither.
    """
    small = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    quantised = (small >> 3).astype(np.int32)
    colours = len(np.unique(quantised[..., 0] * 1024 + quantised[..., 1] * 32 + quantised[..., 2]))
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    laplacian = np.abs(cv2.Laplacian(grey.astype(np.float32), cv2.CV_32F, ksize=3))
    histogram = np.bincount(grey.ravel(), minlength=256) / grey.size
    nonzero = histogram[histogram > 0]
    return {"log_colours": float(np.log(colours)), "flat_fraction": float(np.mean(laplacian < 4)),
            "grey_entropy": float(-(nonzero * np.log2(nonzero)).sum()), "texture": float(np.median(laplacian))}


def photo_scores(stats: list[dict[str, float]], features=FEATURES) -> np.ndarray:
    """Mean over `features` of the signed robust z-score (median, scaled MAD with a floor): high = photo-like."""
    if not stats:
        return np.zeros(0)
    total = np.zeros(len(stats))
    for name in features:
        sign, floor = STATISTICS[name]
        values = np.array([s[name] for s in stats], np.float64)
        median = np.median(values)
        spread = 1.4826 * np.median(np.abs(values - median))
        spread = max(spread, floor)
        total += sign * (values - median) / spread
    return total / len(features)
