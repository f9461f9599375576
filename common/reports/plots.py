"""Figures for the report: drawn on matplotlib's Agg canvas (no pyplot, no GUI), in one style, returned as PNG bytes."""

from __future__ import annotations

import contextlib
import io
from typing import Callable

DPI = 100


@contextlib.contextmanager
def style():
    """The report's matplotlib settings (the Hangul font first), for the block only: global settings are untouched."""
    import matplotlib

    from compete.common.reports.fonts import family

    with matplotlib.rc_context({"font.family": [family(), "DejaVu Sans"], "font.size": 9,
                                "axes.unicode_minus": False, "axes.grid": True, "grid.alpha": 0.3,
                                "figure.dpi": DPI, "savefig.dpi": DPI}):
        yield


def render(draw: Callable, width: float, height: float) -> bytes:
    """PNG bytes of a `width` x `height` inch figure that `draw(figure)` fills."""
    from matplotlib.figure import Figure

    with style():
        figure = Figure(figsize=(width, height), layout="constrained")
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
