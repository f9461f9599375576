"""The competition metric: mean over images of F2 between true and predicted tag sets."""

from compete.common.evaluation.metrics import mean_fbeta

BETA = 2.0


def mean_f2(y_true, y_pred) -> float:
    return mean_fbeta(y_true, y_pred, beta=BETA)
