"""A many-to-one recurrent review classifier in Keras 3: TextVectorization, Embedding, bidirectional LSTM/GRU.

Texts arrive cleaned (tokens separated by spaces), so the vectoriser only splits on
whitespace and its vocabulary matches word2vec's, which can initialise the embedding.
A fitted classifier saves as a `.keras` model plus a JSON file of its vocabulary and
settings (the vectoriser is rebuilt from the vocabulary): nothing is pickled.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from keras import layers

from compete.common.io import atomic

CELLS = {"lstm": layers.LSTM, "gru": layers.GRU}
MODEL_FILE = "model.keras"
STATE_FILE = "recurrent.json"


def truncate(texts, length: int, keep: str = "end") -> np.ndarray:
    """Each cleaned text cut to `length` tokens, keeping its start or its end (where verdicts tend to be)."""
    if keep not in ("start", "end"):
        raise ValueError(f"Unknown truncation {keep!r}; available: start, end")
    out = []
    for text in texts:
        tokens = text.split()
        out.append(" ".join(tokens[-length:] if keep == "end" else tokens[:length]))
    return np.array(out, dtype=object)


def make_vectorizer(texts, vocab_size: int, seq_len: int, vocabulary=None) -> layers.TextVectorization:
    """Integer ids (0 padding, 1 unknown) for the `vocab_size` most frequent tokens of `texts`.

    Given `vocabulary` (a saved `get_vocabulary()`, padding and unknown first), the
    vectoriser is rebuilt from it and `texts` are not read.
    """
    vectorizer = layers.TextVectorization(max_tokens=vocab_size, standardize=None, split="whitespace",
                                          output_mode="int", output_sequence_length=seq_len,
                                          vocabulary=None if vocabulary is None else list(vocabulary))
    if vocabulary is None:
        vectorizer.adapt(np.asarray(texts, dtype=object), batch_size=1024)
    return vectorizer


def vectorize(vectorizer, texts, batch_size: int = 4096) -> np.ndarray:
    """Token ids as a NumPy int32 array (vectorised once, so training reads plain arrays)."""
    texts = np.asarray(texts, dtype=object)
    parts = [keras.ops.convert_to_numpy(vectorizer(texts[i:i + batch_size])) for i in range(0, len(texts), batch_size)]
    if not parts:
        raise ValueError("no texts to vectorise")
    return np.concatenate(parts).astype(np.int32)


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
          dropout: float = 0.2, initial_embedding: np.ndarray | None = None, learning_rate: float = 2e-3) -> keras.Model:
    """Token ids -> masked Embedding -> Bidirectional(cell) final state -> dropout -> sigmoid.

    `initial_embedding` is set as the embedding's weights (not as an initializer, which
    a saved model would carry in its configuration).
    """
    if cell not in CELLS:
        raise ValueError(f"Unknown recurrent cell {cell!r}; available: {', '.join(CELLS)}")
    ids = keras.Input((seq_len,), dtype="int32", name="token_ids")
    embedding = layers.Embedding(vocab_size, embedding_dim, embeddings_initializer="uniform", mask_zero=True,
                                 name="embedding")
    x = embedding(ids)
    x = layers.SpatialDropout1D(dropout)(x)
    x = layers.Bidirectional(CELLS[cell](units))(x)
    x = layers.Dropout(dropout)(x)
    out = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(ids, out, name=f"bi{cell}")
    if initial_embedding is not None:
        embedding.set_weights([np.asarray(initial_embedding, np.float32)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
    return model


class RecurrentClassifier:
    """fit(texts, y) / predict_proba(texts) around the vectoriser and the bidirectional model."""

    def __init__(self, vocab_size: int = 20000, seq_len: int = 200, embedding_dim: int = 100, units: int = 64,
                 cell: str = "lstm", dropout: float = 0.2, epochs: int = 2, batch_size: int = 64,
                 learning_rate: float = 2e-3, keep: str = "end", word_vectors=None, seed: int = 0, verbose: int = 0):
        self.settings = dict(vocab_size=vocab_size, seq_len=seq_len, embedding_dim=embedding_dim, units=units,
                             cell=cell, dropout=dropout, learning_rate=learning_rate)
        self.epochs, self.batch_size, self.keep, self.seed, self.verbose = epochs, batch_size, keep, seed, verbose
        self.word_vectors = word_vectors

    def fit(self, texts, y):
        keras.utils.set_random_seed(self.seed)
        s = self.settings
        cut = truncate(texts, s["seq_len"], self.keep)
        self.vectorizer_ = make_vectorizer(cut, s["vocab_size"], s["seq_len"])
        vocabulary = self.vectorizer_.get_vocabulary()
        initial = None if self.word_vectors is None else embedding_matrix(vocabulary, self.word_vectors, s["embedding_dim"], self.seed)
        self.model_ = build(len(vocabulary), s["seq_len"], s["embedding_dim"], s["units"], s["cell"], s["dropout"],
                            initial, s["learning_rate"])
        ids = vectorize(self.vectorizer_, cut)
        self.model_.fit(ids, np.asarray(y, np.float32), batch_size=self.batch_size, epochs=self.epochs,
                        shuffle=True, verbose=self.verbose)
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
            "seed": self.seed, "vocabulary": [str(word) for word in self.vectorizer_.get_vocabulary()]})

    @classmethod
    def load(cls, folder) -> "RecurrentClassifier":
        """A fitted classifier back from what `save` wrote (ready to predict; word vectors are not needed)."""
        folder = Path(folder)
        state = atomic.read_json(folder / STATE_FILE)
        s = state["settings"]
        classifier = cls(**s, epochs=state["epochs"], batch_size=state["batch_size"], keep=state["keep"],
                         seed=state["seed"])
        classifier.vectorizer_ = make_vectorizer(None, s["vocab_size"], s["seq_len"], vocabulary=state["vocabulary"])
        classifier.model_ = keras.saving.load_model(folder / MODEL_FILE, compile=False)
        return classifier
