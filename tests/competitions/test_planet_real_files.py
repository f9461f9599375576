"""The real train_v2.csv rows and sample_submission_v2.csv (../shared/data/planet) parse with our facts."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compete.common.submission import read_sample
from compete.competitions.planet.format import FORMAT
from compete.competitions.planet.layout import VOCABULARY
from compete.competitions.planet.rules import weather_forced
from compete.competitions.planet.tags import TAGS, WEATHER_TAGS

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "planet"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"real Planet files not found at {REAL}")


def test_real_tags_fit_the_vocabulary_and_the_weather_rule():
    frame = pd.read_csv(REAL / "train_v2_first1000.csv")
    labels = VOCABULARY.encode(frame["tags"], source="train_v2_first1000.csv")
    weather = labels[:, [TAGS.index(t) for t in WEATHER_TAGS]]
    assert (weather.sum(axis=1) == 1).all()
    cloudy = labels[:, TAGS.index("cloudy")] == 1
    assert (labels[cloudy].sum(axis=1) == 1).all()
    # The rule applied to the truth itself changes nothing.
    forced = weather_forced(labels.astype(float))
    assert np.array_equal(np.where(forced >= 0, forced, labels), labels)


def test_real_sample_submission_has_both_test_folders():
    sample = read_sample(REAL / "sample_submission_v2.csv", FORMAT)
    assert len(sample) == 61191
    assert sample["image_name"].str.startswith("test_").sum() == 40669
    assert sample["image_name"].str.startswith("file_").sum() == 20522
