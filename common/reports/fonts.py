"""The font every report figure is drawn with: NanumGothic, shipped inside the koreanize-matplotlib wheel.

It is found by file path and registered with matplotlib's font manager, so Hangul class names render on any
machine without system fonts; koreanize_matplotlib itself is never imported (its import rewrites global settings).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

PACKAGE = "koreanize_matplotlib"
FILE = "NanumGothic.ttf"


@functools.cache
def hangul_font() -> Path:
    """The bundled NanumGothic TTF; RuntimeError naming the package to install when it is absent."""
    spec = importlib.util.find_spec(PACKAGE)
    path = Path(spec.origin).parent / "fonts" / FILE if spec is not None and spec.origin else None
    if path is None or not path.is_file():
        raise RuntimeError(f"reports draw text with {FILE} from the koreanize-matplotlib package, which is not "
                           "installed: pip install koreanize-matplotlib")
    return path


@functools.cache
def family() -> str:
    """Register the bundled font with matplotlib (once) and return its family name."""
    from matplotlib import font_manager

    path = str(hangul_font())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()
