"""CIFAR-10's report: the OOF confusion matrix of the 10 classes."""

from __future__ import annotations

from compete.common.reports import confusion
from compete.common.reports.registry import Kind, register


def sections(folder) -> list:
    return [confusion.section(folder, "Confusion matrix")]


register(Kind("cifar10", sections, detect=lambda folder: "oof_accuracy" in folder.scores))
