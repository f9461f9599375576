"""Render real SVG icons with resvg and dress them in the camp's three styles; crop real photos; make near copies.

Everything is drawn at twice the final size and reduced with area averaging, so edges are
anti-aliased the way exported artwork is. Colours and geometry come from the seeded
generator passed in, so one seed gives one data set.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

try:
    import resvg_py
except ImportError as error:  # the `artwork` extra
    raise SystemExit("resvg-py is not installed: .venv/bin/pip install -e '.[artwork]'") from error

SUPER = 2  # supersampling factor
ICON_PX = 256  # side each icon is rendered at once (cached), then reduced to its place


class Renderer:
    """Icon id ("set:name", optionally "shade:" / "edges:" in front) -> RGBA uint8 at a given side, cached."""

    def __init__(self, sets):
        self.sets = sets
        self._cache: dict = {}

    def rgba(self, icon: str, side: int, stroke: float = 1.0) -> np.ndarray:
        prefix, name = icon.split(":")[-2:]
        key = (prefix, name, side, round(stroke, 2))
        if key not in self._cache:
            svg = self.sets[prefix].svg(name)
            if stroke != 1.0:  # thinner or thicker pen for stroked line icons
                svg = re.sub(r'stroke-width="([\d.]+)"', lambda m: f'stroke-width="{float(m[1]) * stroke:.3g}"', svg)
            box = [float(v) for v in re.search(r'viewBox="([^"]+)"', svg)[1].split()]
            png = resvg_py.svg_to_bytes(svg_string=svg.replace("currentColor", "#000"), zoom=side / max(box[2:]),
                                        skip_system_fonts=True)
            image = cv2.imdecode(np.frombuffer(bytes(png), np.uint8), cv2.IMREAD_UNCHANGED)
            if image is None or image.ndim != 3 or image.shape[2] != 4:
                raise ValueError(f"resvg gave no RGBA image for {icon}")
            self._cache[key] = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
            if len(self._cache) > 4000:
                self._cache.pop(next(iter(self._cache)))
        return self._cache[key]


def _place(rgba: np.ndarray, width: int, height: int, rng, scale=(0.55, 0.9), angle=15.0):
    """The icon rotated, maybe mirrored, scaled to a share of the canvas and put somewhere on a (H, W, 4) float canvas."""
    side = rng.uniform(*scale) * min(width, height)
    src = rgba.astype(np.float32) / 255.0
    src[..., :3] *= src[..., 3:]  # premultiplied, so edges blend cleanly
    f = side / max(src.shape[:2])
    src = cv2.resize(src, (max(1, round(src.shape[1] * f)), max(1, round(src.shape[0] * f))), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.3:
        src = src[:, ::-1]
    theta = rng.uniform(-angle, angle)
    matrix = cv2.getRotationMatrix2D((src.shape[1] / 2, src.shape[0] / 2), theta, 1.0)
    corners = np.array([[0, 0, 1], [src.shape[1], 0, 1], [0, src.shape[0], 1], [src.shape[1], src.shape[0], 1]], float)
    moved = corners @ matrix.T
    lo, hi = moved.min(0), moved.max(0)
    x = rng.uniform(-lo[0], max(-lo[0], width - hi[0]))
    y = rng.uniform(-lo[1], max(-lo[1], height - hi[1]))
    matrix[:, 2] += (x, y)
    canvas = cv2.warpAffine(src, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    return canvas


def _box(alpha: np.ndarray) -> tuple[float, float, float, float]:
    ys, xs = np.nonzero(alpha > 0.1)
    if not len(xs):
        return 0.0, 0.0, float(alpha.shape[1]), float(alpha.shape[0])
    x0, y0, x1, y1 = xs.min() / SUPER, ys.min() / SUPER, (xs.max() + 1) / SUPER, (ys.max() + 1) / SUPER
    return round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1)


def _hsv(h, s, v) -> np.ndarray:
    pixel = np.uint8([[[int(h) % 180, int(s * 255), int(v * 255)]]])
    return cv2.cvtColor(pixel, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32) / 255.0


def _paper(height, width, rng, tinted=0.3) -> np.ndarray:
    level = rng.uniform(0.93, 1.0)
    colour = np.full(3, level, np.float32)
    if rng.random() < tinted:
        colour = np.clip(colour + rng.uniform(-0.05, 0.03, 3).astype(np.float32), 0, 1)
    return np.broadcast_to(colour, (height, width, 3)).copy()


def _finish(fg, alpha, background):
    """Reduce premultiplied foreground, its coverage and the background to the final size: (opaque RGB, RGBA)."""
    h, w = alpha.shape[0] // SUPER, alpha.shape[1] // SUPER
    small = lambda a: cv2.resize(a, (w, h), interpolation=cv2.INTER_AREA)  # noqa: E731
    fg, alpha, background = small(fg), small(alpha), small(background)
    rgb = fg + background * (1 - alpha[..., None])
    straight = np.where(alpha[..., None] > 1e-3, fg / np.maximum(alpha[..., None], 1e-3), 0)
    rgba = np.concatenate([straight, alpha[..., None]], -1)
    to8 = lambda a: np.clip(np.rint(a * 255), 0, 255).astype(np.uint8)  # noqa: E731
    return to8(rgb), to8(rgba)


def _outline(alpha: np.ndarray, width: int) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    return np.clip(cv2.dilate(alpha, kernel) - cv2.erode(alpha, kernel), 0, 1)


def pictogram(renderer, icon, width, height, rng):
    """A flat single-colour icon: dark or coloured ink on white, or a light icon on a coloured badge."""
    W, H = width * SUPER, height * SUPER
    style = rng.choice(["ink", "colour", "badge"], p=[0.55, 0.25, 0.2])
    layer = _place(renderer.rgba(icon, ICON_PX), W, H, rng, (0.42, 0.6) if style == "badge" else (0.55, 0.92))
    alpha = layer[..., 3]
    if style == "ink":
        ink = np.float32(rng.choice([[0.08, 0.08, 0.08], [0.15, 0.2, 0.4], [0.1, 0.3, 0.2], [0.4, 0.1, 0.1],
                                     [0.2, 0.2, 0.2]])) * rng.uniform(0.6, 1.3)
    else:
        ink = _hsv(rng.integers(0, 180), rng.uniform(0.55, 1.0), rng.uniform(0.45, 0.9))
    background = _paper(H, W, rng, 0.15)
    box = _box(alpha)
    if style == "badge":
        x, y, w, h = (v * SUPER for v in box)
        cx, cy, r = x + w / 2, y + h / 2, 0.5 * max(w, h) * rng.uniform(1.3, 1.5)
        badge = np.zeros((H, W), np.float32)
        if rng.random() < 0.5:
            cv2.circle(badge, (int(cx), int(cy)), int(r), 1.0, -1, cv2.LINE_AA)
        else:
            cv2.rectangle(badge, (int(cx - r), int(cy - r)), (int(cx + r), int(cy + r)), 1.0, -1, cv2.LINE_AA)
        badge = cv2.GaussianBlur(badge, (0, 0), 0.6)
        light = np.float32([rng.uniform(0.92, 1.0)] * 3)
        fg = badge[..., None] * ink * (1 - alpha[..., None]) + alpha[..., None] * light * badge[..., None]
        alpha = np.maximum(badge, 0)
        box = _box(badge)
    else:
        fg = alpha[..., None] * ink
    return (*_finish(fg, alpha, background), box, str(style))


def illustration(renderer, icon, width, height, rng):
    """A colour emoji (or a shaded silhouette) on white, pastel or a soft gradient, sometimes with a drop shadow."""
    W, H = width * SUPER, height * SUPER
    shaded = icon.startswith("shade:")
    layer = _place(renderer.rgba(icon, ICON_PX), W, H, rng)
    alpha = layer[..., 3]
    if shaded:  # colour by hue, lit from the top left, with a darker rim
        hue = rng.integers(0, 180)
        base = _hsv(hue, rng.uniform(0.4, 0.9), rng.uniform(0.6, 0.95))
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        light = 1.15 - 0.45 * (xx / W + yy / H) / 2
        fg = np.clip(base * light[..., None], 0, 1) * alpha[..., None]
        rim = _outline(alpha, 2) * alpha
        fg = fg * (1 - rim[..., None]) + rim[..., None] * base * 0.4
    else:
        fg = layer[..., :3]
    kind = rng.choice(["white", "pastel", "gradient"], p=[0.55, 0.3, 0.15])
    if kind == "white":
        background = _paper(H, W, rng, 0.0)
    elif kind == "pastel":
        background = np.broadcast_to(_hsv(rng.integers(0, 180), rng.uniform(0.08, 0.25), rng.uniform(0.92, 1.0)),
                                     (H, W, 3)).copy()
    else:
        top, bottom = (_hsv(rng.integers(0, 180), rng.uniform(0.05, 0.3), rng.uniform(0.85, 1.0)) for _ in range(2))
        t = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
        background = np.broadcast_to(top * (1 - t) + bottom * t, (H, W, 3)).copy()
    if rng.random() < 0.3:
        shift = np.float32([[1, 0, rng.uniform(2, 6)], [0, 1, rng.uniform(2, 6)]])
        shadow = cv2.GaussianBlur(cv2.warpAffine(alpha, shift, (W, H)), (0, 0), rng.uniform(2, 5))
        background = background * (1 - rng.uniform(0.2, 0.4) * shadow[..., None])
    return (*_finish(fg, alpha, background), _box(alpha), "shaded" if shaded else str(kind))


def sketch(renderer, icon, width, height, rng):
    """A line icon as a pencil drawing: grey, wobbling, grainy strokes on paper with a little grain of its own."""
    W, H = width * SUPER, height * SUPER
    edges = icon.startswith("edges:")
    stroke = 1.0 if edges else float(rng.choice([0.5, 0.7, 0.9]))
    layer = _place(renderer.rgba(icon, ICON_PX, stroke), W, H, rng)
    lines = _outline(layer[..., 3], 1) if edges else layer[..., 3]
    box = _box(lines)
    drawn = np.zeros_like(lines)
    for weight in (1.0, rng.uniform(0.4, 0.7)) if rng.random() < 0.6 else (1.0,):
        field = [cv2.GaussianBlur(rng.standard_normal((H, W)).astype(np.float32), (0, 0), 6) for _ in range(2)]
        amplitude = rng.uniform(1.0, 2.5) / max(1e-6, float(np.abs(field[0]).max()))
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        moved = cv2.remap(lines, xx + amplitude * field[0], yy + amplitude * field[1], cv2.INTER_LINEAR)
        drawn = np.maximum(drawn, weight * moved)
    pressure = np.clip(0.6 + 0.5 * cv2.GaussianBlur(rng.standard_normal((H, W)).astype(np.float32), (0, 0), 1.0),
                       0.25, 1.0)
    alpha = np.clip(drawn * pressure * rng.uniform(0.7, 1.0), 0, 1)
    grey = rng.uniform(0.15, 0.45)
    pencil = np.float32([grey, grey, grey + rng.uniform(0, 0.05)])
    background = _paper(H, W, rng, 0.6)
    rgb, rgba = _finish(alpha[..., None] * pencil, alpha, background)
    grain = cv2.GaussianBlur(rng.normal(0, rng.uniform(1.5, 4.0), rgb.shape[:2]).astype(np.float32), (0, 0), 0.7)
    rgb = np.clip(rgb.astype(np.float32) + grain[..., None], 0, 255).astype(np.uint8)
    return rgb, rgba, box, "edges" if edges else f"stroke x{stroke:g}"


STYLES = {"PICTOGRAM": pictogram, "ILLUSTRATION": illustration, "SKETCH": sketch}


def photo_crop(photo: np.ndarray, width: int, height: int, rng) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A random crop of a real photograph (a quarter to all of it), resized to width x height."""
    if photo.ndim == 2:
        photo = np.repeat(photo[..., None], 3, -1)
    h, w = photo.shape[:2]
    side = rng.uniform(0.3, 1.0) * min(h, w)
    cw, ch = min(w, side * width / max(width, height) * 1.0), min(h, side * height / max(width, height))
    x, y = int(rng.uniform(0, w - cw)), int(rng.uniform(0, h - ch))
    crop = photo[y:y + int(ch), x:x + int(cw)]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA), (x, y, int(cw), int(ch))


NEAR_KINDS = ("shift", "recompress", "resize", "crop", "brightness", "rotate")


def near_box(box, params: dict, old_size, new_size) -> tuple[float, float, float, float]:
    """Where the labelled box lies in a near copy (moved, scaled or cut like the picture), kept inside it."""
    x, y, w, h = box
    fx, fy = new_size[0] / old_size[0], new_size[1] / old_size[1]
    if "dx" in params:
        x, y = x + params["dx"], y + params["dy"]
    elif "left_top_right_bottom" in params:
        x, y = x - params["left_top_right_bottom"][0], y - params["left_top_right_bottom"][1]
    else:
        x, y, w, h = x * fx, y * fy, w * fx, h * fy
    x0, y0 = min(max(0.0, x), new_size[0] - 1), min(max(0.0, y), new_size[1] - 1)
    x1, y1 = min(float(new_size[0]), x + w), min(float(new_size[1]), y + h)
    return round(x0, 1), round(y0, 1), round(max(1.0, x1 - x0), 1), round(max(1.0, y1 - y0), 1)


def near_copy(image: np.ndarray, kind: str, rng) -> tuple[np.ndarray, dict]:
    """The same picture slightly changed (`kind` from NEAR_KINDS) and what was done; 'recompress' leaves pixels to JPEG."""
    h, w = image.shape[:2]
    if kind == "shift":
        dx, dy = (int(rng.integers(1, 5)) * int(rng.choice([-1, 1])) for _ in range(2))
        out = cv2.warpAffine(image, np.float32([[1, 0, dx], [0, 1, dy]]), (w, h), borderMode=cv2.BORDER_REPLICATE)
        return out, {"dx": dx, "dy": dy}
    if kind == "recompress":
        return image, {"jpeg_quality": int(rng.integers(40, 76))}
    if kind == "resize":
        f = float(rng.choice([rng.uniform(0.75, 0.92), rng.uniform(1.08, 1.3)]))
        size = (max(8, round(w * f)), max(8, round(h * f)))
        return cv2.resize(image, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR), {"factor": round(f, 3)}
    if kind == "crop":
        cut = [int(round(rng.uniform(0.02, 0.08) * s)) for s in (w, h, w, h)]
        return image[cut[1]:h - cut[3], cut[0]:w - cut[2]].copy(), {"left_top_right_bottom": cut}
    if kind == "brightness":
        alpha, beta = float(rng.uniform(0.92, 1.08)), float(rng.choice([-1, 1]) * rng.uniform(6, 15))
        return cv2.convertScaleAbs(image, alpha=alpha, beta=beta), {"contrast": round(alpha, 3), "offset": round(beta, 1)}
    if kind == "rotate":
        angle = float(rng.choice([-1, 1]) * rng.uniform(2, 4))
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE), {"degrees": round(angle, 2)}
    raise ValueError(f"unknown near-copy kind {kind!r}; known: {', '.join(NEAR_KINDS)}")
