"""Data-parallel training over local devices: which devices `--devices` names, and Keras' distribution over them.

Under `keras.distribution.DataParallel` (JAX) every batch is split along its rows across the
devices and the weights are replicated, so a batch's row count must divide by the device count
(`ImageDataset(devices=...)` pads its batches to that).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Devices:
    """The local devices a unit runs on, as Keras device names ("gpu:0", "cpu:1"); none named is the default one."""

    names: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return max(1, len(self.names))

    def scope(self):
        """Keras' DataParallel distribution over the devices for the block (build, fit, load, predict); a no-op on one."""
        if self.count == 1:
            return contextlib.nullcontext()
        import keras

        return keras.distribution.DataParallel(devices=list(self.names)).scope()


def select(setting: str) -> Devices:
    """The devices `setting` ("all" or a count) names: the local accelerators if there are any, else the CPU devices.

    "1" is the backend's default device and imports nothing; anything else needs JAX. A count
    above what the machine has raises SettingsError naming the devices there are.
    """
    if setting == "1":
        return Devices()
    import jax

    from compete.common.settings.model import SettingsError

    local = jax.local_devices()  # the default platform's: accelerators when JAX sees any, else CPU
    names = tuple(f"{device.platform}:{device.id}" for device in local)
    if setting == "all":
        return Devices(names)
    count = int(setting)
    if count > len(names):
        raise SettingsError(f"--devices {count}: this machine has {len(names)} local "
                            f"{local[0].platform.upper()} device(s) ({', '.join(names)})")
    return Devices(names[:count])
