"""A pictogram development set from real artwork, in the AI Hub layout, with planted problems and their truth.

Real icons (Iconify sets of Font Awesome, Tabler, Material, Phosphor, Bootstrap, game-icons,
Lucide, IconPark; OpenMoji, Twemoji, Noto and Fluent emoji) rendered by resvg in the camp's
three styles, real photographs (scikit-image's and matplotlib's samples) as strays, exact and
near duplicates within training and across to the evaluation split, transparent PNGs, about a
quarter JPEG, classes imbalanced about 10x. What was planted goes to a manifest outside the
folders the reader scans (default DIR/artwork_manifest.json), for benchmarks/pictogram_hygiene.py.

Run:  .venv/bin/python benchmarks/pictogram_artwork.py --install            # once: npm + pip into the cache
      .venv/bin/python benchmarks/pictogram_artwork.py --out /tmp/pictogram-art [--seed 0] [--size 64-96]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

import _artwork_sources as sources
from compete.common.data.images import decode, read
from compete.competitions.pictogram.classes import CLASSES, DOMAINS, GLOSS


def _size(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    lo, hi = int(lo), int(hi or lo)
    if not 16 <= lo <= hi <= 1024:
        raise argparse.ArgumentTypeError(f"--size {text!r}: want N or A-B with 16 <= A <= B <= 1024")
    return lo, hi


def _encode(image: np.ndarray, extension: str, quality: int = 95) -> bytes:
    """PNG (RGB or RGBA) or JPEG bytes of an RGB(A) uint8 image."""
    code = cv2.COLOR_RGBA2BGRA if image.ndim == 3 and image.shape[2] == 4 else cv2.COLOR_RGB2BGR
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)] if extension == ".jpg" else [cv2.IMWRITE_PNG_COMPRESSION, 6]
    ok, data = cv2.imencode(extension, cv2.cvtColor(image, code), params)
    if not ok:
        raise OSError(f"cv2 could not encode {extension}")
    return data.tobytes()


def _label(label, domain, abs_path, box, width, height, rng) -> dict:
    """An AI Hub label file, as competitions/pictogram/sample_data.py writes it."""
    return {"category": {"ctg_nm_level1": "추상이미지", "ctg_nm_level2": "사물", "ctg_nm_level3": label},
            "abstract_image": {"abs_path": abs_path, "abs_width": width, "abs_height": height,
                               "abs_bbox": "[" + ",".join(f"{v:g}" for v in box) + "]", "abs_domain": domain,
                               "object_scale": str(rng.choice(["대", "중", "소"])),
                               "proficiency": str(rng.choice(["상", "중", "하"]))}}


class Writer:
    """Writes images and label files into the layout and records each file in the manifest."""

    def __init__(self, out: Path, rng, eval_labels: bool):
        self.out, self.rng, self.eval_labels = out, rng, eval_labels
        self.serials = iter(rng.permutation(100_000).tolist())  # neutral names: a copy's name says nothing
        self.files: dict[str, dict] = {}
        self.n_eval = 0

    def write(self, split, label, domain, data: bytes, extension, box, size, **facts) -> str:
        width, height = size
        if split == "train":
            stem = f"{label}_{domain[0]}_{next(self.serials):05d}"
            image = self.out / "1.Training" / "원천데이터" / f"TS_{label}" / f"{stem}{extension}"
            labels = self.out / "1.Training" / "라벨링데이터" / f"TL_{label}" / f"{stem}.json"
            named = (f"/aihub/추상이미지/원천데이터/{label}/{stem}{extension}" if self.rng.random() < 0.5
                     else f"TS_{label}/{stem}{extension}")  # stale absolute paths: matched by stem
        else:
            self.n_eval += 1
            stem = f"평가_{self.n_eval:05d}"
            image = self.out / "2.Validation" / "원천데이터" / f"{stem}{extension}"
            labels = self.out / "2.Validation" / "라벨링데이터" / f"{stem}.json" if self.eval_labels else None
            named = f"/aihub/평가/{stem}{extension}"
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes(data)
        if labels is not None:
            labels.parent.mkdir(parents=True, exist_ok=True)
            labels.write_text(json.dumps(_label(label, domain, named, box, width, height, self.rng),
                                         ensure_ascii=False, indent=1), encoding="utf-8")
        rel = image.relative_to(self.out).as_posix()
        self.files[rel] = {"split": split, "label": label, "domain": domain, "format": extension[1:],
                           "width": width, "height": height, **facts}
        return rel


def class_counts(n_max: int, n_min: int, n: int) -> list[int]:
    """Geometric from n_max down to n_min: the long tail."""
    return [int(round(n_max * (n_min / n_max) ** (k / max(1, n - 1)))) for k in range(n)]


def generate(out: Path, source_dir: Path, seed=0, size=(64, 96), n_max=220, n_min=22, n_eval_per_class=20,
             jpeg_share=0.25, transparent_share=0.03, n_exact=30, n_near=60, n_photos=40, n_overlap=10,
             eval_labels=True, manifest_path=None, log=print) -> Path:
    import _artwork_icons as icons
    import _artwork_render as render

    rng = np.random.default_rng(seed)
    sets = sources.load_sets(source_dir)
    found, dropped = icons.resolve(sets, CLASSES)
    for miss in dropped:
        log(f"  icon not available, skipped: {miss}")
    renderer = render.Renderer(sets)
    photos = {name: read(path) for name, path in sources.photo_paths(source_dir).items()}  # sizes checked first
    writer = Writer(out, rng, eval_labels)
    order = rng.permutation(len(CLASSES))  # which class is common and which rare changes with the seed
    counts = dict(zip([CLASSES[k] for k in order], class_counts(n_max, n_min, len(CLASSES))))
    bias = {label: rng.dirichlet(np.full(len(DOMAINS), 4.0)) for label in CLASSES}
    sizes = lambda: (int(rng.integers(size[0], size[1] + 1)), int(rng.integers(size[0], size[1] + 1)))  # noqa: E731

    def drawing(label, domain):
        pool = found[label][domain]
        icon = pool[int(rng.integers(len(pool)))]
        if domain == "ILLUSTRATION" and not icon.startswith("shade:") and rng.random() < icons.SHADED_SHARE:
            pictos = found[label]["PICTOGRAM"]
            icon = "shade:" + pictos[int(rng.integers(len(pictos)))]
        width, height = sizes()
        rgb, rgba, box, style = render.STYLES[domain](renderer, icon, width, height, rng)
        source = icon.split(":", 1)[1] if icon.startswith(("shade:", "edges:")) else icon
        return rgb, rgba, box, {"source": source, "style": style}

    def save(split, label, domain, rgb, rgba, box, facts):
        if domain != "SKETCH" and rng.random() < transparent_share:
            if rng.random() < 0.7:  # many exporters keep black under fully transparent pixels
                rgba = rgba.copy()
                rgba[rgba[..., 3] == 0, :3] = 0
            data, extension, facts = _encode(rgba, ".png"), ".png", {**facts, "transparent": True}
        elif rng.random() < jpeg_share:
            quality = int(rng.integers(70, 96))
            data, extension, facts = _encode(rgb, ".jpg", quality), ".jpg", {**facts, "jpeg_quality": quality}
        else:
            data, extension = _encode(rgb, ".png"), ".png"
        rel = writer.write(split, label, domain, data, extension, box, rgb.shape[1::-1], kind="drawing", **facts)
        return rel, data, extension, box

    started = time.perf_counter()
    originals = []  # (rel, label, domain, bytes, extension, box)
    for label in CLASSES:
        for _ in range(counts[label]):
            domain = DOMAINS[int(rng.choice(len(DOMAINS), p=bias[label]))]
            rgb, rgba, box, facts = drawing(label, domain)
            rel, data, extension, box = save("train", label, domain, rgb, rgba, box, facts)
            originals.append((rel, label, domain, data, extension, box))
        log(f"  {label} ({GLOSS[label]}): {counts[label]} drawings")
    log(f"{len(originals)} training drawings in {time.perf_counter() - started:.0f}s")

    picks = iter(rng.permutation(len(originals)).tolist())
    exact_groups, near_groups = [], []

    def copy_exact(split, original):
        rel, label, domain, data, extension, box = original
        facts = {k: v for k, v in writer.files[rel].items() if k in ("source", "style", "transparent", "jpeg_quality")}
        image = decode(data)  # what a reader sees: transparency composited on white
        if extension == ".png" and not facts.get("transparent") and rng.random() < 0.25:
            data, how = _encode_level(image, int(rng.integers(0, 4))), "same pixels, PNG re-encoded"
        else:
            how = "byte-identical"
        return writer.write(split, label, domain, data, extension, box, image.shape[1::-1], kind="exact_copy",
                            copy_of=rel, how=how, **facts)

    def copy_near(split, original, kind):
        rel, label, domain, data, extension, box = original
        image = decode(data)  # what a reader sees: transparency composited on white
        changed, params = render.near_copy(image, kind, rng)
        quality = params.get("jpeg_quality", int(rng.integers(70, 96)))
        ext = ".jpg" if kind == "recompress" else (extension if extension != ".png" or rng.random() < 0.7 else ".jpg")
        facts = {k: v for k, v in writer.files[rel].items() if k in ("source", "style")}
        moved = render.near_box(box, params, image.shape[1::-1], changed.shape[1::-1])
        return writer.write(split, label, domain, _encode(changed, ext, quality), ext, moved,
                            changed.shape[1::-1], kind="near_copy",
                            copy_of=rel, near_kind=kind, params=params, **facts)

    for j in range(n_exact):
        original = originals[next(picks)]
        group = [original[0]] + [copy_exact("train", original) for _ in range(2 if rng.random() < 0.2 else 1)]
        exact_groups.append({"members": group, "splits": ["train"] * len(group)})
    for j in range(n_near):
        original = originals[next(picks)]
        kinds = [render.NEAR_KINDS[j % len(render.NEAR_KINDS)]]
        if rng.random() < 0.15:
            kinds.append(render.NEAR_KINDS[int(rng.integers(len(render.NEAR_KINDS)))])
        members = [original[0]] + [copy_near("train", original, kind) for kind in kinds]
        near_groups.append({"members": members, "kinds": kinds, "splits": ["train"] * len(members)})

    photo_files = []
    names = sorted(photos)
    for j in range(n_photos):
        name = names[j % len(names)] if j < len(names) else names[int(rng.integers(len(names)))]
        width, height = sizes()
        crop, where = render.photo_crop(photos[name], width, height, rng)
        label, domain = CLASSES[int(rng.integers(len(CLASSES)))], DOMAINS[int(rng.integers(len(DOMAINS)))]
        ext = ".jpg" if rng.random() < 0.7 else ".png"
        rel = writer.write("train", label, domain, _encode(crop, ext, int(rng.integers(75, 96))), ext,
                           (0, 0, width, height), (width, height), kind="photo", source=f"photo:{name}",
                           crop_xywh=list(where))
        photo_files.append(rel)

    for label in CLASSES:
        for _ in range(n_eval_per_class):
            domain = DOMAINS[int(rng.choice(len(DOMAINS), p=bias[label]))]
            rgb, rgba, box, facts = drawing(label, domain)
            save("eval", label, domain, rgb, rgba, box, facts)
    for j in range(n_overlap):
        original = originals[next(picks)]
        exact_groups.append({"members": [original[0], copy_exact("eval", original)], "splits": ["train", "eval"]})
        original = originals[next(picks)]
        kind = render.NEAR_KINDS[j % len(render.NEAR_KINDS)]
        near_groups.append({"members": [original[0], copy_near("eval", original, kind)], "kinds": [kind],
                            "splits": ["train", "eval"]})

    train = [f for f in writer.files.values() if f["split"] == "train"]
    manifest = {
        "generator": {"script": "benchmarks/pictogram_artwork.py", "seed": seed, "size": list(size), "n_max": n_max,
                      "n_min": n_min, "resvg": render.resvg_py.__resvg_version__,
                      "resvg_py": render.resvg_py.__version__},
        "icon_sets": {prefix: s.meta for prefix, s in sets.items()},
        "photo_sources": {n: sources.photo_licences(source_dir).get(n, "") for n in names},
        "icons_skipped": dropped,
        "counts": {
            "train": len(train), "eval": writer.n_eval,
            "train_per_class": {c: sum(f["label"] == c for f in train) for c in CLASSES},
            "train_per_domain": {d: sum(f["domain"] == d for f in train) for d in DOMAINS},
            "train_per_class_domain": {c: {d: sum(f["label"] == c and f["domain"] == d for f in train) for d in DOMAINS}
                                       for c in CLASSES},
            "train_jpeg": sum(f["format"] == "jpg" for f in train),
            "transparent": sum(bool(f.get("transparent")) for f in writer.files.values()),
        },
        "exact_groups": exact_groups, "near_groups": near_groups, "photos": photo_files,
        "transparent": [rel for rel, f in writer.files.items() if f.get("transparent")],
        "files": writer.files,
    }
    path = Path(manifest_path) if manifest_path else out / "artwork_manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _encode_level(image: np.ndarray, level: int) -> bytes:
    """The same pixels as another PNG file (other compression level, so other bytes)."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, level])
    if not ok:
        raise OSError("cv2 could not encode .png")
    return data.tobytes()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder to write the download into (must not hold one already)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=_size, default=(64, 96), help="image side in px, N or A-B (varied per image)")
    parser.add_argument("--source-dir", type=Path, default=sources.DEFAULT_DIR,
                        help=f"installed artwork (default {sources.DEFAULT_DIR}, or $COMPETE_ARTWORK_DIR)")
    parser.add_argument("--install", action="store_true", help="fetch the artwork into --source-dir (npm, pip)")
    parser.add_argument("--manifest", type=Path, help="where the ground truth goes (default OUT/artwork_manifest.json)")
    parser.add_argument("--n-max", type=int, default=220, help="drawings of the commonest class")
    parser.add_argument("--n-min", type=int, default=22, help="drawings of the rarest class")
    parser.add_argument("--eval-per-class", type=int, default=20)
    parser.add_argument("--exact", type=int, default=30, help="exact-duplicate groups within training")
    parser.add_argument("--near", type=int, default=60, help="near-duplicate groups within training")
    parser.add_argument("--photos", type=int, default=40, help="stray photographs in training")
    parser.add_argument("--overlap", type=int, default=10, help="exact and near copies each, training -> evaluation")
    parser.add_argument("--no-eval-labels", action="store_true", help="leave out 2.Validation/라벨링데이터")
    args = parser.parse_args(argv)
    source_dir = args.source_dir.expanduser()
    if args.install:
        sources.install(source_dir)
        if args.out is None:
            return 0
    if args.out is None:
        parser.error("--out DIR is required (or --install alone)")
    gaps = sources.missing(source_dir)
    if gaps:
        print(f"artwork missing in {source_dir} ({len(gaps)} files, e.g. {gaps[0]}); install it with:", file=sys.stderr)
        print(f"  .venv/bin/python benchmarks/pictogram_artwork.py --install --source-dir {source_dir}", file=sys.stderr)
        print("which runs:", *(f"  {c}" for c in sources.install_commands(source_dir)), sep="\n", file=sys.stderr)
        return 2
    if any((args.out / name).exists() for name in ("1.Training", "2.Validation")):
        print(f"{args.out} already holds a download; choose an empty folder", file=sys.stderr)
        return 2
    if not 2 <= args.n_min <= args.n_max:
        parser.error("need 2 <= --n-min <= --n-max")
    path = generate(args.out, source_dir, args.seed, args.size, args.n_max, args.n_min, args.eval_per_class,
                    n_exact=args.exact, n_near=args.near, n_photos=args.photos, n_overlap=args.overlap,
                    eval_labels=not args.no_eval_labels, manifest_path=args.manifest)
    counts = json.loads(path.read_text(encoding="utf-8"))["counts"]
    print(f"wrote {counts['train']} training and {counts['eval']} evaluation images to {args.out}; "
          f"{counts['train_jpeg']} training JPEGs, {counts['transparent']} transparent PNGs; manifest {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
