"""Reviews as averaged word vectors, classified by a standardised logistic regression."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from compete.common.text.word2vec import WordVectors, average_vectors


class AveragedVectorClassifier(ClassifierMixin, BaseEstimator):
    """Mean word2vec vector of each cleaned text (tokens split on spaces) -> logistic regression."""

    def __init__(self, vectors: WordVectors | None = None, C: float = 1.0):
        self.vectors, self.C = vectors, C

    def _features(self, texts) -> np.ndarray:
        if self.vectors is None:
            raise ValueError("AveragedVectorClassifier needs word vectors")
        return average_vectors([t.split() for t in texts], self.vectors)

    def fit(self, texts, y):
        self.linear_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=2000))
        self.linear_.fit(self._features(texts), np.asarray(y))
        self.classes_ = self.linear_.classes_
        return self

    def predict_proba(self, texts) -> np.ndarray:
        return self.linear_.predict_proba(self._features(texts))

    def predict(self, texts) -> np.ndarray:
        return self.linear_.predict(self._features(texts))
