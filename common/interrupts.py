"""Ctrl-C that is never lost: a SIGINT handler that remembers the request, and checkpoints that honour it.

Python raises KeyboardInterrupt wherever the main thread happens to be. Inside a garbage
collector callback (JAX registers one) the exception is printed as "Exception ignored" and
swallowed, and the command runs on. So the handler only records the request there, and the
checkpoints (every training and prediction batch, every unit) raise it at the next safe moment.
"""

from __future__ import annotations

import gc
import signal

_requested = False


def install() -> None:
    """Handle SIGINT in this process (the CLI calls it; a library user keeps Python's default)."""
    global _requested
    _requested = False
    signal.signal(signal.SIGINT, _handler)


def requested() -> bool:
    return _requested


def check() -> None:
    """Raise KeyboardInterrupt if an interrupt was requested and not yet raised."""
    if _requested:
        raise KeyboardInterrupt


def _in_gc_callback(frame) -> bool:
    codes = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    while frame is not None:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


def _handler(signum, frame) -> None:
    global _requested
    _requested = True
    if not _in_gc_callback(frame):
        raise KeyboardInterrupt


def keras_callback():
    """A Keras callback raising a pending interrupt after every batch of fit, evaluate or predict."""
    import keras

    class Checkpoint(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            check()

        on_test_batch_end = on_predict_batch_end = on_train_batch_end

    return Checkpoint()
