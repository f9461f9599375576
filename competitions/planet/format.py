"""Planet submission format: image_name,tags with space-separated tags."""

from compete.common.submission import SubmissionFormat
from compete.competitions.planet.tags import TAGS

FORMAT = SubmissionFormat(columns=("image_name", "tags"), kind="tags", vocabulary=TAGS)
KAGGLE_SLUG = "planet-understanding-the-amazon-from-space"
