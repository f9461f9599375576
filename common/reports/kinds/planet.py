"""Planet's report: each tag's F2 against its threshold, with the threshold the run tuned (thresholds.json)."""

from __future__ import annotations

from compete.common.errors import DataError
from compete.common.reports import fbeta, html, plots
from compete.common.reports.html import Section
from compete.common.reports.registry import Kind, register

BETA = 2.0
COLUMNS = 5


def sections(folder) -> list:
    oof, chosen = folder.oof(), folder.json("thresholds.json")
    title = "Thresholds per tag"
    if oof is None or oof.targets is None or not isinstance(chosen, dict):
        return [Section(title, [html.note("needs oof.npz with targets and thresholds.json: assemble the run again")])]
    names = oof.names or list(chosen)
    rows = oof.scored
    y, p = oof.targets[rows], oof.pred[rows]
    scores = fbeta.curves(y, p, BETA)
    missing = [name for name in names if name not in chosen]
    if missing:
        raise DataError(folder.path / "thresholds.json", f"no threshold for {', '.join(missing)}")
    thresholds = [float(chosen[name]) for name in names]
    positives = y.astype(bool).sum(axis=0)
    height = 1.9 * -(-len(names) // COLUMNS) + 0.4
    png = plots.render(lambda figure: fbeta.draw(figure, scores, names, thresholds, positives, BETA,
                                                 columns=COLUMNS), 12, height, layout=None)
    caption = (f"each tag's own F2 over the OOF chips ({rows.sum():,}) as its threshold sweeps 0.01 to 0.99; red: "
               "the threshold in thresholds.json. Those were tuned for the mean per-chip F2 under the weather rule "
               "(which decides the weather tags), so they need not sit at the peak of a tag's own F2.")
    table = [{"tag": n, "threshold": t, "positives": int(c), "F2 at threshold": fbeta.value_at(s, t),
              "best F2": float(s.max()), "best at": float(fbeta.GRID[s.argmax()])}
             for n, t, c, s in zip(names, thresholds, positives, scores)]
    return [Section(title, [html.image(png, caption), html.table(table)])]


register(Kind("planet", sections, detect=lambda folder: folder.has("thresholds.json")))
