"""Hygiene findings over a training set and an optional test set: what to report, what to drop, what to show."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compete.common.hygiene.duplicates import DuplicateReport, find_duplicates
from compete.common.hygiene.photos import photo_scores
from compete.common.hygiene.scan import scan
from compete.common.hygiene.sheet import contact_sheet

TRAIN, TEST = 0, 1


@dataclass
class Findings:
    """Duplicates over train (+ test) rows, and photo scores of the training rows; row ids index `paths`."""

    paths: list[str]
    split: np.ndarray
    duplicates: DuplicateReport
    photo_score: np.ndarray
    photo_threshold: float

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
                                     for i in order[:10] if self.split[i] == TRAIN],
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
    """Scan every image once (unreadable ones raise DataError naming them) and collect the findings."""
    paths = [str(p) for p in list(train_paths) + list(test_paths)]
    split = np.array([TRAIN] * len(train_paths) + [TEST] * len(test_paths), np.int64)
    facts = scan(paths, hash_method, workers)
    duplicates = find_duplicates(facts.content, facts.perceptual, split, max_distance)
    scores = np.full(len(paths), -np.inf)
    train_rows = np.flatnonzero(split == TRAIN)
    scores[train_rows] = photo_scores([facts.stats[i] for i in train_rows])
    return Findings(paths, split, duplicates, scores, photo_threshold)
