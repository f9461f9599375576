"""Class names (Korean, as in the AI Hub label files) with ASCII glosses for pictures drawn with cv2.

The camp's own 20 classes are not public; these are the built-in sample's. A real
download's classes are read from its training labels (or given as a setting).
"""

from __future__ import annotations

CLASSES = (
    "귀걸이", "우산", "자동차", "집", "나무", "물고기", "컵", "열쇠", "시계", "별",
    "모자", "안경", "전구", "의자", "병", "달", "비행기", "책", "가방", "꽃",
)
GLOSS = {
    "귀걸이": "earring", "우산": "umbrella", "자동차": "car", "집": "house", "나무": "tree",
    "물고기": "fish", "컵": "cup", "열쇠": "key", "시계": "clock", "별": "star",
    "모자": "hat", "안경": "glasses", "전구": "light bulb", "의자": "chair", "병": "bottle",
    "달": "moon", "비행기": "airplane", "책": "book", "가방": "bag", "꽃": "flower",
}
DOMAINS = ("ILLUSTRATION", "PICTOGRAM", "SKETCH")


def ascii_names(classes) -> list[str]:
    """A printable name per class: the gloss when known, else "class k"."""
    return [GLOSS.get(name, f"class {k}") for k, name in enumerate(classes)]
