"""Importing this registers every Keras class that compete writes into saved models, so any of them loads.

A saved `.keras` file names its custom layers ("compete>Preprocess", "compete>ChannelPad");
Keras finds them only once the modules defining them have been imported. Classes from
elsewhere (a keras-hub preset's backbone) are registered by `prepare`, only for an archive
that names them, since importing keras-hub takes seconds.
"""

from __future__ import annotations

import importlib
import zipfile
from pathlib import Path

from compete.common.models import classifier, losses  # noqa: F401
from compete.common.models.backbones import cifar_nets  # noqa: F401

CONFIG = "config.json"  # the model's configuration inside a .keras archive
MAX_CONFIG_BYTES = 64 << 20


def prepare(archive, backbone: str = "") -> None:
    """Import what `archive` (a .keras file) needs beyond compete's own layers: keras-hub when its configuration
    names keras-hub classes, and the module of a `package.module:factory` backbone (it registers its layers)."""
    if _names_keras_hub(Path(archive)):
        from compete.common.models.backbones import hub

        hub.keras_hub()
    prefix, colon, _ = backbone.partition(":")
    if colon and prefix != "hub":
        importlib.import_module(prefix)


def _names_keras_hub(archive: Path) -> bool:
    try:
        with zipfile.ZipFile(archive) as saved:
            if saved.getinfo(CONFIG).file_size > MAX_CONFIG_BYTES:
                return False
            return b'"keras_hub' in saved.read(CONFIG)  # a module name in the configuration's JSON
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False  # Keras' own loader then says what is wrong with the file
