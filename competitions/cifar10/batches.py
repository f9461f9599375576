"""The CIFAR-10 python batches: pickled dicts of b'data' (N, 3072) uint8 rows (R, G, B planes) and b'labels'.

Read straight into (N, 32, 32, 3) arrays; ids are 1..N in file order (train:
data_batch_1..5 concatenated; test: test_batch), so the pipeline never writes PNGs.
"""

from __future__ import annotations

import io
import pickle
import pickletools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.errors import DataError, quoted
from compete.common.io.safe_pickle import UnsafePickle, python3_name
from compete.competitions.cifar10.classes import CLASSES, IMAGE_SIZE

FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
META = "batches.meta"


def folder(root) -> Path | None:
    """The batches folder: root/cifar-10-batches-py, or root itself when it holds the batches."""
    root = Path(root)
    for candidate in (root / FOLDER, root):
        if (candidate / TRAIN_BATCHES[0]).is_file() or (candidate / META).is_file():
            return candidate
    return None


def _numpy_function(module: str, name: str):
    """NumPy's own reconstructor `name` (numpy._core in NumPy 2, numpy.core before), imported without warnings."""
    import importlib

    for where in (f"numpy._core.{module}", f"numpy.core.{module}"):
        try:
            return getattr(importlib.import_module(where), name)
        except (ImportError, AttributeError):
            continue
    raise pickle.UnpicklingError(f"this NumPy has no {module}.{name}")


def _reconstruct(subtype, shape, dtype):
    """numpy's `_reconstruct`, for the empty plain array every pickled ndarray starts as (its state fills it)."""
    if subtype is not np.ndarray or tuple(shape) != (0,):
        raise pickle.UnpicklingError("an array is reconstructed in an unusual way")
    return _numpy_function("multiarray", "_reconstruct")(subtype, shape, dtype)


def _no_bytes(*args):
    """`bytes` as Python 3 pickles an empty bytes object at protocols 0-2: `bytes()`, and only that."""
    if args:
        raise pickle.UnpicklingError("bytes are built in an unusual way")
    return b""


def _latin1(text, encoding="latin1"):
    """`_codecs.encode` as Python 3 pickles bytes at protocols 0-2: str -> bytes through latin-1, nothing else."""
    if not isinstance(text, str) or str(encoding).replace("-", "").replace("_", "").lower() != "latin1":
        raise pickle.UnpicklingError("bytes are encoded in an unusual way")
    return text.encode("latin-1")


# Everything the real batches (Python 2 cPickle, protocol 2) and re-pickled copies (Python 3, any
# protocol) ask for: a NumPy array's reconstruction, its dtype, NumPy scalars, and bytes. Dicts,
# lists, str, bytes and numbers need no global. Module names are the Python 3 ones (see find_class).
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): lambda: _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): lambda: _reconstruct,
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
    ("numpy.core.multiarray", "scalar"): lambda: _numpy_function("multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"): lambda: _numpy_function("multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"): lambda: _numpy_function("numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"): lambda: _numpy_function("numeric", "_frombuffer"),
    ("_codecs", "encode"): lambda: _latin1,
    ("builtins", "bytes"): lambda: _no_bytes,
}


# Tuples nested deeper than this are refused: a batch's deepest is NumPy's reduce of an array
# (state tuple > dtype > its state tuple). Hashing a tuple hashes its items, so a dict key of
# tuples sharing one another (memo references) could cost 2**depth while the pickle grows by
# a few bytes a level: a 1 KB file would keep the unpickler busy for ever.
MAX_TUPLE_DEPTH = 8


class _BatchUnpickler(pickle._Unpickler):
    """A restricted unpickler that knows only what a CIFAR batch holds; any other global is refused unrun.

    Narrower than `compete.common.io.safe_pickle` (which also admits scikit-learn classes for
    model files) and reading Python 2 strings as bytes, as the original batches need. It is
    the pure-Python unpickler, so that each tuple's depth is checked as it is built (sets,
    which batches never hold, are refused for the same reason); batches are a few opcodes
    per image, so this costs milliseconds.
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, handle, path):
        super().__init__(handle, encoding="bytes")
        self.path = path
        self._depths: dict[int, int] = {}

    def find_class(self, module, name):
        module, name = python3_name(module, name)
        make = _ALLOWED.get((module, name))
        if make is None:
            raise UnsafePickle(self.path, f"refusing to unpickle: it asks for {quoted(f'{module}.{name}')}, which a "
                                          "CIFAR-10 batch never holds (only NumPy arrays, lists, bytes and numbers); "
                                          "nothing of it was run")
        return make()

    def _measure(self):
        """Record the depth of the tuple just built; refuse it when too deep."""
        made = self.stack[-1]
        depth = 1 + max((self._depths.get(id(item), 0) for item in made if isinstance(item, tuple)), default=0)
        if depth > MAX_TUPLE_DEPTH:
            raise pickle.UnpicklingError(f"tuples nested {depth} deep (a batch needs {MAX_TUPLE_DEPTH} at most)")
        self._depths[id(made)] = depth

    def _refuse_sets(self):
        raise pickle.UnpicklingError("a set (a CIFAR-10 batch holds none)")


def _measured(load):
    def run(self):
        load(self)
        self._measure()
    return run


for _code in (pickle.TUPLE, pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3, pickle.EMPTY_TUPLE):
    _BatchUnpickler.dispatch[_code[0]] = _measured(pickle._Unpickler.dispatch[_code[0]])
for _code in (pickle.EMPTY_SET, pickle.ADDITEMS, pickle.FROZENSET):
    _BatchUnpickler.dispatch[_code[0]] = _BatchUnpickler._refuse_sets


def _brief(error: BaseException) -> str:
    """An exception's first line, printable, cut to 80 characters: errors about hostile files stay one short line."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 80 else text[:79] + "…"


def load_pickle(path) -> dict:
    """Unpickle one batch file with the restricted unpickler; a missing, truncated, corrupt or hostile file
    raises DataError naming it (a hostile one before anything it asks for has run)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "batch file not found" if not path.exists() else
                        "batch file not found: not a regular file (a folder, device or pipe)")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataError(path, f"batch file cannot be read: {error.strerror or error}") from None
    if not data:
        raise DataError(path, "batch file is empty")
    try:
        for _ in pickletools.genops(data):  # lengths checked against the file before anything is allocated
            pass
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # odd dtype arguments: NumPy's warnings would be stray lines on stderr
            obj = _BatchUnpickler(io.BytesIO(data), path).load()
    except DataError:
        raise
    except EOFError:
        raise DataError(path, "batch file is truncated (pickle ends early)") from None
    except Exception as error:  # noqa: BLE001 - a parser of untrusted bytes: whatever it raises, the file is bad
        state = "truncated" if any(w in str(error) for w in ("truncated", "remain", "exhausted")) else "corrupt"
        raise DataError(path, f"batch file is {state} (cannot unpickle: {_brief(error)})") from None
    if not isinstance(obj, dict):
        raise DataError(path, f"expected a pickled dict, found {type(obj).__name__}")
    return {(k.decode("latin-1") if isinstance(k, bytes) else k): v for k, v in obj.items()}


def _plain(value):
    """`value` made safe to quote: a string or bytes cut short, a number of bounded size, anything else its type.

    `quoted` computes the whole repr before cutting it, and a pickle of a few hundred bytes can
    nest shared lists whose repr never ends, or hold an integer too long to print.
    """
    if isinstance(value, (str, bytes)):
        return value[:81]
    if isinstance(value, (bool, float, np.integer, np.floating)) or value is None:
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= 256 else f"<a {value.bit_length()}-bit integer>"
    return f"<{type(value).__name__}>"


def _keys(entries: dict) -> str:
    return quoted(sorted(str(_plain(k)) for k in list(entries)[:20]))


def read_meta(path) -> None:
    """batches.meta must name the 10 classes in the expected order (labels are indices into it)."""
    meta = load_pickle(path)
    names = meta.get("label_names")
    if not isinstance(names, (list, tuple)):
        raise DataError(path, f"no list of label_names; found the entries {_keys(meta)}")
    names = [n.decode("latin-1") if isinstance(n, bytes) else n for n in names]
    if tuple(names) != CLASSES:
        raise DataError(path, f"label_names are {quoted([_plain(n) for n in names[:11]])}, expected {list(CLASSES)}")


def read_batch(path) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 32, 32, 3) uint8, class indices (N,)) of one batch file, checked."""
    batch = load_pickle(path)
    for key in ("data", "labels"):
        if key not in batch:
            raise DataError(path, f"no {key!r} entry; found {_keys(batch)}")
    data = batch["data"]
    row = IMAGE_SIZE * IMAGE_SIZE * 3
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != row:
        shape = data.shape if isinstance(data, np.ndarray) else type(data).__name__
        raise DataError(path, f"'data' is {shape}, expected (N, {row}): {IMAGE_SIZE}x{IMAGE_SIZE} images with 3 "
                              "channels, as a uint8 NumPy array")
    if data.dtype != np.uint8:
        raise DataError(path, f"'data' has dtype {quoted(str(data.dtype))}, expected uint8")
    labels = batch["labels"]
    if isinstance(labels, np.ndarray) and labels.ndim == 1:
        labels = labels.tolist()
    if not isinstance(labels, (list, tuple)):
        raise DataError(path, f"'labels' must be a list of class indices; found {quoted(_plain(labels))}")
    none = object()
    odd = next((k for k in labels if not isinstance(k, (int, np.integer)) or isinstance(k, bool)), none)
    if odd is not none:
        raise DataError(path, f"'labels' must be a list of class indices; found {quoted(_plain(odd))}")
    if len(labels) != len(data):
        raise DataError(path, f"{len(labels)} labels for {len(data)} images")
    bad = [n for n, k in enumerate(labels) if not 0 <= k < len(CLASSES)]
    if bad:
        raise DataError(path, f"label {quoted(_plain(labels[bad[0]]))} at row {bad[0]} is outside the {len(CLASSES)} "
                              f"classes (0..{len(CLASSES) - 1})")
    images = np.ascontiguousarray(data.reshape(-1, 3, IMAGE_SIZE, IMAGE_SIZE).transpose(0, 2, 3, 1))
    return images, np.asarray(labels, dtype=np.int64).reshape(len(data))


def _where(root) -> Path:
    found = folder(root)
    if found is None:
        raise DataError(Path(root) / FOLDER, "python batches not found")
    read_meta(found / META)
    return found


def read_train(root):
    """data_batch_1..5 concatenated, ids 1..N."""
    from compete.competitions.cifar10.layout import TrainSet

    where = _where(root)
    parts = [read_batch(where / name) for name in TRAIN_BATCHES]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    if not len(images):
        raise DataError(where, f"{', '.join(TRAIN_BATCHES)} hold no images")
    return TrainSet(np.arange(1, len(images) + 1, dtype=np.int64), images, labels, where)


def read_test(root):
    """test_batch with ids 1..N and its true labels; the sample submission is built from the ids."""
    from compete.competitions.cifar10.layout import TestSet

    where = _where(root)
    images, labels = read_batch(where / TEST_BATCH)
    if not len(images):
        raise DataError(where / TEST_BATCH, "holds no images")
    ids = np.arange(1, len(images) + 1, dtype=np.int64)
    sample = pd.DataFrame({"id": ids.astype(str), "label": CLASSES[0]})
    return TestSet(ids, images, sample, where / TEST_BATCH, labels)
