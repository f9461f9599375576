"""Image hashes (content SHA-1, 64-bit pHash and dHash) and Hamming-radius search by multi-index hashing."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np


def content_hash(image: np.ndarray) -> str:
    """SHA-1 of the decoded pixels and shape: equal for the same picture whatever the file's metadata."""
    digest = hashlib.sha1(str(image.shape).encode())
    digest.update(np.ascontiguousarray(image).tobytes())
    return digest.hexdigest()


def _gray(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA).astype(np.float32)


def _pack(bits: np.ndarray) -> np.uint64:
    return np.uint64(int("".join("1" if b else "0" for b in bits.ravel()), 2))


def phash(image: np.ndarray) -> np.uint64:
    """Perceptual hash: the 8x8 lowest DCT frequencies of a 32x32 grey image, each above/below their median."""
    low = cv2.dct(_gray(image, (32, 32)))[:8, :8]
    return _pack(low > np.median(low.ravel()[1:]))


def dhash(image: np.ndarray) -> np.uint64:
    """Difference hash: whether each pixel of a 9x8 grey image is brighter than its right neighbour."""
    gray = _gray(image, (9, 8))
    return _pack(gray[:, :-1] > gray[:, 1:])


HASHES = {"phash": phash, "dhash": dhash}


def hamming(a, b) -> np.ndarray:
    """Bit differences between 64-bit hashes (broadcasting)."""
    return np.bitwise_count(np.bitwise_xor(np.asarray(a, np.uint64), np.asarray(b, np.uint64))).astype(np.int64)


def near_pairs(hashes, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i < j) within `max_distance` bits, and their distances, without comparing all pairs.

    Splits the 64 bits into max_distance + 1 chunks: two hashes that close agree
    exactly on at least one chunk (pigeonhole), so only rows sharing a chunk value
    are compared (Norouzi et al., multi-index hashing). When the chunks are too
    coarse for the data (candidates above 1/32 of all pairs, e.g. wide radii on
    skewed hashes), the blocked all-pairs comparison is cheaper and is used instead.
    """
    hashes = np.asarray(hashes, np.uint64)
    n = len(hashes)
    if max_distance < 0 or max_distance >= 64:
        raise ValueError(f"max_distance must be in 0..63, got {max_distance}")
    bounds = np.linspace(0, 64, max_distance + 2).astype(int)
    buckets = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        chunk = (hashes >> np.uint64(lo)) & np.uint64((1 << (hi - lo)) - 1)
        order = np.argsort(chunk, kind="stable")
        sorted_chunk = chunk[order]
        starts = np.flatnonzero(np.r_[True, sorted_chunk[1:] != sorted_chunk[:-1]])
        buckets.append((order, starts, np.diff(np.r_[starts, n])))
    if sum(int((s * (s - 1) // 2).sum()) for _, _, s in buckets) > n * (n - 1) // 64:
        return near_pairs_naive(hashes, max_distance)
    candidates = []
    for order, starts, sizes in buckets:
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1]):
            members = np.sort(order[start:start + size])
            a, b = np.triu_indices(size, 1)
            candidates.append(members[a].astype(np.int64) * n + members[b])
    if not candidates:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.int64)
    keys = np.unique(np.concatenate(candidates))
    i, j = keys // n, keys % n
    distance = hamming(hashes[i], hashes[j])
    keep = distance <= max_distance
    return np.stack([i[keep], j[keep]], 1), distance[keep]


def near_pairs_naive(hashes, max_distance: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """The same pairs by comparing every pair (blocked numpy), as the reference and the benchmark baseline."""
    hashes = np.asarray(hashes, np.uint64)
    pairs, distances = [], []
    for start in range(0, len(hashes), block):
        d = hamming(hashes[start:start + block, None], hashes[None, :])
        i, j = np.nonzero(d <= max_distance)
        i = i + start
        keep = i < j
        pairs.append(np.stack([i[keep], j[keep]], 1))
        distances.append(d[i[keep] - start, j[keep]])
    if not pairs:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.int64)
    return np.concatenate(pairs).astype(np.int64), np.concatenate(distances).astype(np.int64)
