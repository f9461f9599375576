"""PNG size and channel checks from the IHDR chunk alone: no decoding, so 300,000 files take seconds."""

from __future__ import annotations

import struct
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from compete.common.errors import DataError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# IHDR colour type -> channels once decoded (palette images decode to RGB).
CHANNELS = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}


def header(path) -> tuple[int, int, int] | None:
    """(width, height, channels) from the PNG header, or None when the file does not start as a PNG."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(33)
    except FileNotFoundError:
        raise DataError(path, "image file is missing") from None
    except OSError as error:
        raise DataError(path, f"image file cannot be read: {error.strerror}") from None
    if len(head) < 33 or head[:8] != SIGNATURE or head[12:16] != b"IHDR":
        return None
    width, height, _, colour_type = struct.unpack(">IIBB", head[16:26])
    channels = CHANNELS.get(colour_type)
    return None if channels is None else (width, height, channels)


def check(paths: Sequence, size: int, channels: int = 3, corrupt: str = "raise",
          workers: int | None = None) -> list[int]:
    """Raise DataError naming the first file whose header says another size or channel count.

    A file without a readable PNG header raises too when `corrupt` is "raise"; with
    "list" its index is returned instead (test images get a fallback later).
    """
    if corrupt not in ("raise", "list"):
        raise ValueError(f"corrupt must be 'raise' or 'list', got {corrupt!r}")
    from compete.common.data.images import default_workers

    with ThreadPoolExecutor(workers or default_workers()) as pool:
        headers = list(pool.map(header, paths, chunksize=256))
    unreadable = []
    for index, (path, found) in enumerate(zip(paths, headers)):
        if found is None:
            if corrupt == "raise":
                raise DataError(path, "not a readable PNG (bad signature or header): corrupt file")
            unreadable.append(index)
            continue
        width, height, depth = found
        if (width, height) != (size, size):
            raise DataError(path, f"image is {width}x{height}, expected {size}x{size}")
        if depth != channels:
            raise DataError(path, f"image has {depth} channel(s), expected {channels}")
    return unreadable
