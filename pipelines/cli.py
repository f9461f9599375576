"""The `compete` command: `compete COMPETITION ACTION [--config FILE] [--setting VALUE ...] [-q|-v]`.

Building the parser imports the pipelines' settings only, never Keras or TensorFlow, so
`--help` is instant. Settings are validated before any data is read or any folder is made.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compete.common import quiet

quiet.install()

# Options of a command rather than settings of a pipeline: they never reach config.json.
RUN_CONTROL = ("command", "action", "config", "competition", "unit", "wait", "quiet", "verbose")
DESCRIPTION = "Raw competition download to checked submission, through honest cross-validation."


class _Parser(argparse.ArgumentParser):
    """Errors in one line with a pointer to help, instead of a usage block."""

    def error(self, message):
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


class _UsageError(Exception):
    pass


def _parser(pipelines) -> tuple[argparse.ArgumentParser, dict]:
    from compete.common.settings.arguments import add_settings

    parser = _Parser(prog="compete", description=DESCRIPTION, allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=lambda **kw: _Parser(allow_abbrev=False, **kw))
    listing = commands.add_parser("backbones", help="list registered backbones")
    listing.add_argument("pattern", nargs="?", default="*", help="shell-style filter, e.g. 'resnet*'")
    listing.add_argument("--import", dest="modules", action="append", default=[],
                         help="import this module first (it may register backbones)")
    runs = commands.add_parser("runs", help="list runs side by side, best CV score first",
                               description="A leaderboard of the runs in the runs folder: headline CV score, "
                                           "backbone, image size, seeds x folds, units done, training time, "
                                           "submission, and the settings in which the runs differ.")
    runs.add_argument("competition", nargs="?", default=None, help="only this competition's runs (default: all)")
    runs.add_argument("--runs-dir", default="runs", metavar="DIR", help="where runs are kept (default: runs)")
    runs.add_argument("--json", action="store_true", help="the same rows as a JSON list, for scripts")
    demo = commands.add_parser("demo", help="generate a sample set and run a whole competition on it")
    demo.add_argument("competition", nargs="?", default="planet", choices=list(pipelines))
    _add_output_control(demo)
    by_action = {}
    for name, pipeline in pipelines.items():
        sub = commands.add_parser(name, help=pipeline.summary, description=pipeline.summary)
        actions = sub.add_subparsers(dest="action", required=True, metavar="ACTION",
                                     parser_class=lambda **kw: _Parser(allow_abbrev=False, **kw))
        for action in [*pipeline.actions, "demo"]:
            summary = ((pipeline.actions[action].__doc__ or "").split("\n")[0] if action in pipeline.actions
                       else "the built-in sample, then submit, with small settings")
            act = actions.add_parser(action, help=summary, description=summary)
            control = act.add_argument_group("command")
            control.add_argument("--config", metavar="FILE", help="YAML or JSON file of settings (flags override it)")
            if action == "cv":
                control.add_argument("--unit", action="append", default=None, metavar="seedS/foldF",
                                     help="train only this unit (repeat, or separate by commas); several processes "
                                          "or machines can share one run folder this way, then `assemble`")
            if action in ("cv", "assemble", "submit", "demo"):
                control.add_argument("--wait", action="store_true",
                                     help="wait for another command using the same run instead of refusing")
            _add_output_control(control)
            add_settings(act, pipeline.config)
            by_action[(name, action)] = act
        sample = actions.add_parser("sample", help="write the built-in sample data set in the real layout")
        sample.add_argument("--out", required=True, help="folder to write")
        sample.add_argument("--seed", type=int, default=0)
        _add_output_control(sample)
        by_action[(name, "sample")] = sample
        export = actions.add_parser("export", help="write a unit's Keras model as architecture JSON, weights and "
                                                   ".keras archive (image competitions)")
        export.add_argument("run", metavar="RUN", help="the run's name, a folder under RUNS_DIR/" + name)
        export.add_argument("--unit", required=True, metavar="seedS/foldF", help="the unit whose model to write")
        export.add_argument("--out", required=True, metavar="DIR", help="folder to write (new, or empty)")
        export.add_argument("--runs-dir", default="runs", metavar="DIR", help="where runs are kept (default: runs)")
        _add_output_control(export)
        by_action[(name, "export")] = export
        report = actions.add_parser("report", help="write the run's report.html again (learning curves, the "
                                                   "competition's figures, scores, submission preview)")
        report.add_argument("run", metavar="RUN", help=f"the run's name (a folder under RUNS_DIR/{name}) or its folder")
        report.add_argument("--runs-dir", default="runs", metavar="DIR", help="where runs are kept (default: runs)")
        _add_output_control(report)
        by_action[(name, "report")] = report
        download = actions.add_parser("download", help="fetch the competition's files from Kaggle and unpack them "
                                                       "into the layout the reader expects (needs the kaggle extra "
                                                       "and Kaggle credentials)")
        download.add_argument("--data", required=True, metavar="DIR", help="the data folder to fill")
        download.add_argument("--force", action="store_true", help="fetch again what the folder already holds")
        _add_output_control(download)
        by_action[(name, "download")] = download
    return parser, by_action


def _add_output_control(parser) -> None:
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="print warnings and the final result only")
    talk.add_argument("-v", "--verbose", action="store_true", help="print more, including library start-up notices")


def _parse(argv, pipelines):
    parser, by_action = _parser(pipelines)
    args, extras = parser.parse_known_args(argv)
    if extras:
        from compete.common.settings.arguments import near_flag

        where = by_action.get((args.command, getattr(args, "action", None)), parser)
        unknown = next((e for e in extras if e.startswith("-")), extras[0])
        near = near_flag(where, unknown) if unknown.startswith("--") else None
        hint = f"; did you mean {near}?" if near else ""
        raise _UsageError(f"{where.prog}: unknown option {unknown}{hint} (see {where.prog} --help)")
    return args


INTERRUPTED = "compete: interrupted; finished units are kept and a rerun resumes from them"
MAX_MESSAGE = 600  # characters of an error message; a hostile file must not flood the terminal


def console() -> None:
    """The `compete` console command: `main`, then an exit that an interrupt cannot turn into a crash.

    After Ctrl-C the process leaves with `os._exit`: finally-blocks have already removed
    temporary files and the kernel releases the run's lock, while a normal interpreter
    shutdown with TensorFlow's threads still running can abort ("terminate called ...").
    """
    import os

    code = main()
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(code)


def main(argv=None) -> int:
    """Run the command; returns the exit status.

    1: a unit failed on Ray, 2: bad settings or data, 3: units missing, 130: interrupted.
    """
    from compete.common import interrupts

    if argv is None:  # the console command (tests call main with arguments and keep Python's handler)
        interrupts.install()
    try:
        code = _main(argv)
        interrupts.check()  # an interrupt swallowed where Python cannot raise it still ends the command
        return code
    except KeyboardInterrupt:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the goodbye
        if argv is None:  # the console command is leaving: objects the interrupt left half-built (a Keras
            sys.unraisablehook = lambda unraisable: None  # enqueuer) must not print tracebacks as they go
        print(INTERRUPTED, file=sys.stderr, flush=True)
        return 130


def _say(prefix: str, error) -> None:
    """One line, however long or multi-line the message."""
    text = " ".join(str(error).split())
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 1] + "…"
    print(f"{prefix}{text}", file=sys.stderr)


def _main(argv) -> int:
    import logging

    from compete.common import logs
    from compete.common.errors import DataError
    from compete.common.settings import SettingsError
    from compete.pipelines.registry import discover

    pipelines = discover()
    try:
        args = _parse(argv, pipelines)
    except _UsageError as error:
        _say("compete: error: ", str(error).removeprefix("compete: "))
        return 2
    except SystemExit as done:  # --help
        return done.code or 0
    verbose, hush = getattr(args, "verbose", False), getattr(args, "quiet", False)
    logs.setup(logging.DEBUG if verbose else logs.RESULT if hush else logging.INFO)
    quiet.show_everything = verbose
    # TensorFlow's retracing notices (a smaller last batch) say nothing a user can act on.
    logging.getLogger("tensorflow").setLevel(logging.DEBUG if verbose else logging.ERROR)
    from compete.common.runs.engine import Incomplete
    from compete.common.runs.executors import UnitFailed
    from compete.common.runs.lock import Busy

    try:
        return _dispatch(args, pipelines)
    except (DataError, SettingsError, ValueError, Busy) as error:
        _say("compete: error: ", error)
        return 2
    except Incomplete as error:
        _say("compete: ", error)
        return 3
    except UnitFailed as error:
        _say("compete: error: ", error)
        return 1
    except MemoryError:
        _say("compete: error: ", "out of memory while reading the input; a file may declare far more data than it "
                                 "holds (see the --max-* settings), or the machine needs more memory")
        return 2
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _say("compete: error: ", f"cannot write or read {where}{error.strerror or error}")
        return 2


def _units(values):
    from compete.common.runs.engine import Unit

    if not values:
        return None
    return sorted({Unit.parse(part) for value in values for part in value.split(",") if part.strip()})


def _flags(args) -> dict:
    """The settings given as flags (the rest of the parsed arguments control the command)."""
    return {k: v for k, v in vars(args).items() if k not in RUN_CONTROL}


def settings_of(args, pipeline):
    """The pipeline's settings from defaults, `--config` and the flags given, validated."""
    from compete.common.settings import resolve

    overrides = _flags(args)
    return resolve(pipeline.config, args.config, overrides, flags=frozenset(overrides))


def _dispatch(args, pipelines) -> int:
    from compete.common.logs import logger

    if args.command == "backbones":
        own = [m for pipeline in pipelines.values() for m in getattr(pipeline.config, "BACKBONE_MODULES", ())]
        return _list_backbones(args.pattern, [*own, *args.modules])
    if args.command == "runs":
        return _list_runs(args, pipelines)
    if args.command == "demo":
        args.action, args.config, args.wait = "demo", None, False
        pipeline = pipelines[args.competition]
    else:
        pipeline = pipelines[args.command]
    if args.action == "sample":
        path = pipeline.make_sample(Path(args.out), seed=args.seed)
        logger.info(f"sample {pipeline.name} data written to {path}")
        return 0
    if args.action == "demo":
        return _demo(pipeline, args)
    if args.action == "export":
        return _export(pipeline, args, pipelines)
    if args.action == "report":
        return _report(pipeline, args)
    if args.action == "download":
        from compete.common.kaggle.download import download

        download(pipeline.name, args.data, force=args.force)
        return 0
    cfg = settings_of(args, pipeline)
    logger.debug(f"settings: {cfg.to_dict()}")
    if not Path(cfg.data).is_dir():  # before anything slower, such as fetching weights
        from compete.common.errors import DataError

        raise DataError(cfg.data, "data folder not found")
    control = {"wait": args.wait} if hasattr(args, "wait") else {}
    units = _units(getattr(args, "unit", None))
    if units:
        control["units"] = units
    pipeline.call(args.action, cfg, **control)
    return 0


def _demo(pipeline, args) -> int:
    from compete.common.logs import logger
    from compete.common.settings import resolve
    from compete.common.submission import is_sample

    overrides = _flags(args)
    settings = {**pipeline.demo, **overrides}
    runs_dir = Path(settings.get("runs_dir", "runs"))
    data = Path(settings.get("data") or runs_dir / pipeline.name / "sample-data")
    cfg = resolve(pipeline.config, args.config, {**settings, "data": str(data)}, flags=frozenset(overrides))
    if not is_sample(data):  # the marker is written once the sample is complete
        logger.info(f"generating the built-in {pipeline.name} sample in {data} ...")
        pipeline.make_sample(data)
    pipeline.call("submit", cfg, wait=getattr(args, "wait", False))
    return 0


def _list_runs(args, pipelines) -> int:
    """`compete runs [COMPETITION]`: the leaderboard of runs, as a table or (`--json`) a JSON list."""
    from compete.common.runs import leaderboard

    name = args.competition
    if name is not None and name not in pipelines and (
            "/" in name or name.startswith(".") or not (Path(args.runs_dir) / name).is_dir()):
        import difflib

        near = difflib.get_close_matches(name, list(pipelines), n=1)
        raise ValueError(f"no competition {name!r} in {args.runs_dir}; known: {', '.join(pipelines)}"
                         + (f"; did you mean {near[0]!r}?" if near else ""))
    headlines = {n: leaderboard.Headline(p.headline, p.lower_is_better) for n, p in pipelines.items()}
    listed = leaderboard.rows(args.runs_dir, name, headlines)
    if args.json:
        print(leaderboard.as_json(listed))
    elif not listed:
        print(f"no runs in {Path(args.runs_dir) / name if name else args.runs_dir}")
    else:
        print(leaderboard.table(listed))
    return 0


def _export(pipeline, args, pipelines) -> int:
    """`compete COMPETITION export RUN --unit seedS/foldF --out DIR`: the unit's Keras model in three forms."""
    from compete.common.logs import result
    from compete.common.runs.export import export_unit
    from compete.common.runs.run import Run
    from compete.common.settings.shared import ImageCVConfig

    if not issubclass(pipeline.config, ImageCVConfig):
        images = ", ".join(n for n, p in pipelines.items() if issubclass(p.config, ImageCVConfig))
        raise ValueError(f"compete {pipeline.name} export: {pipeline.name}'s units are not Keras image models, so "
                         f"there is nothing to export this way; export is for the image competitions ({images})")
    run = Run(args.runs_dir, pipeline.name, args.run)
    out = export_unit(run.path, args.unit, args.out, getattr(pipeline.config, "BACKBONE_MODULES", ()))
    result(f"exported unit {args.unit.strip()} of {run.path} to {out}: model.json, model.weights.h5, model.keras, "
           "export.json")
    return 0


def _report(pipeline, args) -> int:
    """`compete COMPETITION report RUN`: the run's report.html, written again from its folder."""
    from compete.common.logs import result
    from compete.common.reports import write_report
    from compete.common.runs.run import Run

    given = Path(args.run)
    folder = given if given.is_dir() and (given / "config.json").is_file() else Run(args.runs_dir, pipeline.name,
                                                                                    args.run).path
    result(f"report written: {write_report(folder)}")
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
    console()
