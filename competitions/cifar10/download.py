"""CIFAR-10 on Kaggle: the two CSVs as they are, and one 7z per image folder (train/, test/ of PNG files).

test.7z holds 300,000 images (10,000 scored, the rest junk), hence its larger limits.
"""

from __future__ import annotations

from compete.common.io.unpack import Limits
from compete.common.kaggle.plan import Plan, Remote
from compete.competitions.cifar10 import layout
from compete.competitions.cifar10.format import KAGGLE_SLUG


def check(root) -> str:
    """What the placed download holds, read with the CIFAR-10 reader (Kaggle layout)."""
    train, test = layout.read_kaggle_train(root), layout.read_kaggle_test(root)
    return f"{len(train.ids):,} labelled training images, {len(test.ids):,} test images matching {layout.SAMPLE_SUBMISSION}"


PLAN = Plan(KAGGLE_SLUG, (
    Remote(layout.TRAIN_CSV, layout.TRAIN_CSV),
    Remote(layout.SAMPLE_SUBMISSION, layout.SAMPLE_SUBMISSION),
    Remote(f"{layout.TRAIN_DIR}.7z", layout.TRAIN_DIR, folder=True, limits=Limits(1 << 30, 60_000)),
    Remote(f"{layout.TEST_DIR}.7z", layout.TEST_DIR, folder=True, limits=Limits(4 << 30, 310_000)),
), check=check)
