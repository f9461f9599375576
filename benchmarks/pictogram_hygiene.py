"""How well the hygiene checks find what benchmarks/pictogram_artwork.py planted: stray photos and near duplicates.

Photo detector (common/hygiene/photos.py): precision and recall of "score > threshold" on the
training images, planted photographs against every drawing, at the pipeline's threshold and over
a sweep, with ROC AUC and each feature's own AUC. Duplicates (common/hygiene/duplicates.py):
at each pHash radius, the planted near pairs recalled (joined in one group, as the pipeline
groups them), by kind of change, and the unplanted pairs joined (false merges), split by whether
the two images share their source artwork or even their label.
Run: .venv/bin/python benchmarks/pictogram_hygiene.py --data DIR [--manifest DIR/artwork_manifest.json]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np


def _rel(paths, root: Path) -> list[str]:
    root = root.resolve()
    return [Path(p).resolve().relative_to(root).as_posix() for p in paths]


def photo_table(scores, truth, files, rels, thresholds, current):
    """Rows of (threshold, flagged, tp, fp, fn, precision, recall, f1) and the false positives at `current`."""
    rows = []
    for t in sorted(set(thresholds) | {current}):
        flagged = scores > t
        tp, fp = int((flagged & truth).sum()), int((flagged & ~truth).sum())
        fn = int((~flagged & truth).sum())
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
        rows.append((t, int(flagged.sum()), tp, fp, fn, precision, recall, f1))
    return rows


def best_f1(scores, truth):
    """The best F1 of "score > t" over every t, and the interval of t giving it, with precision and recall there."""
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], truth[order].astype(int)
    tp = np.cumsum(hits)
    flagged = np.arange(1, len(scores) + 1)
    ends = np.r_[ranked[:-1] > ranked[1:], True]  # cut only between different scores
    f1 = np.where(ends, 2 * tp / (flagged + truth.sum()), -1)
    k = int(np.argmax(f1))
    lo = ranked[k + 1] if k + 1 < len(ranked) else -np.inf
    return float(f1[k]), float(lo), float(ranked[k]), tp[k] / flagged[k], tp[k] / truth.sum()


def photos(facts, rows, rels, manifest, thresholds, current):
    from sklearn.metrics import average_precision_score, roc_auc_score

    from compete.common.hygiene.photos import STATISTICS, photo_scores

    files = manifest["files"]
    planted = set(manifest["photos"])
    stats = [facts.stats[i] for i in rows]
    scores = photo_scores(stats)
    truth = np.array([rels[i] in planted for i in rows])
    print(f"\n## Photo detector: {int(truth.sum())} planted photographs among {len(rows)} training images\n")
    print(f"ROC AUC {roc_auc_score(truth, scores):.3f}, average precision {average_precision_score(truth, scores):.3f}; "
          f"lowest photo score {scores[truth].min():.2f}, highest drawing score {scores[~truth].max():.2f}")
    print("feature AUCs (signed as the detector uses them): " + ", ".join(
        f"{name} {roc_auc_score(truth, sign * np.array([s[name] for s in stats])):.3f}"
        for name, (sign, _) in STATISTICS.items()))
    table = photo_table(scores, truth, files, rels, thresholds, current)
    print("\n| threshold | flagged | true photos | false alarms | photos missed | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for t, flagged, tp, fp, fn, p, r, f1 in table:
        mark = " (current)" if t == current else ""
        print(f"| {t:g}{mark} | {flagged} | {tp} | {fp} | {fn} | {p:.3f} | {r:.3f} | {f1:.3f} |")
    best, lo, hi, precision, recall = best_f1(scores, truth)
    print(f"\nbest F1 {best:.3f} for any threshold in [{lo:.2f}, {hi:.2f}) (precision {precision:.3f}, "
          f"recall {recall:.3f})")
    for t in sorted({current, round((lo + hi) / 2, 2)}):
        flagged = scores > t
        false = Counter(f"{files[rels[rows[i]]]['domain']}/{files[rels[rows[i]]].get('style', '?')}"
                        for i in np.flatnonzero(flagged & ~truth))
        missed = Counter(files[rels[rows[i]]]["source"] for i in np.flatnonzero(~flagged & truth))
        print(f"at {t:g}: false alarms by domain/style {dict(false.most_common(8)) or '{}'}; "
              f"photos missed by source {dict(missed.most_common(8)) or '{}'}")
    print("\nthe same score from subsets of its features (each standardised as photos.py does): AUC, best F1 "
          "(threshold range), precision and recall there")
    names = list(STATISTICS)  # every statistic measured, the colour count the detector leaves out included
    subsets = [names] + [[n for n in names if n != drop] for drop in names] + [[n] for n in names]
    for subset in subsets:
        sub = photo_scores(stats, subset)
        top, lo, hi, precision, recall = best_f1(sub, truth)
        at_current = photo_table(sub, truth, files, rels, [], current)[0]
        print(f"  {'+'.join(subset)}: AUC {roc_auc_score(truth, sub):.3f}; at {current:g}: precision "
              f"{at_current[5]:.3f}, recall {at_current[6]:.3f}; best F1 {top:.3f} for thresholds in "
              f"[{lo:.2f}, {hi:.2f}) (precision {precision:.3f}, recall {recall:.3f})")
    by_domain = {d: np.round(np.percentile(scores[[files[rels[i]]['domain'] == d and not t for i, t in
                                                   zip(rows, truth)]], [50, 99, 100]), 2).tolist()
                 for d in ("PICTOGRAM", "ILLUSTRATION", "SKETCH")}
    print(f"drawing scores by domain (median, 99th percentile, max): {by_domain}")
    return table


def duplicates(facts, readable, rels, manifest, radii, current, show=3):
    from compete.common.hygiene.duplicates import find_duplicates
    from compete.common.hygiene.hashing import hamming, near_pairs

    files = manifest["files"]
    index = {rels[i]: k for k, i in enumerate(readable)}
    content = [facts.content[i] for i in readable]
    hashes = facts.perceptual[readable]
    split = np.array([0 if files[rels[i]]["split"] == "train" else 1 for i in readable])
    planted_group = {}
    near_pairs_truth = []  # (a, b, kind, crosses splits)
    for g, group in enumerate(manifest["near_groups"]):
        members = [index[m] for m in group["members"]]
        for m in members:
            planted_group[m] = ("near", g)
        for copy, kind in zip(members[1:], group["kinds"]):
            near_pairs_truth.append((members[0], copy, kind, split[members[0]] != split[copy]))
    exact_truth = []
    for g, group in enumerate(manifest["exact_groups"]):
        members = [index[m] for m in group["members"]]
        for m in members:
            planted_group[m] = ("exact", g)
        exact_truth += [(members[0], m) for m in members[1:]]
    distances = defaultdict(list)
    for a, b, kind, _ in near_pairs_truth:
        distances[kind].append(int(hamming(hashes[a], hashes[b])))
    print(f"\n## Near duplicates: {len(near_pairs_truth)} planted near pairs "
          f"({sum(c for *_, c in near_pairs_truth)} across train/eval), {len(exact_truth)} planted exact pairs, "
          f"{len(readable)} images\n")
    print("pHash distance of the planted near pairs, by change: " + "; ".join(
        f"{k} {len(v)} pairs, median {np.median(v):g}, max {max(v)}" for k, v in sorted(distances.items())))
    kinds = sorted(distances)
    print("\n| radius | near pairs found | recall | " + " | ".join(kinds) +
          " | exact pairs found | false pairs | same artwork | other artwork, same label | other label | "
          "groups with a false pair |")
    print("|---" * (8 + len(kinds)) + "|")
    out, examples = [], {}
    for r in radii:
        report = find_duplicates(content, hashes, split, r)
        group = report.group_ids()
        found = [group[a] == group[b] for a, b, *_ in near_pairs_truth]
        by_kind = {k: np.mean([f for f, (*_, kind, _) in zip(found, near_pairs_truth) if kind == k]) for k in kinds}
        exact_found = sum(group[a] == group[b] for a, b in exact_truth)
        pairs, _ = near_pairs(hashes, r) if r > 0 else (np.zeros((0, 2), np.int64), None)
        seen = {(min(a, b), max(a, b)) for a, b in pairs.tolist()}
        first = {}
        for k, key in enumerate(content):  # identical pixels are one group at any radius
            if key in first:
                seen.add((first[key], k))
            else:
                first[key] = k
        false = [(a, b) for a, b in seen if planted_group.get(a, ("", -1 - a)) != planted_group.get(b, ("", -1 - b))]
        source = lambda k: files[rels[readable[k]]].get("source")  # noqa: E731
        label = lambda k: files[rels[readable[k]]]["label"]  # noqa: E731
        kinds_of_false = Counter("same artwork" if source(a) == source(b) else
                                 "same label" if label(a) == label(b) else "other label" for a, b in false)
        bad_groups = len({group[a] for a, _ in false})
        row = (r, sum(found), len(found), by_kind, exact_found, len(false), kinds_of_false["same artwork"],
               kinds_of_false["same label"], kinds_of_false["other label"], bad_groups)
        out.append(row)
        examples[r] = sorted(false, key=lambda p: int(hamming(hashes[p[0]], hashes[p[1]])))[:show]
        mark = " (current)" if r == current else ""
        print(f"| {r}{mark} | {sum(found)}/{len(found)} | {sum(found) / len(found):.3f} | "
              + " | ".join(f"{by_kind[k]:.2f}" for k in kinds)
              + f" | {exact_found}/{len(exact_truth)} | " + " | ".join(str(v) for v in row[5:]) + " |")
    for r, pairs in examples.items():
        new = [p for p in pairs if all(p not in examples.get(q, []) for q in radii if q < r)]
        for a, b in new:
            fa, fb = files[rels[readable[a]]], files[rels[readable[b]]]
            print(f"  false pair first joined at radius {r} ({int(hamming(hashes[a], hashes[b]))} bits): "
                  f"{rels[readable[a]]} [{fa.get('source')}] ~ {rels[readable[b]]} [{fb.get('source')}]")
    return out


def main() -> None:
    from compete.common.hygiene.scan import scan
    from compete.competitions.pictogram import layout
    from compete.pipelines.pictogram import PictogramConfig

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--manifest", type=Path, help="default DATA/artwork_manifest.json")
    parser.add_argument("--radii", default="0,1,2,3,4,5,6")
    parser.add_argument("--thresholds", default="0.5,1,1.5,2,2.5,3,3.5,4,5,6,7,8,10,12,15",
                        help="photo-score thresholds to sweep")
    parser.add_argument("--hash", default=PictogramConfig.model_fields["hash_method"].default)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    manifest = json.loads((args.manifest or args.data / "artwork_manifest.json").read_text(encoding="utf-8"))
    current_threshold = PictogramConfig.model_fields["photo_threshold"].default
    current_radius = PictogramConfig.model_fields["near_distance"].default
    train = layout.read_train(args.data)
    evaluation = layout.read_eval(args.data)
    paths = list(train.paths) + (list(evaluation.paths) if evaluation else [])
    rels = _rel(paths, args.data)
    unknown = [r for r in rels if r not in manifest["files"]]
    if unknown or len(rels) != len(manifest["files"]):
        raise SystemExit(f"the manifest does not describe this folder ({len(unknown)} images unknown to it, "
                         f"{len(rels)} read, {len(manifest['files'])} in the manifest)")
    facts = scan(paths, args.hash, args.workers)
    if facts.unreadable:
        print(f"unreadable: {facts.unreadable[:5]}")
    readable = facts.readable.tolist()
    train_rows = [i for i in readable if i < len(train.paths)]
    print(f"# Hygiene on {args.data}: {len(train_rows)} training + {len(readable) - len(train_rows)} evaluation images; "
          f"pipeline defaults: photo_threshold {current_threshold:g}, near_distance {current_radius}, hash {args.hash}")
    photos(facts, train_rows, rels, manifest, [float(t) for t in args.thresholds.split(",")], current_threshold)
    duplicates(facts, readable, rels, manifest, [int(r) for r in args.radii.split(",")], current_radius)


if __name__ == "__main__":
    main()
