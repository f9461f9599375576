"""What an image file declares about itself, read from its header without decoding a pixel.

Used to refuse oversized images before decoding (a small PNG can declare 30,000 x 30,000
pixels) and to find transparency, which must be composited rather than dropped.
"""

from __future__ import annotations

import struct

PNG = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) declared by a PNG, JPEG, GIF, BMP or WebP header; None when it cannot be told."""
    try:
        if data[:8] == PNG and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if data[:2] == b"\xff\xd8":
            return _jpeg_dimensions(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data[:2] == b"BM" and len(data) >= 26:
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp_dimensions(data)
    except struct.error:
        return None
    return None


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        if marker == 0xDA:  # start of scan before any frame header
            return None
        at += 2 + length
    return None


def _webp_dimensions(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def has_alpha(data: bytes) -> bool:
    """Whether the image carries transparency: a PNG with an alpha channel or a tRNS chunk, or a WebP with alpha."""
    if data[:8] == PNG and data[12:16] == b"IHDR" and len(data) >= 26:
        if data[25] in (4, 6):
            return True
        at = 8
        while at + 8 <= len(data):  # chunks up to the first image data
            length, kind = struct.unpack(">I4s", data[at:at + 8])
            if kind == b"tRNS":
                return True
            if kind in (b"IDAT", b"IEND"):
                return False
            at += 12 + length
        return False
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        chunk = data[12:16]
        if chunk == b"VP8X":
            return bool(data[20] & 0x10)
        if chunk == b"VP8L":
            return bool((int.from_bytes(data[21:25], "little") >> 28) & 1)
    return False


def file_has_alpha(path) -> bool:
    """`has_alpha` of a file, reading only its first 64 KiB (headers come first)."""
    with open(path, "rb") as handle:
        return has_alpha(handle.read(1 << 16))
