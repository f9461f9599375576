"""The restricted unpickler: fitted text pipelines round-trip; anything off the allow-list is refused, unrun."""

import os
import pickle

import numpy as np
import pytest
from scipy import sparse

from compete.common.errors import DataError
from compete.common.io import safe_pickle
from compete.common.text.linear import binary_nbsvm, tfidf_logreg


class _System:
    """A pickle whose reduce calls os.system: plain pickle.load would run the command."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def _texts(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    filler = ["plot", "actor", "scene", "music"]
    texts = [" ".join(list(rng.choice(filler, 5)) + ["great" if s else "awful"]) for s in y]
    return texts, y


def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_System(f"touch {marker}")))
    with pytest.raises(DataError) as error:
        safe_pickle.load(path)
    message = str(error.value)
    assert "\n" not in message and str(path) in message and "posix.system" in message
    assert not marker.exists()


@pytest.mark.parametrize("module, name", [
    ("builtins", "eval"), ("subprocess", "Popen"), ("sklearn.base", "os.system"),  # an attribute path through a module
    ("sklearn.datasets", "dump_svmlight_file"),  # a function of an allowed package: writes files
    ("numpy", "load"), ("compete.common.io.atomic", "write_text"),
])
def test_globals_off_the_allow_list_are_refused(module, name):
    data = b"\x80\x04c" + f"{module}\n{name}\n".encode() + b")R."  # GLOBAL module name; call with ()
    with pytest.raises(safe_pickle.UnsafePickle, match=f"asks for '{module}.{name}',"):
        safe_pickle.loads(data, "evil.pkl")


@pytest.mark.parametrize("make", [tfidf_logreg, binary_nbsvm])
def test_fitted_pipeline_round_trip(make, tmp_path):
    texts, y = _texts()
    model = make(min_df=1).fit(texts[:90], y[:90])
    safe_pickle.dump(model, tmp_path / "model.pkl")
    back = safe_pickle.load(tmp_path / "model.pkl")
    assert np.array_equal(back.predict_proba(texts[90:]), model.predict_proba(texts[90:]))
    assert [p.name for p in tmp_path.iterdir()] == ["model.pkl"]  # written atomically: no temporary left


def test_arrays_sparse_matrices_and_scalars_round_trip():
    value = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": sparse.random(4, 5, density=0.4, format="csr"),
             "c": np.float64(1.5), "d": np.int64(3), "e": {1, 2}, "f": slice(1, 3)}
    for protocol in (2, 4, 5):
        back = safe_pickle.loads(pickle.dumps(value, protocol=protocol))
        assert np.array_equal(back["a"], value["a"]) and (back["b"] != value["b"]).nnz == 0
        assert back["c"] == 1.5 and back["d"] == 3 and back["e"] == {1, 2} and back["f"] == slice(1, 3)


def test_a_huge_global_name_is_cut_in_the_message():
    data = b"\x80\x04c" + b"m" * 1_000_000 + b"\nx\n)R."
    with pytest.raises(safe_pickle.UnsafePickle) as caught:
        safe_pickle.loads(data, "evil.pkl")
    assert len(str(caught.value)) < 300
