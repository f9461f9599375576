"""Which Keras backend a command will run on, read the way Keras reads it but without importing Keras.

Settings are checked before anything heavy is imported, so a check that depends on the
backend (data-parallel training needs JAX) asks here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

BACKENDS = ("tensorflow", "jax", "torch", "numpy", "openvino")


def configured_backend() -> str:
    """KERAS_BACKEND, else the `backend` of $KERAS_HOME/keras.json (~/.keras), else Keras' default, tensorflow."""
    import sys

    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    name = os.environ.get("KERAS_BACKEND")
    if name:
        return name
    home = Path(os.environ.get("KERAS_HOME") or Path(os.path.expanduser("~")) / ".keras")
    try:
        return str(json.loads((home / "keras.json").read_text()).get("backend") or "tensorflow")
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def accelerators() -> list[tuple[str, tuple[int, int] | None]]:
    """The local accelerators the configured backend sees, as (kind, CUDA compute capability or None).

    Imports the backend (JAX, TensorFlow or torch), so call it only once training is about to start.
    """
    backend = configured_backend()
    if backend == "jax":
        import jax

        return [(device.platform, _capability(getattr(device, "compute_capability", None)))
                for device in jax.local_devices() if device.platform != "cpu"]
    if backend == "tensorflow":
        from compete.common.quiet import filtered_stderr

        with filtered_stderr():
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            return [("gpu", _capability(tf.config.experimental.get_device_details(gpu).get("compute_capability")))
                    for gpu in gpus]
    if backend == "torch":
        import torch

        if not torch.cuda.is_available():
            return []
        return [("gpu", tuple(torch.cuda.get_device_capability(i))) for i in range(torch.cuda.device_count())]
    return []


def _capability(value) -> tuple[int, int] | None:
    """(major, minor) from "8.0", (8, 0) or None."""
    if value is None:
        return None
    try:
        major, minor = (value.split(".") if isinstance(value, str) else value)[:2]
        return int(major), int(minor)
    except (TypeError, ValueError):
        return None
