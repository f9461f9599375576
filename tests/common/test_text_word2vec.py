"""word2vec: training pairs from NumPy, and planted synonyms of the sample as nearest neighbours."""

import numpy as np
import pytest

from compete.common.text import word2vec
from compete.common.text.clean import clean_all


def test_skipgram_pairs_within_window():
    rng = np.random.default_rng(0)
    seq = np.arange(1, 11, dtype=np.int32)
    targets, contexts = word2vec.skipgram_pairs([seq], window=2, rng=rng)
    distance = np.abs(targets - contexts)
    assert distance.min() >= 1 and distance.max() <= 2
    assert {(1, 2), (2, 1)} <= set(zip(targets.tolist(), contexts.tolist()))  # offset 1 always in reach


def test_cbow_examples_pad_outside_text():
    contexts, targets = word2vec.cbow_examples([np.array([5, 6, 7], np.int32)], window=2, rng=np.random.default_rng(0))
    assert targets.tolist() == [5, 6, 7] and contexts.shape == (3, 4)
    assert contexts[0, :2].tolist() == [0, 0] and contexts[0, 2] == 6


def test_unknown_method():
    with pytest.raises(ValueError, match="Unknown word2vec method 'glove'; available: skipgram, cbow"):
        word2vec.train([["a", "b"]] * 10, method="glove")


@pytest.fixture(scope="module")
def sample_tokens(tmp_path_factory):
    from compete.competitions.imdb import layout, sample_data

    root = sample_data.generate(tmp_path_factory.mktemp("w2v"), n_labeled=300, n_test=10, n_unlabeled=900)
    texts = layout.read_labeled(root).texts + layout.read_unlabeled(root).texts
    return [t.split() for t in clean_all(texts)]


@pytest.mark.parametrize("method", word2vec.METHODS)
def test_planted_synonyms_are_neighbours(sample_tokens, method, tmp_path):
    vectors = word2vec.train(sample_tokens, method=method, dim=24, window=3, min_count=2, epochs=3, batch_size=256,
                             learning_rate=1e-2, log=lambda *_: None)
    for word, synonyms in [("movie", {"film", "picture"}), ("friday", {"saturday", "sunday"}),
                           ("brother", {"sister", "friend"})]:
        top = {w for w, _ in vectors.nearest(word, 3)}
        assert len(top & synonyms) >= 1, (word, vectors.nearest(word, 5))
    vectors.save(tmp_path / "vectors")
    loaded = word2vec.WordVectors.load(tmp_path / "vectors")
    assert loaded.words == vectors.words and np.allclose(loaded.vectors, vectors.vectors)
    averaged = word2vec.average_vectors([["movie", "film"], ["zzz"]], vectors)
    assert np.allclose(averaged[0], (vectors.vectors[vectors.index["movie"]] + vectors.vectors[vectors.index["film"]]) / 2)
    assert not averaged[1].any()
