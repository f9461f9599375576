"""Planet on Kaggle: the two CSVs (zipped) and the JPEG chips (a tar inside a 7z per folder).

The TIFF archives (train-tif-v2.tar.7z, test-tif-v2.tar.7z: tens of gigabytes the reader never
uses) are not fetched.
"""

from __future__ import annotations

from compete.common.io.unpack import Limits
from compete.common.kaggle.plan import Plan, Remote
from compete.competitions.planet import layout
from compete.competitions.planet.format import KAGGLE_SLUG

CHIPS = Limits(max_bytes=3 << 30, max_members=100_000)  # about 40,000 chips of ~15 KB per folder


def check(root) -> str:
    """What the placed download holds, read with the Planet reader."""
    train, test = layout.read_train(root), layout.read_test(root)
    return (f"{len(train.ids):,} tagged training chips, {len(test.ids):,} test chips in "
            f"{' and '.join(layout.TEST_DIRS)} matching {layout.SAMPLE_SUBMISSION}")


PLAN = Plan(KAGGLE_SLUG, (
    Remote("train_v2.csv.zip", layout.TRAIN_CSV),
    Remote("sample_submission_v2.csv.zip", layout.SAMPLE_SUBMISSION),
    Remote(f"{layout.TRAIN_DIR}.tar.7z", layout.TRAIN_DIR, folder=True, limits=CHIPS),
    *(Remote(f"{name}.tar.7z", name, folder=True, limits=CHIPS) for name in layout.TEST_DIRS),
), check=check)
