"""Linear text baselines as scikit-learn estimators: TF-IDF + logistic regression, and NB-SVM."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

TOKENS = r"\S+"  # texts arrive cleaned (common.text.clean): tokens separated by spaces


def tfidf_logreg(ngram_max: int = 2, min_df: int = 2, max_features: int | None = None, C: float = 10.0) -> Pipeline:
    """Word 1..ngram_max-grams, sublinear TF-IDF, L2 logistic regression."""
    return Pipeline([
        ("tfidf", TfidfVectorizer(token_pattern=TOKENS, ngram_range=(1, ngram_max), min_df=min_df, max_df=0.9,
                                  max_features=max_features, sublinear_tf=True, strip_accents="unicode")),
        ("logreg", LogisticRegression(C=C, solver="liblinear", max_iter=1000)),
    ])


class NBSVM(ClassifierMixin, BaseEstimator):
    """Logistic regression on features scaled by naive-Bayes log-count ratios (Wang & Manning 2012).

    The ratio r = log((p/|p|) / (q/|q|)), with p, q the smoothed feature sums over positive and
    negative rows, is fit on the training rows only and multiplies every row's features.
    """

    def __init__(self, C: float = 4.0, alpha: float = 1.0, max_iter: int = 1000):
        self.C, self.alpha, self.max_iter = C, alpha, max_iter

    def fit(self, X, y):
        X, y = sparse.csr_matrix(X), np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(f"NBSVM needs two classes, got {self.classes_}")
        positive = y == self.classes_[1]
        p = self.alpha + np.asarray(X[positive].sum(axis=0)).ravel()
        q = self.alpha + np.asarray(X[~positive].sum(axis=0)).ravel()
        self.ratio_ = np.log((p / p.sum()) / (q / q.sum()))
        self.linear_ = LogisticRegression(C=self.C, solver="liblinear", dual=True, max_iter=self.max_iter)
        self.linear_.fit(self._scale(X), y)
        return self

    def _scale(self, X):
        return sparse.csr_matrix(X).multiply(self.ratio_).tocsr()

    def decision_function(self, X):
        return self.linear_.decision_function(self._scale(X))

    def predict_proba(self, X):
        return self.linear_.predict_proba(self._scale(X))

    def predict(self, X):
        return self.linear_.predict(self._scale(X))


def nbsvm(ngram_max: int = 2, min_df: int = 2, max_features: int | None = None, C: float = 4.0,
          alpha: float = 1.0) -> Pipeline:
    """NB-SVM on sublinear TF-IDF word n-grams."""
    return Pipeline([
        ("tfidf", TfidfVectorizer(token_pattern=TOKENS, ngram_range=(1, ngram_max), min_df=min_df, max_df=0.9,
                                  max_features=max_features, sublinear_tf=True, strip_accents="unicode")),
        ("nbsvm", NBSVM(C=C, alpha=alpha)),
    ])


def binary_nbsvm(ngram_max: int = 3, min_df: int = 1, C: float = 1.0, alpha: float = 1.0) -> Pipeline:
    """Wang & Manning's original: binarised n-gram counts."""
    return Pipeline([
        ("counts", CountVectorizer(token_pattern=TOKENS, ngram_range=(1, ngram_max), min_df=min_df, binary=True)),
        ("nbsvm", NBSVM(C=C, alpha=alpha)),
    ])
