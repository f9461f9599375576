"""The camp's rule: models are trained from scratch; pre-trained weights are not allowed."""

from __future__ import annotations

PRETRAINED_ALLOWED = False
RULE = "the 2022 Data Creator Camp forbids pre-trained weights"


def refused(weights, allow_pretrained: bool = False) -> bool:
    """Whether the rule refuses these starting weights (ImageNet or a file), unless explicitly overridden."""
    return not (weights in (None, "", "none", "None") or PRETRAINED_ALLOWED or allow_pretrained)


def check_weights(weights, allow_pretrained: bool = False) -> None:
    """Refuse any starting weights (ImageNet or a file) unless the user overrides the rule explicitly."""
    if refused(weights, allow_pretrained):
        raise ValueError(f"weights={weights!r} refused: {RULE}; train from scratch (--weights none) or override the "
                         "rule with --allow-pretrained")
