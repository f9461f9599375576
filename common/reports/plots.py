"""Figures for the report: drawn on matplotlib's Agg canvas (no pyplot, no GUI), in one style, returned as PNG bytes."""

from __future__ import annotations

import contextlib
import io
from typing import Callable

DPI = 100
COMPRESSION = 3  # zlib level of the PNGs: about a third of level 6's time for a slightly larger file


@contextlib.contextmanager
def style():
    """The report's matplotlib settings (the Hangul font first), for the block only: global settings are untouched."""
    import matplotlib

    from compete.common.reports.fonts import family

    with matplotlib.rc_context({"font.family": [family(), "DejaVu Sans"], "font.size": 9,
                                "axes.unicode_minus": False, "axes.grid": True, "grid.alpha": 0.3,
                                "figure.dpi": DPI, "savefig.dpi": DPI}):
        yield


def render(draw: Callable, width: float, height: float, layout: str | None = "constrained") -> bytes:
    """PNG bytes of a `width` x `height` inch figure that `draw(figure)` fills.

    `layout=None` leaves the spacing to `draw` (`figure.subplots_adjust`): a grid of many small
    plots lays out in seconds under the constrained layout, in milliseconds with fixed margins.
    """
    from matplotlib.figure import Figure

    with style():
        figure = Figure(figsize=(width, height), layout=layout)
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", pil_kwargs={"compress_level": COMPRESSION})
    return buffer.getvalue()
