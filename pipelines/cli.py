"""The `compete` command: `compete COMPETITION ACTION [--config FILE] [--setting VALUE ...]`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from compete.common.errors import DataError  # noqa: E402

# Options of a command rather than settings of a pipeline: they never reach config.json.
RUN_CONTROL = ("command", "action", "config", "competition", "unit", "wait")


def _parser(pipelines) -> argparse.ArgumentParser:
    from compete.common import config

    parser = argparse.ArgumentParser(prog="compete", description="Raw competition download to checked submission, "
                                                                 "through honest cross-validation.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("backbones", help="list registered backbones")
    listing.add_argument("pattern", nargs="?", default="*", help="shell-style filter, e.g. 'resnet*'")
    listing.add_argument("--import", dest="modules", action="append", default=[],
                         help="import this module first (it may register backbones)")
    demo = commands.add_parser("demo", help="generate a sample set and run a whole competition on it")
    demo.add_argument("competition", nargs="?", default="planet", choices=list(pipelines))
    for name, pipeline in pipelines.items():
        sub = commands.add_parser(name, help=pipeline.summary)
        actions = sub.add_subparsers(dest="action", required=True)
        for action in [*pipeline.actions, "demo"]:
            act = actions.add_parser(action, help=(pipeline.actions[action].__doc__ or "").split("\n")[0]
                                     if action in pipeline.actions else "sample data, then submit, with small settings")
            act.add_argument("--config", help="YAML or JSON file of settings")
            if action == "cv":
                act.add_argument("--unit", action="append", default=None, metavar="seedS/foldF",
                                 help="train only this unit (repeat, or separate by commas); several processes or "
                                      "machines can share one run folder this way, then `assemble` combines them")
            if action in ("cv", "assemble", "submit", "demo"):
                act.add_argument("--wait", action="store_true",
                                 help="wait for another command using the same run instead of refusing")
            config.add_arguments(act, pipeline.config)
        sample = actions.add_parser("sample", help="write the built-in sample data set in the real layout")
        sample.add_argument("--out", required=True, help="folder to write")
        sample.add_argument("--seed", type=int, default=0)
    return parser


def main(argv=None) -> int:
    import logging

    from compete.common import logs
    from compete.common.runs.engine import Incomplete
    from compete.common.runs.lock import Busy
    from compete.pipelines.registry import discover

    logs.setup()
    # TensorFlow's retracing notices (a smaller last batch) say nothing a user can act on.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    pipelines = discover()
    args = _parser(pipelines).parse_args(argv)
    try:
        return _dispatch(args, pipelines)
    except (DataError, ValueError, Busy) as error:
        print(f"compete: error: {error}", file=sys.stderr)
        return 2
    except Incomplete as error:
        print(f"compete: {error}", file=sys.stderr)
        return 3
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"compete: error: cannot write or read {where}{error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("compete: interrupted; finished units are kept and a rerun resumes from them", file=sys.stderr)
        return 130


def _units(values):
    from compete.common.runs.engine import Unit

    if not values:
        return None
    return sorted({Unit.parse(part) for value in values for part in value.split(",") if part.strip()})


def _dispatch(args, pipelines) -> int:
    from compete.common import config
    from compete.common.runs.run import check_name

    if args.command == "backbones":
        return _list_backbones(args.pattern, args.modules)
    if args.command == "demo":
        args.action, args.config, args.wait = "demo", None, False
        pipeline = pipelines[args.competition]
    else:
        pipeline = pipelines[args.command]
    if args.action == "sample":
        path = pipeline.sample(Path(args.out), seed=args.seed)
        print(f"sample {pipeline.name} data written to {path}")
        return 0
    overrides = {k: v for k, v in vars(args).items() if k not in RUN_CONTROL}
    control = {"wait": args.wait} if hasattr(args, "wait") else {}
    units = _units(getattr(args, "unit", None))
    if units:
        control["units"] = units
    if args.action == "demo":
        return _demo(pipeline, args.config, overrides)
    cfg = config.resolve(pipeline.config, args.config, overrides)
    if not cfg.data:
        raise DataError(None, "--data is required (the competition's download folder)")
    if getattr(cfg, "run", ""):
        check_name(cfg.run)
    pipeline.actions[args.action](cfg, **control)
    return 0


def _demo(pipeline, config_file, overrides) -> int:
    from compete.common import config

    settings = {**pipeline.demo, **overrides}
    runs_dir = Path(settings.get("runs_dir", "runs"))
    data = Path(settings.get("data") or runs_dir / pipeline.name / "sample-data")
    cfg = config.resolve(pipeline.config, config_file, {**settings, "data": str(data)})
    if not (data / ".complete").exists():
        print(f"generating the built-in {pipeline.name} sample in {data} ...", flush=True)
        pipeline.sample(data)
        (data / ".complete").write_text("ok\n")
    pipeline.actions["submit"](cfg)
    return 0


def _list_backbones(pattern: str, modules) -> int:
    import importlib

    from compete.common.models.backbones import get_spec, list_backbones

    for module in modules:
        importlib.import_module(module)
    names = list_backbones(pattern)
    width = max((len(n) for n in names), default=4)
    print(f"{'name':<{width}}  {'input':<6}  {'imagenet':<8}  {'blocks':<6}  description")
    for name in names:
        spec = get_spec(name)
        print(f"{name:<{width}}  {spec.preprocessing:<6}  {'yes' if spec.pretrained else 'no':<8}  "
              f"{len(spec.blocks):<6}  {spec.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
