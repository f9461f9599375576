"""How untrusted input is read: size limits checked before decoding or expanding, and the background
that transparent images are composited on.

One process-wide policy (like Pillow's `Image.MAX_IMAGE_PIXELS`): the readers run on worker
threads and in many places, so they consult it rather than take it as an argument. Commands
set it from their settings (`apply(cfg)`) before reading anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

BACKGROUNDS = {"white": (255, 255, 255), "black": (0, 0, 0), "grey": (128, 128, 128)}


@dataclass(frozen=True)
class Policy:
    """Args:
        max_image_pixels: an image declaring more pixels than this is refused before decoding.
        max_unpacked_bytes: a compressed member (zip) expanding beyond this is refused.
        background: RGB that transparent pixels are composited on.
    """

    max_image_pixels: int = 100_000_000
    max_unpacked_bytes: int = 1 << 30
    background: tuple[int, int, int] = BACKGROUNDS["white"]


current = Policy()


def apply(cfg) -> Policy:
    """Take the limits a settings object declares (those it does not declare keep their defaults)."""
    global current
    changes = {}
    if hasattr(cfg, "max_image_megapixels"):
        changes["max_image_pixels"] = int(cfg.max_image_megapixels * 1_000_000)
    if hasattr(cfg, "max_unpacked_mb"):
        changes["max_unpacked_bytes"] = int(cfg.max_unpacked_mb) << 20
    if hasattr(cfg, "transparent_background"):
        changes["background"] = BACKGROUNDS[cfg.transparent_background]
    current = replace(Policy(), **changes)
    return current
