"""Decoding untrusted images: transparency composited, declared sizes bounded before decoding."""

import struct
import zlib

import cv2
import numpy as np
import pytest

from compete.common.data import images
from compete.common.errors import DataError
from compete.common.io import image_header, policy


def _png(path, array):
    assert cv2.imwrite(str(path), array)
    return path


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def test_transparent_pixels_are_laid_on_white_not_black(tmp_path):
    bgra = np.zeros((8, 8, 4), np.uint8)
    bgra[2:6, 2:6] = (0, 0, 255, 255)  # an opaque red square on a fully transparent background
    bgra[0, 0] = (255, 0, 0, 128)  # half-transparent blue
    path = _png(tmp_path / "icon.png", bgra)
    rgb = images.read(path)
    assert rgb.shape == (8, 8, 3)
    assert tuple(rgb[3, 3]) == (255, 0, 0)
    assert tuple(rgb[7, 7]) == (255, 255, 255)
    assert tuple(rgb[0, 0]) == (127, 127, 255)
    assert images.find_transparent([path, _png(tmp_path / "opaque.png", bgra[..., :3])]) == [str(path)]


def test_the_background_is_a_policy_a_setting_changes(tmp_path, monkeypatch):
    bgra = np.zeros((4, 4, 4), np.uint8)
    path = _png(tmp_path / "clear.png", bgra)

    class Settings:
        transparent_background = "grey"

    monkeypatch.setattr(policy, "current", policy.current)
    policy.apply(Settings())
    assert tuple(images.read(path)[0, 0]) == (128, 128, 128)


@pytest.mark.parametrize("make", ["grey_alpha", "rgba16", "palette_trns"])
def test_every_kind_of_transparency_is_composited(tmp_path, make):
    if make == "grey_alpha":  # colour type 4, written by hand (cv2 writes no grey + alpha)
        rows = b"".join(b"\x00" + bytes([0, 0]) * 4 for _ in range(4))
        data = (image_header.PNG + _chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 4, 0, 0, 0))
                + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b""))
    elif make == "rgba16":
        path = _png(tmp_path / "x.png", np.zeros((4, 4, 4), np.uint16))
        data = path.read_bytes()
    else:  # a palette image whose one colour is fully transparent (tRNS)
        rows = b"".join(b"\x00" + bytes(4) for _ in range(4))
        data = (image_header.PNG + _chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 3, 0, 0, 0))
                + _chunk(b"PLTE", bytes([0, 0, 0])) + _chunk(b"tRNS", b"\x00")
                + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b""))
    assert image_header.has_alpha(data)
    rgb = images.decode(data, make)
    assert rgb.shape == (4, 4, 3) and rgb.dtype == np.uint8
    assert (rgb == 255).all()


def test_a_huge_declared_size_is_refused_before_decoding():
    """30,000 x 30,000 pixels from a few bytes: refused from the header, nothing allocated."""
    data = (image_header.PNG + _chunk(b"IHDR", struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + _chunk(b"IEND", b""))
    with pytest.raises(DataError, match=r"big.png: image declares 30000x30000 pixels \(900 MP\), over the limit of "
                                        r"100 MP; raise it with --max-image-megapixels"):
        images.decode(data, "big.png")


def test_jpeg_and_png_dimensions_come_from_the_header(tmp_path):
    image = np.random.default_rng(0).integers(0, 255, (37, 53, 3), dtype=np.uint8)
    for suffix in (".png", ".jpg", ".bmp", ".webp"):
        path = tmp_path / f"x{suffix}"
        assert cv2.imwrite(str(path), image)
        assert image_header.dimensions(path.read_bytes()) == (53, 37), suffix
    assert image_header.dimensions(b"not an image") is None
    assert image_header.dimensions(b"\xff\xd8\xff") is None
