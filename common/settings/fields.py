"""Building blocks for declaring settings: strict scalar types, comma lists, and `setting(...)` metadata.

A setting is declared once, as an annotated type that carries its description, its help
group and its bounds; a pipeline then states only its default:

    Epochs = Annotated[Int, setting("training epochs per unit", TRAINING, ge=1)]

    class PlanetConfig(ImageCVConfig):
        epochs: Epochs = 20
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

DATA, MODEL, TRAINING, CV, PREDICTION, OUTPUT = "data", "model", "training", "cross-validation", "prediction", "output"
COMPUTE = "compute"
GROUPS = (DATA, MODEL, TRAINING, CV, PREDICTION, COMPUTE, OUTPUT)


def setting(description: str, group: str, *, allowed: str | None = None, **constraints) -> Any:
    """Field metadata: a one-line description, the help group, optional words for the allowed values, bounds."""
    extra = {"group": group, **({"allowed": allowed} if allowed else {})}
    return Field(description=description, json_schema_extra=extra, **constraints)


def _no_bool(value, kind: str):
    if isinstance(value, bool):
        raise PydanticCustomError("strict_number", "expected {kind}, got a true/false value", {"kind": kind})
    return value


def to_int(value):
    """Integers, digit strings (flags) and integral floats; never booleans."""
    value = _no_bool(value, "an integer")
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    return value


def _float(value):
    return _no_bool(value, "a number")


def _comma_list(value):
    """A list, or the comma-separated form flags use ("0,1,2"); a lone scalar is refused, not guessed at."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise PydanticCustomError("list_expected", "expected a list such as [0, 1, 2] in a file, or 0,1,2 as a flag",
                              {})


def _optional_text(value):
    """"none", "null" and "" mean no value (so `--weights none` works on the command line)."""
    if isinstance(value, str) and value.strip().lower() in ("none", "null", ""):
        return None
    return value


Int = Annotated[int, BeforeValidator(to_int)]
Float = Annotated[float, BeforeValidator(_float)]
Bool = bool
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]


def comma_list(item) -> Any:
    """`list[item]` that also accepts "a,b,c"."""
    return Annotated[list[item], BeforeValidator(_comma_list)]
