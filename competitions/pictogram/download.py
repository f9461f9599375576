"""The pictogram set is not on Kaggle: the 2022 Data Creator Camp handed it to its teams (AI Hub layout)."""

from compete.common.kaggle.plan import Plan

PLAN = Plan(None, elsewhere="the pictogram set (2022 Data Creator Camp) is not on Kaggle, so there is nothing to "
                            "download: get it from the camp and pass its folder as --data DIR")
