"""Crop images to their labelled boxes once, into a cache folder, so the input pipeline reads the crops."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2

from compete.common.io.atomic import atomic_path
from compete.common.data.images import default_workers, read
from compete.common.io.jsonlabels import check_box


def crop_image(image, box, source=None):
    """The pixels inside box (x, y, w, h); a box outside the image raises DataError naming `source`."""
    x, y, w, h = check_box(box, image.shape[1], image.shape[0], source)
    return image[y:y + h, x:x + w]


def crop_all(paths, boxes, sources, cache_dir, workers: int | None = None) -> list[Path]:
    """Cropped PNG per (image, box), reused when already in `cache_dir`; rows with box None keep their image."""
    cache_dir = Path(cache_dir)

    def one(args):
        path, box, source = args
        if box is None:
            return Path(path)
        key = hashlib.sha1(f"{Path(path).resolve()}|{Path(path).stat().st_mtime_ns}|{box}".encode()).hexdigest()[:20]
        out = cache_dir / key[:2] / f"{key}.png"
        if out.exists():
            return out
        crop = crop_image(read(path), box, source)
        ok, data = cv2.imencode(".png", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
        if not ok:
            raise OSError(f"cv2 could not encode the crop of {path}")
        with atomic_path(out) as tmp:
            Path(tmp).write_bytes(data.tobytes())
        return out

    with ThreadPoolExecutor(workers or default_workers()) as pool:
        return list(pool.map(one, zip(paths, boxes, sources)))
