"""One parallel pass over image files: content hash, perceptual hash and photo statistics of each."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from compete.common.hygiene.hashing import HASHES, content_hash
from compete.common.hygiene.photos import image_stats
from compete.common.data.images import default_workers, read


@dataclass
class ImageFacts:
    """Per-image facts: `content` (hex SHA-1), `perceptual` (uint64 per image), `stats` (dicts)."""

    content: list[str]
    perceptual: np.ndarray
    stats: list[dict]


def scan(paths, hash_method: str = "phash", workers: int | None = None) -> ImageFacts:
    """Read each image once; an unreadable file raises DataError naming it."""
    if hash_method not in HASHES:
        raise ValueError(f"Unknown hash method {hash_method!r}; available: {', '.join(HASHES)}")
    perceptual = HASHES[hash_method]

    def one(path):
        image = read(path)
        return content_hash(image), perceptual(image), image_stats(image)

    with ThreadPoolExecutor(workers or default_workers()) as pool:
        results = list(pool.map(one, [str(p) for p in paths], chunksize=32))
    return ImageFacts([r[0] for r in results], np.array([r[1] for r in results], np.uint64),
                      [r[2] for r in results])
