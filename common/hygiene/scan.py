"""One parallel pass over image files: content hash, perceptual hash and photo statistics of each.

Images are decoded by the shared reader (`compete.common.data.images.read`), so hashes and
statistics see what training sees: declared sizes bounded, transparency composited on the
policy's background.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from compete.common.hygiene.hashing import HASHES, content_hash
from compete.common.hygiene.photos import image_stats
from compete.common.data.images import default_workers, read
from compete.common.errors import DataError


@dataclass
class ImageFacts:
    """Per-image facts: `content` (hex SHA-1), `perceptual` (uint64 per image), `stats` (dicts).

    `unreadable` lists (row, problem) for the files that are missing, truncated or corrupt;
    their rows hold placeholders (content None, hash 0, stats None) and must be left out.
    """

    content: list[str | None]
    perceptual: np.ndarray
    stats: list[dict | None]
    unreadable: list[tuple[int, str]] = field(default_factory=list)

    @property
    def readable(self) -> np.ndarray:
        bad = {i for i, _ in self.unreadable}
        return np.array([i for i in range(len(self.content)) if i not in bad], np.int64)


def scan(paths, hash_method: str = "phash", workers: int | None = None) -> ImageFacts:
    """Read each image once; an unreadable file is listed in `unreadable` (with its problem), not raised."""
    if hash_method not in HASHES:
        raise ValueError(f"Unknown hash method {hash_method!r}; available: {', '.join(HASHES)}")
    perceptual = HASHES[hash_method]

    def one(path):
        try:
            image = read(path)
        except DataError as error:
            return error.problem
        return content_hash(image), perceptual(image), image_stats(image)

    with ThreadPoolExecutor(workers or default_workers()) as pool:
        results = list(pool.map(one, [str(p) for p in paths], chunksize=32))
    unreadable = [(i, r) for i, r in enumerate(results) if isinstance(r, str)]
    facts = [(None, 0, None) if isinstance(r, str) else r for r in results]
    return ImageFacts([r[0] for r in facts], np.array([r[1] for r in facts], np.uint64), [r[2] for r in facts],
                      unreadable)
