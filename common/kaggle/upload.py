"""Hand a checked submission CSV to its Kaggle competition and say what Kaggle answered."""

from __future__ import annotations

from pathlib import Path

from compete.common.kaggle import client

FAILED = "Could not submit to competition"  # the library answers this, rather than raising, when the upload fails


def upload(slug: str, path, message: str) -> str:
    """Submit `path` to `slug` with `message`; Kaggle's answer in one line (KaggleError when it refuses)."""
    api = client.api()
    with client.answers(slug):
        answer = api.competition_submit(str(path), message, slug, quiet=True)
    said = getattr(answer, "message", "") or "no message"
    if said == FAILED:
        raise client.KaggleError(f"Kaggle did not take {path}: {said}")
    ref = getattr(answer, "ref", None)
    return (f"uploaded {Path(path).name} to {slug} as {message!r}; Kaggle answered: {said}"
            + (f" (submission {ref})" if ref else ""))
