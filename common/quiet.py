"""A quiet start: TensorFlow's start-up chatter, which no user can act on, is dropped; anything else still shows.

TensorFlow's C++ libraries write to file descriptor 2 while they load, before absl logging is
set up, so `TF_CPP_MIN_LOG_LEVEL` cannot silence them ("All log messages before
absl::InitializeLog() ...", "oneDNN custom operations are on", "Could not find cuda
drivers", "failed call to cuInit"). `install()` wraps the first `import tensorflow` (and the
first device query, where cuInit is called) with descriptor 2 sent to a temporary file,
then writes back every captured line that is not one of the known notices.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile

NOISE = re.compile("|".join([
    r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$",
    r"\] oneDNN custom operations are on",
    r"\] Could not find cuda drivers on your machine",
    r"cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized",
    r"^To enable the following instructions: .* in other operations, rebuild TensorFlow",
    r"\] failed call to cuInit",
    r"\] Unable to register cu(DNN|FFT|BLAS) factory",
    r"computation placer already registered",
    r"TF-TRT Warning: Could not find TensorRT",
    r"^E0000 00:00:\d+\.\d+ +\d+ cuda_(dnn|fft|blas)\.cc",
]))

show_everything = False  # `-v` sets this: then nothing is filtered


@contextlib.contextmanager
def filtered_stderr():
    """Send descriptor 2 to a temporary file for the block, then replay the lines that are not known noise."""
    if show_everything:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode("utf-8", "replace").splitlines()
                    if line.strip() and not NOISE.search(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        with filtered_stderr():
            self._loader.exec_module(module)
            with contextlib.suppress(Exception):  # the first device query is where CUDA start-up errors are printed
                module.config.list_physical_devices()


class _QuietFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once, and not for our own lookup below
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def install() -> None:
    """Quiet the first TensorFlow import of this process (a no-op once TensorFlow is imported)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's own info and warning lines after start-up
    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietFinder())
