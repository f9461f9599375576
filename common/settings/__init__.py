"""Declared settings: one pydantic model per pipeline, validated the same way from files, flags and Python.

Light on purpose: importing this (and a pipeline's settings) imports neither Keras nor
TensorFlow, so `compete ... --help` stays instant.
"""

from compete.common.settings.model import Invalid, Settings, SettingsError, load_file, resolve

__all__ = ["Invalid", "Settings", "SettingsError", "load_file", "resolve"]
