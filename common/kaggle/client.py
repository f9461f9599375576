"""The one way to the Kaggle API, and its failures as one line each saying what to do.

`api()` is the seam: callers reach it as `client.api()`, so tests put a fake in its place.
"""

from __future__ import annotations

import contextlib
import io

INSTALL = "pip install 'compete[kaggle]'"
CREDENTIALS = ("create an API token at https://www.kaggle.com/settings (API, Create New Token) and save the "
               "kaggle.json it gives as ~/.kaggle/kaggle.json (chmod 600), or set KAGGLE_USERNAME and KAGGLE_KEY, "
               "or KAGGLE_API_TOKEN")


class KaggleError(ValueError):
    """Kaggle cannot be used, or refused a request; the CLI prints the message as one line."""


def api():
    """An authenticated `kaggle.api.kaggle_api_extended.KaggleApi`.

    The library prints its own help and exits when it finds no credentials (even on import):
    that becomes one KaggleError saying how to set them.
    """
    try:
        with answers(), contextlib.redirect_stdout(io.StringIO()):
            from kaggle.api.kaggle_api_extended import KaggleApi

            client = KaggleApi()
            client.authenticate()
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in ("kaggle", "kagglesdk"):
            raise
        raise KaggleError(f"the Kaggle API is not installed: {INSTALL}") from None
    except ImportError as error:
        raise KaggleError(f"the Kaggle API does not import ({error}): {INSTALL}") from None
    except SystemExit:
        raise KaggleError(f"no Kaggle credentials: {CREDENTIALS}") from None
    return client


def rules_page(slug: str) -> str:
    return f"https://www.kaggle.com/competitions/{slug}/rules"


@contextlib.contextmanager
def answers(slug: str | None = None):
    """Turn what the Kaggle library raises inside the block (HTTP refusals, no network) into a KaggleError."""
    try:
        yield
    except KaggleError:
        raise
    except Exception as error:
        line = explain(error, slug)
        if line is None:
            raise
        raise KaggleError(line) from error


def explain(error: Exception, slug: str | None) -> str | None:
    """One line for a refusal by Kaggle or an unreachable Kaggle; None for anything else."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if status == 401:
        return f"Kaggle refused the credentials (401 Unauthorized): {CREDENTIALS}"
    if status == 403 and slug:
        return (f"Kaggle refused access to {slug} (403 Forbidden): accept the competition's rules at "
                f"{rules_page(slug)} with the account of your credentials, then run again")
    if status == 404 and slug:
        return f"Kaggle has no competition {slug!r}, or no longer the file asked for (404 Not Found)"
    if status is not None:
        return f"Kaggle answered {status} {getattr(response, 'reason', '') or ''}: {error}"
    if type(error).__module__.split(".")[0] in ("requests", "urllib3"):
        return f"cannot reach Kaggle: {error}"
    return None
