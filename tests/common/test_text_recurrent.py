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


def test_gru_model_shape():
    model = recurrent.build(30, 7, embedding_dim=4, units=3, cell="gru")
    assert model.predict(np.ones((2, 7), np.int32), verbose=0).shape == (2, 1)
