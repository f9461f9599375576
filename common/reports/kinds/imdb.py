"""IMDB's report: the ROC curves of the blend and of each model, and the blend's reliability (calibration) curve.

The blend's OOF (`oof_blend.npz`) is the honest one: its weights fit out of fold. Each model's curve is drawn
from its seed-averaged OOF as the blend saw it.
"""

from __future__ import annotations

import numpy as np

from compete.common.errors import DataError
from compete.common.reports import binary, html, plots
from compete.common.reports.html import Section
from compete.common.reports.registry import Kind, register

BLEND = "oof_blend.npz"


def targets(folder, blend):
    """The blend's labels: stored with it, else from a model's oof.npz (saved with the same ids)."""
    if blend.targets is not None:
        return blend.targets
    for entry in folder.scores.get("models", {}).values():
        model = folder.oof(f"{entry['dir']}/oof.npz") if isinstance(entry, dict) and "dir" in entry else None
        if model is not None and model.targets is not None and np.array_equal(model.ids, blend.ids):
            return model.targets
    return None


def predictions(folder) -> tuple[np.ndarray | None, dict]:
    """(labels or None when none are stored, {name: OOF}) with the blend first, then each model."""
    blend, saved = folder.oof(BLEND), folder.arrays(BLEND)
    y = targets(folder, blend)
    curves = {"blend": blend.pred.reshape(len(blend.pred))}
    if "models" in saved and "oof_models" in saved:
        for k, name in enumerate(saved["models"]):
            curves[str(name)] = saved["oof_models"][:, k].astype(np.float64)
    return None if y is None else np.asarray(y).astype(np.int64), curves


def sections(folder) -> list:
    if not folder.has(BLEND):
        return [Section("ROC and calibration", [html.note(f"no {BLEND} in the run folder")])]
    y, curves = predictions(folder)
    if y is None:
        return [Section("ROC and calibration", [html.note("no stored labels for the blend's rows: assemble the "
                                                          "run again")])]
    rows = ~np.isnan(np.column_stack(list(curves.values()))).any(axis=1)
    y, curves = y[rows], {name: p[rows] for name, p in curves.items()}
    blend = curves["blend"]
    if not ((blend >= 0) & (blend <= 1)).all():
        raise DataError(folder.path / BLEND, "the blend's OOF predictions are not probabilities in [0, 1]")
    roc = plots.render(lambda figure: binary.draw_roc(figure, y, curves), 5.5, 5)
    calibration = plots.render(lambda figure: binary.draw_reliability(figure, y, blend), 9, 4)
    table = [{"predictions": name, "ROC AUC": binary.auc(y, p)} for name, p in curves.items()]
    return [Section("ROC and calibration", [
        html.image(roc, f"ROC curves on the {rows.sum():,} OOF reviews: the blend (weights fit out of fold, thick) "
                        "and each model's seed-averaged OOF"),
        html.image(calibration, f"the blend's reliability curve ({binary.BINS} equal-width bins) and how its "
                                "predictions spread by true label"),
        html.table(table, digits=6)])]


register(Kind("imdb", sections, detect=lambda folder: folder.has(BLEND)))
