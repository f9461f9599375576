"""Real artwork for the pictogram development set: fetch it once into a cache folder, read it back safely.

Icons come from Iconify's per-set JSON packages on npm (each set's SVG bodies in one
`icons.json`, its licence in `info.json`); photographs from the sample images inside
scikit-image's wheel on PyPI and matplotlib's sample data. Everything downloaded is
treated as hostile: only named members are read from the archives, sizes are checked
before reading, and nothing is ever opened outside the artwork folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

DEFAULT_DIR = Path(os.environ.get("COMPETE_ARTWORK_DIR", Path.home() / ".cache" / "compete" / "artwork"))

# Iconify set prefix -> npm version (pinned, so a generated set is reproducible).
ICON_SETS = {
    "fa6-solid": "1.2.4", "tabler": "1.2.41", "mdi": "1.2.3", "ph": "1.2.2", "bi": "1.2.7",
    "game-icons": "1.2.4", "material-symbols": "1.2.98", "lucide": "1.2.137", "icon-park-outline": "1.2.4",
    "openmoji": "1.2.29", "twemoji": "1.2.5", "noto": "1.2.9", "fluent-emoji-flat": "1.2.6",
}
SKIMAGE_VERSION = "0.26.0"
# Photographs in scikit-image's wheel with a stated free licence (from skimage.data's docstrings).
SKIMAGE_PHOTOS = {
    "astronaut.png": "NASA, public domain", "brick.png": "CC0 (CC0Textures)", "camera.png": "CC0 (Lav Varshney)",
    "cell.png": "CC0", "chelsea.png": "CC0 (Stefan van der Walt)", "clock_motion.png": "public domain (S. van der Walt)",
    "coffee.png": "CC0 (Rachel Michetti)", "coins.png": "no known copyright restrictions",
    "grass.png": "CC0 (CC0Textures)", "gravel.png": "CC0 (CC0Textures)",
    "hubble_deep_field.jpg": "NASA, public domain", "ihc.png": "no known copyright restrictions",
    "retina.jpg": "CC0 (Wikimedia Commons)", "rocket.jpg": "SpaceX, public domain", "text.png": "public domain",
}
MATPLOTLIB_PHOTOS = {"grace_hopper.jpg": "US Navy photograph, public domain"}

MAX_TARBALL = 64 << 20        # an icon-set package is a few MB
MAX_MEMBER = 96 << 20         # icons.json unpacked
MAX_UNPACKED = 512 << 20     # a whole icon-set package, unpacked
MAX_WHEEL = 128 << 20
MAX_PHOTO = 16 << 20
MAX_BODY = 512 << 10          # one icon's SVG body
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")


def install_commands(root: Path = DEFAULT_DIR) -> list[str]:
    """The commands --install runs, for the message printed when the artwork is missing."""
    packs = " ".join(f"@iconify-json/{name}@{version}" for name, version in ICON_SETS.items())
    return [f"npm pack --ignore-scripts --pack-destination <tmp> {packs}",
            f"{sys.executable} -m pip download --no-deps --only-binary=:all: -d <tmp> scikit-image=={SKIMAGE_VERSION}",
            f"then only icons.json, info.json, package.json and {len(SKIMAGE_PHOTOS)} named photographs are unpacked "
            f"into {root}"]


def _member(archive_open, size: int, limit: int, what: str) -> bytes:
    if size > limit:
        raise ValueError(f"{what}: {size} bytes, over the {limit} allowed")
    with archive_open() as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{what}: more than {limit} bytes once unpacked")
    return data


def _unpack_iconify(tarball: Path, prefix: str, dest: Path) -> dict:
    """icons.json and info.json of one npm tarball, checked, written as dest/<prefix>/; returns info."""
    if tarball.stat().st_size > MAX_TARBALL:
        raise ValueError(f"{tarball}: {tarball.stat().st_size} bytes, too big for an icon set")
    wanted = {"package/icons.json": "icons.json", "package/info.json": "info.json", "package/package.json": "package.json"}
    found, total = {}, 0
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            total += member.size
            if total > MAX_UNPACKED:
                raise ValueError(f"{tarball.name}: over {MAX_UNPACKED} bytes once unpacked")
            if member.name in wanted and member.isfile():  # links, devices and other paths are never read
                found[wanted[member.name]] = _member(lambda m=member: archive.extractfile(m), member.size,
                                                     MAX_MEMBER, f"{tarball.name}:{member.name}")
    if set(found) != set(wanted.values()):
        raise ValueError(f"{tarball.name}: missing {sorted(set(wanted.values()) - set(found))}")
    icons, info = json.loads(found["icons.json"]), json.loads(found["info.json"])
    if icons.get("prefix") != prefix or not isinstance(icons.get("icons"), dict):
        raise ValueError(f"{tarball.name}: not the Iconify set {prefix!r}")
    folder = dest / prefix
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in found.items():
        (folder / name).write_bytes(data)
    return info


def _unpack_photos(wheel: Path, dest: Path) -> None:
    if wheel.stat().st_size > MAX_WHEEL:
        raise ValueError(f"{wheel}: too big for a scikit-image wheel")
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        names = {info.filename: info for info in archive.infolist()}
        for name in SKIMAGE_PHOTOS:
            info = names.get(f"skimage/data/{name}")
            if info is None or info.is_dir():
                raise ValueError(f"{wheel.name}: no skimage/data/{name}")
            data = _member(lambda i=info: archive.open(i), info.file_size, MAX_PHOTO, f"{wheel.name}:{name}")
            (dest / name).write_bytes(data)


def install(root: Path = DEFAULT_DIR, log=print) -> Path:
    """Fetch every icon set (npm pack) and the photographs (pip download) into `root`; returns it."""
    root = Path(root).expanduser()
    (root / "iconify").mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not on PATH; install Node.js (it brings npm) and run --install again")
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"@iconify-json/{name}@{version}" for name, version in ICON_SETS.items()]
        log(f"npm pack {len(specs)} icon sets ...")
        out = subprocess.run([npm, "pack", "--json", "--ignore-scripts", "--pack-destination", tmp, *specs],
                             check=True, capture_output=True, text=True).stdout
        packed = {entry["name"].split("/")[-1]: Path(tmp) / entry["filename"].replace("@", "").replace("/", "-")
                  for entry in json.loads(out)}
        sources = {"iconify": {}, "photos": {}}
        for prefix, version in ICON_SETS.items():
            tarball = packed[prefix]
            if tarball.parent != Path(tmp) or not tarball.is_file():
                raise ValueError(f"npm pack gave no tarball for {prefix}")
            info = _unpack_iconify(tarball, prefix, root / "iconify")
            sources["iconify"][prefix] = {"npm": f"@iconify-json/{prefix}@{version}", "name": info.get("name"),
                                          "license": (info.get("license") or {}).get("spdx"),
                                          "author": (info.get("author") or {}).get("name")}
            log(f"  {prefix} {version}: {sources['iconify'][prefix]['license']}")
        log(f"pip download scikit-image=={SKIMAGE_VERSION} (its sample photographs) ...")
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "-d", tmp, f"scikit-image=={SKIMAGE_VERSION}"], check=True)
        wheels = sorted(Path(tmp).glob("scikit_image-*.whl"))
        if len(wheels) != 1:
            raise ValueError(f"pip download gave {len(wheels)} scikit-image wheels")
        _unpack_photos(wheels[0], root / "photos")
    sources["photos"].update({name: f"scikit-image {SKIMAGE_VERSION}: {why}" for name, why in SKIMAGE_PHOTOS.items()})
    try:  # matplotlib is a core dependency: its wheel's sample photograph, copied, not downloaded
        import matplotlib

        for name, why in MATPLOTLIB_PHOTOS.items():
            path = Path(matplotlib.get_data_path()) / "sample_data" / name
            if path.is_file() and path.stat().st_size <= MAX_PHOTO:
                shutil.copyfile(path, root / "photos" / name)
                sources["photos"][name] = f"matplotlib {matplotlib.__version__}: {why}"
    except ImportError:
        pass
    (root / "sources.json").write_text(json.dumps(sources, indent=1))
    log(f"artwork installed in {root}")
    return root


def _inside(root: Path, path: Path, limit: int) -> Path:
    """`path` resolved, refused unless it is a regular file inside `root` no bigger than `limit`."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()) or not resolved.is_file():
        raise ValueError(f"{path}: not a file inside the artwork folder {root}")
    if resolved.stat().st_size > limit:
        raise ValueError(f"{path}: {resolved.stat().st_size} bytes, over the {limit} allowed")
    return resolved


def missing(root: Path) -> list[str]:
    """What the artwork folder lacks (empty when the generator can run)."""
    root = Path(root).expanduser()
    gaps = [f"iconify/{p}/icons.json" for p in ICON_SETS if not (root / "iconify" / p / "icons.json").is_file()]
    return gaps + [f"photos/{n}" for n in SKIMAGE_PHOTOS if not (root / "photos" / n).is_file()]


class IconSet:
    """One Iconify set: an icon's SVG (body and view box) by name, aliases followed; bodies checked."""

    def __init__(self, root: Path, prefix: str):
        self.prefix = prefix
        folder = Path(root) / "iconify" / prefix
        data = json.loads(_inside(root, folder / "icons.json", MAX_MEMBER).read_bytes())
        info = json.loads(_inside(root, folder / "info.json", MAX_MEMBER).read_bytes())
        version = json.loads(_inside(root, folder / "package.json", MAX_MEMBER).read_bytes()).get("version")
        if data.get("prefix") != prefix:
            raise ValueError(f"{folder}/icons.json is not the set {prefix!r}")
        self.icons, self.aliases = data.get("icons", {}), data.get("aliases", {})
        self.width, self.height = data.get("width", 16), data.get("height", 16)
        self.meta = {"npm": f"@iconify-json/{prefix}@{version}", "name": info.get("name"),
                     "license": (info.get("license") or {}).get("spdx"), "author": (info.get("author") or {}).get("name")}

    def svg(self, name: str) -> str | None:
        """A standalone SVG document of the icon, or None when it is absent, transformed or unsafe."""
        seen = 0
        while name in self.aliases and seen < 5:
            alias = self.aliases[name]
            if set(alias) - {"parent"}:  # rotated / flipped aliases: not needed, not supported
                return None
            name, seen = alias["parent"], seen + 1
        icon = self.icons.get(name)
        if not _NAME.match(name) or not isinstance(icon, dict) or not isinstance(icon.get("body"), str):
            return None
        body = icon["body"]
        if len(body) > MAX_BODY or re.search(r"(?i)<\s*(script|foreignObject|image)\b|url\(\s*(?!['\"]?#)", body):
            return None
        if re.search(r"""(?i)href\s*=\s*["'](?!#)""", body):  # only references inside the document
            return None
        left, top = icon.get("left", 0), icon.get("top", 0)
        width, height = icon.get("width", self.width), icon.get("height", self.height)
        if not all(isinstance(v, (int, float)) for v in (left, top, width, height)) or not (0 < width <= 4096 and
                                                                                           0 < height <= 4096):
            return None
        return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                f'viewBox="{left} {top} {width} {height}">{body}</svg>')


def load_sets(root: Path) -> dict[str, IconSet]:
    return {prefix: IconSet(Path(root).expanduser(), prefix) for prefix in ICON_SETS}


def photo_paths(root: Path) -> dict[str, Path]:
    """Photograph name -> checked path, for every photograph present in the artwork folder."""
    root = Path(root).expanduser()
    names = list(SKIMAGE_PHOTOS) + list(MATPLOTLIB_PHOTOS)
    return {n: _inside(root, root / "photos" / n, MAX_PHOTO) for n in names if (root / "photos" / n).is_file()}


def photo_licences(root: Path) -> dict[str, str]:
    path = Path(root).expanduser() / "sources.json"
    if path.is_file():
        return json.loads(_inside(Path(root).expanduser(), path, 1 << 20).read_bytes()).get("photos", {})
    return {}
