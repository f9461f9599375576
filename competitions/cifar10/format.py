"""CIFAR-10 submission format: id,label with one class name per test image."""

from compete.common.submission import SubmissionFormat
from compete.competitions.cifar10.classes import CLASSES

FORMAT = SubmissionFormat(columns=("id", "label"), kind="class", vocabulary=CLASSES)
KAGGLE_SLUG = "cifar-10"
