"""`--executor ray`: a run's pending units as Ray tasks, each exactly `compete C cv --unit seedS/foldF` in a worker.

The command (the driver) keeps the run's lock throughout and lends it to its tasks (see
`executors.delegate`), so another whole-run command is still refused while they train. Workers
write into the run folder themselves, so it must be on a filesystem every node sees. Ray is
imported only here, and only when a command runs on it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import sys
import time
from pathlib import Path

from compete.common import interrupts
from compete.common.logs import logger, terminal_level
from compete.common.runs import executors
from compete.common.runs.engine import clock

MAX_RETRIES = 3  # a worker that dies (killed, out of memory, node lost) is restarted this often; exceptions are not
PASSED_ENV = ("KERAS_BACKEND", "KERAS_HOME", "TF_CPP_MIN_LOG_LEVEL", "TF_NUM_INTRAOP_THREADS",
              "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "XLA_FLAGS",
              "TF_XLA_FLAGS", "TF_ENABLE_ONEDNN_OPTS", "JAX_PLATFORMS", "XLA_PYTHON_CLIENT_PREALLOCATE",
              "JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS")
NO_SHARED_FOLDER = ("--executor ray needs a shared filesystem that every node sees at the same path (or run "
                    "`cv --unit seedS/foldF` on each machine and copy the unit folders back before `assemble`)")


class UnitError(Exception):
    """Why a unit failed in its worker, in one line naming the node (picklable, whatever the cause was)."""


def train(command: executors.Command, run, units: list) -> None:
    """Train `units` of `run` as one Ray task each, reporting each as it finishes; raises UnitFailed on a unit's error.

    Ctrl-C (or any error) cancels the tasks still out and shuts down a Ray this call started.
    """
    import ray

    started_ray = _connect(command.settings.ray_address)
    try:
        options = _options(command.settings, [u.name for u in units])
        task = ray.remote(_train_unit)
        worker = dataclasses.replace(command, settings=_worker_settings(command.settings, run))
        holder = run.lock().holder()
        refs = {task.options(name=f"compete {command.competition} {unit.name}", **options).remote(
            worker, unit.name, str(run.path.resolve()), holder, terminal_level()): unit for unit in units}
        try:
            _follow(refs)
        except BaseException:
            for ref in refs:
                ray.cancel(ref, force=True)  # units write atomically: a killed one leaves no half-written file
            raise
    finally:
        if started_ray:
            ray.shutdown()


def _connect(address: str | None) -> bool:
    """Join the Ray at `address` (none: start one on this machine) unless this process is already in one."""
    import ray

    if ray.is_initialized():
        return False
    verbose = terminal_level() <= logging.DEBUG
    try:
        if address and "://" in address:
            ray.init(address=address, log_to_driver=verbose)
        else:
            ray.init(address=address or "local", include_dashboard=False, log_to_driver=verbose,
                     logging_level=logging.INFO if verbose else logging.WARNING)
    except ConnectionError as error:
        raise ValueError(f"ray-address {address}: {error}") from None
    return True


def _options(settings, names: list[str]) -> dict:
    """One GPU per task on a cluster with GPUs, else `ray_cpus_per_unit` cores (and as many threads); retries."""
    import ray

    resources = ray.cluster_resources()
    gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 0))
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    if gpus:
        asks, per_task = "1 GPU", {"num_gpus": 1}
    else:
        threads = str(settings.ray_cpus_per_unit)
        env = {"OMP_NUM_THREADS": threads, "TF_NUM_INTRAOP_THREADS": threads, **env}
        asks, per_task = f"{settings.ray_cpus_per_unit} CPU(s)", {"num_cpus": settings.ray_cpus_per_unit}
    nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
    logger.info(f"training {len(names)} unit(s) as Ray tasks, each asking for {asks}, on {nodes} node(s) with "
                f"{cpus} CPU(s) and {gpus} GPU(s): {', '.join(names[:8])}{' ...' if len(names) > 8 else ''}")
    return {**per_task, "max_retries": MAX_RETRIES, "retry_exceptions": False, "runtime_env": {"env_vars": env}}


def _worker_settings(settings, run) -> dict:
    """The command's settings as a worker needs them: absolute paths, this run by name, training locally."""
    return settings.replace(executor="local", ray_address=None, run=run.name,
                            **{key: str(Path(getattr(settings, key)).resolve())
                               for key in ("data", "runs_dir", "submissions_dir")}).to_dict()


def _follow(refs: dict) -> None:
    """Wait for every task, one line per finished unit (where, elapsed, ETA); the first failure is raised."""
    import ray

    started, left, total = time.time(), list(refs), len(refs)
    while left:
        done, left = ray.wait(left, num_returns=1, timeout=1.0)
        interrupts.check()
        for ref in done:
            unit = refs[ref]
            try:
                where = ray.get(ref)
            except ray.exceptions.RayTaskError as error:
                raise executors.UnitFailed(_failure(unit.name, error)) from None
            except ray.exceptions.RayError as error:  # the worker died more often than it is retried
                raise executors.UnitFailed(f"unit {unit.name}: its Ray worker was lost {MAX_RETRIES + 1} times "
                                           f"({type(error).__name__}); is the node out of memory?") from None
            finished = total - len(left)
            elapsed = time.time() - started
            logger.info(f"unit {unit.name} done on {where['host']} (pid {where['pid']}, {clock(where['seconds'])}) "
                        f"· {finished}/{total} · elapsed {clock(elapsed)} · "
                        f"ETA {clock(elapsed / finished * (total - finished))}")


def _failure(name: str, error) -> str:
    """One line: the unit, the node and the error's own message."""
    cause = getattr(error, "cause", None)
    return f"unit {name}: {cause if isinstance(cause, UnitError) else str(error).strip().splitlines()[-1]}"


def _train_unit(command: executors.Command, unit: str, run_path: str, holder: dict, level: int) -> dict:
    """In a Ray worker: `cv --unit UNIT` with the worker's settings (a dict), under the driver's run lock.

    Returns where and how long it ran.
    """
    from compete.common import logs

    host, pid = socket.gethostname(), os.getpid()
    if not (Path(run_path) / "run.json").is_file():
        raise UnitError(f"the run folder {run_path} is not visible on node {host}; {NO_SHARED_FOLDER}")
    logs.setup(level)
    started, argv = time.time(), sys.argv
    # Locks name their holder's command line; a worker's own would only list Ray's flags.
    sys.argv = ["compete", command.competition, "cv", "--unit", unit, f"(Ray task of pid {holder.get('pid')})"]
    try:
        with executors.delegate(run_path, holder):
            command.train_unit(command.settings, unit)
    except Exception as error:
        raise UnitError(f"failed on {host} (pid {pid}): {type(error).__name__}: {error}") from error
    finally:
        sys.argv = argv
    return {"host": host, "pid": pid, "seconds": time.time() - started}

