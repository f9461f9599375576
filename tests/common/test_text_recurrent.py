"""The recurrent classifier: vectoriser, word2vec-initialised embedding, LSTM/GRU fit and predict."""

import numpy as np
import pytest

from compete.common.evaluation.metrics import roc_auc
from compete.common.text import recurrent
from compete.common.text.word2vec import WordVectors


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
    with pytest.raises(ValueError, match="Unknown recurrent cell 'rnn'; available: lstm, gru"):
        recurrent.build(10, 5, cell="rnn")


@pytest.mark.parametrize("cell", ["lstm", pytest.param("gru", marks=pytest.mark.slow)])
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
    import json

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
    assert summary == {"seed": 5} and learner.uses_validation is False
    learner.save(model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras", "recurrent.json"]
    state = json.loads((tmp_path / "recurrent.json").read_text())
    assert state["vocabulary"][:2] == ["", "[UNK]"] and state["seed"] == 5 and state["settings"]["units"] == 3
    loaded = learner.load(tmp_path)
    assert loaded.vectorizer_.get_vocabulary() == model.vectorizer_.get_vocabulary()
    before, _ = learner.predict(model, data, np.arange(40, 60))
    after, _ = learner.predict(loaded, data, np.arange(40, 60))
    np.testing.assert_allclose(after, before, rtol=1e-6, atol=1e-6)
    # The word2vec start is in the weights, not in the saved configuration.
    assert (tmp_path / "model.keras").stat().st_size < 200_000


def test_gru_model_shape():
    model = recurrent.build(30, 7, embedding_dim=4, units=3, cell="gru")
    assert model.predict(np.ones((2, 7), np.int32), verbose=0).shape == (2, 1)
