"""The report's HTML: sections, tables and PNG images embedded as base64 data URIs, so one file says it all."""

from __future__ import annotations

import base64
import html
import json
import math
from dataclasses import dataclass, field

from compete.common.reports import fonts

CSS = """
body { font-family: "compete-hangul", system-ui, sans-serif; margin: 2em auto; max-width: 1250px;
       padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; vertical-align: top; }
figcaption { font-size: 0.85em; color: #555; max-width: 900px; }
img { max-width: 100%; } p.note { color: #555; font-size: 0.9em; } nav a { margin-right: 1em; }
"""


@dataclass
class Section:
    """One `<h2>` of the report and the HTML fragments under it."""

    title: str
    parts: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.title.lower())


def escape(value) -> str:
    return html.escape(str(value), quote=True)


def note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def heading(text: str) -> str:
    return f"<h3>{escape(text)}</h3>"


def image(png: bytes, caption: str) -> str:
    """A figure with the PNG inline, so the report travels as one file."""
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def number(value, digits: int = 4) -> str:
    """A float rounded to `digits` decimals, trailing zeros dropped (29.5, 0.9518, 0)."""
    text = f"{value:.{digits}f}" if math.isfinite(value) else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def cell(value, digits: int = 4) -> str:
    """A table cell: numbers right-aligned and rounded, lists of numbers comma-separated, the rest as text or JSON."""
    if isinstance(value, bool) or value is None:
        return f"<td>{escape(json.dumps(value))}</td>"
    if isinstance(value, (int, float)):
        shown = str(value) if isinstance(value, int) else number(value, digits)
        return f'<td class="num">{shown}</td>'
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return f"<td>{escape(', '.join(str(v) if isinstance(v, int) else number(v, digits) for v in value))}</td>"
    if isinstance(value, (list, tuple, dict)):
        return f"<td>{escape(json.dumps(value, ensure_ascii=False))}</td>"
    return f"<td>{escape(value)}</td>"


def table(rows: list[dict], columns: list[str] | None = None, digits: int = 4) -> str:
    """Rows of dicts as a table; columns default to every key, in the order first seen."""
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(cell(row.get(c, ""), digits) for c in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, subtitle: str, sections: list[Section]) -> str:
    """The whole document: a title, links to the sections, then each section."""
    nav = "".join(f'<a href="#{s.anchor}">{escape(s.title)}</a>' for s in sections)
    body = "".join(f'<section id="{s.anchor}"><h2>{escape(s.title)}</h2>{"".join(s.parts)}</section>'
                   for s in sections)
    # The figures carry their own font; the tables' Hangul needs one too where the browser has none.
    font = fonts.embedded_css(title + subtitle + nav + "".join(p for s in sections for p in s.parts))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{font}{CSS}</style></head><body><h1>{escape(title)}</h1><p>{escape(subtitle)}</p>"
            f"<nav>{nav}</nav>{body}</body></html>\n")
