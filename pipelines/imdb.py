"""Bag of Words Meets Bags of Popcorn (IMDB reviews) — binary sentiment, ROC AUC.

Recipe: stratified folds per seed -> per model (TF-IDF + logistic regression on words or
characters, NB-SVM, averaged word2vec vectors, bidirectional LSTM/GRU, CNN) and unit (seed,
fold), fit on the other folds and predict the held-out reviews and the test reviews -> each
unit's outputs standardised on its own validation outputs (the same transform on its test
outputs) -> each model's OOF averaged over seeds (the seed ensemble) -> blend the models with
weights fit on the OOF predictions only (scored with weights fit out of fold) -> write the
checked submission.
The review id (whose suffix is the star rating) is never a feature.

Every model is one engine over the run's fold columns, with its own folder
`models/<name>-<hash of its settings>`, so changing one model's settings retrains only it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import model_validator

from compete.common.errors import DataError
from compete.common.logs import logger, result
from compete.common.settings.fields import DATA, MODEL, Bool, Float, Int, comma_list, setting
from compete.common.settings.model import Invalid
from compete.common.settings.shared import JitCompile, Precision, RunSettings
from compete.pipelines.registry import Pipeline, register

COMPETITION = "imdb"
MODELS = ("tfidf_lr", "nbsvm", "char_lr", "w2v_avg", "lstm", "gru", "cnn")
SEQUENCE_MODELS = ("lstm", "gru", "cnn")  # Keras models over token ids (`recurrent.RecurrentClassifier`)
# The choices of numpy / Keras modules, restated here so the settings import neither
# (tests check they match `ensemble.BLEND_METHODS`, `word2vec.METHODS`, `recurrent.truncate` and `recurrent.KINDS`).
BLEND_METHODS = ("auc", "logistic", "mean")
W2V_METHODS = ("skipgram", "cbow")
RNN_KEEP = ("start", "end")
RNN_INIT = ("word2vec", "random")
LINEAR = ("ngram_max", "min_df")
WORD2VEC = ("w2v_method", "embedding_dim", "w2v_window", "w2v_negatives", "w2v_min_count", "w2v_max_words",
            "w2v_subsample", "w2v_epochs", "w2v_batch_size", "w2v_learning_rate", "w2v_max_reviews", "w2v_seed")
# Precision changes what a sequence model's unit learns, so it keys the unit; jit_compile changes speed only.
SEQUENCE = ("seq_len", "vocab_size", "embedding_dim", "rnn_dropout", "rnn_epochs", "rnn_batch_size",
            "rnn_learning_rate", "rnn_keep", "rnn_init", "precision")
RECURRENT, CONVOLUTION = SEQUENCE + ("rnn_units",), SEQUENCE + ("cnn_filters", "cnn_kernel")

LINEAR_GROUP, WORD2VEC_GROUP, RECURRENT_GROUP = "linear model", "word2vec", "sequence model (LSTM, GRU, CNN)"


def _linear(description, **bounds):
    return setting(description, LINEAR_GROUP, **bounds)


def _w2v(description, **bounds):
    return setting(description, WORD2VEC_GROUP, **bounds)


def _rnn(description, **bounds):
    return setting(description, RECURRENT_GROUP, **bounds)


class ImdbConfig(RunSettings):
    """Defaults for the real download on a 2-core CPU; the demo and tests shrink them."""

    models: Annotated[comma_list(Literal[MODELS]), setting(
        "models to train and blend, comma-separated: TF-IDF + logistic regression on word n-grams, NB-SVM, "
        "TF-IDF + logistic regression on character n-grams, logistic regression on averaged word2vec vectors, "
        "bidirectional LSTM / GRU, convolution over word vectors", MODEL, min_length=1)] = [
        "tfidf_lr", "nbsvm", "cnn"]
    blend: Annotated[Literal[BLEND_METHODS], setting(
        "how the models' OOF predictions are blended: auc (greedy forward selection on AUC), logistic "
        "(logistic regression on their logits), mean (equal weights)", MODEL)] = "auc"
    standardise: Annotated[Bool, setting(
        "before seeds are averaged and models blended, turn each fold model's outputs into z-scores of its logits, "
        "centred and scaled by its own validation outputs (no labels), the same transform applied to its test "
        "outputs: fold models on different scales then pool and blend fairly", MODEL)] = True

    max_unpacked_mb: Annotated[Int, setting(
        "refuse a zipped file (.tsv.zip, .csv.zip) that expands to more than this many MB, before expanding it (bounds "
        "memory on hostile archives)", DATA, ge=1)] = 1024

    ngram_max: Annotated[Int, _linear("longest word n-gram of tfidf_lr and nbsvm", ge=1, le=10)] = 3
    min_df: Annotated[Int, _linear("an n-gram is kept when in at least this many reviews (tfidf_lr, nbsvm)",
                                   ge=1)] = 2
    tfidf_c: Annotated[Float, _linear("tfidf_lr: inverse regularisation strength C", gt=0)] = 30.0
    nbsvm_c: Annotated[Float, _linear("nbsvm: inverse regularisation strength C", gt=0)] = 300.0
    nbsvm_normalise: Annotated[Bool, _linear("nbsvm: divide each review's scaled features by their L2 norm "
                                             "(with it, C wants to be a few hundred times larger)")] = True
    char_ngram_max: Annotated[Int, _linear("char_lr: longest character n-gram (from 2, within words)",
                                           ge=2, le=10)] = 5
    char_c: Annotated[Float, _linear("char_lr: inverse regularisation strength C", gt=0)] = 3.0
    avg_c: Annotated[Float, _linear("w2v_avg: inverse regularisation strength C of the logistic regression on "
                                    "averaged word vectors", gt=0)] = 1.0

    embedding_dim: Annotated[Int, _w2v("word vector size (also the recurrent models' embedding size)",
                                       ge=1, le=4096)] = 64
    w2v_method: Annotated[Literal[W2V_METHODS], _w2v("word2vec flavour: skip-gram or CBOW")] = "skipgram"
    w2v_window: Annotated[Int, _w2v("context words on each side of a word", ge=1)] = 4
    w2v_negatives: Annotated[Int, _w2v("negative samples per positive pair", ge=1)] = 5
    w2v_min_count: Annotated[Int, _w2v("a word gets a vector when seen at least this many times", ge=1)] = 5
    w2v_max_words: Annotated[Int, _w2v("at most this many words (the most frequent) get vectors", ge=2)] = 30000
    w2v_subsample: Annotated[Float, _w2v("frequent-word subsampling threshold (0: none)", ge=0, le=1)] = 1e-3
    w2v_epochs: Annotated[Int, _w2v("word2vec training epochs", ge=1)] = 1
    w2v_batch_size: Annotated[Int, _w2v("word2vec examples per batch", ge=1)] = 2048
    w2v_learning_rate: Annotated[Float, _w2v("word2vec Adam learning rate", gt=0, le=10)] = 5e-3
    w2v_max_reviews: Annotated[Int, _w2v("train word2vec on at most this many reviews, drawn at random "
                                         "(0: all labeled and unlabeled reviews)", ge=0)] = 0
    w2v_seed: Annotated[Int, _w2v("word2vec seed (initial vectors, sampling, the reviews drawn)", ge=0)] = 0
    neighbours: Annotated[comma_list(str), _w2v(
        "words whose nearest neighbours the word2vec action prints, comma-separated")] = [
        "great", "awful", "boring", "funny", "actor", "movie"]

    seq_len: Annotated[Int, _rnn("words per review the sequence models read", ge=1)] = 400
    rnn_keep: Annotated[Literal[RNN_KEEP], _rnn(
        "which words of a longer review are read: its start or its end")] = "end"
    vocab_size: Annotated[Int, _rnn("sequence models' vocabulary, padding and unknown-word tokens included",
                                    ge=3)] = 30000
    rnn_init: Annotated[Literal[RNN_INIT], _rnn(
        "sequence models' initial embedding: word2vec vectors (the w2v settings) or random")] = "word2vec"
    rnn_units: Annotated[Int, _rnn("units per direction of the LSTM / GRU layer", ge=1)] = 32
    cnn_filters: Annotated[Int, _rnn("cnn: convolution filters", ge=1)] = 256
    cnn_kernel: Annotated[Int, _rnn("cnn: words each filter reads", ge=1, le=64)] = 5
    rnn_dropout: Annotated[Float, _rnn("dropout in the sequence models", ge=0, lt=1)] = 0.2
    rnn_epochs: Annotated[Int, _rnn("sequence models' training epochs per unit", ge=1)] = 4
    rnn_batch_size: Annotated[Int, _rnn("reviews per sequence-model training batch", ge=1, le=65536)] = 64
    rnn_learning_rate: Annotated[Float, _rnn("sequence models' Adam learning rate", gt=0, le=10)] = 1e-3
    precision: Precision = "auto"
    jit_compile: JitCompile = "auto"

    # Each model's folder is named by its own settings (see `_model_settings`), so the blend, the
    # words to print and where things go change no trained unit.
    NOT_UNIT_SETTINGS: ClassVar[frozenset] = RunSettings.NOT_UNIT_SETTINGS | {
        "blend", "standardise", "neighbours", "max_unpacked_mb", "jit_compile"}

    @model_validator(mode="after")
    def _consistent(self):
        """What holds without the data: each model once; a limit leaves each class enough rows for every fold."""
        repeated = sorted({m for m in self.models if self.models.count(m) > 1})
        if repeated:
            raise Invalid("models", self.models, f"{repeated[0]} is named twice", "distinct names from "
                          + ", ".join(MODELS))
        if 0 < self.limit_train < 2 * self.n_splits:
            raise Invalid("limit_train", self.limit_train,
                          f"too few reviews for {self.n_splits} stratified folds of two classes",
                          f"0 (all) or at least {2 * self.n_splits} (n_splits × 2)")
        return self

    def split_settings(self) -> dict:
        """What the run's fold columns depend on besides the seeds and the ids (the data folder names the run)."""
        return {"n_splits": self.n_splits, "limit_train": self.limit_train}

    def run_prefix(self) -> str:
        return f"{self.n_splits}fold" + (f"-first{self.limit_train}" if self.limit_train else "")


DEMO = dict(models=["tfidf_lr", "nbsvm", "w2v_avg", "cnn"], n_splits=3, embedding_dim=24, seq_len=48, cnn_filters=16,
            vocab_size=500, rnn_units=12, rnn_epochs=4, rnn_batch_size=32, w2v_min_count=2, w2v_epochs=3,
            w2v_window=3, w2v_batch_size=256, w2v_learning_rate=1e-2, w2v_max_reviews=0, min_df=1,
            neighbours=["movie", "friday", "brother", "great"], run="demo")


def default_run_name(cfg: ImdbConfig) -> str:
    """Readable and stable: the split, then a hash of the split settings and the data folder.

    Neither the seeds nor any model's settings are in it: `--seeds 0,1` after `--seeds 0`
    adds seed 1's units, and each model keeps its own folder inside the run.
    """
    from compete.common.runs.fingerprint import digest

    key = {**cfg.split_settings(), "data": str(Path(cfg.data).resolve())}
    return f"{cfg.run_prefix()}-{digest(key)[:8]}"


def _settings(cfg, names) -> dict:
    return {k: getattr(cfg, k) for k in names}


def _model_settings(cfg: ImdbConfig, name: str) -> dict:
    """The settings one model depends on; their hash names the model's folder in the run."""
    linear = {"tfidf_lr": LINEAR + ("tfidf_c",), "nbsvm": LINEAR + ("nbsvm_c", "nbsvm_normalise"),
              "char_lr": ("min_df", "char_ngram_max", "char_c")}
    if name in linear:
        return {"model": name, **_settings(cfg, linear[name])}
    if name == "w2v_avg":
        return {"model": name, **_settings(cfg, WORD2VEC + ("avg_c",))}
    if name in SEQUENCE_MODELS:
        own = CONVOLUTION if name == "cnn" else RECURRENT
        return {"model": name, **_settings(cfg, own + (WORD2VEC if cfg.rnn_init == "word2vec" else ()))}
    raise ValueError(f"Unknown model {name!r}; available: {', '.join(MODELS)}")


def _uses_vectors(cfg: ImdbConfig, name: str) -> bool:
    return name == "w2v_avg" or (name in SEQUENCE_MODELS and cfg.rnn_init == "word2vec")


def _learner(cfg: ImdbConfig, name: str, vectors: WordVectorSource | None):
    """The fold model of `name`; models on word vectors carry the vectors' key in their settings."""
    from compete.common.text.learners import RecurrentLearner, SklearnLearner

    settings = _model_settings(cfg, name)
    if _uses_vectors(cfg, name):
        settings["word_vectors"] = vectors.key
    if name == "tfidf_lr":
        def make():
            from compete.common.text.linear import tfidf_logreg

            return tfidf_logreg(cfg.ngram_max, cfg.min_df, C=cfg.tfidf_c)
        return SklearnLearner(make, settings)
    if name == "nbsvm":
        def make():
            from compete.common.text.linear import binary_nbsvm

            return binary_nbsvm(cfg.ngram_max, cfg.min_df, C=cfg.nbsvm_c, normalise=cfg.nbsvm_normalise)
        return SklearnLearner(make, settings)
    if name == "char_lr":
        def make():
            from compete.common.text.linear import char_logreg

            return char_logreg(cfg.char_ngram_max, cfg.min_df, C=cfg.char_c)
        return SklearnLearner(make, settings)
    if name == "w2v_avg":
        def make():
            from compete.common.text.averaged import AveragedVectorClassifier

            return AveragedVectorClassifier(vectors.get(), C=cfg.avg_c)
        return SklearnLearner(make, settings)

    def make_recurrent(seed: int):
        from compete.common.text.recurrent import RecurrentClassifier

        shape = dict(units=cfg.cnn_filters, kernel_size=cfg.cnn_kernel) if name == "cnn" else dict(units=cfg.rnn_units)
        return RecurrentClassifier(cfg.vocab_size, cfg.seq_len, cfg.embedding_dim, cell=name, dropout=cfg.rnn_dropout,
                                   epochs=cfg.rnn_epochs, batch_size=cfg.rnn_batch_size,
                                   learning_rate=cfg.rnn_learning_rate, keep=cfg.rnn_keep,
                                   word_vectors=vectors.get() if _uses_vectors(cfg, name) else None, seed=seed,
                                   precision=cfg.precision, jit_compile=cfg.jit_compile, **shape)
    return RecurrentLearner(make_recurrent, settings, cfg.jit_compile)


@dataclass
class Data:
    train: Split
    test: Split | None
    test_set: layout.TestSet | None


def _load(cfg: ImdbConfig, need_test: bool) -> Data:
    """The labeled reviews (cleaned) and, when the download has them, the test reviews, as the engine's rows.

    Every check that needs the data is made here, before any run folder exists: enough
    reviews of each class for the folds, and (for `submit`) the test reviews and their
    sample submission.
    """
    import numpy as np

    from compete.common.runs import fingerprint
    from compete.common.runs.engine import Split
    from compete.common.text.clean import clean_all
    from compete.competitions.imdb import layout

    labeled = layout.read_labeled(cfg.data)
    n = cfg.limit_train or len(labeled.ids)
    labels = np.asarray(labeled.labels[:n])
    rarest = int(np.bincount(labels.astype(np.int64), minlength=2).min())
    if rarest < cfg.n_splits:
        shown = f"the first {n} labeled reviews" if cfg.limit_train else f"the {n} labeled reviews"
        if rarest == 0:
            raise DataError(labeled.source, f"the labels are all one class: {shown} all have sentiment "
                                            f"{int(labels[0])}; every fold needs reviews of both sentiments")
        raise DataError(labeled.source, f"{shown} have {rarest} of the rarer sentiment, too few for n_splits "
                                        f"{cfg.n_splits}: every fold needs reviews of both sentiments")
    test_set = None
    if layout.has_test(cfg.data):
        test_set = layout.read_test(cfg.data)
    elif need_test:
        raise DataError(Path(cfg.data) / layout.TEST, "needed to write a submission but not found (nor .zip)")
    else:
        logger.info(f"no {layout.TEST} in {cfg.data}: cross-validating without test predictions")
    texts = clean_all(labeled.texts[:n])
    train = Split(np.asarray(labeled.ids[:n]), texts, labeled.labels[:n], fingerprint.of_texts(texts))
    test = None
    if test_set is not None:
        test_texts = clean_all(test_set.reviews.texts)
        test = Split(np.asarray(test_set.reviews.ids), test_texts, None, fingerprint.of_texts(test_texts))
    return Data(train, test, test_set)


class WordVectorSource:
    """word2vec vectors for the labeled (as limited) and unlabeled reviews, trained on first use.

    `key` is known up front: a digest of the texts trained on and the word2vec settings
    (the texts are taken in the order of their hashes, so the files' row order does not
    matter, nor where the data folder is). The vectors are cached in
    `runs/imdb/word2vec-<method>-<key>/`, shared by every run on the same texts.
    """

    def __init__(self, cfg: ImdbConfig, labeled_texts=None):
        import numpy as np

        from compete.common.runs import fingerprint
        from compete.common.text.clean import clean_all
        from compete.competitions.imdb import layout

        if labeled_texts is None:
            labeled_texts = clean_all(layout.read_labeled(cfg.data).texts[: cfg.limit_train or None])
        unlabeled = layout.read_unlabeled(cfg.data)
        texts = list(labeled_texts) + ([] if unlabeled is None else clean_all(unlabeled.texts))
        hashes = fingerprint.of_texts(texts)
        order = np.argsort(hashes, kind="stable")
        if cfg.w2v_max_reviews and len(order) > cfg.w2v_max_reviews:
            keep = np.random.default_rng(cfg.w2v_seed).permutation(len(order))[: cfg.w2v_max_reviews]
            order = order[np.sort(keep)]
        self.cfg, self.texts = cfg, [texts[i] for i in order]
        self.available = (len(labeled_texts), 0 if unlabeled is None else len(unlabeled.ids))
        self.settings = _settings(cfg, WORD2VEC)
        self.key = fingerprint.digest(self.settings, hashes[order])
        self.folder = Path(cfg.runs_dir) / COMPETITION / f"word2vec-{cfg.w2v_method}-{self.key[:12]}"
        self._vectors = None

    def get(self):
        """The vectors: this object's, the cache's, or trained now (one process at a time per cache folder)."""
        from compete.common.io import atomic
        from compete.common.runs.lock import FileLock
        from compete.common.text import word2vec

        if self._vectors is not None:
            return self._vectors
        path = self.folder / "vectors"
        with FileLock(self.folder / ".lock", f"word2vec cache {self.folder}", "word2vec").acquire(
                wait=True, on_wait=lambda who: logger.info(f"word2vec: waiting for {who} to finish {self.folder}")):
            if path.with_suffix(".json").exists() and path.with_suffix(".npy").exists():
                logger.info(f"word2vec: reusing {self.folder}")
                self._vectors = word2vec.WordVectors.load(path)
                return self._vectors
            cfg = self.cfg
            labeled, unlabeled = self.available
            logger.info(f"word2vec {cfg.w2v_method}: training on {len(self.texts):,} reviews ({labeled:,} labeled + "
                        f"{unlabeled:,} unlabeled available), dim {cfg.embedding_dim}")
            started = time.time()
            vectors = word2vec.train([t.split() for t in self.texts], cfg.w2v_method, cfg.embedding_dim,
                                     cfg.w2v_window, cfg.w2v_negatives, cfg.w2v_min_count, cfg.w2v_max_words,
                                     cfg.w2v_subsample, cfg.w2v_epochs, cfg.w2v_batch_size, cfg.w2v_learning_rate,
                                     cfg.w2v_seed, logger.info)
            vectors.save(path)
            atomic.write_json(self.folder / "settings.json", {**self.settings, "key": self.key,
                                                              "reviews": len(self.texts),
                                                              "seconds": round(time.time() - started, 1)})
            logger.info(f"word2vec: {len(vectors.words):,} vectors in {time.time() - started:.0f}s, saved to "
                        f"{self.folder}")
        self._vectors = vectors
        return vectors


def word_vectors(cfg: ImdbConfig, labeled_texts=None):
    """Train (or reuse) word2vec on the labeled and unlabeled reviews."""
    return WordVectorSource(cfg, labeled_texts).get()


@dataclass
class CVResult:
    run_dir: Path
    scores: dict
    names: list[str]
    oof: np.ndarray
    blended_oof: np.ndarray
    test: np.ndarray | None
    test_ids: np.ndarray | None
    data: Data


def cross_validate(cfg: ImdbConfig, units=None, wait: bool = False, train_units: bool = True,
                   need_test: bool = False) -> CVResult | None:
    """Train the units not done yet (all, or just `units`) of every model, then blend and score; artefacts in the run.

    The data is read and checked (for `submit`, the test reviews and sample too) before the run folder is made.
    """
    import numpy as np

    from compete.common.evaluation import ensemble
    from compete.common.io import atomic
    from compete.common.runs import artefacts
    from compete.common.runs.engine import Engine
    from compete.common.runs.fingerprint import digest
    from compete.common.runs.folds import stratified_folds
    from compete.common.runs.run import Run
    from compete.common.runs.session import Session

    data = _load(cfg, need_test)
    vectors = WordVectorSource(cfg, data.train.inputs) if any(_uses_vectors(cfg, m) for m in cfg.models) else None
    run = Run(cfg.runs_dir, COMPETITION, cfg.run or default_run_name(cfg))
    y = data.train.targets
    with Session(run, units, wait) as session:
        logger.info(f"run {run.path}: {len(y):,} labeled reviews ({y.mean():.1%} positive), "
                    f"{0 if data.test is None else len(data.test):,} test reviews, {cfg.n_splits} folds x "
                    f"{len(cfg.seeds)} seed(s), models {cfg.models}")
        folds = {seed: session.fold_column(seed, data.train.ids, lambda rows, seed=seed: stratified_folds(
            y[rows], cfg.n_splits, seed), spec={"stratified_folds": cfg.n_splits}) for seed in cfg.seeds}
        engines = {}
        for name in cfg.models:
            learner = _learner(cfg, name, vectors)
            root = run.path / "models" / f"{name}-{digest(_model_settings(cfg, name))[:8]}"
            atomic.write_json(root / "settings.json", learner.settings())
            engines[name] = Engine(run, learner, data.train, data.test, folds, root=root, label=name,
                                   transform=ensemble.standardise_unit if cfg.standardise else None)
        if vectors is not None and train_units and _pending(engines, units, lambda n: _uses_vectors(cfg, n)):
            vectors.get()  # before any unit, so no unit's seconds include word2vec
        done = session.execute(*engines.values(), train=train_units)
        if done is None:
            return None
        assemblies = dict(zip(cfg.models, done))
        for name, assembly in assemblies.items():
            artefacts.save(engines[name].root, assembly, data.train, data.test, folds)
        scores, matrix, honest, final = _score(cfg, y, assemblies, folds, {n: e.root for n, e in engines.items()},
                                               run.path)
        first = cfg.seeds[0]  # the blend's out-of-fold weights follow the first seed's folds
        artefacts.save_oof(run.path / "oof_blend.npz", data.train.ids, honest[None], [first], {first: folds[first]},
                           names=["blend"], models=np.array(cfg.models), oof_models=matrix)
        test = None
        if data.test is not None:
            test = final.predict(np.column_stack([assemblies[n].test for n in cfg.models]))
            artefacts.save_npz(run.path / "test_blend.npz", ids=data.test.ids, pred=test)
        artefacts.write_outputs(run, cfg.to_dict(), scores, blend=final.to_dict())
        _report(scores, cfg.seeds)  # inside the session, so the run's log.txt has it too
    return CVResult(run.path, scores, list(cfg.models), matrix, honest, test,
                    None if data.test is None else data.test.ids, data)


def _pending(engines: dict, units, which) -> bool:
    """Whether an engine chosen by `which(name)` has a unit to train (of `units`, default all)."""
    for name, engine in engines.items():
        if which(name):
            known = set(engine.units())
            if any(not engine.status(u)[0] for u in (units or known) if u in known):
                return True
    return False


def assemble(cfg: ImdbConfig, wait: bool = False) -> CVResult:
    """Combine the finished units (trained by `cv` or `cv --unit`), blend and score them; trains nothing."""
    return cross_validate(cfg, wait=wait, train_units=False)


def _score(cfg, y, assemblies, folds, roots, run_path):
    """Per model: pooled AUC of the seed-averaged OOF, each unit's AUC on its fold, seconds; the blend out of fold."""
    import numpy as np

    from compete.common.evaluation import ensemble
    from compete.competitions.imdb.metric import accuracy, roc_auc

    scores = {"seeds": list(cfg.seeds), "models": {}}
    for name, out in assemblies.items():
        fold_auc = [u["auc"] for u in out.score_units(folds, lambda rows, pred: roc_auc(y[rows], pred), "auc")]
        entry = {"auc": roc_auc(y, out.oof), "accuracy": accuracy(y, out.oof), "fold_auc": fold_auc,
                 "fold_auc_mean": float(np.mean(fold_auc)),
                 "seconds": round(float(sum(u.get("seconds") or 0.0 for u in out.units)), 1),
                 "dir": str(roots[name].relative_to(run_path)), "units": out.units}
        if len(out.seeds) > 1:
            entry["auc_single_seeds"] = [roc_auc(y, o) for o in out.oof_by_seed]
        scores["models"][name] = entry
    names = list(assemblies)
    matrix = np.column_stack([assemblies[n].oof for n in names]).astype(np.float64)
    first = folds[cfg.seeds[0]]
    honest = (ensemble.honest_blend_oof(matrix, y, first, cfg.blend, names) if len(names) > 1
              else matrix[:, 0])
    final = ensemble.fit_blend(matrix, y, cfg.blend, names)
    best = max(names, key=lambda n: scores["models"][n]["auc"])
    scores["blend"] = {**final.to_dict(), "auc": roc_auc(y, honest), "accuracy": accuracy(y, honest),
                       "auc_weights_fit_on_all_oof": roc_auc(y, final.predict(matrix)), "best_single": best,
                       "scored_on_folds_of_seed": cfg.seeds[0]}
    return scores, matrix, honest, final


def _report(scores, seeds):
    ensemble_note = (f" each the seed ensemble of seeds {', '.join(map(str, seeds))} (OOF averaged over seeds);"
                     if len(seeds) > 1 else "")
    result(f"CV ROC AUC / accuracy ({len(scores['models'])} model(s));{ensemble_note} AUC over all OOF rows pooled, "
           "then the mean of the folds' AUCs (lower pooled means the fold models' scores are on different scales):")
    for name, s in scores["models"].items():
        result(f"  {name:<10} AUC {s['auc']:.4f} (folds {s['fold_auc_mean']:.4f})  accuracy {s['accuracy']:.4f}  "
               f"({s['seconds']:.0f}s of fitting)")
        if "auc_single_seeds" in s:
            result(f"  {'':<10} single seeds: " + ", ".join(f"seed {seed} {auc:.4f}"
                                                           for seed, auc in zip(seeds, s["auc_single_seeds"])))
    b = scores["blend"]
    weights = ", ".join(f"{k} {v:.3f}" for k, v in b["weights"].items())
    folds = f" on seed {b['scored_on_folds_of_seed']}'s folds" if len(seeds) > 1 else ""
    result(f"  {'blend':<10} AUC {b['auc']:.4f}  accuracy {b['accuracy']:.4f}  ({b['method']}, weights fit out of "
           f"fold{folds}; final weights: {weights})")


def submit(cfg: ImdbConfig, wait: bool = False) -> Path:
    """Train what is missing, assemble, then write submissions/imdb/<run>.csv from the blend, checked."""
    import numpy as np
    import pandas as pd

    from compete.common import submission
    from compete.competitions.imdb.format import FORMAT, KAGGLE_SLUG
    from compete.competitions.imdb.metric import roc_auc

    done = cross_validate(cfg, wait=wait, need_test=True)  # the test reviews and sample are checked before training
    test_set = done.data.test_set
    # Predictions travel with their ids; `submission.write` orders the rows as the sample submission.
    frame = pd.DataFrame({"id": done.test_ids, "sentiment": np.round(done.test, 6)})
    path = Path(cfg.submissions_dir) / COMPETITION / f"{done.run_dir.name}.csv"
    submission.write(frame, path, test_set.sample, FORMAT, run_dir=done.run_dir)
    auc = done.scores["blend"]["auc"]
    result(f"submission written and checked: {path} ({len(frame)} rows)")
    labels = test_set.reviews.labels
    if labels is not None and len(np.unique(labels)) == 2:
        known = dict(zip(test_set.reviews.ids, labels))
        result(f"test AUC (labels known in this layout): "
               f"{roc_auc(np.array([known[i] for i in done.test_ids]), done.test):.4f}")
    result(f"CV AUC {auc:.4f} (blend of {', '.join(done.names)})")
    submission.suggest_upload(KAGGLE_SLUG, path, f"{done.run_dir.name} CV AUC {auc:.4f}", cfg.data,
                              upload=cfg.kaggle_submit)
    return path


def check(cfg: ImdbConfig) -> dict:
    """Validate a download without training: every file parses, labels are 0/1, ids unique, test matches its sample."""
    from compete.competitions.imdb import layout

    log = logger.info
    labeled = layout.read_labeled(cfg.data)
    log(f"{labeled.source}: {len(labeled.ids):,} labeled reviews, {labeled.labels.mean():.1%} positive")
    unlabeled = layout.read_unlabeled(cfg.data)
    log("no unlabeled reviews" if unlabeled is None
        else f"{unlabeled.source}: {len(unlabeled.ids):,} unlabeled reviews")
    test = layout.read_test(cfg.data) if layout.has_test(cfg.data) else None
    log("no test reviews (cv works; submit needs them)" if test is None
        else f"{test.reviews.source}: {len(test.reviews.ids):,} test reviews, ids match the sample submission")
    overlap = set(labeled.ids) & set(test.reviews.ids) if test is not None else set()
    if overlap:
        raise DataError(test.reviews.source,
                        f"{len(overlap)} id(s) also in the labeled file, e.g. {sorted(overlap)[:3]}")
    result(f"ok: {len(labeled.ids):,} labeled, {0 if unlabeled is None else len(unlabeled.ids):,} unlabeled and "
           f"{0 if test is None else len(test.reviews.ids):,} test reviews")
    return {"labeled": len(labeled.ids), "unlabeled": 0 if unlabeled is None else len(unlabeled.ids),
            "test": 0 if test is None else len(test.reviews.ids)}


def train_word2vec(cfg: ImdbConfig):
    """Train (or reuse) word2vec on labeled + unlabeled reviews and log the nearest neighbours of `neighbours`."""
    vectors = word_vectors(cfg)
    for word in cfg.neighbours:
        if word in vectors:
            result(f"  {word:<12} " + ", ".join(f"{w} ({s:.2f})" for w, s in vectors.nearest(word, 8)))
        else:
            result(f"  {word:<12} (not in the vocabulary)")
    return vectors


def _sample(out_dir, seed: int = 0):
    from compete.competitions.imdb import sample_data

    return sample_data.generate(out_dir, seed=seed)


PIPELINE = register(Pipeline(
    name=COMPETITION, config=ImdbConfig,
    actions={"cv": cross_validate, "assemble": assemble, "submit": submit, "check": check, "word2vec": train_word2vec},
    sample=_sample,
    demo=DEMO, summary="Bag of Words Meets Bags of Popcorn (IMDB sentiment, ROC AUC)", headline="blend.auc"))
