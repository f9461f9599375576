"""Numeric precision and XLA compilation of a unit's model, through Keras dtype policies.

Mixed precision computes in float16 or bfloat16 and keeps variables in float32; models
keep their output layer in float32, and Keras wraps the optimiser in a loss-scaling one
when the policy is mixed_float16 (`compile(auto_scale_loss=True)`, its default).
"""

from __future__ import annotations

import contextlib

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def resolve(precision: str, accelerators=None) -> str:
    """The dtype policy `precision` means on this machine.

    `auto` is mixed_bfloat16 on TPUs and GPUs of compute capability 8.0 or more (Ampere on),
    mixed_float16 on GPUs of 7.x (Volta, Turing: Kaggle's T4), and float32 otherwise (CPU,
    older GPUs), where mixed precision brings no speed.
    """
    if precision in POLICIES:
        return precision
    if precision != "auto":
        raise ValueError(f"precision {precision!r}; allowed: auto, {', '.join(POLICIES)}")
    if accelerators is None:
        from compete.common.training.backend import accelerators as local

        accelerators = local()
    kinds = [(kind, capability) for kind, capability in accelerators]
    if any(kind == "tpu" for kind, _ in kinds):
        return "mixed_bfloat16"
    capabilities = [capability for kind, capability in kinds if kind == "gpu" and capability is not None]
    if capabilities and min(capabilities) >= (8, 0):
        return "mixed_bfloat16"
    if capabilities and min(capabilities) >= (7, 0):
        return "mixed_float16"
    return "float32"


@contextlib.contextmanager
def dtype_policy(name: str):
    """Models built inside the block use the dtype policy `name`; the previous global policy comes back after."""
    import keras

    before = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(before)


def jit_compile(setting: str):
    """`model.compile(jit_compile=...)` for the jit_compile setting: "auto", True or False."""
    return {"auto": "auto", "on": True, "off": False}[setting]
