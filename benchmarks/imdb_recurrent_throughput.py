"""Reviews per second for training and prediction of the IMDB recurrent model (CPU or whatever Keras sees).

Usage: python benchmarks/imdb_recurrent_throughput.py [--data DIR] [--reviews 2000] [--cell lstm]
Texts come from the popcorn download when --data is given, else from the built-in sample
generator. Settings default to the pipeline's (sequence length, vocabulary, sizes). The
first epoch (graph tracing) is timed apart; the last line printed is the result.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    from compete.common.text.clean import clean_all
    from compete.common.text.recurrent import RecurrentClassifier, truncate, vectorize
    from compete.competitions.imdb import layout, sample_data
    from compete.pipelines.imdb import ImdbConfig

    defaults = {name: field.default for name, field in ImdbConfig.model_fields.items()}
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="popcorn download (default: generated sample)")
    parser.add_argument("--reviews", type=int, default=2000)
    parser.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
    parser.add_argument("--seq-len", type=int, default=defaults["seq_len"])
    parser.add_argument("--vocab-size", type=int, default=defaults["vocab_size"])
    parser.add_argument("--embedding-dim", type=int, default=defaults["embedding_dim"])
    parser.add_argument("--units", type=int, default=defaults["rnn_units"])
    parser.add_argument("--batch-size", type=int, default=defaults["rnn_batch_size"])
    args = parser.parse_args()

    if args.data:
        reviews = layout.read_labeled(args.data)
    else:
        with tempfile.TemporaryDirectory(prefix="imdb-bench-") as folder:
            reviews = layout.read_labeled(sample_data.generate(folder, n_labeled=args.reviews, n_test=10,
                                                               n_unlabeled=10))
    texts, y = clean_all(reviews.texts[: args.reviews]), reviews.labels[: args.reviews]
    model = RecurrentClassifier(args.vocab_size, args.seq_len, args.embedding_dim, args.units, args.cell,
                                epochs=1, batch_size=args.batch_size)
    started = time.perf_counter()
    model.fit(texts, y)  # first epoch: vectoriser, graph tracing and one pass
    first = time.perf_counter() - started
    started = time.perf_counter()
    ids = vectorize(model.vectorizer_, truncate(texts, args.seq_len, model.keep))
    model.model_.fit(ids, y.astype("float32"), batch_size=args.batch_size, epochs=1, verbose=0)
    train_rate = len(texts) / (time.perf_counter() - started)
    model.predict_proba(texts[:256])  # trace predict
    started = time.perf_counter()
    model.predict_proba(texts)
    predict_rate = len(texts) / (time.perf_counter() - started)
    print(f"first epoch incl. setup: {first:.1f}s for {len(texts)} reviews")
    print(f"bi{args.cell} seq_len={args.seq_len} vocab={args.vocab_size} emb={args.embedding_dim} units={args.units} "
          f"batch={args.batch_size} on {len(texts)} {'real' if args.data else 'sample'} reviews: "
          f"train {train_rate:.0f} reviews/s, predict {predict_rate:.0f} reviews/s")


if __name__ == "__main__":
    main()
