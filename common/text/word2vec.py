"""word2vec in Keras: skip-gram or CBOW with negative sampling (Mikolov et al. 2013).

Training examples (frequent-word subsampling, dynamic windows, negatives drawn from the
unigram distribution to the 3/4 power) are made in NumPy by a `keras.utils.PyDataset`,
so the input pipeline needs no TensorFlow.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

from compete.common.io import atomic

METHODS = ("skipgram", "cbow")
PAD = 0  # index 0 is padding / unknown; real words start at 1


@dataclass
class WordVectors:
    """Words and their (len(words), dim) vectors, with cosine nearest neighbours."""

    words: list[str]
    vectors: np.ndarray

    def __post_init__(self):
        self.index = {w: i for i, w in enumerate(self.words)}
        norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
        self._unit = self.vectors / np.maximum(norms, 1e-8)

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def nearest(self, word: str, k: int = 8) -> list[tuple[str, float]]:
        """The `k` words with the highest cosine similarity to `word` (itself excluded)."""
        if word not in self.index:
            raise KeyError(f"{word!r} is not in the vocabulary")
        similarity = self._unit @ self._unit[self.index[word]]
        similarity[self.index[word]] = -np.inf
        best = np.argsort(-similarity)[:k]
        return [(self.words[i], float(similarity[i])) for i in best]

    def save(self, path) -> None:
        """`path` (.npy vectors) and a sibling .json word list, each written atomically."""
        path = Path(path)
        atomic.save_npy(path.with_suffix(".npy"), self.vectors.astype(np.float32))
        atomic.write_json(path.with_suffix(".json"), self.words)

    @classmethod
    def load(cls, path) -> "WordVectors":
        path = Path(path)
        return cls(json.loads(path.with_suffix(".json").read_text(encoding="utf-8")), np.load(path.with_suffix(".npy")))


def build_vocabulary(token_lists, min_count: int = 5, max_words: int = 50000) -> tuple[list[str], np.ndarray]:
    """Words seen at least `min_count` times, most frequent first (at most `max_words`), with counts."""
    counts = Counter(t for tokens in token_lists for t in tokens)
    common = [(w, c) for w, c in counts.most_common(max_words) if c >= min_count]
    return [w for w, _ in common], np.array([c for _, c in common], dtype=np.int64)


def encode(token_lists, words) -> list[np.ndarray]:
    """Token lists to arrays of word indices (1-based; out-of-vocabulary words dropped)."""
    index = {w: i + 1 for i, w in enumerate(words)}
    return [np.array([index[t] for t in tokens if t in index], dtype=np.int32) for tokens in token_lists]


def _keep_probability(counts: np.ndarray, threshold: float) -> np.ndarray:
    frequency = counts / counts.sum()
    keep = np.minimum(1.0, np.sqrt(threshold / frequency) + threshold / frequency) if threshold > 0 else np.ones_like(frequency)
    return np.r_[0.0, keep]


def skipgram_pairs(sequences, window: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(target, context) pairs within a random window of 1..`window` words on each side."""
    targets, contexts = [], []
    for seq in sequences:
        n = len(seq)
        if n < 2:
            continue
        reach = rng.integers(1, window + 1, size=n)
        positions = np.arange(n)
        for offset in range(1, min(window, n - 1) + 1):
            right = positions[: n - offset][reach[: n - offset] >= offset]
            left = positions[offset:][reach[offset:] >= offset]
            targets += [seq[right], seq[left]]
            contexts += [seq[right + offset], seq[left - offset]]
    if not targets:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    return np.concatenate(targets).astype(np.int32), np.concatenate(contexts).astype(np.int32)


def cbow_examples(sequences, window: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(context words (n, 2*window) padded with 0, target) for each word with a random window."""
    rows, targets = [], []
    for seq in sequences:
        n = len(seq)
        if n < 2:
            continue
        padded = np.r_[np.zeros(window, np.int32), seq, np.zeros(window, np.int32)]
        offsets = np.r_[np.arange(-window, 0), np.arange(1, window + 1)]
        context = padded[np.arange(n)[:, None] + window + offsets[None, :]]
        reach = rng.integers(1, window + 1, size=n)
        context = np.where(np.abs(offsets)[None, :] <= reach[:, None], context, PAD)
        rows.append(context)
        targets.append(seq)
    if not rows:
        return np.zeros((0, 2 * window), np.int32), np.zeros(0, np.int32)
    return np.concatenate(rows).astype(np.int32), np.concatenate(targets).astype(np.int32)


class NegativeSamplingData(keras.utils.PyDataset):
    """Batches of (inputs, candidates) -> labels: candidate 0 is the true word, the rest are negatives."""

    def __init__(self, inputs: np.ndarray, positives: np.ndarray, noise: np.ndarray, negatives: int,
                 batch_size: int, seed: int):
        super().__init__()
        self.inputs, self.positives, self.noise = inputs, positives, noise
        self.negatives, self.batch_size = negatives, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(positives))
        self.labels = np.zeros((batch_size, negatives + 1), np.float32)
        self.labels[:, 0] = 1.0

    def __len__(self) -> int:
        return int(np.ceil(len(self.positives) / self.batch_size))

    def __getitem__(self, index):
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        noise = self.rng.choice(len(self.noise), size=(len(rows), self.negatives), p=self.noise).astype(np.int32)
        candidates = np.concatenate([self.positives[rows][:, None], noise], axis=1)
        return (self.inputs[rows], candidates), self.labels[: len(rows)]

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.positives))


class _Dot(layers.Layer):
    """Score of each candidate word: its output vector dotted with the input vector."""

    def call(self, inputs):
        vector, candidates = inputs
        return ops.sum(ops.expand_dims(vector, 1) * candidates, axis=-1)


class _MaskedMean(layers.Layer):
    """Mean of the context vectors that are not padding."""

    def call(self, inputs):
        vectors, ids = inputs
        mask = ops.cast(ops.not_equal(ids, PAD), vectors.dtype)[..., None]
        return ops.sum(vectors * mask, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)


def build_model(method: str, vocab_size: int, dim: int, context_width: int, negatives: int) -> keras.Model:
    """Input embedding (the word vectors) and output embedding scored by dot products."""
    if method not in METHODS:
        raise ValueError(f"Unknown word2vec method {method!r}; available: {', '.join(METHODS)}")
    word_in = layers.Embedding(vocab_size, dim, embeddings_initializer=keras.initializers.RandomUniform(-0.5 / dim, 0.5 / dim),
                               name="word_vectors")
    word_out = layers.Embedding(vocab_size, dim, embeddings_initializer="zeros", name="context_vectors")
    candidates = keras.Input((negatives + 1,), dtype="int32", name="candidates")
    if method == "skipgram":
        source = keras.Input((), dtype="int32", name="target")
        vector = word_in(source)
    else:
        source = keras.Input((context_width,), dtype="int32", name="context")
        vector = _MaskedMean()([word_in(source), source])
    logits = _Dot()([vector, word_out(candidates)])
    return keras.Model([source, candidates], logits, name=f"word2vec_{method}")


def train(token_lists, method: str = "skipgram", dim: int = 100, window: int = 5, negatives: int = 5,
          min_count: int = 5, max_words: int = 50000, subsample: float = 1e-3, epochs: int = 1,
          batch_size: int = 1024, learning_rate: float = 2e-3, seed: int = 0, log=print) -> WordVectors:
    """Train word vectors on tokenised texts; examples are regenerated (new windows, subsampling) each epoch."""
    if method not in METHODS:
        raise ValueError(f"Unknown word2vec method {method!r}; available: {', '.join(METHODS)}")
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    words, counts = build_vocabulary(token_lists, min_count, max_words)
    if len(words) < 2:
        raise ValueError(f"word2vec needs at least 2 words seen {min_count}+ times; found {len(words)}")
    sequences = encode(token_lists, words)
    keep = _keep_probability(counts, subsample)
    noise = np.r_[0.0, counts.astype(np.float64) ** 0.75]
    noise /= noise.sum()
    model = build_model(method, len(words) + 1, dim, 2 * window, negatives)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    for epoch in range(epochs):
        kept = [s[rng.random(len(s)) < keep[s]] for s in sequences]
        if method == "skipgram":
            inputs, positives = skipgram_pairs(kept, window, rng)
        else:
            inputs, positives = cbow_examples(kept, window, rng)
        if len(positives) == 0:
            raise ValueError("word2vec: no training examples (texts too short?)")
        data = NegativeSamplingData(inputs, positives, noise, negatives, batch_size, seed + epoch)
        history = model.fit(data, epochs=1, verbose=0)
        log(f"word2vec {method} epoch {epoch + 1}/{epochs}: {len(positives):,} examples, "
            f"{len(words):,} words, loss {history.history['loss'][-1]:.4f}")
    vectors = keras.ops.convert_to_numpy(model.get_layer("word_vectors").embeddings)[1:]
    return WordVectors(words, np.asarray(vectors, dtype=np.float32))


def average_vectors(token_lists, vectors: WordVectors) -> np.ndarray:
    """Each text as the mean of its known words' vectors (zeros when none is known)."""
    out = np.zeros((len(token_lists), vectors.dim), np.float32)
    for row, tokens in enumerate(token_lists):
        found = [vectors.index[t] for t in tokens if t in vectors.index]
        if found:
            out[row] = vectors.vectors[found].mean(axis=0)
    return out
