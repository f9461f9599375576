"""Reading back the pickles this project writes (fitted scikit-learn text models) without trusting them.

`pickle.load` runs whatever a file asks for (a reduce can call `os.system`), so a model
file copied from elsewhere, or edited, could run code. `load` unpickles with an
allow-list instead: only classes from scikit-learn, scipy.sparse and `compete.common.text`,
NumPy's array and scalar reconstruction, and the few builtins such pickles use. Anything
else is refused in one line naming the file and the global it asked for.

Functions are allowed only by exact name (NumPy's reconstructors); from the allowed
packages only classes are, so a pickle cannot call, say, a scikit-learn function that
writes files.
"""

from __future__ import annotations

import _compat_pickle
import io
import pickle
from pathlib import Path

from compete.common.errors import DataError, quoted
from compete.common.io import atomic

# Packages whose classes (not functions) a pickle may name and instantiate.
CLASS_PACKAGES = ("sklearn", "scipy.sparse", "compete.common.text")

# Exact globals allowed whatever they are: array reconstruction and plain containers.
GLOBALS = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("builtins", "slice"), ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"),
    ("builtins", "bytearray"), ("builtins", "range"),
    ("copyreg", "_reconstructor"), ("builtins", "object"),
    ("collections", "OrderedDict"), ("collections", "defaultdict"), ("_codecs", "encode"),
})

# NumPy modules whose scalar types and dtype classes (np.float64, np.dtypes.Float64DType) may be named.
NUMPY_TYPE_MODULES = ("numpy", "numpy.dtypes")


class UnsafePickle(DataError):
    """A pickle named a global outside the allow-list; nothing of it was run."""


def python3_name(module: str, name: str) -> tuple[str, str]:
    """The Python 3 name of a global; protocols 0-2 name Python 2 modules (`__builtin__.set`)."""
    module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _within(module: str, packages) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


class _Unpickler(pickle.Unpickler):
    def __init__(self, handle, path):
        super().__init__(handle)
        self.path = path

    def find_class(self, module, name):
        module, name = python3_name(module, name)
        if (module, name) in GLOBALS:
            return super().find_class(module, name)
        where = quoted(f"{module}.{name}")
        if "." not in name and not name.startswith("__"):  # no attribute paths (sklearn.base.os.system)
            if module in NUMPY_TYPE_MODULES:
                import numpy as np

                found = super().find_class(module, name)
                if isinstance(found, type) and issubclass(found, (np.generic, np.dtype)):
                    return found
            elif _within(module, CLASS_PACKAGES):
                found = super().find_class(module, name)
                if isinstance(found, type) and _within(getattr(found, "__module__", ""), CLASS_PACKAGES):
                    return found
        raise UnsafePickle(self.path, f"refusing to unpickle: it asks for {where}, which is not on the allow-list "
                                      "of compete.common.io.safe_pickle (delete the file to retrain it)")


def loads(data: bytes, path="<bytes>"):
    """Unpickle `data` with the allow-list; `path` only names the source in errors."""
    return _Unpickler(io.BytesIO(data), path).load()


def load(path):
    """Unpickle the file at `path` with the allow-list."""
    path = Path(path)
    with open(path, "rb") as handle:
        return _Unpickler(handle, path).load()


def dump(obj, path) -> None:
    """Pickle `obj` to `path` atomically (a crash never leaves half a file)."""
    with atomic.atomic_path(path) as tmp, open(tmp, "wb") as handle:
        pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
