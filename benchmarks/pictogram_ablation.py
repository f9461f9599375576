"""CV macro-F1 on the built-in pictogram sample with and without each hygiene and imbalance step.

Every variant runs the same K-fold recipe with the same seeds (each seed reshuffles the
folds); the table gives the mean and spread of the single seeds' OOF macro-F1, the seed
ensemble's, the macro-F1 after per-class bias tuning scored out of fold, and accuracy.
Duplicates kept in training stay in one fold, so "keep duplicates" rows are not flattered.
Oversampling also lengthens each epoch (more steps), so its row mixes both effects; the
"rows/epoch" column shows by how much.
Run: .venv/bin/python benchmarks/pictogram_ablation.py [--small] [--seeds 0,1,2] [--epochs 12]
[--backbone small_cnn] [--image-size 48] (defaults: the demo's settings. Measured when the demo used camp_cnn at
64 px: one seed of one variant took 24 minutes on 2 shared cores; `--backbone camp_cnn_tiny --image-size 48
--epochs 8` took about 5.5 minutes per variant for 2 seeds)
"""

from __future__ import annotations

import _bench  # noqa: F401  (quiet TensorFlow first)

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

VARIANTS = {
    "baseline: all hygiene on, no imbalance step": {},
    "keep exact duplicates": {"drop_exact_duplicates": False},
    "keep near duplicates": {"drop_near_duplicates": False},
    "keep photo-like images": {"drop_photos": False},
    "no hygiene at all": {"drop_exact_duplicates": False, "drop_near_duplicates": False, "drop_photos": False},
    "random oversampling": {"sampling": "oversample"},
    "random undersampling": {"sampling": "undersample"},
    "class-balanced sampling": {"sampling": "class_balanced"},
    "balanced class weights": {"class_weight": "balanced"},
    "focal loss (gamma 2)": {"loss": "focal"},
}


def rows_per_epoch(cfg, y) -> int:
    """Training rows one epoch sees in a fold, after the variant's resampling (fold 0 of the first seed's split)."""
    from compete.common.data import sampling

    if cfg.sampling == "none":
        return int(round(len(y) * (cfg.n_splits - 1) / cfg.n_splits))
    kwargs = {"power": 1.0} if cfg.sampling == "class_balanced" else {"ratio": cfg.sampling_ratio}
    train = np.arange(len(y))[np.arange(len(y)) % cfg.n_splits != 0]
    return len(sampling.make_sampler(cfg.sampling, **kwargs).resample(train, y, 0))


def main() -> None:
    from compete.competitions.pictogram import sample_data
    from compete.pipelines import pictogram

    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="a few tiny variants, to check that the script works")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=pictogram.DEMO["epochs"])
    parser.add_argument("--backbone", default=pictogram.PictogramConfig.model_fields["backbone"].default)
    parser.add_argument("--image-size", type=int, default=pictogram.DEMO["image_size"])
    parser.add_argument("--n-splits", type=int, default=pictogram.DEMO["n_splits"])
    parser.add_argument("--only", default="", help="comma-separated variant numbers (1-based) to run")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    variants = list(VARIANTS.items())
    if args.only:
        variants = [variants[int(i) - 1] for i in args.only.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.small:
            data = sample_data.generate(tmp / "data", seed=0, n_max=8, n_min=3, n_eval_per_class=1, n_exact=2,
                                        n_near=2, n_overlap=1, n_photos=2)
            base = dict(backbone="camp_cnn_tiny", image_size=32, epochs=1, n_splits=2, seeds=seeds[:1])
            variants = variants[:2] + variants[5:6]
        else:
            data = sample_data.generate(tmp / "data", seed=0)
            base = dict(pictogram.DEMO, epochs=args.epochs, seeds=seeds, backbone=args.backbone,
                        image_size=args.image_size, n_splits=args.n_splits)
        base.pop("run", None)
        print(f"built-in sample at {data}; settings {base}")
        table = []
        for number, (name, overrides) in enumerate(variants, start=1):
            # One run per variant: hygiene switches change the rows, not the run's name.
            cfg = pictogram.PictogramConfig(data=str(data), runs_dir=str(tmp / "runs"), run=f"variant{number}",
                                            **{**base, **overrides})
            started = time.perf_counter()
            result = pictogram.cross_validate(cfg)  # the `compete` logger is not set up here, so this is quiet
            seconds = time.perf_counter() - started
            s = result.scores
            singles = s.get("macro_f1_single_seeds", [s["macro_f1"]])
            table.append((name, len(result.data.y), rows_per_epoch(cfg, result.data.y), statistics.mean(singles),
                          (max(singles) - min(singles)) / 2, s["macro_f1"], s["macro_f1_bias_tuned_held_out"],
                          s["accuracy"], seconds))
            print(f"  {name}: single seeds {[round(v, 4) for v in singles]}, ensemble {s['macro_f1']:.4f}, "
                  f"bias-tuned out of fold {s['macro_f1_bias_tuned_held_out']:.4f} ({seconds:.0f}s)", flush=True)
    print()
    print(f"| variant | train rows | rows/epoch | macro-F1, single seed (mean ± half-range of {len(base['seeds'])}) "
          "| macro-F1, seed ensemble | + bias tuning (out of fold) | accuracy | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for name, n, per_epoch, mean, half, ensemble, tuned, accuracy, seconds in table:
        print(f"| {name} | {n} | {per_epoch} | {mean:.3f} ± {half:.3f} | {ensemble:.3f} | {tuned:.3f} | "
              f"{accuracy:.3f} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
