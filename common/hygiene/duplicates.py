"""Exact and near-duplicate groups over one or more image sets (e.g. train and test), by union-find."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from compete.common.hygiene.hashing import near_pairs


@dataclass
class DuplicateReport:
    """Groups of row ids (into the concatenated sets), each sorted; `distance` per near group is its largest pair distance.

    `exact`: identical pixels. `near`: within the Hamming radius but not all identical
    (a near group may contain exact members). `split` holds the set each row came from.
    """

    exact: list[list[int]] = field(default_factory=list)
    near: list[list[int]] = field(default_factory=list)
    near_distance: list[int] = field(default_factory=list)
    split: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def crossing(self, groups: list[list[int]]) -> list[list[int]]:
        """The groups with members in more than one set (e.g. train/test overlap)."""
        return [g for g in groups if len(set(self.split[g].tolist())) > 1]

    def group_ids(self) -> np.ndarray:
        """An id per row shared by rows in one exact or near group (chained), else the row's own index."""
        n = len(self.split)
        pairs = np.array([(g[0], m) for g in self.exact + self.near for m in g[1:]], np.int64).reshape(-1, 2)
        ids = np.arange(n)
        for members in _groups(n, pairs):
            ids[members] = members[0]
        return ids

    def redundant(self, groups: list[list[int]], within: int = 0) -> list[int]:
        """Rows of set `within` after the first of their group: dropping these keeps one copy of each."""
        drop = []
        for group in groups:
            members = [i for i in group if self.split[i] == within]
            drop += members[1:]
        return sorted(drop)


def _groups(n: int, pairs: np.ndarray) -> list[list[int]]:
    parent = np.arange(n)

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        a, b = root(int(i)), root(int(j))
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(root(i), []).append(i)
    return sorted((m for m in members.values() if len(m) > 1), key=lambda m: m[0])


def find_duplicates(content: list[str], perceptual, split=None, max_distance: int = 6) -> DuplicateReport:
    """Exact groups (same content hash) and near groups (perceptual hashes within `max_distance` bits)."""
    n = len(content)
    split = np.zeros(n, np.int64) if split is None else np.asarray(split, np.int64)
    first: dict[str, int] = {}
    exact_pairs = []
    for i, key in enumerate(content):
        if key in first:
            exact_pairs.append((first[key], i))
        else:
            first[key] = i
    exact = _groups(n, np.array(exact_pairs, np.int64).reshape(-1, 2))
    pairs, distances = near_pairs(perceptual, max_distance)
    near, near_distance = [], []
    content = np.asarray(content, dtype=object)
    for group in _groups(n, pairs):
        if len(set(content[group].tolist())) == 1:
            continue
        inside = np.isin(pairs[:, 0], group)
        near.append(group)
        near_distance.append(int(distances[inside].max()))
    return DuplicateReport(exact, near, near_distance, split)
