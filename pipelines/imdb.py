"""Bag of Words Meets Bags of Popcorn (IMDB reviews) — binary sentiment, ROC AUC.

Recipe: stratified folds -> per model (TF-IDF + logistic regression, NB-SVM, averaged
word2vec vectors, bidirectional LSTM/GRU) and fold, fit on the other folds and predict the
held-out reviews and the test reviews -> blend the models with weights fit on the OOF
predictions only (scored with weights fit out of fold) -> write the checked submission.
The review id (whose suffix is the star rating) is never a feature.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.io import atomic
from compete.common.evaluation import ensemble as blend
from compete.common.runs import folds, oof_REMOVED as oof
from compete.common import submission
from compete.common.config import to_dict
from compete.common.errors import DataError
from compete.common.runs.rundir_REMOVED import RunDir, identity
from compete.common.text.clean import clean_all
from compete.competitions.imdb import layout, sample_data
from compete.competitions.imdb.format import FORMAT, KAGGLE_SLUG
from compete.competitions.imdb.metric import accuracy, roc_auc
from compete.common.submission import kaggle_command
from compete.pipelines.registry import Pipeline, register

COMPETITION = "imdb"
LINEAR = ("ngram_max", "min_df")
WORD2VEC = ("w2v_method", "embedding_dim", "w2v_window", "w2v_negatives", "w2v_min_count", "w2v_max_words",
            "w2v_subsample", "w2v_epochs", "w2v_batch_size", "w2v_learning_rate", "w2v_max_reviews")
RECURRENT = ("seq_len", "vocab_size", "embedding_dim", "rnn_units", "rnn_dropout", "rnn_epochs", "rnn_batch_size",
             "rnn_learning_rate", "rnn_keep", "rnn_init")


@dataclass
class ImdbConfig:
    """Defaults for the real download on a 2-core CPU; the demo and tests shrink them."""

    data: str = ""
    run: str = ""
    runs_dir: str = "runs"
    submissions_dir: str = "submissions"
    models: list[str] = dataclasses.field(default_factory=lambda: ["tfidf_lr", "nbsvm", "w2v_avg", "lstm"])
    blend: str = "auc"
    n_splits: int = 5
    seed: int = 0
    limit_train: int = 0
    ngram_max: int = 2
    min_df: int = 2
    tfidf_c: float = 10.0
    nbsvm_c: float = 0.5
    avg_c: float = 1.0
    embedding_dim: int = 64
    seq_len: int = 128
    vocab_size: int = 20000
    rnn_units: int = 32
    rnn_dropout: float = 0.2
    rnn_epochs: int = 2
    rnn_batch_size: int = 128
    rnn_learning_rate: float = 2e-3
    rnn_keep: str = "end"
    rnn_init: str = "word2vec"
    w2v_method: str = "skipgram"
    w2v_window: int = 4
    w2v_negatives: int = 5
    w2v_min_count: int = 5
    w2v_max_words: int = 30000
    w2v_subsample: float = 1e-3
    w2v_epochs: int = 1
    w2v_batch_size: int = 2048
    w2v_learning_rate: float = 5e-3
    w2v_max_reviews: int = 20000
    neighbours: list[str] = dataclasses.field(default_factory=lambda: ["great", "awful", "boring", "funny", "actor", "movie"])

    def training_key(self) -> dict:
        """What the run (its folds) depends on; each model's own settings name its subfolder instead."""
        return {k: getattr(self, k) for k in ("data", "n_splits", "seed", "limit_train")}

    def run_prefix(self) -> str:
        return f"{self.n_splits}fold-seed{self.seed}" + (f"-first{self.limit_train}" if self.limit_train else "")


DEMO = dict(models=["tfidf_lr", "nbsvm", "w2v_avg", "lstm"], n_splits=3, embedding_dim=24, seq_len=48,
            vocab_size=500, rnn_units=12, rnn_epochs=4, rnn_batch_size=32, w2v_min_count=2, w2v_epochs=3,
            w2v_window=3, w2v_batch_size=256, w2v_learning_rate=1e-2, w2v_max_reviews=0, min_df=1,
            neighbours=["movie", "friday", "brother", "great"], run="demo")


def _hash(values: dict) -> str:
    return hashlib.sha1(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:8]


def _settings(cfg, names) -> dict:
    return {k: getattr(cfg, k) for k in names}


def _model_settings(cfg: ImdbConfig, name: str) -> dict:
    """The settings one model's predictions depend on (its folder name hashes them with the run's)."""
    linear = {"tfidf_lr": ("tfidf_c",), "nbsvm": ("nbsvm_c",)}
    if name in linear:
        return _settings(cfg, LINEAR + linear[name])
    if name == "w2v_avg":
        return _settings(cfg, WORD2VEC + ("avg_c",))
    if name in ("lstm", "gru"):
        return _settings(cfg, RECURRENT + (WORD2VEC if cfg.rnn_init == "word2vec" else ()))
    raise ValueError(f"Unknown model {name!r}; available: {', '.join(MODELS)}")


def _tfidf_lr(cfg, vectors):
    from compete.common.text.linear import tfidf_logreg

    return tfidf_logreg(cfg.ngram_max, cfg.min_df, C=cfg.tfidf_c)


def _nbsvm(cfg, vectors):
    from compete.common.text.linear import binary_nbsvm

    return binary_nbsvm(cfg.ngram_max, cfg.min_df, C=cfg.nbsvm_c)


def _w2v_avg(cfg, vectors):
    from compete.common.text.averaged import AveragedVectorClassifier

    return AveragedVectorClassifier(vectors, C=cfg.avg_c)


def _recurrent(cell):
    def make(cfg, vectors):
        from compete.common.text.recurrent import RecurrentClassifier

        return RecurrentClassifier(cfg.vocab_size, cfg.seq_len, cfg.embedding_dim, cfg.rnn_units, cell, cfg.rnn_dropout,
                                   cfg.rnn_epochs, cfg.rnn_batch_size, cfg.rnn_learning_rate, cfg.rnn_keep,
                                   vectors if cfg.rnn_init == "word2vec" else None, seed=cfg.seed)
    return make


MODELS = {"tfidf_lr": _tfidf_lr, "nbsvm": _nbsvm, "w2v_avg": _w2v_avg, "lstm": _recurrent("lstm"), "gru": _recurrent("gru")}


def _needs_vectors(cfg) -> bool:
    return "w2v_avg" in cfg.models or (cfg.rnn_init == "word2vec" and bool({"lstm", "gru"} & set(cfg.models)))


def _validate(cfg: ImdbConfig) -> None:
    unknown = [m for m in cfg.models if m not in MODELS]
    if unknown or not cfg.models:
        raise ValueError(f"Unknown model(s) {unknown or cfg.models}; available: {', '.join(MODELS)}")
    if cfg.blend not in blend.METHODS:
        raise ValueError(f"Unknown blend {cfg.blend!r}; available: {', '.join(blend.METHODS)}")
    if cfg.rnn_init not in ("word2vec", "random"):
        raise ValueError(f"Unknown rnn_init {cfg.rnn_init!r}; available: word2vec, random")


@dataclass
class Data:
    ids: list[str]
    texts: list[str]
    labels: np.ndarray
    test: layout.TestSet | None
    test_texts: list[str] | None


def _load(cfg: ImdbConfig, need_test: bool, log) -> Data:
    labeled = layout.read_labeled(cfg.data)
    n = cfg.limit_train or len(labeled.ids)
    test = None
    if layout.has_test(cfg.data):
        test = layout.read_test(cfg.data)
    elif need_test:
        raise DataError(Path(cfg.data) / layout.TEST, "needed to write a submission but not found (nor .zip)")
    else:
        log(f"no {layout.TEST} in {cfg.data}: cross-validating without test predictions")
    return Data(labeled.ids[:n], clean_all(labeled.texts[:n]), labeled.labels[:n], test,
                None if test is None else clean_all(test.reviews.texts))


def word_vectors(cfg: ImdbConfig, log=print, labeled_texts=None):
    """Train (or reuse) word2vec on the labeled and unlabeled reviews; saved under runs/imdb/word2vec-<hash>."""
    from compete.common.text import word2vec

    settings = identity({**_settings(cfg, WORD2VEC), "data": cfg.data, "limit_train": cfg.limit_train, "seed": cfg.seed})
    path = Path(cfg.runs_dir) / COMPETITION / f"word2vec-{cfg.w2v_method}-{_hash(settings)}" / "vectors"
    if path.with_suffix(".json").exists() and path.with_suffix(".npy").exists():
        log(f"word2vec: reusing {path.parent}")
        return word2vec.WordVectors.load(path)
    if labeled_texts is None:
        labeled = layout.read_labeled(cfg.data)
        labeled_texts = clean_all(labeled.texts[: cfg.limit_train or None])
    unlabeled = layout.read_unlabeled(cfg.data)
    texts = list(labeled_texts) + ([] if unlabeled is None else clean_all(unlabeled.texts))
    if cfg.w2v_max_reviews and len(texts) > cfg.w2v_max_reviews:
        keep = np.sort(np.random.default_rng(cfg.seed).permutation(len(texts))[: cfg.w2v_max_reviews])
        texts = [texts[i] for i in keep]
    log(f"word2vec {cfg.w2v_method}: training on {len(texts):,} reviews "
        f"(labeled + {0 if unlabeled is None else len(unlabeled.ids):,} unlabeled available), dim {cfg.embedding_dim}")
    started = time.time()
    vectors = word2vec.train([t.split() for t in texts], cfg.w2v_method, cfg.embedding_dim, cfg.w2v_window,
                             cfg.w2v_negatives, cfg.w2v_min_count, cfg.w2v_max_words, cfg.w2v_subsample, cfg.w2v_epochs,
                             cfg.w2v_batch_size, cfg.w2v_learning_rate, cfg.seed, log)
    vectors.save(path)
    atomic.write_json(path.parent / "settings.json", {**settings, "reviews": len(texts), "seconds": round(time.time() - started, 1)})
    log(f"word2vec: {len(vectors.words):,} vectors in {time.time() - started:.0f}s, saved to {path.parent}")
    return vectors


@dataclass
class CVResult:
    run_dir: Path
    scores: dict
    names: list[str]
    oof: np.ndarray
    blended_oof: np.ndarray
    test: np.ndarray | None
    data: Data


def cross_validate(cfg: ImdbConfig, log=print, need_test: bool = False) -> CVResult:
    """K-fold OOF predictions per model (resuming finished folds), OOF-fit blend, scores; artefacts in the run dir."""
    _validate(cfg)
    data = _load(cfg, need_test, log)
    run = RunDir(cfg.runs_dir, COMPETITION, cfg)
    run.record_config(cfg)
    y = data.labels
    fold_ids = folds.load_or_create(run.path / "folds.csv", data.ids,
                                    lambda: folds.stratified_folds(y, cfg.n_splits, cfg.seed))
    log(f"run {run.path}: {len(y):,} labeled reviews ({y.mean():.1%} positive), "
        f"{0 if data.test is None else len(data.test_texts):,} test reviews, {cfg.n_splits} folds, models {cfg.models}")
    vectors = word_vectors(cfg, log, data.texts) if _needs_vectors(cfg) else None
    results, scores = {}, {"models": {}}
    for name in cfg.models:
        folder = run.path / "models" / f"{name}-{_hash(_model_settings(cfg, name))}"
        atomic.write_json(folder / "settings.json", _model_settings(cfg, name))
        log(f"{name}: {folder}")
        result = oof.run(folder, lambda: MODELS[name](cfg, vectors), data.texts, y, fold_ids, data.test_texts,
                         score=roc_auc, name=name, log=log)
        results[name] = result
        scores["models"][name] = {"auc": roc_auc(y, result.oof), "accuracy": accuracy(y, result.oof),
                                  "fold_auc": result.fold_scores, "fold_auc_mean": float(np.mean(result.fold_scores)),
                                  "seconds": round(result.seconds, 1),
                                  "dir": str(folder.relative_to(run.path))}
    names = list(cfg.models)
    matrix = np.column_stack([results[n].oof for n in names])
    honest = blend.honest_oof(matrix, y, fold_ids, cfg.blend, names) if len(names) > 1 else matrix[:, 0]
    final = blend.fit(matrix, y, cfg.blend, names)
    test = None
    if data.test is not None:
        test = final.predict(np.column_stack([results[n].test for n in names]))
        atomic.save_npy(run.path / "test_blend.npy", test)
    best = max(names, key=lambda n: scores["models"][n]["auc"])
    scores["blend"] = {**final.to_dict(), "auc": roc_auc(y, honest), "accuracy": accuracy(y, honest),
                       "auc_weights_fit_on_all_oof": roc_auc(y, final.predict(matrix)), "best_single": best}
    atomic.save_npy(run.path / "oof_blend.npy", honest)
    atomic.write_json(run.path / "blend.json", final.to_dict())
    atomic.write_json(run.path / "scores.json", scores)
    _report(scores, log)
    return CVResult(run.path, scores, names, matrix, honest, test, data)


def _report(scores, log):
    log(f"CV ROC AUC / accuracy ({len(scores['models'])} model(s)); AUC over all OOF rows pooled, then the mean of "
        "the folds' AUCs (lower pooled means the fold models' scores are on different scales):")
    for name, s in scores["models"].items():
        log(f"  {name:<10} AUC {s['auc']:.4f} (folds {s['fold_auc_mean']:.4f})  accuracy {s['accuracy']:.4f}  "
            f"({s['seconds']:.0f}s of fitting)")
    b = scores["blend"]
    weights = ", ".join(f"{k} {v:.3f}" for k, v in b["weights"].items())
    log(f"  {'blend':<10} AUC {b['auc']:.4f}  accuracy {b['accuracy']:.4f}  ({b['method']}, weights fit out of fold; "
        f"final weights: {weights})")


def submit(cfg: ImdbConfig, log=print) -> Path:
    """Cross-validate (reusing finished folds), then write submissions/imdb/<run>.csv from the blend, checked."""
    result = cross_validate(cfg, log, need_test=True)
    test = result.data.test
    frame = pd.DataFrame({"id": test.reviews.ids, "sentiment": np.round(result.test, 6)})
    path = Path(cfg.submissions_dir) / COMPETITION / f"{result.run_dir.name}.csv"
    submission.write(frame, path, test.sample, FORMAT)
    auc = result.scores["blend"]["auc"]
    log(f"submission written and checked: {path} ({len(frame)} rows)")
    if test.reviews.labels is not None and len(np.unique(test.reviews.labels)) == 2:
        log(f"test AUC (labels known in this layout): {roc_auc(test.reviews.labels, result.test):.4f}")
    log(f"CV AUC {auc:.4f} (blend of {', '.join(result.names)})")
    log(kaggle_command(KAGGLE_SLUG, path, f"{result.run_dir.name} CV AUC {auc:.4f}"))
    return path


def check(cfg: ImdbConfig, log=print) -> dict:
    """Validate a download without training: every file parses, labels are 0/1, ids unique, test matches its sample."""
    labeled = layout.read_labeled(cfg.data)
    log(f"{labeled.source}: {len(labeled.ids):,} labeled reviews, {labeled.labels.mean():.1%} positive")
    unlabeled = layout.read_unlabeled(cfg.data)
    log(f"{'no unlabeled reviews' if unlabeled is None else f'{unlabeled.source}: {len(unlabeled.ids):,} unlabeled reviews'}")
    test = layout.read_test(cfg.data) if layout.has_test(cfg.data) else None
    log(f"{'no test reviews (cv works; submit needs them)' if test is None else f'{test.reviews.source}: {len(test.reviews.ids):,} test reviews, ids match the sample submission'}")
    overlap = set(labeled.ids) & set(test.reviews.ids) if test is not None else set()
    if overlap:
        raise DataError(test.reviews.source, f"{len(overlap)} id(s) also in the labeled file, e.g. {sorted(overlap)[:3]}")
    log("ok")
    return {"labeled": len(labeled.ids), "unlabeled": 0 if unlabeled is None else len(unlabeled.ids),
            "test": 0 if test is None else len(test.reviews.ids)}


def train_word2vec(cfg: ImdbConfig, log=print):
    """Train (or reuse) word2vec on labeled + unlabeled reviews and print nearest neighbours of `neighbours`."""
    vectors = word_vectors(cfg, log)
    for word in cfg.neighbours:
        if word in vectors:
            log(f"  {word:<12} " + ", ".join(f"{w} ({s:.2f})" for w, s in vectors.nearest(word, 8)))
        else:
            log(f"  {word:<12} (not in the vocabulary)")
    return vectors


PIPELINE = register(Pipeline(
    name=COMPETITION, config=ImdbConfig,
    actions={"cv": cross_validate, "submit": submit, "check": check, "word2vec": train_word2vec},
    sample=lambda out_dir, seed=0: sample_data.generate(out_dir, seed=seed),
    demo=DEMO, summary="Bag of Words Meets Bags of Popcorn (IMDB sentiment, ROC AUC)"))
