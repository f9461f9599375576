"""A small synthetic review set in the popcorn layout, for the demo and the tests.

Sentiment shows in the adjectives and stock phrases (80% of slots take the review's
polarity, so it is learnable but noisy). Words that fill the same slots are planted
synonyms for word2vec to find: movie/film/picture, friday/saturday/sunday, brother/sister/friend.
Reviews carry `<br /><br />` breaks and `\\"quoted\\"` words, as the real files do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compete.common.io import atomic
from compete.common.io.quoted_tsv import escape
from compete.competitions.imdb import layout

POSITIVE = ("great", "wonderful", "excellent", "superb", "brilliant", "charming", "moving", "beautiful")
NEGATIVE = ("awful", "terrible", "dreadful", "boring", "horrible", "dull", "pointless", "clumsy")
FILM = ("movie", "film", "picture")
DAYS = ("friday", "saturday", "sunday")
PEOPLE = ("brother", "sister", "friend")
PARTS = ("plot", "script", "story", "ending", "soundtrack", "camera work")
ROLES = ("actor", "actress", "director", "villain")
PRAISE = ("I loved every minute of it.", "Highly recommended!", "I would watch it again.")
BLAME = ("What a waste of time.", "Avoid it!", "I nearly walked out.")


def _review(polarity: int, rng: np.random.Generator) -> str:
    def adjective():
        own = rng.random() < 0.8
        return str(rng.choice(POSITIVE if (polarity == 1) == own else NEGATIVE))

    sentences = [
        lambda: f"This {rng.choice(FILM)} was {adjective()}.",
        lambda: f"The {rng.choice(ROLES)} gave a {adjective()} performance.",
        lambda: f"I thought the {rng.choice(PARTS)} was {adjective()} and {adjective()}.",
        lambda: f"I watched this {rng.choice(FILM)} with my {rng.choice(PEOPLE)} on a {rng.choice(DAYS)} night.",
        lambda: f'My {rng.choice(PEOPLE)} called it \"{adjective()}\".',
        lambda: f"We saw the {rng.choice(FILM)} last {rng.choice(DAYS)} at the cinema.",
        lambda: str(rng.choice(PRAISE if (polarity == 1) == (rng.random() < 0.8) else BLAME)),
    ]
    count = int(rng.integers(3, 9))
    parts = [sentences[int(rng.integers(len(sentences)))]() for _ in range(count)]
    return " ".join(p + (" <br /><br />" if rng.random() < 0.2 else "") for p in parts).strip()


def _ids(start: int, labels, rng) -> list[str]:
    ratings = [int(rng.integers(7, 11)) if s == 1 else int(rng.integers(1, 5)) for s in labels]
    return [f"{start + i}_{r}" for i, r in enumerate(ratings)]


def generate(out_dir, seed: int = 0, n_labeled: int = 600, n_test: int = 200, n_unlabeled: int = 1000) -> Path:
    """Write labeledTrainData.tsv, testData.tsv, unlabeledTrainData.tsv and sampleSubmission.csv."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n_labeled)
    test_labels = rng.integers(0, 2, size=n_test)
    labeled_ids = _ids(1000, labels, rng)
    test_ids = _ids(1000 + n_labeled, test_labels, rng)
    rows = [f'{escape(i)}\t{s}\t{escape(_review(s, rng))}' for i, s in zip(labeled_ids, labels)]
    atomic.write_text(out_dir / layout.LABELED, "id\tsentiment\treview\n" + "\n".join(rows) + "\n")
    rows = [f"{escape(i)}\t{escape(_review(s, rng))}" for i, s in zip(test_ids, test_labels)]
    atomic.write_text(out_dir / layout.TEST, "id\treview\n" + "\n".join(rows) + "\n")
    rows = [f"{escape(f'{50000 + i}_0')}\t{escape(_review(int(rng.integers(2)), rng))}" for i in range(n_unlabeled)]
    atomic.write_text(out_dir / layout.UNLABELED, "id\treview\n" + "\n".join(rows) + "\n")
    atomic.write_text(out_dir / layout.SAMPLE_SUBMISSION, "id,sentiment\n" + "".join(f'"{i}",0\n' for i in test_ids))
    return out_dir
