"""Text cleaning and the linear baselines: tokens, NB log-count ratios, both models learn words."""

import numpy as np
import pytest
from scipy import sparse

from compete.common.evaluation.metrics import roc_auc
from compete.common.text.clean import clean, tokenize
from compete.common.text.linear import NBSVM, binary_nbsvm, char_logreg, nbsvm, tfidf_logreg


def test_clean_removes_breaks_and_keeps_sentiment_marks():
    assert clean('It\'s GREAT!<br /><br />A "must-see"<br/>film?') == "it's great ! a must see film ?"
    assert tokenize("<i>fine</i>") == ["fine"]


def test_nb_ratio_matches_formula():
    X = sparse.csr_matrix(np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1], [0, 1, 0]], dtype=float))
    y = np.array([1, 1, 0, 0])
    model = NBSVM(alpha=1.0).fit(X, y)
    p = 1 + np.array([2, 1, 1.0])
    q = 1 + np.array([0, 2, 1.0])
    assert np.allclose(model.ratio_, np.log((p / p.sum()) / (q / q.sum())))
    assert model.predict_proba(X).shape == (4, 2)


def _texts(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    words = np.array(["plot", "actor", "scene", "music", "night", "city", "story"])
    texts = [" ".join(list(rng.choice(words, 8)) + [("great" if (s == 1) == (rng.random() < 0.85) else "awful")])
             for s in y]
    return texts, y


@pytest.mark.parametrize("make", [tfidf_logreg, nbsvm, binary_nbsvm, char_logreg])
def test_linear_models_learn_sentiment_words(make):
    texts, y = _texts()
    model = make(min_df=1).fit(texts[:300], y[:300])
    assert roc_auc(y[300:], model.predict_proba(texts[300:])[:, 1]) > 0.8


def test_char_model_reads_character_ngrams_within_words():
    model = char_logreg(ngram_max=3, min_df=1).fit(["great fun", "awful mess"], [1, 0])
    vocabulary = model.named_steps["tfidf"].vocabulary_
    assert {" gr", "gre", "eat", "at "} <= set(vocabulary) and "t f" not in vocabulary


def test_normalised_nbsvm_scales_by_the_ratio_then_gives_each_row_unit_length():
    X = sparse.csr_matrix(np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1], [0, 1, 0]], dtype=float))
    y = np.array([1, 1, 0, 0])
    plain, normalised = NBSVM().fit(X, y), NBSVM(normalise=True).fit(X, y)
    scaled = plain._scale(X).toarray()
    np.testing.assert_allclose(normalised._scale(X).toarray(), scaled / np.linalg.norm(scaled, axis=1, keepdims=True))
    del normalised.__dict__["normalise"]  # as pickled before the option existed: not normalised
    np.testing.assert_allclose(normalised._scale(X).toarray(), scaled)
