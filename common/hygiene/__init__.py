"""Data hygiene before training: exact and near duplicates, stray photographs, a picture of the findings."""

from compete.common.hygiene.duplicates import DuplicateReport, find_duplicates
from compete.common.hygiene.hashing import content_hash, dhash, hamming, near_pairs, near_pairs_naive, phash
from compete.common.hygiene.photos import photo_scores
from compete.common.hygiene.report import Findings, inspect
from compete.common.hygiene.scan import ImageFacts, scan
from compete.common.hygiene.sheet import contact_sheet

__all__ = ["DuplicateReport", "Findings", "inspect", "ImageFacts", "contact_sheet", "content_hash", "dhash", "find_duplicates", "hamming",
           "near_pairs", "near_pairs_naive", "phash", "photo_scores", "scan"]
