"""PNG header checks: size and channels read from IHDR, corrupt files raised or listed."""

import cv2
import numpy as np
import pytest

from compete.common.io import png
from compete.common.errors import DataError


def _write(path, image):
    cv2.imwrite(str(path), image)
    return path


def test_header_reads_size_and_channels(tmp_path):
    assert png.header(_write(tmp_path / "a.png", np.zeros((20, 30, 3), np.uint8))) == (30, 20, 3)
    assert png.header(_write(tmp_path / "g.png", np.zeros((8, 8), np.uint8))) == (8, 8, 1)
    assert png.header(_write(tmp_path / "r.png", np.zeros((8, 8, 4), np.uint8))) == (8, 8, 4)
    (tmp_path / "bad.png").write_bytes(b"not a png at all, clearly not one")
    assert png.header(tmp_path / "bad.png") is None


def test_check_names_the_file(tmp_path):
    good = _write(tmp_path / "1.png", np.zeros((32, 32, 3), np.uint8))
    small = _write(tmp_path / "2.png", np.zeros((28, 28, 3), np.uint8))
    rgba = _write(tmp_path / "3.png", np.zeros((32, 32, 4), np.uint8))
    corrupt = tmp_path / "4.png"
    corrupt.write_bytes(b"\x00" * 50)
    assert png.check([good], 32) == []
    with pytest.raises(DataError, match=r"2\.png.*28x28, expected 32x32"):
        png.check([good, small], 32)
    with pytest.raises(DataError, match=r"3\.png.*4 channel"):
        png.check([rgba], 32)
    with pytest.raises(DataError, match=r"4\.png.*corrupt"):
        png.check([corrupt], 32)
    assert png.check([good, corrupt], 32, corrupt="list") == [1]
    with pytest.raises(DataError, match="missing"):
        png.check([tmp_path / "nope.png"], 32)
