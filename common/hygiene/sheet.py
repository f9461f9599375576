"""A contact sheet PNG: one row of thumbnails per finding, drawn with cv2 and written atomically."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from compete.common.io.atomic import atomic_path
from compete.common.errors import DataError
from compete.common.data.images import read

_TITLE, _CAPTION = 22, 16


def contact_sheet(rows: list[tuple[str, list[tuple[str, str]]]], path, thumb: int = 96, per_row: int = 8) -> Path:
    """Rows of (title, [(image path, caption)]) as a PNG at `path`; text is ASCII (cv2 fonts have no Hangul)."""
    width = per_row * (thumb + 4) + 4
    blocks = []
    for title, items in rows or [("nothing flagged", [])]:
        block = np.full((_TITLE + max(1, -(-len(items) // per_row)) * (thumb + _CAPTION + 4), width, 3), 255, np.uint8)
        cv2.putText(block, _ascii(title), (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 160), 1, cv2.LINE_AA)
        for k, (image_path, caption) in enumerate(items):
            r, c = divmod(k, per_row)
            y, x = _TITLE + r * (thumb + _CAPTION + 4), 4 + c * (thumb + 4)
            try:
                image = read(image_path, thumb)
            except DataError:
                image = np.full((thumb, thumb, 3), 200, np.uint8)
            block[y:y + thumb, x:x + thumb] = image
            cv2.rectangle(block, (x - 1, y - 1), (x + thumb, y + thumb), (160, 160, 160), 1)
            cv2.putText(block, _ascii(caption)[:16], (x, y + thumb + 12), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                        (0, 0, 0), 1, cv2.LINE_AA)
        blocks.append(block)
    sheet = np.concatenate(blocks, axis=0)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"cv2 could not encode the contact sheet for {path}")
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(encoded.tobytes())
    return Path(path)


def _ascii(text: str) -> str:
    return str(text).encode("ascii", "replace").decode("ascii")
