"""Binary OOF predictions: ROC curves (with their AUC) and a reliability (calibration) curve."""

from __future__ import annotations

import numpy as np

BINS = 10


def auc(y, p) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def draw_roc(figure, y, curves: dict) -> None:
    """One ROC curve per named prediction, the AUC in the legend, the chance diagonal."""
    from sklearn.metrics import roc_curve

    ax = figure.subplots()
    for i, (name, p) in enumerate(curves.items()):
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr, lw=2.2 if i == 0 else 1.1, label=f"{name} (AUC {auc(y, p):.4f})")
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=0.8)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize=8)


def draw_reliability(figure, y, p, bins: int = BINS) -> None:
    """Observed positive rate against mean predicted probability per bin (left); how predictions spread (right)."""
    from sklearn.calibration import calibration_curve

    observed, predicted = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    left, right = figure.subplots(1, 2)
    left.plot([0, 1], [0, 1], color="grey", ls=":", lw=0.8, label="perfectly calibrated")
    left.plot(predicted, observed, marker="o", label="blend")
    left.set_xlabel("mean predicted probability")
    left.set_ylabel("fraction positive")
    left.set_aspect("equal")
    left.legend(fontsize=8)
    edges = np.linspace(0, 1, bins + 1)
    y = np.asarray(y).astype(bool)
    right.hist([p[~y], p[y]], bins=edges, stacked=True, label=["negative", "positive"])
    right.set_xlabel("predicted probability")
    right.set_ylabel("reviews")
    right.legend(fontsize=8)
