"""CIFAR-10 submission format: id,label with one class name per test image."""

from common.submission import SubmissionFormat
from competitions.cifar10.classes import CLASSES

FORMAT = SubmissionFormat(columns=("id", "label"), kind="class", vocabulary=CLASSES)
KAGGLE_SLUG = "cifar-10"
