"""Bag of Words Meets Bags of Popcorn on Kaggle: three zipped TSVs, kept as they are (the reader reads the
zips), and the sample submission."""

from __future__ import annotations

from compete.common.kaggle.plan import Plan, Remote
from compete.competitions.imdb import layout
from compete.competitions.imdb.format import KAGGLE_SLUG


def check(root) -> str:
    """What the placed download holds, read with the IMDB reader."""
    labeled, unlabeled, test = layout.read_labeled(root), layout.read_unlabeled(root), layout.read_test(root)
    return (f"{len(labeled.ids):,} labelled, {0 if unlabeled is None else len(unlabeled.ids):,} unlabelled and "
            f"{len(test.reviews.ids):,} test reviews matching {layout.SAMPLE_SUBMISSION}")


PLAN = Plan(KAGGLE_SLUG, (
    *(Remote(f"{name}.zip", f"{name}.zip") for name in (layout.LABELED, layout.UNLABELED, layout.TEST)),
    Remote(layout.SAMPLE_SUBMISSION, layout.SAMPLE_SUBMISSION),
), check=check)
