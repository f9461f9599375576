"""The weather rule: exactly one weather tag per chip (the most probable); cloudy stands alone."""

from __future__ import annotations

import numpy as np

from compete.competitions.planet.tags import CLOUDY, TAGS, WEATHER_TAGS

WEATHER_COLUMNS = np.array([TAGS.index(t) for t in WEATHER_TAGS])
CLOUDY_COLUMN = TAGS.index(CLOUDY)


def weather_forced(probs: np.ndarray) -> np.ndarray:
    """Decisions the rule fixes (1 on, 0 off, -1 left to the thresholds), shape like `probs`.

    Weather columns: 1 for the most probable weather tag, 0 for the others.
    Chips whose weather is cloudy: every other tag 0.
    """
    probs = np.asarray(probs)
    forced = np.full(probs.shape, -1, dtype=np.int8)
    winner = WEATHER_COLUMNS[np.argmax(probs[:, WEATHER_COLUMNS], axis=1)]
    forced[:, WEATHER_COLUMNS] = 0
    forced[np.arange(len(probs)), winner] = 1
    cloudy = winner == CLOUDY_COLUMN
    forced[cloudy] = 0
    forced[cloudy, CLOUDY_COLUMN] = 1
    return forced
