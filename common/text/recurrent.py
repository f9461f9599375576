"""A many-to-one review classifier in Keras 3: token ids, Embedding, then a bidirectional LSTM/GRU
or a convolution with global max pooling (`cell="cnn"`, much faster on a CPU).

Texts arrive cleaned (tokens separated by spaces), so the vectoriser only splits on
whitespace and its vocabulary matches word2vec's, which can initialise the embedding.
The vectoriser is plain Python and NumPy (TextVectorization needs TensorFlow under every
backend), with TextVectorization's vocabulary and ids. A fitted classifier saves as a
`.keras` model plus a JSON file of its vocabulary and settings: nothing is pickled.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain, repeat
from pathlib import Path

import keras
import numpy as np
from keras import layers

from compete.common.io import atomic
from compete.common.training import precision as precisions

CELLS = {"lstm": layers.LSTM, "gru": layers.GRU}
KINDS = (*CELLS, "cnn")
MODEL_FILE = "model.keras"
STATE_FILE = "recurrent.json"
PAD, UNK = "", "[UNK]"  # ids 0 and 1


def truncate(texts, length: int, keep: str = "end") -> np.ndarray:
    """Each cleaned text cut to `length` tokens, keeping its start or its end (where verdicts tend to be)."""
    if keep not in ("start", "end"):
        raise ValueError(f"Unknown truncation {keep!r}; available: start, end")
    out = []
    for text in texts:
        tokens = text.split()
        out.append(" ".join(tokens[-length:] if keep == "end" else tokens[:length]))
    return np.array(out, dtype=object)


def build_vocabulary(texts, vocab_size: int) -> list[str]:
    """Padding, unknown, then the most frequent tokens of `texts`: `vocab_size` entries at most.

    Ties go to the token later in code-point order, as in TextVectorization (which sorts
    by count, then token, both descending), so the same texts always give the same ids.
    """
    if vocab_size < 2:
        raise ValueError(f"vocab_size {vocab_size}: padding and unknown need at least 2")
    counts = Counter(chain.from_iterable(text.split() for text in texts))
    counts.pop(UNK, None)
    ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)
    return [PAD, UNK] + [token for token, _ in ranked[:vocab_size - 2]]


class Vectorizer:
    """A vocabulary (padding and unknown first), its token -> id map, and the length texts are padded or cut to."""

    def __init__(self, vocabulary, seq_len: int):
        self.vocabulary, self.seq_len = list(vocabulary), int(seq_len)
        if self.vocabulary[:2] != [PAD, UNK]:
            raise ValueError(f"a vocabulary starts with {PAD!r} and {UNK!r}; got {self.vocabulary[:2]}")
        self.index = {token: i for i, token in enumerate(self.vocabulary)}


def make_vectorizer(texts, vocab_size: int, seq_len: int, vocabulary=None) -> Vectorizer:
    """Integer ids (0 padding, 1 unknown) for the `vocab_size` most frequent tokens of `texts`.

    Given `vocabulary` (a saved one, padding and unknown first), it is used as is and
    `texts` are not read.
    """
    return Vectorizer(build_vocabulary(texts, vocab_size) if vocabulary is None else vocabulary, seq_len)


def vectorize(vectorizer: Vectorizer, texts) -> np.ndarray:
    """(texts, seq_len) int32 ids: each text's first `seq_len` tokens, unknown ones 1, padded at the end with 0."""
    seq_len = vectorizer.seq_len
    tokens = [text.split()[:seq_len] for text in texts]
    lengths = np.fromiter(map(len, tokens), np.int64, len(tokens))
    ids = np.fromiter(map(vectorizer.index.get, chain.from_iterable(tokens), repeat(1)), np.int32, int(lengths.sum()))
    out = np.zeros((len(tokens), seq_len), np.int32)
    out[np.arange(seq_len) < lengths[:, None]] = ids  # row by row, so each row's ids fill its first columns
    return out


def embedding_matrix(vocabulary: list[str], vectors, dim: int, seed: int = 0) -> np.ndarray:
    """Rows for the vectoriser's vocabulary: word2vec vectors where known, small random ones elsewhere, zero padding."""
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, 0.05, size=(len(vocabulary), dim)).astype(np.float32)
    matrix[0] = 0.0
    if vectors is not None:
        if vectors.dim != dim:
            raise ValueError(f"word vectors have {vectors.dim} dimensions, the embedding {dim}")
        for row, word in enumerate(vocabulary):
            if word in vectors.index:
                matrix[row] = vectors.vectors[vectors.index[word]]
    return matrix


def build(vocab_size: int, seq_len: int, embedding_dim: int = 100, units: int = 64, cell: str = "lstm",
          dropout: float = 0.2, initial_embedding: np.ndarray | None = None, learning_rate: float = 2e-3,
          policy: str = "float32", jit_compile="auto", kernel_size: int = 3) -> keras.Model:
    """Token ids -> Embedding -> Bidirectional(cell) final state, or for "cnn" a ReLU Conv1D of `units`
    filters and global max pooling -> dropout -> sigmoid, under dtype `policy`.

    The output layer stays float32 whatever the policy. `initial_embedding` is set as the
    embedding's weights (not as an initializer, which a saved model would carry in its configuration).
    """
    if cell not in KINDS:
        raise ValueError(f"Unknown sequence model {cell!r}; available: {', '.join(KINDS)}")
    with precisions.dtype_policy(policy):
        ids = keras.Input((seq_len,), dtype="int32", name="token_ids")
        embedding = layers.Embedding(vocab_size, embedding_dim, embeddings_initializer="uniform",
                                     mask_zero=cell in CELLS, name="embedding")
        x = embedding(ids)
        x = layers.SpatialDropout1D(dropout)(x)
        if cell == "cnn":
            x = layers.Conv1D(units, kernel_size, activation="relu", name="conv")(x)
            x = layers.GlobalMaxPooling1D()(x)
        else:
            x = layers.Bidirectional(CELLS[cell](units))(x)
        x = layers.Dropout(dropout)(x)
        out = layers.Dense(1, activation="sigmoid", dtype="float32")(x)
        model = keras.Model(ids, out, name=cell if cell == "cnn" else f"bi{cell}")
    if initial_embedding is not None:
        embedding.set_weights([np.asarray(initial_embedding, np.float32)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", jit_compile=jit_compile)
    return model


class RecurrentClassifier:
    """fit(texts, y) / predict_proba(texts) around the vectoriser and the sequence model (LSTM, GRU or CNN).

    `precision` (auto, float32, mixed_float16, mixed_bfloat16) is a setting, saved with the
    model; `policy_` is the dtype policy it resolved to. `jit_compile` (auto, on, off) only
    changes speed, so it is not saved.
    """

    def __init__(self, vocab_size: int = 20000, seq_len: int = 200, embedding_dim: int = 100, units: int = 64,
                 cell: str = "lstm", dropout: float = 0.2, epochs: int = 2, batch_size: int = 64,
                 learning_rate: float = 2e-3, keep: str = "end", word_vectors=None, seed: int = 0, verbose: int = 0,
                 precision: str = "float32", jit_compile: str = "auto", kernel_size: int = 3):
        self.settings = dict(vocab_size=vocab_size, seq_len=seq_len, embedding_dim=embedding_dim, units=units,
                             cell=cell, dropout=dropout, learning_rate=learning_rate, precision=precision,
                             kernel_size=kernel_size)
        self.epochs, self.batch_size, self.keep, self.seed, self.verbose = epochs, batch_size, keep, seed, verbose
        self.word_vectors, self.jit_compile = word_vectors, jit_compile

    def fit(self, texts, y):
        keras.utils.set_random_seed(self.seed)
        s = self.settings
        cut = truncate(texts, s["seq_len"], self.keep)
        self.vectorizer_ = make_vectorizer(cut, s["vocab_size"], s["seq_len"])
        vocabulary = self.vectorizer_.vocabulary
        initial = (None if self.word_vectors is None
                   else embedding_matrix(vocabulary, self.word_vectors, s["embedding_dim"], self.seed))
        self.policy_ = precisions.resolve(s["precision"])
        self.model_ = build(len(vocabulary), s["seq_len"], s["embedding_dim"], s["units"], s["cell"], s["dropout"],
                            initial, s["learning_rate"], self.policy_, precisions.jit_compile(self.jit_compile),
                            s["kernel_size"])
        self.model_.fit(vectorize(self.vectorizer_, cut), np.asarray(y, np.float32), batch_size=self.batch_size,
                        epochs=self.epochs, shuffle=True, verbose=self.verbose)
        return self

    def predict_proba(self, texts) -> np.ndarray:
        ids = vectorize(self.vectorizer_, truncate(texts, self.settings["seq_len"], self.keep))
        p = self.model_.predict(ids, batch_size=256, verbose=0).reshape(-1)
        return np.c_[1.0 - p, p]

    def save(self, folder) -> None:
        """`model.keras` and `recurrent.json` (vocabulary and settings) in `folder`, each written atomically."""
        folder = Path(folder)
        with atomic.atomic_path(folder / MODEL_FILE) as tmp:
            self.model_.save(tmp)
        atomic.write_json(folder / STATE_FILE, {
            "settings": self.settings, "epochs": self.epochs, "batch_size": self.batch_size, "keep": self.keep,
            "seed": self.seed, "vocabulary": self.vectorizer_.vocabulary})

    @classmethod
    def load(cls, folder, jit_compile: str = "auto") -> "RecurrentClassifier":
        """A fitted classifier back from what `save` wrote (ready to predict; word vectors are not needed).

        Files saved before precision and kernel_size were settings were float32 and recurrent.
        """
        folder = Path(folder)
        state = atomic.read_json(folder / STATE_FILE)
        s = {"precision": "float32", "kernel_size": 3, **state["settings"]}
        classifier = cls(**s, epochs=state["epochs"], batch_size=state["batch_size"], keep=state["keep"],
                         seed=state["seed"], jit_compile=jit_compile)
        classifier.vectorizer_ = make_vectorizer(None, s["vocab_size"], s["seq_len"], vocabulary=state["vocabulary"])
        classifier.model_ = keras.saving.load_model(folder / MODEL_FILE, compile=False)
        if jit_compile != "auto":  # a loaded model resolves auto itself when it first predicts
            classifier.model_.jit_compile = precisions.jit_compile(jit_compile)
        classifier.policy_ = classifier.model_.get_layer("embedding").dtype_policy.name
        return classifier
