"""The pictogram camp's report: the confusion matrix with the (Korean) class names, scores per drawing domain,
and each class's scores with the bias the run tuned for it."""

from __future__ import annotations

from compete.common.reports import confusion, html, plots
from compete.common.reports.html import Section
from compete.common.reports.registry import Kind, register


def draw_domains(figure, domains: dict) -> None:
    """Macro-F1 and accuracy side by side per domain, its image count under its name."""
    import numpy as np

    names = list(domains)
    at = np.arange(len(names))
    ax = figure.subplots()
    for offset, key in ((-0.2, "macro_f1"), (0.2, "accuracy")):
        values = [domains[n][key] for n in names]
        bars = ax.bar(at + offset, values, 0.4, label=key)
        ax.bar_label(bars, fmt="%.3f", fontsize=7)
    ax.set_xticks(at, [f"{n}\n(n={domains[n]['n']})" for n in names])
    ax.set_ylim(0, 1.1)
    ax.legend(fontsize=8, loc="lower right")


def domain_section(folder) -> Section:
    domains = folder.scores.get("per_domain")
    if not domains:
        return Section("Scores per domain", [html.note("scores.json has no per-domain scores (no domain_key)")])
    png = plots.render(lambda figure: draw_domains(figure, domains), 1.6 * len(domains) + 2.5, 3)
    rows = [{"domain": name, **values} for name, values in domains.items()]
    return Section("Scores per domain", [html.image(png, "OOF argmax macro-F1 and accuracy per drawing domain"),
                                         html.table(rows)])


def class_section(folder) -> Section:
    biases = folder.json("biases.json") or {}
    rows = [{**row, "bias": biases.get(row["class"])} for row in folder.scores.get("per_class", [])]
    return Section("Scores per class", [html.note("OOF argmax; bias: the log-score shift tuned per class "
                                                  "(biases.json)"), html.table(rows)] if rows else
                   [html.note("scores.json has no per-class scores")])


def sections(folder) -> list:
    return [confusion.section(folder, "Confusion matrix"), domain_section(folder), class_section(folder)]


register(Kind("pictogram", sections, detect=lambda folder: folder.has("biases.json")))
