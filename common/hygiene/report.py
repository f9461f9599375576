"""Hygiene findings over a training set and an optional test set: what to report, what to drop, what to show."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from compete.common.hygiene.duplicates import DuplicateReport, find_duplicates
from compete.common.hygiene.photos import photo_scores
from compete.common.hygiene.scan import scan
from compete.common.hygiene.sheet import contact_sheet

TRAIN, TEST = 0, 1


@dataclass
class Findings:
    """Duplicates over train (+ test) rows, and photo scores of the training rows; row ids index `paths`.

    `unreadable`: (row, problem) for each image that could not be decoded; such rows are in
    no group and are never photos (the caller decides whether to stop, drop or fall back).
    """

    paths: list[str]
    split: np.ndarray
    duplicates: DuplicateReport
    photo_score: np.ndarray
    photo_threshold: float
    unreadable: list[tuple[int, str]] = field(default_factory=list)

    def unreadable_in(self, which: int) -> list[tuple[int, str]]:
        """(row within its own set, problem) of the unreadable images of set `which` (TRAIN or TEST)."""
        start = int(np.flatnonzero(self.split == which)[0]) if (self.split == which).any() else 0
        return [(i - start, why) for i, why in self.unreadable if self.split[i] == which]

    @property
    def photos(self) -> list[int]:
        return np.flatnonzero((self.split == TRAIN) & (self.photo_score > self.photo_threshold)).tolist()

    def to_drop(self, exact: bool, near: bool, photos: bool) -> list[int]:
        """Training rows to leave out: repeats of exact / near groups (one copy kept) and flagged photos."""
        drop = set()
        if exact:
            drop.update(self.duplicates.redundant(self.duplicates.exact, TRAIN))
        if near:
            drop.update(self.duplicates.redundant(self.duplicates.near, TRAIN))
        if photos:
            drop.update(self.photos)
        return sorted(drop)

    def summary(self, labels=None, names=None) -> dict:
        """JSON-ready report; `labels` (per row, None for unlabelled) marks groups whose labels disagree."""
        names = names or self.paths
        d = self.duplicates

        def describe(group, distance=None):
            rows = [{"split": "train" if self.split[i] == TRAIN else "test", "file": str(names[i]),
                     **({"label": labels[i]} if labels is not None and labels[i] is not None else {})} for i in group]
            known = {labels[i] for i in group if labels is not None and labels[i] is not None}
            return {"members": rows, "conflicting_labels": len(known) > 1,
                    **({"max_distance": distance} if distance is not None else {})}

        order = np.argsort(-self.photo_score)
        return {
            "images": {"train": int((self.split == TRAIN).sum()), "test": int((self.split == TEST).sum())},
            "exact_groups": [describe(g) for g in d.exact],
            "near_groups": [describe(g, dist) for g, dist in zip(d.near, d.near_distance)],
            "train_test_overlap": {"exact": len(d.crossing(d.exact)), "near": len(d.crossing(d.near))},
            "photo_threshold": self.photo_threshold,
            "photos": [{"file": str(names[i]), "score": round(float(self.photo_score[i]), 2)} for i in self.photos],
            "highest_photo_scores": [{"file": str(names[i]), "score": round(float(self.photo_score[i]), 2)}
                                     for i in order[:10]
                                     if self.split[i] == TRAIN and np.isfinite(self.photo_score[i])],
            "unreadable": [{"split": "train" if self.split[i] == TRAIN else "test", "file": str(names[i]),
                            "problem": why} for i, why in self.unreadable],
        }

    def picture(self, path, max_groups: int = 12) -> Path:
        """Contact sheet: each exact and near group (train/test marked), then the flagged photos."""
        d = self.duplicates
        tag = lambda i: ("tr" if self.split[i] == TRAIN else "TE") + f" #{i}"
        rows = [(f"exact duplicates {k + 1}", [(self.paths[i], tag(i)) for i in g]) for k, g in enumerate(d.exact[:max_groups])]
        rows += [(f"near duplicates {k + 1} (<= {dist} bits)", [(self.paths[i], tag(i)) for i in g])
                 for k, (g, dist) in enumerate(zip(d.near[:max_groups], d.near_distance))]
        if self.photos:
            rows.append((f"photo-like (score > {self.photo_threshold:g})",
                         [(self.paths[i], f"#{i} {self.photo_score[i]:.1f}") for i in self.photos]))
        return contact_sheet(rows, path)


def inspect(train_paths, test_paths=(), *, max_distance: int = 6, photo_threshold: float = 4.0,
            hash_method: str = "phash", workers: int | None = None) -> Findings:
    """Scan every image once and collect the findings; unreadable images are listed in `unreadable`, in no group."""
    paths = [str(p) for p in list(train_paths) + list(test_paths)]
    split = np.array([TRAIN] * len(train_paths) + [TEST] * len(test_paths), np.int64)
    facts = scan(paths, hash_method, workers)
    ok = facts.readable
    found = find_duplicates([facts.content[i] for i in ok], facts.perceptual[ok], split[ok], max_distance)
    back = lambda groups: [[int(ok[i]) for i in g] for g in groups]  # noqa: E731  rows of `ok` -> rows of `paths`
    duplicates = DuplicateReport(back(found.exact), back(found.near), found.near_distance, split)
    scores = np.full(len(paths), -np.inf)
    train_rows = np.array([i for i in ok if split[i] == TRAIN], np.int64)
    scores[train_rows] = photo_scores([facts.stats[i] for i in train_rows])
    return Findings(paths, split, duplicates, scores, photo_threshold, facts.unreadable)
