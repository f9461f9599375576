"""Reading the CIFAR-10 python batches without trusting them: the originals (Python 2 pickles) read back,
anything that asks for more than arrays, lists, bytes and numbers is refused before it runs."""

import os
import pickle
import struct

import numpy as np
import pytest

from compete.common.errors import DataError
from compete.common.io.safe_pickle import UnsafePickle
from compete.competitions.cifar10 import batches
from compete.competitions.cifar10.classes import CLASSES


def _py2(obj) -> bytes:
    """`obj` pickled as Python 2's cPickle wrote the original batches (protocol 2, str as 8-bit strings).

    Written opcode by opcode (no Python 2 here): bytes become SHORT_BINSTRING/BINSTRING, which a
    Python 3 reader gets back as bytes with encoding="bytes"; a uint8 array is numpy's own reduce
    of that time, numpy.core.multiarray._reconstruct plus a state tuple holding the pixels as a string.
    """
    out = bytearray(b"\x80\x02")

    def string(data: bytes):
        out.extend((b"U" + bytes([len(data)]) if len(data) < 256 else b"T" + struct.pack("<I", len(data))) + data)

    def integer(value: int):
        if 0 <= value < 256:
            out.extend(b"K" + bytes([value]))
        elif 0 <= value < 65536:
            out.extend(b"M" + struct.pack("<H", value))
        else:
            out.extend(b"J" + struct.pack("<i", value))

    def dump(value):
        if isinstance(value, bytes):
            string(value)
        elif isinstance(value, bool):
            out.extend(b"\x88" if value else b"\x89")
        elif isinstance(value, int):
            integer(value)
        elif value is None:
            out.extend(b"N")
        elif isinstance(value, tuple):
            out.extend(b"(")
            for item in value:
                dump(item)
            out.extend(b"t")
        elif isinstance(value, list):
            out.extend(b"](")
            for item in value:
                dump(item)
            out.extend(b"e")
        elif isinstance(value, dict):
            out.extend(b"}(")
            for key, item in value.items():
                dump(key)
                dump(item)
            out.extend(b"u")
        elif isinstance(value, np.ndarray):
            assert value.dtype == np.uint8
            out.extend(b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R")
            out.extend(b"(K\x01")
            dump(tuple(value.shape))
            out.extend(b"cnumpy\ndtype\nU\x02u1K\x00K\x01\x87R")  # dtype('u1', 0, 1) and its state
            dump((3, b"|", None, None, None, -1, -1, 0))
            out.extend(b"b\x89")  # BUILD the dtype; fortran_order False
            string(np.ascontiguousarray(value).tobytes())
            out.extend(b"tb")  # the array's state tuple; BUILD
        else:
            raise TypeError(type(value))

    dump(obj)
    return bytes(out + b".")


def _original_batch(n=7, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(k) for k in rng.integers(0, 10, n)]
    return {b"batch_label": b"training batch 1 of 5", b"labels": labels, b"data": data,
            b"filenames": [f"img_{i}.png".encode() for i in range(n)]}, data, labels


def test_a_batch_written_as_the_originals_were_reads_back(tmp_path):
    batch, data, labels = _original_batch()
    path = tmp_path / "data_batch_1"
    path.write_bytes(_py2(batch))
    raw = pickle.loads(path.read_bytes(), encoding="bytes")  # what the CIFAR page says to do, unrestricted
    np.testing.assert_array_equal(raw[b"data"], data)
    images, read_labels = batches.read_batch(path)
    assert images.shape == (7, 32, 32, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[3, :, :, 1].ravel(), data[3, 1024:2048])  # green plane of row 3
    assert read_labels.tolist() == labels


def test_meta_written_as_the_original_reads_back(tmp_path):
    path = tmp_path / "batches.meta"
    path.write_bytes(_py2({b"num_cases_per_batch": 10000, b"label_names": [c.encode() for c in CLASSES],
                           b"num_vis": 3072}))
    batches.read_meta(path)


@pytest.mark.parametrize("protocol", [0, 2, 3, pickle.HIGHEST_PROTOCOL])
def test_python3_pickles_of_any_protocol_read_back(tmp_path, protocol):
    batch, data, labels = _original_batch(5, seed=protocol)
    batch[b"labels"] = np.asarray(labels, np.int64)  # numpy labels (scalar reconstruction) are fine too
    path = tmp_path / "data_batch_2"
    path.write_bytes(pickle.dumps(batch, protocol=protocol))
    images, read_labels = batches.read_batch(path)
    assert read_labels.tolist() == labels
    np.testing.assert_array_equal(images.transpose(0, 3, 1, 2).reshape(5, -1), data)


@pytest.mark.parametrize("data", ["rows as lists", "one bytes string"])
def test_data_as_plain_lists_or_bytes_is_refused_in_one_line(tmp_path, data):
    """The originals always hold a uint8 NumPy array; anything else is named, not guessed at."""
    batch, array, _ = _original_batch(3)
    batch[b"data"] = array.tolist() if data == "rows as lists" else array.tobytes()
    path = tmp_path / "data_batch_1"
    path.write_bytes(_py2(batch) if data == "one bytes string" else pickle.dumps(batch, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_1: 'data' is (list|bytes), expected \(N, 3072\)") as error:
        batches.read_batch(path)
    assert "\n" not in str(error.value)


class _Call:
    """A pickle whose reduce calls `function(*args)`: plain pickle.load would run it."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize("make", ["system", "open", "eval"])
def test_a_hostile_pickle_is_refused_before_it_runs(tmp_path, protocol, make):
    marker = tmp_path / "ran"
    calls = {"system": _Call(os.system, f"touch {marker}"), "open": _Call(open, str(marker), "w"),
             "eval": _Call(eval, f"open({str(marker)!r}, 'w')")}
    path = tmp_path / "batches.meta"
    path.write_bytes(pickle.dumps({b"label_names": calls[make]}, protocol=protocol))
    with pytest.raises(UnsafePickle, match=r"batches\.meta: refusing to unpickle: it asks for '\w+\.\w+'") as error:
        batches.read_meta(path)
    assert "\n" not in str(error.value) and not marker.exists()


@pytest.mark.parametrize("payload,expected", [
    (b"\x80\x02c_codecs\nencode\nX\x03\x00\x00\x00abcX\x04\x00\x00\x00zlib\x86R.", "corrupt"),  # only latin-1
    (b"\x80\x02c__builtin__\nbytes\nJ\x00\x00\x00\x7f\x85R.", "corrupt"),  # bytes(2 GB): only bytes()
    (b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nJ\x00\xe1\xf5\x05\x85U\x01b\x87R.",
     "corrupt"),  # an array of 100 million entries before any data backs it
    (b"\x80\x02cnumpy\nload\nU\x01x\x85R.", "asks for 'numpy.load'"),
    (b"\x80\x02c" + b"m" * 1_000_000 + b"\nx\n)R.", "asks for 'mmmm"),
])
def test_allowed_globals_do_only_what_batches_need(tmp_path, payload, expected):
    path = tmp_path / "data_batch_1"
    path.write_bytes(payload)
    with pytest.raises(DataError, match=expected) as error:
        batches.load_pickle(path)
    assert "\n" not in str(error.value) and len(str(error.value)) < 300 + len(str(path))


@pytest.mark.parametrize("change,expected", [
    (lambda b: b.__setitem__(b"labels", [b"cat"] * 7), r"'labels' must be a list of class indices; found b'cat'"),
    (lambda b: b.__setitem__(b"labels", [True] * 7), "'labels' must be a list of class indices"),
    (lambda b: b.__setitem__(b"labels", [1] * 6), "6 labels for 7 images"),
    (lambda b: b.__setitem__(b"labels", [1] * 6 + [10 ** 30]), r"label 1000000000000000000000000000000 at row 6"),
    (lambda b: b.pop(b"data"), r"no 'data' entry; found \['batch_label', 'filenames', 'labels'\]"),
    (lambda b: b.__setitem__(b"data", b[b"data"].astype(np.float32)), "'data' has dtype 'float32', expected uint8"),
    (lambda b: (b.pop(b"data"), b.__setitem__(0, 1)), r"no 'data' entry; found \['0', 'batch_label'"),  # an int key
])
def test_bad_batch_contents_are_named_in_one_line(tmp_path, change, expected):
    batch, _, _ = _original_batch()
    change(batch)
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DataError, match=expected) as error:
        batches.read_batch(path)
    assert "\n" not in str(error.value)


def test_meta_without_label_names_or_with_huge_ones(tmp_path):
    path = tmp_path / "batches.meta"
    path.write_bytes(pickle.dumps({b"label_names": 3}, protocol=2))
    with pytest.raises(DataError, match=r"no list of label_names; found the entries \['label_names'\]"):
        batches.read_meta(path)
    path.write_bytes(pickle.dumps({b"label_names": [b"x" * 1_000_000]}, protocol=2))
    with pytest.raises(DataError, match=r"label_names are \['xxx.*…, expected") as error:
        batches.read_meta(path)
    assert len(str(error.value)) < 300 + len(str(path))


def test_empty_batches_are_refused(tmp_path):
    from compete.competitions.cifar10 import sample_data

    root = sample_data.generate_batches(tmp_path / "data", n_per_batch=0, n_test=3)
    with pytest.raises(DataError, match="hold no images"):
        batches.read_train(root)
    root = sample_data.generate_batches(tmp_path / "data2", n_per_batch=2, n_test=0)
    with pytest.raises(DataError, match="test_batch: holds no images"):
        batches.read_test(root)


def test_a_damaged_protocol_5_batch_fails_quietly(tmp_path, capfd):
    """Found by fuzzing: a BYTEARRAY8 length the file cannot back made the C unpickler print a SystemError
    on stderr; it is one DataError now, and stderr stays empty."""
    batch, _, _ = _original_batch(3)
    data = bytearray(pickle.dumps(batch, protocol=5))
    at = data.index(b"\x96" + struct.pack("<Q", 3 * 3072))
    data[at + 1:at + 9] = struct.pack("<Q", 2 ** 50)
    path = tmp_path / "data_batch_1"
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"data_batch_1: batch file is truncated \(cannot unpickle: expected "
                                        r"1125899906842624 bytes in a bytearray8, but only \d+ remain\)"):
        batches.read_batch(path)
    assert capfd.readouterr().err == ""


def test_numpy_warnings_on_odd_dtype_arguments_stay_off_stderr(tmp_path, capfd):
    """Found by fuzzing: dtype('u1', 36, True) loads with a NumPy deprecation warning; nothing reaches stderr."""
    batch, data, labels = _original_batch(3)
    pickled = bytearray(pickle.dumps(batch, protocol=5))
    at = pickled.index(b"\x8c\x02u1\x94\x89\x88")  # 'u1' MEMOIZE False True
    pickled[at + 4:at + 6] = b"K\x24"  # 'u1' 36 True: align=36
    path = tmp_path / "data_batch_1"
    path.write_bytes(bytes(pickled))
    images, read_labels = batches.read_batch(path)
    assert read_labels.tolist() == labels and images.shape == (3, 32, 32, 3)
    assert capfd.readouterr().err == ""


def _nested(depth: int, kind=list):
    """A list (or tuple) holding the previous one twice, `depth` times over: pickled in a few hundred bytes
    (memo references), its repr would be 2**depth items long."""
    value = kind()
    for _ in range(depth):
        value = kind([value, value])
    return value


@pytest.mark.parametrize("where", ["labels", "a label", "label_names"])
def test_values_whose_repr_never_ends_are_named_by_type(tmp_path, where):
    """A bad value is shown by its type when printing it could not end (shared nested lists, 10**5000)."""
    batch, _, _ = _original_batch(2)
    path = tmp_path / "data_batch_1"
    if where == "labels":
        batch[b"labels"] = [_nested(60)] * 2
    elif where == "a label":
        batch[b"labels"] = [1, 10 ** 5000]
    else:
        path = tmp_path / "batches.meta"
        batch = {b"label_names": [_nested(60), 10 ** 5000]}
    path.write_bytes(pickle.dumps(batch, protocol=2))
    assert path.stat().st_size < 50_000
    expected = {"labels": r"found '<list>'", "a label": r"label '<a 16610-bit integer>' at row 1",
                "label_names": r"label_names are \['<list>', '<a 16610-bit integer>'\]"}[where]
    with pytest.raises(DataError, match=expected) as error:
        batches.read_meta(path) if where == "label_names" else batches.read_batch(path)
    assert len(str(error.value)) < 300 + len(str(path)), str(error.value)[:400]


def test_a_key_whose_hash_never_ends_is_refused_as_it_is_built(tmp_path):
    """A dict key of tuples holding one another twice, 60 levels deep (memo references: 600 bytes), would
    take 2**60 steps to hash when the dict is built; tuples deeper than a batch ever needs are refused."""
    key = b")q\x00" + b"".join(b"h%ch%c\x86q%c" % (i - 1, i - 1, i) for i in range(1, 61))
    path = tmp_path / "data_batch_1"
    path.write_bytes(b"\x80\x02}(" + key + b"K\x01u.")  # by hand: building it here would hash it, for ever
    assert path.stat().st_size < 1000
    with pytest.raises(DataError, match=rf"batch file is corrupt \(cannot unpickle: tuples nested "
                                        rf"{batches.MAX_TUPLE_DEPTH + 1} deep"):
        batches.read_batch(path)


def test_sets_are_refused(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"labels": {1, 2}}, protocol=4))
    with pytest.raises(DataError, match=r"cannot unpickle: a set"):
        batches.read_batch(path)
