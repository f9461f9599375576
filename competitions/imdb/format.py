"""Popcorn submission format: id,sentiment with the probability of a positive review."""

from compete.common.submission import SubmissionFormat

FORMAT = SubmissionFormat(columns=("id", "sentiment"), kind="probability")
KAGGLE_SLUG = "word2vec-nlp-tutorial"
