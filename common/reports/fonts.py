"""The font every report figure is drawn with: NanumGothic, shipped inside the koreanize-matplotlib wheel.

It is found by file path and registered with matplotlib's font manager, so Hangul class names render on any
machine without system fonts; koreanize_matplotlib itself is never imported (its import rewrites global settings).
"""

from __future__ import annotations

import functools
import importlib.util
import re
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


EMBEDDED = "compete-hangul"


def embedded_css(text: str) -> str:
    """An `@font-face` rule with NanumGothic cut down to the Hangul and other CJK characters of `text`, as a data
    URI (a few kB), so the page's own text renders where the browser has no Korean font; "" when there are none."""
    wide = sorted(set(re.findall("[\u1100-\uffff]", text)))  # a regex: pages carry megabytes of base64 PNG
    if not wide:
        return ""
    import base64
    import io
    import logging

    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # "TSI5 NOT subset": hinting sources, not needed

    options = subset.Options()
    font = subset.load_font(str(hangul_font()), options)
    options.layout_features, options.name_IDs, options.notdef_outline = [], [], True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(char) for char in wide])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    data = base64.b64encode(out.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{EMBEDDED}"; src: url(data:font/ttf;base64,{data}) format("truetype"); '
            f"unicode-range: U+1100-FFFF; }}\n")
