"""A small synthetic Planet data set in the exact layout of the Kaggle download.

Tags follow the real co-occurrence; each tag paints its own visual signature, so the
demo and the tests can train and score a model without the real download.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from compete.common.io.atomic import atomic_path, write_text
from compete.competitions.planet.tags import CLOUDY, TRAIN_TAG_COUNTS, WEATHER_TAGS

# Weather shares: TRAIN_TAG_COUNTS of the four weather tags over their sum (40,478).
WEATHER_P = np.array([TRAIN_TAG_COUNTS[w] for w in WEATHER_TAGS], dtype=float)
WEATHER_P /= WEATHER_P.sum()

# P(tag | parents) on non-cloudy rows, a small Bayesian network sampled in this order.
# Tables come from the first 1,000 rows of the real train_v2.csv (conditional rates,
# smoothed by adding 5 pseudo-rows at the tag's overall rate), then each table was scaled
# so the tag's marginal over all rows matches TRAIN_TAG_COUNTS / TRAIN_ROWS (within 0.001).
# Tags under 1% were boosted to 0.008 + 0.75 * real share (a strictly increasing map, so
# the frequency order is kept), giving 600 rows about 6 chips of even the rarest tag.
# Weather-indexed tables follow WEATHER_TAGS; the last entry (cloudy) is never used.
# conventional_mine has a single row in the 1,000, so its 50x tie to bare_ground is assumed;
# selective_logging, blooming and blow_down are forest features, so they need primary.
LAND_MODEL = (
    ("primary", (), 0.9772),
    ("agriculture", ("weather",), (0.3262, 0.3215, 0.2619, 0.0)),
    ("water", ("weather",), (0.1946, 0.1842, 0.2007, 0.0)),
    ("road", ("agriculture",), (0.0726, 0.5013)),
    ("habitation", ("agriculture", "road"), ((0.0142, 0.2633), (0.1159, 0.3422))),
    ("cultivation", ("agriculture", "habitation"), ((0.0353, 0.3091), (0.2427, 0.3869))),
    ("bare_ground", ("primary",), (0.1678, 0.0190)),
    ("slash_burn", ("agriculture", "cultivation"), ((0.0035, 0.0798), (0.0096, 0.0639))),
    ("artisinal_mine", ("water",), (0.0023, 0.0686)),
    ("conventional_mine", ("bare_ground",), (0.0049, 0.2467)),
    ("selective_logging", ("primary", "road"), ((0.0, 0.0), (0.0092, 0.0388))),
    ("blooming", ("primary", "agriculture"), ((0.0, 0.0), (0.0195, 0.0063))),
    ("blow_down", ("primary", "agriculture"), ((0.0, 0.0), (0.0156, 0.0002))),
)

SUBMISSION_TAGS = "primary clear agriculture road water"
_SPLITS = {"train": 0, "test": 1, "file": 2}


def sample_tag_sets(n: int, rng: np.random.Generator) -> list[list[str]]:
    """Draw `n` tag sets (each sorted, like the real CSV) from the embedded co-occurrence model."""
    weather = rng.choice(len(WEATHER_TAGS), size=n, p=WEATHER_P)
    ground_visible = weather != WEATHER_TAGS.index(CLOUDY)
    state = {"weather": weather}
    for tag, parents, table in LAND_MODEL:
        p = np.asarray(table)[tuple(state[q] for q in parents)]
        state[tag] = ((rng.random(n) < p) & ground_visible).astype(np.intp)
    land = [tag for tag, _, _ in LAND_MODEL]
    return [
        sorted([WEATHER_TAGS[weather[i]]] + [t for t in land if state[t][i]])
        for i in range(n)
    ]


class _Canvas:
    """A float RGB chip being painted, with its generator and a 256-px length scale."""

    def __init__(self, size: int, rng: np.random.Generator):
        self.size, self.rng = size, rng
        self.img = np.empty((size, size, 3), np.float32)
        self.scale = size / 256

    def px(self, a: float, b: float | None = None) -> int:
        """A length of a..b pixels on a 256-px chip, scaled to this chip, at least 1."""
        value = a if b is None else self.rng.uniform(a, b)
        return max(1, int(round(value * self.scale)))

    def point(self, margin: float = 0.0) -> tuple[int, int]:
        lo, hi = -margin * self.size, (1 + margin) * self.size
        return int(self.rng.uniform(lo, hi)), int(self.rng.uniform(lo, hi))

    def color(self, lo, hi) -> tuple[float, float, float]:
        """A colour between `lo` and `hi`, one shade along the line between them."""
        t = self.rng.random()
        return tuple(float(a + t * (b - a)) for a, b in zip(lo, hi))

    def smooth_noise(self, cells: int) -> np.ndarray:
        """Unit-variance noise varying over about size/cells pixels."""
        low = self.rng.standard_normal((cells + 1, cells + 1)).astype(np.float32)
        mid = max(cells + 1, self.size // 8)
        low = cv2.resize(low, (mid, mid), interpolation=cv2.INTER_CUBIC)
        return cv2.resize(low, (self.size, self.size), interpolation=cv2.INTER_LINEAR)


def _background(c: _Canvas, primary: bool) -> None:
    base = c.color((30, 58, 30), (45, 78, 42)) if primary else c.color((135, 128, 80), (160, 150, 100))
    texture = 7 * c.smooth_noise(4) + 6 * c.smooth_noise(max(4, c.size // 8))
    for k, (b, gain) in enumerate(zip(base, (0.8, 1.0, 0.7))):
        np.multiply(texture, gain, out=c.img[..., k])
        c.img[..., k] += b


def _agriculture(c: _Canvas) -> None:
    for _ in range(c.rng.integers(1, 4)):
        x, y = c.point(0.1)
        w, h = c.px(50, 130), c.px(50, 130)
        cv2.rectangle(c.img, (x, y), (x + w, y + h), c.color((200, 180, 110), (230, 205, 145)), -1)


def _cultivation(c: _Canvas) -> None:
    for _ in range(c.rng.integers(3, 8)):
        cx, cy = c.point()
        k = int(c.rng.integers(5, 8))
        angles = np.sort(c.rng.uniform(0, 2 * math.pi, k))
        radii = c.rng.uniform(5, 14, k) * c.scale + 1
        poly = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], 1).astype(np.int32)
        cv2.fillPoly(c.img, [poly], c.color((160, 168, 100), (185, 188, 125)))


def _line_through(angle: float, x: float, y: float, length: float):
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    return (int(x - dx), int(y - dy)), (int(x + dx), int(y + dy))


def _road(c: _Canvas) -> None:
    for _ in range(c.rng.integers(1, 3)):
        ends = _line_through(c.rng.uniform(0, math.pi), *c.point(), 3 * c.size)
        cv2.line(c.img, *ends, c.color((185, 182, 178), (210, 205, 200)), c.px(4, 7), cv2.LINE_AA)


def _water(c: _Canvas) -> None:
    t = np.linspace(-0.1, 1.1, 40) * c.size
    offset = c.rng.uniform(0.2, 0.8) * c.size
    amp, freq, phase = c.rng.uniform(0.05, 0.15) * c.size, c.rng.uniform(1, 3), c.rng.uniform(0, 2 * math.pi)
    wiggle = offset + amp * np.sin(freq * 2 * math.pi * t / c.size + phase)
    pts = np.stack([t, wiggle] if c.rng.random() < 0.5 else [wiggle, t], 1).astype(np.int32)
    cv2.polylines(c.img, [pts], False, c.color((30, 70, 125), (55, 95, 165)), c.px(8, 18), cv2.LINE_AA)


def _habitation(c: _Canvas) -> None:
    for _ in range(c.rng.integers(1, 3)):
        cx, cy = c.point()
        for _ in range(c.rng.integers(12, 30)):
            x, y = int(cx + c.rng.normal(0, 16 * c.scale)), int(cy + c.rng.normal(0, 16 * c.scale))
            side = c.px(4, 8)
            cv2.rectangle(c.img, (x, y), (x + side, y + side), c.color((185, 185, 185), (245, 245, 245)), -1)


def _bare_ground(c: _Canvas) -> None:
    for _ in range(c.rng.integers(1, 3)):
        axes = (c.px(15, 45), c.px(12, 35))
        cv2.ellipse(c.img, c.point(), axes, c.rng.uniform(0, 180), 0, 360,
                    c.color((180, 150, 110), (205, 172, 132)), -1, cv2.LINE_AA)


def _selective_logging(c: _Canvas) -> None:
    for _ in range(c.rng.integers(2, 5)):
        centre = c.rng.uniform(0.25, 0.75, 2) * c.size
        (x0, y0), (x1, y1) = _line_through(c.rng.uniform(0, math.pi), *centre, c.size * 0.6)
        dashes = 10
        for k in range(0, dashes, 2):
            a, b = k / dashes, (k + 1) / dashes
            p = (int(x0 + a * (x1 - x0)), int(y0 + a * (y1 - y0)))
            q = (int(x0 + b * (x1 - x0)), int(y0 + b * (y1 - y0)))
            cv2.line(c.img, p, q, c.color((105, 75, 45), (130, 95, 60)), c.px(2, 3))


def _artisinal_mine(c: _Canvas) -> None:
    cx, cy = c.point()
    for _ in range(c.rng.integers(3, 9)):
        center = (int(cx + c.rng.normal(0, 12 * c.scale)), int(cy + c.rng.normal(0, 12 * c.scale)))
        cv2.circle(c.img, center, c.px(3, 6), c.color((220, 115, 30), (245, 150, 60)), -1)


def _conventional_mine(c: _Canvas) -> None:
    center, radius = c.point(), c.px(30, 50)
    rings = int(c.rng.integers(4, 7))
    for k in range(rings):
        r = max(1, int(radius * (1 - k / rings)))
        shade = 165 - 30 * (k % 2) - 8 * k
        cv2.ellipse(c.img, center, (r, int(r * 0.75)), 0, 0, 360, (shade, shade, shade - 5), -1)


def _blooming(c: _Canvas) -> None:
    for _ in range(c.rng.integers(40, 100)):
        cv2.circle(c.img, c.point(), c.px(1, 2.5), c.color((230, 220, 45), (250, 240, 90)), -1)


def _slash_burn(c: _Canvas) -> None:
    for _ in range(c.rng.integers(1, 4)):
        axes = (c.px(8, 22), c.px(6, 16))
        cv2.ellipse(c.img, c.point(), axes, c.rng.uniform(0, 180), 0, 360,
                    c.color((15, 10, 5), (55, 38, 25)), -1, cv2.LINE_AA)


def _blow_down(c: _Canvas) -> None:
    sign = 1 if c.rng.random() < 0.5 else -1
    length, gap, count = c.px(30, 60), c.px(4, 6), int(c.rng.integers(6, 12))
    x0 = int(c.rng.uniform(0, max(1, c.size - length - count * gap)))
    y0 = int(c.rng.uniform(0, max(1, c.size - length))) + (length if sign < 0 else 0)
    for k in range(count):
        x = x0 + k * gap
        cv2.line(c.img, (x, y0), (x + length, y0 + sign * length),
                 c.color((145, 195, 110), (170, 215, 135)), c.px(2, 3))


# Drawn in this order: forest features first, then fields and water, built-up land on top.
DRAWERS = {
    "blooming": _blooming, "blow_down": _blow_down, "selective_logging": _selective_logging,
    "agriculture": _agriculture, "cultivation": _cultivation, "bare_ground": _bare_ground,
    "water": _water, "conventional_mine": _conventional_mine, "artisinal_mine": _artisinal_mine,
    "slash_burn": _slash_burn, "road": _road, "habitation": _habitation,
}


def _cloud_mask(c: _Canvas, coverage: float) -> np.ndarray:
    """A soft mask in [0, 1] whose blobs cover about `coverage` of the chip."""
    field = c.smooth_noise(5)
    threshold = np.quantile(field[::4, ::4], 1 - coverage)
    mask = np.clip((field - threshold) * 3 + 0.5, 0, 1)
    blur = 2 * c.px(6) + 1
    return cv2.GaussianBlur(mask, (blur, blur), 0)


def _cover(c: _Canvas, mask, cloud) -> None:
    """Blend each channel towards `cloud` (a colour, or one grey image) by the weight `mask`."""
    for k in range(3):
        channel = c.img[..., k]
        channel += ((cloud[k] if isinstance(cloud, tuple) else cloud) - channel) * mask


def _apply_weather(c: _Canvas, weather: str) -> None:
    if weather == "haze":
        _cover(c, c.rng.uniform(0.4, 0.5), c.color((185, 188, 190), (210, 212, 218)))
    elif weather == "partly_cloudy":
        cloud = c.color((230, 231, 235), (250, 250, 252))
        _cover(c, _cloud_mask(c, c.rng.uniform(0.2, 0.4)), cloud)
    elif weather == CLOUDY:
        cloud = c.rng.uniform(195, 240) + 12 * c.smooth_noise(3)
        opacity = c.rng.uniform(0.88, 0.97)
        _cover(c, opacity * _cloud_mask(c, c.rng.uniform(0.97, 1.0)), cloud)


def render_chip(tags, rng: np.random.Generator, size: int = 256) -> np.ndarray:
    """Paint one RGB uint8 chip for `tags`: the ground scene from its land tags, then the weather."""
    tags = set(tags)
    c = _Canvas(size, rng)
    _background(c, "primary" in tags)
    for tag, draw in DRAWERS.items():
        if tag in tags:
            draw(c)
    _apply_weather(c, next(w for w in WEATHER_TAGS if w in tags))
    noise = 10 * rng.random((size, size), dtype=np.float32) - 5
    for k in range(3):
        c.img[..., k] += noise
    return cv2.convertScaleAbs(np.maximum(c.img, 0))


def _write_jpg(path: Path, rgb: np.ndarray) -> None:
    with atomic_path(path) as tmp:
        if not cv2.imwrite(str(tmp), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
            raise OSError(f"cv2.imwrite failed for {path}")


def _write_csv(path: Path, rows) -> None:
    write_text(path, "image_name,tags\n" + "".join(f"{name},{tags}\n" for name, tags in rows))


def _write_split(folder: Path, prefix: str, n: int, seed: int, size: int) -> dict[str, str]:
    """Sample tags and write the `n` chips of one split; returns image name -> tag string."""
    code = _SPLITS[prefix]
    tag_sets = sample_tag_sets(n, np.random.default_rng([seed, code]))
    folder.mkdir(parents=True, exist_ok=True)
    for i, tags in enumerate(tag_sets):
        _write_jpg(folder / f"{prefix}_{i}.jpg", render_chip(tags, np.random.default_rng([seed, code, i]), size))
    return {f"{prefix}_{i}": " ".join(tags) for i, tags in enumerate(tag_sets)}


def generate(out_dir, n_train=600, n_test=150, n_test_additional=75, seed=0, image_size=256) -> Path:
    """Write a synthetic Planet download (plus test_truth.csv) into `out_dir` and return it.

    Same seed gives byte-identical CSVs and identical pixels; every file is written atomically.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test),
                        ("n_test_additional", n_test_additional), ("seed", seed)):
        if int(value) != value or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if int(image_size) != image_size or image_size < 16:
        raise ValueError(f"image_size must be an integer of at least 16, got {image_size!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    train = _write_split(out / "train-jpg", "train", n_train, seed, image_size)
    test = _write_split(out / "test-jpg", "test", n_test, seed, image_size)
    extra = _write_split(out / "test-jpg-additional", "file", n_test_additional, seed, image_size)
    order = list(test) + sorted(extra)
    truth = {**test, **extra}
    _write_csv(out / "train_v2.csv", train.items())
    _write_csv(out / "sample_submission_v2.csv", ((name, SUBMISSION_TAGS) for name in order))
    _write_csv(out / "test_truth.csv", ((name, truth[name]) for name in order))
    return out

