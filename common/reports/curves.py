"""Learning curves: per unit, train and validation loss and every logged metric per epoch, all stages in a row."""

from __future__ import annotations

from pathlib import Path

from compete.common.errors import DataError
from compete.common.reports import html, plots
from compete.common.reports.html import Section

NOT_METRICS = {"epoch", "loss", "val_loss", "learning_rate", "lr"}
STAGE_ORDER = ("head", "partial", "full")  # the order `fitting.stages` trains them in


def histories(unit: Path) -> list[tuple[str, "pd.DataFrame"]]:
    """(stage, history) of a unit, in training order."""
    import pandas as pd

    found = []
    for path in unit.glob("history_*.csv"):
        try:
            found.append((path.stem.removeprefix("history_"), pd.read_csv(path)))
        except (OSError, ValueError) as error:
            raise DataError(path, f"unreadable history ({error})") from None
    rank = {stage: i for i, stage in enumerate(STAGE_ORDER)}
    return sorted(((s, h) for s, h in found if len(h)), key=lambda item: (rank.get(item[0], len(rank)), item[0]))


def metrics_of(history) -> list[str]:
    """The metrics logged besides the loss (their training names; `val_` ones are paired with them)."""
    return [c for c in history.columns if c not in NOT_METRICS and not c.startswith("val_")]


def draw(figure, stages) -> None:
    """Loss (left) and metrics (right, when any) against the epoch counted across stages; stages split by lines."""
    import pandas as pd

    joined = pd.concat([h for _, h in stages], ignore_index=True)
    joined["epoch"] = range(1, len(joined) + 1)
    metrics = metrics_of(joined)
    axes = figure.subplots(1, 2 if metrics else 1, squeeze=False)[0]
    panels = [(axes[0], ["loss"], "loss")] + ([(axes[1], metrics, "metric")] if metrics else [])
    for ax, names, label in panels:
        for name in names:
            for column, line in ((name, "-"), (f"val_{name}", "--")):
                if column in joined:
                    ax.plot(joined["epoch"], joined[column], line, marker=".", label=column)
        start = 0
        for stage, history in stages:
            if start:
                ax.axvline(start + 0.5, color="grey", lw=0.8, ls=":")
            ax.text(start + 1, 0.98, f" {stage}", transform=ax.get_xaxis_transform(), va="top", fontsize=7,
                    color="grey")
            start += len(history)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)


def section(folder) -> Section:
    """One figure per unit that logged a history (units of scikit-learn models log none)."""
    parts, silent = [], []
    for unit in folder.unit_folders():
        name = str(unit.relative_to(folder.path))
        stages = histories(unit)
        if not stages:
            silent.append(name)
            continue
        has_metric = any(metrics_of(h) for _, h in stages)
        png = plots.render(lambda figure, stages=stages: draw(figure, stages), 9 if has_metric else 5, 2.8)
        caption = f"{name}: training (solid) and validation (dashed) per epoch; stages " + \
                  ", ".join(f"{s} ({len(h)} epochs)" for s, h in stages)
        parts.append(html.image(png, caption))
    if silent:
        parts.append(html.note(f"no training history in {len(silent)} unit(s): {', '.join(silent[:8])}"
                               + (" ..." if len(silent) > 8 else "")))
    return Section("Learning curves", parts or [html.note("this run has no unit folders")])
