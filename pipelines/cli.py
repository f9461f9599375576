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
    """Run the command; returns the exit status (2: bad settings or data, 3: units missing, 130: interrupted)."""
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
    from compete.common.runs.lock import Busy

    try:
        return _dispatch(args, pipelines)
    except (DataError, SettingsError, ValueError, Busy) as error:
        _say("compete: error: ", error)
        return 2
    except Incomplete as error:
        _say("compete: ", error)
        return 3
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _say("compete: error: ", f"cannot write or read {where}{error.strerror or error}")
        return 2


def _units(values):
    from compete.common.runs.engine import Unit

    if not values:
        return None
    return sorted({Unit.parse(part) for value in values for part in value.split(",") if part.strip()})


def settings_of(args, pipeline):
    """The pipeline's settings from defaults, `--config` and the flags given, validated."""
    from compete.common.settings import resolve

    overrides = {k: v for k, v in vars(args).items() if k not in RUN_CONTROL}
    return resolve(pipeline.config, args.config, overrides, flags=frozenset(overrides))


def _dispatch(args, pipelines) -> int:
    from compete.common.logs import logger

    if args.command == "backbones":
        own = [m for pipeline in pipelines.values() for m in getattr(pipeline.config, "BACKBONE_MODULES", ())]
        return _list_backbones(args.pattern, [*own, *args.modules])
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

    overrides = {k: v for k, v in vars(args).items() if k not in RUN_CONTROL}
    settings = {**pipeline.demo, **overrides}
    runs_dir = Path(settings.get("runs_dir", "runs"))
    data = Path(settings.get("data") or runs_dir / pipeline.name / "sample-data")
    cfg = resolve(pipeline.config, args.config, {**settings, "data": str(data)}, flags=frozenset(overrides))
    if not (data / ".complete").exists():
        logger.info(f"generating the built-in {pipeline.name} sample in {data} ...")
        pipeline.make_sample(data)
        (data / ".complete").write_text("ok\n")
    pipeline.call("submit", cfg, wait=getattr(args, "wait", False))
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
