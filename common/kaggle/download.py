"""`compete COMPETITION download --data DIR`: the competition's files from Kaggle, unpacked safely into DIR.

Everything is built under DIR/.kaggle-download first: the downloads (which the Kaggle client
resumes), then each file or folder they become. Only once every one is ready are they renamed
into DIR, so an interrupted run leaves no half layout, and a rerun reuses what it finished.
What DIR already holds is kept unless `force`: a folder, or a file (of the size Kaggle lists
when Kaggle lists a file of that name).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from compete.common.errors import DataError
from compete.common.io import unpack
from compete.common.kaggle import client
from compete.common.kaggle.plan import Remote, plan_of
from compete.common.logs import logger, result

STAGING = ".kaggle-download"
MAX_LAYERS = 3  # archives inside archives (Planet's .tar.7z is two)
MAX_PAGES = 100


def download(competition: str, data_dir, force: bool = False) -> Path:
    """Fetch `competition`'s files into `data_dir` in the layout its reader expects, check them, and say what
    was written. Raises KaggleError (one line) when Kaggle cannot be used, DataError for a refused archive."""
    from compete.common.submission import is_sample

    plan = plan_of(competition)
    slug = plan.require_slug()
    root = Path(data_dir)
    if is_sample(root):
        raise DataError(root, "holds the built-in sample; download the competition into another folder")
    api = client.api()
    listed = listing(api, slug)
    todo = [remote for remote in plan.files if force or not complete(root / remote.target, remote, listed)]
    kept = [remote.target for remote in plan.files if remote not in todo]
    if kept:
        logger.info(f"already in {root}, kept (--force fetches them again): {', '.join(kept)}")
    staging = root / STAGING
    if force:
        shutil.rmtree(staging, ignore_errors=True)
    for remote in todo:
        stage(api, slug, remote, listed, staging)
    replaced = staging / "replaced"
    replaced.mkdir(parents=True, exist_ok=True)
    for remote in todo:
        place(staging / "ready" / remote.target, root / remote.target, replaced)
    shutil.rmtree(staging)
    if todo:
        result(f"{slug}: wrote {', '.join(r.target for r in todo)} in {root}")
    result(f"checked with the {competition} reader: {plan.check(root)} "
           f"(`compete {competition} check --data {root}` checks every file in full)")
    return root


def listing(api, slug: str) -> dict[str, int]:
    """The competition's files on Kaggle: name -> size in bytes."""
    files, token = {}, None
    with client.answers(slug):
        for _ in range(MAX_PAGES):
            page = api.competition_list_files(slug, page_token=token, page_size=100)
            files.update({entry.name: int(entry.total_bytes or 0) for entry in page.files or ()})
            token = page.next_page_token
            if not token:
                break
    return files


def complete(path: Path, remote: Remote, listed: dict[str, int]) -> bool:
    """Whether `path` already holds what `remote` becomes (files and folders only ever appear complete)."""
    if remote.folder:
        return path.is_dir() and not path.is_symlink() and any(path.iterdir())
    return path.is_file() and (remote.target not in listed or path.stat().st_size == listed[remote.target])


def source_name(remote: Remote, listed: dict[str, int], slug: str) -> str:
    """The name to ask Kaggle for: `remote.name`, or the target's own name where Kaggle lists that instead."""
    for name in (remote.name, remote.target):
        if name in listed:
            return name
    raise client.KaggleError(f"Kaggle lists no {remote.name} for {slug}; it lists: {', '.join(sorted(listed)) or 'nothing'}")


def stage(api, slug: str, remote: Remote, listed: dict[str, int], staging: Path) -> None:
    """Download `remote` and build what it becomes as staging/ready/<target> (reused from an interrupted run)."""
    ready = staging / "ready" / remote.target
    if ready.exists():
        logger.info(f"{remote.target}: ready from an earlier run")
        return
    name = source_name(remote, listed, slug)
    fetched = fetch(api, slug, name, listed.get(name, 0), staging / "files")
    ready.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="unpack-", dir=staging))
    try:
        build(fetched, remote, work).rename(ready)
    except DataError:
        fetched.unlink(missing_ok=True)  # a refused archive is not kept for a rerun
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    fetched.unlink(missing_ok=True)


def fetch(api, slug: str, name: str, size: int, folder: Path) -> Path:
    """Kaggle's file `name` in `folder`: as `name`, or `name.zip` when Kaggle compressed it on the way."""
    folder.mkdir(parents=True, exist_ok=True)
    logger.info(f"downloading {name} ({size / 1e6:,.1f} MB) ...")
    with client.answers(slug):
        api.competition_download_file(slug, name, path=str(folder), quiet=False)
    for candidate in (folder / name, folder / f"{name}.zip"):
        if candidate.is_file():
            return candidate
    raise client.KaggleError(f"Kaggle's download of {name} left no {name} in {folder}")


def build(fetched: Path, remote: Remote, work: Path) -> Path:
    """What `remote` becomes, made from its download under `work`: archives opened one inside the other."""
    current, label = fetched, fetched.name
    for depth in range(MAX_LAYERS + 1):
        if not remote.folder and current.name == remote.target:
            return current
        if depth == MAX_LAYERS or unpack.format_of(current) is None:
            break
        logger.info(f"unpacking {label} ...")
        out = work / str(depth)
        unpack.extract(current, out, remote.limits, label)
        if current != fetched:
            current.unlink()
        inner = _inner(out, remote, label)
        if inner is None:
            return _top(out)
        current, label = inner, f"{label}: {inner.name}"
    what = "an archive" if remote.folder else f"{remote.target} or an archive holding it"
    raise DataError(label, f"is not {what} (zip, 7z or tar, at most {MAX_LAYERS} deep)")


def _inner(out: Path, remote: Remote, label: str) -> Path | None:
    """The file to go on with (the target file, or an archive inside); None when `out` is the folder's content."""
    files = [path for path in out.rglob("*") if path.is_file()]
    named = [path for path in files if path.name == remote.target]
    if not remote.folder and len(named) == 1:
        return named[0]
    if len(files) == 1 and unpack.format_of(files[0]) is not None:
        return files[0]
    if remote.folder:
        return None
    raise DataError(label, f"holds no single {remote.target}")


def _top(out: Path) -> Path:
    """A single top folder (train-jpg/ in train-jpg.tar) is the content; else everything unpacked is."""
    entries = list(out.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else out


def place(ready: Path, final: Path, replaced: Path) -> None:
    """Rename `ready` to `final`; whatever was there (never followed if a link) is moved into `replaced`."""
    if final.is_symlink() or final.is_file():
        final.unlink()
    elif final.exists():
        final.rename(replaced / final.name)
    ready.rename(final)
