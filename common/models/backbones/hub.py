"""keras-hub presets as backbones: `--backbone hub:PRESET`, where PRESET is a preset name or a local preset folder.

A local folder (what `backbone.save_to_preset(DIR)` writes, or a Kaggle model attached to an
offline notebook) needs no network; a name is fetched by keras-hub from Kaggle or Hugging Face.
The preset's image converter, when it has one, gives the pixel scaling (inside the model, like
every backbone's); otherwise pixels are scaled to [0, 1]. `--weights imagenet` means the preset's
own weights, `none` its architecture untrained, a file those weights. keras-hub (the `hub` extra)
is imported only when such a backbone is built or loaded.
"""

from __future__ import annotations

from pathlib import Path

from compete.common.models.backbones.registry import BackboneSpec, first_line, register_prefix

PREFIX = "hub"
INSTALL = "pip install 'compete[hub]'"
CONVERTER_FILE = "image_converter.json"
PRESET_FILES = ("config.json", "model.weights.h5", "model.weights.json", CONVERTER_FILE)


def keras_hub():
    """The keras_hub module, or one line saying how to install it."""
    try:
        import keras_hub as module
    except ImportError as error:
        raise ValueError(f"--backbone {PREFIX}:...: keras-hub is not installed ({error}): {INSTALL}") from None
    return module


def is_local(preset: str) -> bool:
    return Path(preset).expanduser().is_dir()


def spec(preset: str) -> BackboneSpec:
    """The spec of `hub:PRESET`; a local folder must hold a preset's config.json (checked without keras-hub)."""
    if not preset:
        raise ValueError(f"{PREFIX}: needs a preset, e.g. {PREFIX}:resnet_18_imagenet or {PREFIX}:/path/to/preset")
    if is_local(preset):
        preset = str(Path(preset).expanduser().resolve())
        if not (Path(preset) / "config.json").is_file():
            raise ValueError(f"{preset}: not a keras-hub preset folder (no config.json; write one with "
                             "backbone.save_to_preset(folder))")
    elif ("/" in preset or "\\" in preset) and not preset.startswith(("kaggle://", "hf://")):
        raise ValueError(f"{PREFIX}:{preset}: no such preset folder")

    def build(input_shape, weights=None):
        return _build(preset, tuple(input_shape), weights is not None)

    def unavailable(error: Exception) -> str:
        reason = first_line(error)[:200]
        return (f"keras-hub preset {preset!r} could not be loaded ({type(error).__name__}: {reason}); keras-hub "
                "fetches a named preset from Kaggle or Hugging Face and keeps it in its cache. Offline, save or "
                f"attach the preset as a folder and pass --backbone {PREFIX}:/path/to/folder, or --weights none")

    where = "local preset folder" if is_local(preset) else "keras-hub preset"
    return BackboneSpec(name=f"{PREFIX}:{preset}", factory=build, preprocessing="raw", pretrained=True, min_size=32,
                        description=f"{where} {preset} (weights: the preset's own)", unavailable=unavailable)


def _build(preset: str, input_shape: tuple, load_weights: bool):
    """raw pixels -> the preset's scaling -> its backbone -> a feature map (B, H, W, C) or tokens (B, N, C)."""
    import keras

    hub = keras_hub()
    backbone = hub.models.Backbone.from_preset(preset, load_weights=load_weights)
    scale, offset = scaling(preset)
    inputs = keras.Input(input_shape, name="pixels")
    x = keras.layers.Rescaling(scale, offset, name="preset_scaling")(inputs)
    features = backbone(x)
    if isinstance(features, dict):
        raise ValueError(f"{PREFIX}:{preset}: {type(backbone).__name__} returns several outputs "
                         f"({', '.join(features)}), not one image feature map; pick an image classification preset")
    return keras.Model(inputs, features, name=type(backbone).__name__.removesuffix("Backbone").lower())


def scaling(preset: str) -> tuple:
    """(scale, offset) of the preset's image converter (per channel or one number), else (1/255, 0)."""
    if is_local(preset) and not (Path(preset) / CONVERTER_FILE).is_file():
        return 1 / 255.0, 0.0
    try:
        converter = keras_hub().layers.ImageConverter.from_preset(preset)
    except (ValueError, FileNotFoundError, KeyError):
        return 1 / 255.0, 0.0
    scale = 1 / 255.0 if converter.scale is None else converter.scale
    offset = 0.0 if converter.offset is None else converter.offset
    return _plain(scale), _plain(offset)


def _plain(value):
    import numpy as np

    array = np.asarray(value, np.float64).ravel()
    return float(array[0]) if array.size == 1 else [float(v) for v in array]


def files(preset: str) -> list[Path]:
    """The files of a local preset that its models depend on (config, weights, converter); none for a named one."""
    folder = Path(preset.removeprefix(f"{PREFIX}:")).expanduser()
    return [folder / name for name in PRESET_FILES if (folder / name).is_file()] if folder.is_dir() else []


register_prefix(PREFIX, spec)
