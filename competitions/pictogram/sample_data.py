"""A generated pictogram download: 20 icon classes in three drawing styles, in the AI Hub JSON-and-folders layout.

Korean class names and paths, imbalanced class counts, stale `abs_path`s (matched by
stem), planted exact and near duplicates (within training and across to evaluation)
and a few photograph-like images, so the demo and the tests exercise every step.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np

from compete.common.io.atomic import atomic_path, write_text
from compete.competitions.pictogram.classes import CLASSES, DOMAINS

_SHIFT = 4
_ONE = 1 << _SHIFT


def _circle(cx, cy, r, start=0.0, end=360.0, n=36, rx=None):
    t = np.radians(np.linspace(start, end, n))
    return np.stack([cx + (rx or r) * np.cos(t), cy + r * np.sin(t)], 1)


def _rect(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)


def _star(cx, cy, r_out, r_in, points=5):
    t = np.radians(np.arange(2 * points) * 180 / points - 90)
    r = np.where(np.arange(2 * points) % 2 == 0, r_out, r_in)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1)


def _fill(points):
    return ("fill", np.asarray(points, float), 0.0)


def _stroke(points, width=0.07, closed=False):
    return ("ring" if closed else "stroke", np.asarray(points, float), width)


def _poly(*xy):
    return np.array(xy, float).reshape(-1, 2)


# Each class: parts in the unit square of its icon box.
SHAPES = {
    "귀걸이": [_stroke(_circle(0.5, 0.13, 0.09), 0.05, True), _stroke(_poly(0.5, 0.22, 0.5, 0.42), 0.05),
             _fill(_circle(0.5, 0.7, 0.2)), _fill(_poly(0.5, 0.38, 0.32, 0.64, 0.68, 0.64))],
    "우산": [_fill(_circle(0.5, 0.5, 0.46, 180, 360)), _stroke(_poly(0.5, 0.5, 0.5, 0.85), 0.06),
            _stroke(_circle(0.4, 0.85, 0.1, 0, 180), 0.06)],
    "자동차": [_fill(_rect(0.03, 0.45, 0.97, 0.72)), _fill(_poly(0.22, 0.46, 0.34, 0.22, 0.66, 0.22, 0.78, 0.46)),
            _fill(_circle(0.27, 0.76, 0.12)), _fill(_circle(0.73, 0.76, 0.12))],
    "집": [_fill(_rect(0.2, 0.46, 0.8, 0.96)), _fill(_poly(0.06, 0.5, 0.5, 0.06, 0.94, 0.5)),
          _fill(_rect(0.66, 0.12, 0.76, 0.34))],
    "나무": [_fill(_rect(0.43, 0.58, 0.57, 0.98)), _fill(_circle(0.5, 0.36, 0.33))],
    "물고기": [_fill(_circle(0.42, 0.5, 0.2, rx=0.36)), _fill(_poly(0.72, 0.5, 0.98, 0.26, 0.98, 0.74))],
    "컵": [_fill(_poly(0.12, 0.18, 0.68, 0.18, 0.6, 0.92, 0.2, 0.92)), _stroke(_circle(0.72, 0.5, 0.16, -90, 90), 0.07)],
    "열쇠": [_stroke(_circle(0.2, 0.5, 0.15), 0.08, True), _fill(_rect(0.34, 0.45, 0.96, 0.55)),
           _fill(_rect(0.74, 0.55, 0.8, 0.72)), _fill(_rect(0.87, 0.55, 0.93, 0.67))],
    "시계": [_stroke(_circle(0.5, 0.5, 0.42), 0.07, True), _stroke(_poly(0.5, 0.5, 0.5, 0.18), 0.06),
           _stroke(_poly(0.5, 0.5, 0.74, 0.6), 0.06)],
    "별": [_fill(_star(0.5, 0.53, 0.48, 0.2))],
    "모자": [_fill(_circle(0.5, 0.78, 0.1, rx=0.48)), _fill(_rect(0.26, 0.28, 0.74, 0.8))],
    "안경": [_stroke(_circle(0.26, 0.55, 0.17), 0.06, True), _stroke(_circle(0.74, 0.55, 0.17), 0.06, True),
           _stroke(_poly(0.43, 0.52, 0.57, 0.52), 0.05), _stroke(_poly(0.09, 0.5, 0.02, 0.3), 0.05),
           _stroke(_poly(0.91, 0.5, 0.98, 0.3), 0.05)],
    "전구": [_fill(_circle(0.5, 0.36, 0.3)), _fill(_rect(0.37, 0.6, 0.63, 0.86)), _stroke(_poly(0.42, 0.93, 0.58, 0.93), 0.05)],
    "의자": [_fill(_rect(0.24, 0.04, 0.34, 0.56)), _fill(_rect(0.24, 0.5, 0.8, 0.6)),
           _fill(_rect(0.26, 0.6, 0.32, 0.96)), _fill(_rect(0.72, 0.6, 0.78, 0.96))],
    "병": [_fill(_rect(0.42, 0.04, 0.58, 0.3)), _fill(_poly(0.42, 0.29, 0.58, 0.29, 0.72, 0.42, 0.28, 0.42)),
          _fill(_rect(0.28, 0.41, 0.72, 0.96))],
    "달": [_fill(np.concatenate([_circle(0.5, 0.5, 0.44, 90, 270), _circle(0.5, 0.5, 0.44, 270, 90, rx=0.18)]))],
    "비행기": [_fill(_circle(0.5, 0.5, 0.07, rx=0.46)), _fill(_poly(0.42, 0.5, 0.32, 0.08, 0.5, 0.08, 0.6, 0.5)),
            _fill(_poly(0.42, 0.5, 0.32, 0.92, 0.5, 0.92, 0.6, 0.5)), _fill(_poly(0.08, 0.5, 0.04, 0.3, 0.14, 0.3, 0.2, 0.5))],
    "책": [_fill(_poly(0.04, 0.22, 0.47, 0.3, 0.47, 0.88, 0.04, 0.8)), _fill(_poly(0.53, 0.3, 0.96, 0.22, 0.96, 0.8, 0.53, 0.88))],
    "가방": [_fill(_rect(0.12, 0.36, 0.88, 0.92)), _stroke(_circle(0.5, 0.36, 0.2, 180, 360), 0.07)],
    "꽃": [*[_fill(_circle(0.5 + 0.2 * math.cos(a), 0.36 + 0.2 * math.sin(a), 0.13))
            for a in np.radians(np.arange(5) * 72 - 90)], _stroke(_poly(0.5, 0.55, 0.5, 0.98), 0.06)],
}
assert tuple(SHAPES) == CLASSES

_INK = ((20, 20, 20), (25, 35, 90), (20, 70, 40), (110, 20, 25))


def _transform(parts, rng, width, height):
    """Place the unit-square icon at a random scale, aspect, rotation and position; returns parts and its box."""
    side = rng.uniform(0.45, 0.85) * min(width, height)
    sx, sy = side * rng.uniform(0.9, 1.1), side * rng.uniform(0.9, 1.1)
    angle = math.radians(rng.uniform(-12, 12))
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    placed = [(kind, ((pts - 0.5) * (sx, sy)) @ rotation.T, w * side) for kind, pts, w in parts]
    pad = max(w for _, _, w in placed) / 2 + 2
    lo = np.min([p.min(0) for _, p, _ in placed], 0) - pad
    hi = np.max([p.max(0) for _, p, _ in placed], 0) + pad
    x = rng.uniform(-lo[0], max(-lo[0], width - hi[0]))
    y = rng.uniform(-lo[1], max(-lo[1], height - hi[1]))
    placed = [(kind, p + (x, y), w) for kind, p, w in placed]
    x0, y0 = max(0.0, x + lo[0]), max(0.0, y + lo[1])
    x1, y1 = min(float(width), x + hi[0]), min(float(height), y + hi[1])
    return placed, (round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2))


def _fixed(points):
    return [np.round(points * _ONE).astype(np.int32)]


def _thickness(w):
    return max(1, int(round(w)))


def render(label: str, domain: str, rng: np.random.Generator, width: int = 128, height: int = 128):
    """One RGB uint8 drawing of `label` in `domain`'s style and its box (x, y, w, h)."""
    parts, box = _transform(SHAPES[label], rng, width, height)
    if domain == "PICTOGRAM":
        image = np.full((height, width, 3), int(rng.integers(242, 256)), np.uint8)
        ink = _INK[int(rng.integers(len(_INK)))]
        for kind, pts, w in parts:
            if kind == "fill":
                cv2.fillPoly(image, _fixed(pts), ink, cv2.LINE_AA, _SHIFT)
            else:
                cv2.polylines(image, _fixed(pts), kind == "ring", ink, _thickness(w), cv2.LINE_AA, _SHIFT)
    elif domain == "ILLUSTRATION":
        paper = rng.integers(215, 256, 3)
        image = np.empty((height, width, 3), np.uint8)
        image[:] = paper
        outline = tuple(int(v) for v in rng.integers(0, 60, 3))
        for kind, pts, w in parts:
            colour = tuple(int(v) for v in rng.integers(30, 235, 3))
            if kind == "fill":
                cv2.fillPoly(image, _fixed(pts + 2), tuple(int(v * 0.8) for v in paper), cv2.LINE_AA, _SHIFT)
                cv2.fillPoly(image, _fixed(pts), colour, cv2.LINE_AA, _SHIFT)
                cv2.polylines(image, _fixed(pts), True, outline, 2, cv2.LINE_AA, _SHIFT)
            else:
                cv2.polylines(image, _fixed(pts), kind == "ring", colour, _thickness(w), cv2.LINE_AA, _SHIFT)
    elif domain == "SKETCH":
        image = np.full((height, width, 3), int(rng.integers(235, 256)), np.uint8)
        image[..., 2] = np.minimum(image[..., 2], int(rng.integers(225, 256)))
        pencil = (int(rng.integers(40, 120)),) * 3
        for kind, pts, w in parts:
            closed = kind != "stroke"
            outline = pts if kind != "ring" else pts
            for _ in range(2):
                jitter = outline + rng.normal(0, 0.8, outline.shape)
                cv2.polylines(image, _fixed(jitter), closed, pencil, 1, cv2.LINE_AA, _SHIFT)
    else:
        raise ValueError(f"Unknown domain {domain!r}; available: {', '.join(DOMAINS)}")
    return image, box


def render_photo(rng: np.random.Generator, width: int = 128, height: int = 128) -> np.ndarray:
    """A photograph-like image: smooth colour gradients and blotches under fine sensor-like noise."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.zeros((height, width, 3), np.float32)
    for k in range(3):
        a, b, c = rng.uniform(-1, 1, 3)
        image[..., k] = 110 + 60 * (a * xx / width + b * yy / height) + c * 30
        low = cv2.resize(rng.standard_normal((6, 6)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
        image[..., k] += 35 * low
    image += rng.normal(0, 14, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def class_counts(n_max: int, n_min: int, n_classes: int = len(CLASSES)) -> list[int]:
    """Geometrically decreasing counts from n_max to n_min (the long tail)."""
    return [int(round(n_max * (n_min / n_max) ** (k / max(1, n_classes - 1)))) for k in range(n_classes)]


def _encode(image: np.ndarray, extension: str, quality: int = 95) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if extension == ".jpg" else []
    ok, data = cv2.imencode(extension, cv2.cvtColor(image, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise OSError(f"cv2 could not encode {extension}")
    return data.tobytes()


def _write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)


def _label(label, domain, abs_path, box, width, height, rng) -> dict:
    return {
        "category": {"ctg_nm_level1": "추상이미지", "ctg_nm_level2": "사물", "ctg_nm_level3": label},
        "abstract_image": {"abs_path": abs_path, "abs_width": width, "abs_height": height,
                           "abs_bbox": "[" + ",".join(f"{v:g}" for v in box) + "]", "abs_domain": domain,
                           "object_scale": str(rng.choice(["대", "중", "소"])), "proficiency": str(rng.choice(["상", "중", "하"]))},
    }


def near_copy(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same picture rescaled, brightened a little and (when saved as JPEG) recompressed."""
    h, w = image.shape[:2]
    scale = rng.uniform(0.8, 0.9)
    small = cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    return cv2.convertScaleAbs(small, alpha=1.0, beta=float(rng.uniform(-10, 10)))


def generate(out_dir, seed: int = 0, n_max: int = 60, n_min: int = 8, n_eval_per_class: int = 8,
             n_exact: int = 6, n_near: int = 6, n_overlap: int = 4, n_photos: int = 4,
             eval_labels: bool = True) -> Path:
    """Write the sample download into `out_dir` and return it; the same seed gives the same files.

    Returns the folder. `sample_manifest.json` beside the data records what was
    planted (duplicate groups, photo files, class counts) for tests and the demo.
    """
    for name, value in (("seed", seed), ("n_max", n_max), ("n_min", n_min), ("n_eval_per_class", n_eval_per_class),
                        ("n_exact", n_exact), ("n_near", n_near), ("n_overlap", n_overlap), ("n_photos", n_photos)):
        if int(value) != value or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if n_min < 2 or n_max < n_min:
        raise ValueError(f"need 2 <= n_min <= n_max, got n_min={n_min}, n_max={n_max}")
    out = Path(out_dir)
    rng = np.random.default_rng(seed)
    train_labels = out / "1.Training" / "라벨링데이터"
    train_images = out / "1.Training" / "원천데이터"
    eval_labels_dir = out / "2.Validation" / "라벨링데이터"
    eval_images = out / "2.Validation" / "원천데이터"
    domain_bias = rng.dirichlet(np.full(len(DOMAINS), 3.0), len(CLASSES))
    manifest = {"exact": [], "near": [], "overlap_exact": [], "overlap_near": [], "photos": [], "counts": {}}
    written = []  # (label, domain, image path, rgb)

    def write_train(label, domain, stem, image, box, extension=".png", folder_label=None, data=None):
        sub = f"TS_{folder_label or label}"
        path = train_images / sub / f"{stem}{extension}"
        _write_bytes(path, data if data is not None else _encode(image, extension))
        h, w = image.shape[:2]
        stale = rng.random() < 0.5
        named = f"/aihub/추상이미지/원천데이터/{label}/{stem}{extension}" if stale else f"{sub}/{stem}{extension}"
        write_text(train_labels / f"TL_{folder_label or label}" / f"{stem}.json",
                   json.dumps(_label(label, domain, named, box, w, h, rng), ensure_ascii=False, indent=1))
        return path

    counts = class_counts(n_max, n_min)
    for k, (label, count) in enumerate(zip(CLASSES, counts)):
        manifest["counts"][label] = count
        for i in range(count):
            domain = DOMAINS[int(rng.choice(len(DOMAINS), p=domain_bias[k]))]
            width, height = int(rng.integers(112, 161)), int(rng.integers(112, 161))
            image, box = render(label, domain, rng, width, height)
            extension = ".jpg" if rng.random() < 0.3 else ".png"
            stem = f"{label}_{domain[0]}_{i:04d}"
            path = write_train(label, domain, stem, image, box, extension)
            written.append((label, domain, path, image, box))
    order = rng.permutation(len(written))
    picks = iter(order)
    for j in range(n_exact):
        label, domain, path, image, box = written[next(picks)]
        copy = write_train(label, domain, f"{label}_{domain[0]}_사본{j:02d}", image, box, path.suffix,
                           data=path.read_bytes())
        manifest["exact"].append([str(path.relative_to(out)), str(copy.relative_to(out))])
    for j in range(n_near):
        label, domain, path, image, box = written[next(picks)]
        similar = near_copy(image, rng)
        scale = similar.shape[1] / image.shape[1]
        copy = write_train(label, domain, f"{label}_{domain[0]}_유사{j:02d}", similar,
                           tuple(round(v * scale, 2) for v in box), ".jpg")
        manifest["near"].append([str(path.relative_to(out)), str(copy.relative_to(out))])
    for j in range(n_photos):
        label = CLASSES[int(rng.integers(len(CLASSES)))]
        photo = render_photo(rng, int(rng.integers(112, 161)), int(rng.integers(112, 161)))
        h, w = photo.shape[:2]
        path = write_train(label, DOMAINS[int(rng.integers(3))], f"{label}_P_사진{j:02d}", photo, (0, 0, w, h), ".jpg")
        manifest["photos"].append(str(path.relative_to(out)))

    n = 0

    def write_eval(label, domain, image, box, data=None, extension=".png"):
        nonlocal n
        n += 1
        stem = f"평가_{n:04d}"
        path = eval_images / f"{stem}{extension}"
        _write_bytes(path, data if data is not None else _encode(image, extension))
        if eval_labels:
            h, w = image.shape[:2]
            write_text(eval_labels_dir / f"{stem}.json",
                       json.dumps(_label(label, domain, f"/aihub/평가/{stem}{extension}", box, w, h, rng),
                                  ensure_ascii=False, indent=1))
        return path

    for k, label in enumerate(CLASSES):
        for _ in range(n_eval_per_class):
            domain = DOMAINS[int(rng.choice(len(DOMAINS), p=domain_bias[k]))]
            image, box = render(label, domain, rng, int(rng.integers(112, 161)), int(rng.integers(112, 161)))
            write_eval(label, domain, image, box)
    for j in range(n_overlap):
        label, domain, path, image, box = written[next(picks)]
        copy = write_eval(label, domain, image, box, data=path.read_bytes(), extension=path.suffix)
        manifest["overlap_exact"].append([str(path.relative_to(out)), str(copy.relative_to(out))])
        label, domain, path, image, box = written[next(picks)]
        similar = near_copy(image, rng)
        scale = similar.shape[1] / image.shape[1]
        copy = write_eval(label, domain, similar, tuple(round(v * scale, 2) for v in box), extension=".jpg")
        manifest["overlap_near"].append([str(path.relative_to(out)), str(copy.relative_to(out))])
    write_text(out / "sample_manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return out
