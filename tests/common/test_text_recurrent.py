"""The recurrent classifier: vectoriser, word2vec-initialised embedding, LSTM/GRU fit and predict; precision; JAX."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from compete.common.evaluation.metrics import roc_auc
from compete.common.text import recurrent
from compete.common.text.word2vec import WordVectors

pytestmark = pytest.mark.heavy


def test_truncate_keeps_start_or_end():
    assert recurrent.truncate(["a b c d"], 2, "end").tolist() == ["c d"]
    assert recurrent.truncate(["a b c d"], 2, "start").tolist() == ["a b"]
    with pytest.raises(ValueError, match="Unknown truncation"):
        recurrent.truncate(["a"], 2, "middle")


def test_embedding_matrix_uses_word_vectors():
    vectors = WordVectors(["good", "bad"], np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
    matrix = recurrent.embedding_matrix(["", "[UNK]", "bad", "other"], vectors, 2)
    assert matrix[0].tolist() == [0, 0] and matrix[2].tolist() == [3, 4]
    assert abs(matrix[3]).max() < 0.5


def test_unknown_cell():
    with pytest.raises(ValueError, match="Unknown sequence model 'rnn'; available: lstm, gru, cnn"):
        recurrent.build(10, 5, cell="rnn")


@pytest.mark.parametrize("cell", ["lstm", "cnn", pytest.param("gru", marks=pytest.mark.slow)])
def test_learns_a_sentiment_word(cell):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 240)
    filler = ["plot", "actor", "scene", "music", "night"]
    texts = [" ".join(list(rng.choice(filler, 6)) + ["great" if s else "awful"] + list(rng.choice(filler, 3))) for s in y]
    vectors = WordVectors(["great", "awful"], np.array([[1.0] * 8, [-1.0] * 8], np.float32))
    model = recurrent.RecurrentClassifier(vocab_size=50, seq_len=12, embedding_dim=8, units=8, cell=cell, epochs=5,
                                          batch_size=16, learning_rate=1e-2, word_vectors=vectors).fit(texts[:200], y[:200])
    p = model.predict_proba(texts[200:])
    assert p.shape == (40, 2) and np.allclose(p.sum(axis=1), 1)
    assert roc_auc(y[200:], p[:, 1]) > 0.9


def test_save_and_load_round_trip_without_pickles(tmp_path):
    """`.keras` plus JSON; the vectoriser comes back from the vocabulary and predictions are unchanged."""
    from compete.common.text.learners import RecurrentLearner
    from compete.common.runs.engine import Split

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 60)
    texts = [" ".join(list(rng.choice(["plot", "actor", "scene"], 4)) + ["great" if s else "awful"]) for s in y]
    vectors = WordVectors(["great", "awful"], np.array([[1.0] * 6, [-1.0] * 6], np.float32))
    learner = RecurrentLearner(lambda seed: recurrent.RecurrentClassifier(
        vocab_size=40, seq_len=8, embedding_dim=6, units=3, epochs=1, batch_size=16, word_vectors=vectors, seed=seed),
        {"model": "lstm"})
    data = Split(np.array([str(i) for i in range(60)]), texts, y, np.array([str(i) for i in range(60)]))
    model, summary = learner.fit(data, np.arange(40), np.arange(40, 60), seed=5, workdir=tmp_path)
    assert summary == {"seed": 5, "precision": "float32"} and learner.uses_validation is False
    learner.save(model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras", "recurrent.json"]
    state = json.loads((tmp_path / "recurrent.json").read_text())
    assert state["vocabulary"][:2] == ["", "[UNK]"] and state["seed"] == 5 and state["settings"]["units"] == 3
    assert state["settings"]["precision"] == "float32"
    loaded = learner.load(tmp_path)
    assert loaded.vectorizer_.vocabulary == model.vectorizer_.vocabulary
    before, _ = learner.predict(model, data, np.arange(40, 60))
    after, _ = learner.predict(loaded, data, np.arange(40, 60))
    np.testing.assert_allclose(after, before, rtol=1e-6, atol=1e-6)
    # The word2vec start is in the weights, not in the saved configuration.
    assert (tmp_path / "model.keras").stat().st_size < 200_000
    del state["settings"]["precision"]  # as saved before precision was a setting
    (tmp_path / "recurrent.json").write_text(json.dumps(state))
    assert learner.load(tmp_path).settings["precision"] == "float32"


def test_cnn_convolves_unmasked_word_vectors_and_reloads_with_its_kernel(tmp_path):
    model = recurrent.build(30, 7, embedding_dim=4, units=5, cell="cnn", kernel_size=2)
    assert model.get_layer("conv").kernel.shape == (2, 4, 5) and model.get_layer("embedding").mask_zero is False
    rng = np.random.default_rng(2)
    texts = [" ".join(rng.choice(["a", "b", "c", "good", "bad"], 6)) for _ in range(40)]
    y = np.array([int("good" in t) for t in texts])
    fitted = recurrent.RecurrentClassifier(vocab_size=20, seq_len=6, embedding_dim=4, units=5, cell="cnn", epochs=1,
                                           batch_size=8, kernel_size=4).fit(texts, y)
    fitted.save(tmp_path)
    loaded = recurrent.RecurrentClassifier.load(tmp_path)
    assert loaded.settings["kernel_size"] == 4 and loaded.model_.get_layer("conv").kernel.shape[0] == 4
    np.testing.assert_allclose(loaded.predict_proba(texts), fitted.predict_proba(texts), rtol=1e-6, atol=1e-6)


def test_gru_model_shape():
    model = recurrent.build(30, 7, embedding_dim=4, units=3, cell="gru")
    assert model.predict(np.ones((2, 7), np.int32), verbose=0).shape == (2, 1)


def _texts_from_counts(rng, counts: dict, longest: int) -> list[str]:
    """Texts of 0..`longest` tokens holding each token exactly `counts[token]` times, in a random order."""
    pool = list(rng.permutation([token for token, n in counts.items() for _ in range(n)]))
    texts = []
    while pool:
        length = int(rng.integers(0, longest + 1))
        texts.append(" ".join(pool[:length]))
        del pool[:length]
    return texts


def test_vectoriser_matches_text_vectorization():
    """Vocabulary (ties, cuts inside a tie, `[UNK]` in a text) and padded, cut ids as TextVectorization's."""
    pytest.importorskip("tensorflow", reason="TextVectorization, the reference, needs TensorFlow")
    from keras import layers

    rng = np.random.default_rng(0)
    tied = ["Zed", "zed", "\u00e9t\u00e9", "ete", "\u65e5\u672c", "it's", "!"]
    counts = {**{f"w{i}": 90 for i in range(5)}, **{token: 50 for token in tied}, "[UNK]": 40,
              **{f"w{i}": 30 for i in range(5, 15)}, **{f"w{i}": 10 for i in range(15, 30)}}
    train = _texts_from_counts(rng, counts, 6) + ["", "  w0\tw1\n w2  "]  # about 430 texts
    words = [*counts, "never", "seen"]
    test = [" ".join(rng.choice(words, rng.integers(0, 15))) for _ in range(200)] + ["", "[UNK] w1"]
    # 11 and 20 entries cut inside the tied fifties and thirties; 500 keeps every token
    for vocab_size, seq_len in [(11, 1), (20, 9), (500, 15)]:
        reference = layers.TextVectorization(max_tokens=vocab_size, standardize=None, split="whitespace",
                                             output_mode="int", output_sequence_length=seq_len)
        reference.adapt(np.array(train, dtype=object))
        ours = recurrent.make_vectorizer(train, vocab_size, seq_len)
        assert ours.vocabulary == reference.get_vocabulary()
        ids = recurrent.vectorize(ours, test)
        assert ids.dtype == np.int32 and ids.shape == (len(test), seq_len)
        np.testing.assert_array_equal(ids, np.asarray(reference(np.array(test, dtype=object))))
    # ties: the later token in code-point order first
    assert recurrent.build_vocabulary(train, 11)[7:] == ["\u65e5\u672c", "\u00e9t\u00e9", "zed", "it's"]


def test_vectoriser_refuses_a_vocabulary_without_padding_and_unknown():
    with pytest.raises(ValueError, match="a vocabulary starts with '' and '\\[UNK\\]'"):
        recurrent.Vectorizer(["good", "bad"], 4)


NO_TENSORFLOW = textwrap.dedent("""
    import sys


    class NoTensorFlow:
        def find_spec(self, name, path=None, target=None):
            if name == "tensorflow" or name.startswith("tensorflow."):
                raise ImportError(f"{name} is blocked in this test")


    sys.meta_path.insert(0, NoTensorFlow())
    import keras
    import numpy as np

    from compete.common.text import recurrent, word2vec

    assert keras.backend.backend() == "jax", keras.backend.backend()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 48)
    texts = [" ".join(list(rng.choice(["plot", "actor", "scene"], 5)) + ["great" if s else "awful"]) for s in y]
    vectors = word2vec.train([t.split() for t in texts], dim=4, window=2, min_count=1, batch_size=64, log=print)
    for cell in ("lstm", "gru"):
        model = recurrent.RecurrentClassifier(vocab_size=30, seq_len=8, embedding_dim=4, units=3, cell=cell,
                                              epochs=1, batch_size=16, word_vectors=vectors, precision="auto")
        before = model.fit(texts, y).predict_proba(texts)
        model.save(f"{sys.argv[1]}/{cell}")
        after = recurrent.RecurrentClassifier.load(f"{sys.argv[1]}/{cell}").predict_proba(texts)
        assert model.policy_ == "float32" and np.array_equal(before, after), cell
    assert not [name for name in sys.modules if name.startswith("tensorflow")]
    print("jax without tensorflow ok")
""")


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX not installed (pip install -e '.[jax]')")
def test_fit_save_load_under_jax_without_tensorflow(tmp_path):
    """word2vec and both cells train, save, load and predict alike with every `tensorflow` import refused."""
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, "-c", NO_TENSORFLOW, str(tmp_path)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "jax without tensorflow ok" in done.stdout


@pytest.mark.parametrize("precision", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_fits_saves_and_loads(tmp_path, precision):
    """The layers compute in the mixed policy, the output stays float32, and a loaded model predicts the same."""
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 48)
    texts = [" ".join(list(rng.choice(["plot", "actor", "scene"], 4)) + ["great" if s else "awful"]) for s in y]
    model = recurrent.RecurrentClassifier(vocab_size=20, seq_len=6, embedding_dim=4, units=3, epochs=1, batch_size=16,
                                          precision=precision, jit_compile="off").fit(texts, y)
    assert model.policy_ == precision and model.model_.get_layer("embedding").compute_dtype != "float32"
    ids = recurrent.vectorize(model.vectorizer_, texts)
    assert model.model_.predict(ids, verbose=0).dtype == np.float32
    model.save(tmp_path)
    assert json.loads((tmp_path / "recurrent.json").read_text())["settings"]["precision"] == precision
    loaded = recurrent.RecurrentClassifier.load(tmp_path, jit_compile="off")
    assert loaded.policy_ == precision and loaded.model_.jit_compile is False
    np.testing.assert_array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
