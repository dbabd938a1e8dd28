"""Campaigns: hand a list of runs to a scheduler (a SLURM job array, or local processes over the GPUs of one
machine) through submitit, resumably, and report where the campaign stands.

A *plan* is a list of ``RunConfig`` or ``(labels, RunConfig)`` pairs (what a paper notebook trains; ``labels`` is
a dict of the notebook's grid values, shown in the status table). ``launch(plan, LaunchOptions(...))``:

* skips the runs already finished in the run store (``runs_dir()/<name>-<hash>/summary.json`` with a matching
  config hash) and those running or queued (their trainer's lock is held, or their job is alive);
* SLURM: one job array, one task per run (``SlurmExecutor.map_array``, ``array_parallelism`` tasks at once);
  local: ``lanes`` processes (``LocalExecutor``), each with its own GPUs (``CUDA_VISIBLE_DEVICES``) or the CPU,
  training its share of the runs one after another;
* each job trains its run with the run store's entry point ``snnlab.experiments.run`` (in the job's process), or,
  when a run asks for several GPUs, ``torchrun --standalone --nproc_per_node N -m snnlab train <run>/config.json``
  while the job holds the run's trainer lock (``runs.train_lock_path``), so two jobs never train one run at once;
* preemption or a time limit: SLURM (``--signal=USR2@<delay>``) or the local controller sends submitit's signal,
  submitit calls ``CampaignJob.checkpoint`` (which stops a torchrun child) and requeues the job; the requeued job
  skips the runs finished meanwhile and resumes the interrupted one from its last checkpoint (every epoch, and
  every ``checkpoint_every`` steps when the config sets it), bit-identically (see ``snnlab.train``).

Bookkeeping beside each run (inside its folder): ``launch.json`` (written at submission: launcher, job id, log
files, the command line that launched it), ``job.json`` (written by the job when it starts the run: pid, host)
and ``failed.json`` (the error, when the run raised; removed when it starts again). submitit's own files (the
pickled job, stdout/stderr logs) live in ``<runs>/.launch/<launch id>/``.

``status(plan)`` -> ``CampaignStatus``: one row per run with its state (done / running / queued / failed /
not started), epochs done, the expected GPU hours left (from the seconds per epoch measured by this run or by a
finished or running run of the same shape; else, for paper configs, estimated from the step times measured on an
H200, ``snnlab.experiments.gpu_hours``, and reported apart; unknown otherwise), and the command that relaunches
the failed runs.
"""
from __future__ import annotations

import json
import math
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

try:
    from submitit.helpers import Checkpointable
except ImportError:  # pragma: no cover - submitit is pinned in requirements.txt; status() works without it
    Checkpointable = object  # type: ignore[assignment,misc]

from snnlab.experiments.config import RunConfig
from snnlab.experiments.runs import run_dir_for, train_lock_path
from snnlab.fileio import atomic_write_text, lock_held

__all__ = ["PlannedRun", "as_plan", "LaunchOptions", "CampaignJob", "CampaignStatus", "Launch", "launch", "status",
           "run_state", "torchrun_command", "train_command", "slurm_parameters", "sbatch_script", "parse_time",
           "parse_mem", "load_launch_config", "STATES", "LAUNCH_DIR"]

STATES = ("done", "running", "queued", "failed", "not started")
LAUNCH_DIR = ".launch"
LAUNCH_FILE = "launch.json"
JOB_FILE = "job.json"
FAILED_FILE = "failed.json"
#: a local job runs until it ends unless --time is given (submitit's local default is 2 minutes)
LOCAL_NO_LIMIT_MIN = 60 * 24 * 365
DEFAULT_SLURM_TIME_MIN = 24 * 60


# ------------------------------------------------------------------------------------------------ plans
@dataclass(frozen=True)
class PlannedRun:
    """One run of a campaign: its config and the labels the plan gave it (grid values)."""

    config: RunConfig
    labels: Mapping = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.config.run_name


def as_plan(items: Iterable) -> List[PlannedRun]:
    """A plan from ``RunConfig``s, ``(labels, RunConfig)`` pairs, or objects with ``.labels`` and ``.config``
    (``PlannedRun``, the papers' plan entries); runs that appear twice (same run folder) are kept once, with the
    first labels."""
    out: List[PlannedRun] = []
    seen = set()
    for item in items:
        if isinstance(item, PlannedRun):
            pr = item
        elif isinstance(item, RunConfig):
            pr = PlannedRun(item)
        elif isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[1], RunConfig):
            pr = PlannedRun(item[1], dict(item[0] or {}))
        elif isinstance(getattr(item, "config", None), RunConfig):  # e.g. snnlab.papers.common.PlanEntry
            pr = PlannedRun(item.config, dict(getattr(item, "labels", None) or {}))
        else:
            raise TypeError(f"a plan holds RunConfig or (labels dict, RunConfig) items, got {type(item).__name__}: "
                            f"{item!r:.80}")
        if pr.name not in seen:
            seen.add(pr.name)
            out.append(pr)
    return out


# ------------------------------------------------------------------------------------------------ options
@dataclass
class LaunchOptions:
    """How to run a campaign. SLURM fields map to sbatch options; ``None`` leaves them to the cluster's default."""

    launcher: str = "local"                 # slurm | local
    gpus_per_run: int = 1                   # GPUs per run (> 1: torchrun, data-parallel); 0 = CPU
    # slurm
    partition: Optional[str] = None
    time_min: Optional[int] = None          # wall-time limit per job (minutes); slurm default 24 h
    mem: Optional[str] = None               # per job, sbatch syntax: 32G, 500M
    account: Optional[str] = None
    cpus_per_task: Optional[int] = None
    gres: Optional[str] = None              # e.g. gpu:a100:1 (instead of --gpus-per-node)
    qos: Optional[str] = None
    constraint: Optional[str] = None
    parallel: Optional[int] = None          # array tasks at once (SLURM %K); None = all
    setup: Sequence[str] = ()               # shell lines before the job (module load ..., source venv)
    sbatch: Mapping = field(default_factory=dict)  # further sbatch options, e.g. {"mail-type": "FAIL"}
    signal_delay_s: int = 120               # preemption signal this long before the time limit
    max_timeouts: int = 10                  # requeues after hitting the time limit (preemptions are free)
    python: Optional[str] = None            # python command on the nodes (default: this interpreter)
    job_name: Optional[str] = None
    # local
    gpus: Optional[Sequence[int]] = None    # devices to use (None = all visible to torch; () = CPU only)
    lanes: Optional[int] = None             # parallel local processes (default: one per gpus_per_run GPUs, 1 on CPU)

    def __post_init__(self):
        if self.launcher not in ("slurm", "local"):
            raise ValueError(f"launcher must be 'slurm' or 'local', got {self.launcher!r}")
        for k in ("gpus_per_run", "signal_delay_s", "max_timeouts"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{k} must be a non-negative int, got {v!r}")
        for k in ("time_min", "cpus_per_task", "parallel", "lanes"):
            v = getattr(self, k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise ValueError(f"{k} must be a positive int, got {v!r}")
        if self.mem is not None:
            self.mem = parse_mem(self.mem)
        if isinstance(self.setup, str):
            self.setup = [self.setup]
        if self.gpus is not None:
            self.gpus = tuple(int(g) for g in self.gpus)


_OPTION_KEYS = {f for f in LaunchOptions.__dataclass_fields__}
_ALIASES = {"time": "time_min", "gpus-per-run": "gpus_per_run", "cpus-per-task": "cpus_per_task",
            "max-timeouts": "max_timeouts", "signal-delay-s": "signal_delay_s", "job-name": "job_name"}


def load_launch_config(path: Union[str, Path]) -> dict:
    """``launch.yaml`` -> keyword arguments of ``LaunchOptions`` (keys as the CLI options, ``-`` or ``_``;
    ``time`` in any SLURM/suffix syntax, see ``parse_time``)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"launch config {path} does not exist")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a launch config is a mapping of options (partition: gpu, time: 24:00:00, ...), "
                         f"got {type(data).__name__}")
    out = {}
    for key, value in data.items():
        k = _ALIASES.get(key, key.replace("-", "_"))
        if k not in _OPTION_KEYS:
            raise ValueError(f"{path}: unknown launch option {key!r}; known: {sorted(_OPTION_KEYS - {'time_min'})}"
                             " and time")
        if k == "time_min" and value is not None:
            value = parse_time(value)
        out[k] = value
    return out


def parse_time(value: Union[str, int, float]) -> int:
    """A wall-time limit in minutes from SLURM's syntax (``90``, ``MM:SS``, ``HH:MM:SS``, ``D-HH[:MM[:SS]]``) or a
    number with a unit (``90m``, ``4h``, ``2d``); seconds round up to a minute."""
    if isinstance(value, bool):
        raise ValueError(f"time must be minutes or HH:MM:SS, got {value!r}")
    if isinstance(value, (int, float)):
        minutes = float(value)
    else:
        text = str(value).strip().lower()
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?", text)
        if m:
            minutes = float(m.group(1)) * {None: 1, "m": 1, "min": 1, "s": 1 / 60, "h": 60, "d": 1440}[m.group(2)]
        else:
            m = re.fullmatch(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?", text)
            if not m:
                raise ValueError(f"time {value!r} is not a SLURM time (minutes, MM:SS, HH:MM:SS, D-HH:MM:SS) nor "
                                 "a number with a unit (90m, 4h, 2d)")
            days, a, b, c = m.group(1), m.group(2), m.group(3), m.group(4)
            parts = [int(x) for x in (a, b, c) if x is not None]
            if days is not None:  # D-HH, D-HH:MM, D-HH:MM:SS
                parts += [0] * (3 - len(parts))
                h, mi, s = parts
                minutes = int(days) * 1440 + h * 60 + mi + s / 60
            elif len(parts) == 3:
                minutes = parts[0] * 60 + parts[1] + parts[2] / 60
            elif len(parts) == 2:  # MM:SS
                minutes = parts[0] + parts[1] / 60
            else:
                minutes = parts[0]
    if not minutes > 0:
        raise ValueError(f"time must be positive, got {value!r}")
    return int(math.ceil(minutes - 1e-9))


def parse_mem(value: Union[str, int]) -> str:
    """Memory per job in sbatch's syntax: ``32G``, ``32GB``, ``500M``, ``64000`` (MB) -> ``32G``, ``500M``,
    ``64000M``."""
    text = str(value).strip().upper()
    m = re.fullmatch(r"(\d+)\s*([KMGT])?B?", text)
    if not m or isinstance(value, bool):
        raise ValueError(f"mem {value!r} is not a memory size like 32G, 500M or 64000 (MB)")
    return f"{int(m.group(1))}{m.group(2) or 'M'}"


# ------------------------------------------------------------------------------------------------ commands
def train_command(run_dir: Union[str, Path], out: Union[str, Path], python: Optional[str] = None) -> List[str]:
    """The one-process training command of a run folder (its ``config.json``)."""
    return [python or sys.executable, "-m", "snnlab", "train", str(Path(run_dir) / "config.json"), "--out", str(out),
            "--progress", "line"]


def torchrun_command(run_dir: Union[str, Path], out: Union[str, Path], nproc: int,
                     python: Optional[str] = None) -> List[str]:
    """``torchrun --standalone --nnodes 1 --nproc_per_node N -m snnlab train <run>/config.json --out OUT``, spelled
    ``python -m torch.distributed.run`` (the same program) so that it uses this interpreter."""
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        raise ValueError(f"nproc must be a positive int, got {nproc!r}")
    return [python or sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes", "1",
            "--nproc_per_node", str(nproc), "-m", "snnlab", "train", str(Path(run_dir) / "config.json"),
            "--out", str(out), "--progress", "line"]


# ------------------------------------------------------------------------------------------------ the job
def _job_id() -> Optional[str]:
    try:
        import submitit

        return str(submitit.JobEnvironment().job_id)
    except Exception:  # noqa: BLE001 - not inside a submitit job
        return None


def _error_line(lines: Sequence[str]) -> str:
    """The line that says what went wrong: the last ``SomeError: ...`` / ``error: ...`` line, else the last one."""
    lines = [ln.rstrip() for ln in lines if ln.strip()]
    for ln in reversed(lines):
        s = ln.strip()
        if re.match(r"^([\w.]+(Error|Exception|Diverged|Interrupt)|error)\b.*:", s):
            return s
    return lines[-1].strip() if lines else ""


def _write_failure(run_dir: Path, error: str, tb: str, job_id: Optional[str]) -> None:
    atomic_write_text(run_dir / FAILED_FILE, json.dumps({
        "error": error, "traceback": tb[-8000:], "job_id": job_id, "host": socket.gethostname(),
        "time": time.strftime("%Y-%m-%d %H:%M:%S")}, indent=2))


class CampaignJob(Checkpointable):
    """The callable submitit runs: trains ``configs`` (config dicts) one after another into ``out``.

    ``checkpoint()`` is submitit's hook (``submitit.helpers.Checkpointable``): on preemption or a time limit it stops
    a torchrun child and returns a fresh submission of the same runs; the requeued job skips the finished ones and
    resumes the interrupted one from its checkpoint.
    """

    def __init__(self, out: Union[str, Path], gpus_per_run: int = 1, launch_id: str = "",
                 python: Optional[str] = None):
        self.out = str(out)
        self.gpus_per_run = int(gpus_per_run)
        self.launch_id = launch_id
        self.python = python
        self._child: Optional[subprocess.Popen] = None

    def __call__(self, configs: Sequence[Mapping]) -> Dict[str, Any]:
        from submitit.core.utils import UncompletedJobError

        from snnlab.experiments.runs import Run

        done: Dict[str, Any] = {}
        failures: List[str] = []
        for data in configs:
            cfg = RunConfig.from_dict(data)
            d = run_dir_for(cfg, self.out)
            try:
                self._run_one(cfg, d)
                s = Run(d, cfg).summary
                done[cfg.run_name] = {"best_test_acc": s.get("best_test_acc"),
                                      "final_test_acc": s.get("final_test_acc")}
            except Exception as exc:  # noqa: BLE001 - recorded, then the next run of the lane goes on
                tb = traceback.format_exc()
                line = _error_line(f"{type(exc).__name__}: {exc}".splitlines())
                _write_failure(d, line, tb, _job_id())
                print(f"[snnlab launch] run {cfg.run_name} failed: {line}", file=sys.stderr, flush=True)
                if isinstance(exc, UncompletedJobError):  # submitit gave up (timed out too often): stop the job
                    raise
                failures.append(f"{cfg.run_name}: {line}")
        if failures:
            raise RuntimeError(f"{len(failures)} of {len(configs)} runs failed: " + "; ".join(failures))
        return done

    def _run_one(self, cfg: RunConfig, d: Path) -> None:
        from snnlab.experiments.runs import Run, run

        r = Run(d, cfg)
        if r.finished and r.summary.get("config_hash") == cfg.hash():
            return
        d.mkdir(parents=True, exist_ok=True)
        (d / FAILED_FILE).unlink(missing_ok=True)
        atomic_write_text(d / JOB_FILE, json.dumps({
            "job_id": _job_id(), "pid": os.getpid(), "host": socket.gethostname(), "launch_id": self.launch_id,
            "gpus_per_run": self.gpus_per_run, "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
            "started": time.strftime("%Y-%m-%d %H:%M:%S")}, indent=2))
        print(f"[snnlab launch] training {cfg.run_name} (job {_job_id()}, pid {os.getpid()})", file=sys.stderr,
              flush=True)
        if self.gpus_per_run > 1:
            self._torchrun(cfg, d)
        else:
            run(cfg, resume=True, progress="line", out=self.out)

    def _torchrun(self, cfg: RunConfig, d: Path) -> None:
        from snnlab.experiments.runs import Run
        from snnlab.fileio import file_lock

        with file_lock(train_lock_path(d)):  # the ranks (WORLD_SIZE > 1) do not take it themselves
            if Run(d, cfg).finished and Run(d, cfg).summary.get("config_hash") == cfg.hash():
                return
            atomic_write_text(d / "config.json", cfg.to_json())
            cmd = torchrun_command(d, self.out, self.gpus_per_run, self.python)
            print("[snnlab launch] " + shlex.join(cmd), file=sys.stderr, flush=True)
            tail: deque = deque(maxlen=200)
            self._child = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, bufsize=1)

            def pump(stream=self._child.stderr):
                for line in stream:
                    tail.append(line)
                    sys.stderr.write(line)
                    sys.stderr.flush()

            t = threading.Thread(target=pump, daemon=True)
            t.start()
            rc = self._child.wait()
            t.join(timeout=5)
            self._child = None
            if rc != 0:
                raise RuntimeError(f"torchrun exited with status {rc}: {_error_line(list(tail)) or 'no message'}")

    def checkpoint(self, *args: Any, **kwargs: Any):
        """submitit's requeue hook: training already checkpoints (every epoch / ``checkpoint_every`` steps), so
        stop a torchrun child and resubmit the same runs."""
        from submitit.helpers import DelayedSubmission

        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
        return DelayedSubmission(CampaignJob(self.out, self.gpus_per_run, self.launch_id, self.python),
                                 *args, **kwargs)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_child"] = None
        return state


# ------------------------------------------------------------------------------------------------ status
def _read_json(path: Path) -> Optional[dict]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


_lock_held = lock_held  # (the name its tests probe the lock with)


_SLURM_RUNNING = {"RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "RESIZING"}
_SLURM_QUEUED = {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"}


def _slurm_states() -> Optional[Dict[str, str]]:
    """``{job id: state}`` of this user's jobs in the SLURM queue (array tasks as ``<array>_<index>``), or None
    when ``squeue`` is not available."""
    import getpass

    try:
        res = subprocess.run(["squeue", "-h", "-r", "-u", getpass.getuser(), "-o", "%i|%T"], capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if res.returncode != 0:
        return None
    out = {}
    for line in res.stdout.splitlines():
        if "|" in line:
            jid, st = line.strip().split("|", 1)
            out[jid.strip()] = st.strip()
    return out


def _local_alive(record: Mapping) -> Optional[bool]:
    """Whether a local job's controller process is alive (None when it ran on another host)."""
    if record.get("host") != socket.gethostname():
        return None
    try:
        pid = int(record["job_id"])
    except (KeyError, TypeError, ValueError):
        return None
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return "submitit" in cmd


@dataclass
class RunState:
    run: str
    state: str
    epochs_done: int
    epochs: int
    detail: str = ""
    job_id: Optional[str] = None
    seconds_per_epoch: Optional[float] = None
    gpus: int = 1
    record: Optional[dict] = None


def _epochs_and_speed(d: Path) -> Tuple[int, Optional[float]]:
    path = d / "metrics.jsonl"
    try:
        rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    except (OSError, ValueError):
        return 0, None
    secs = [float(r.get("seconds", 0.0)) + float(r.get("eval_seconds", 0.0)) for r in rows]
    return len(rows), (sum(secs) / len(secs) if secs else None)


def _last_line(path: Optional[str]) -> str:
    if not path:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 65536))
            text = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return _error_line(text.splitlines())


def run_state(pr: Union[PlannedRun, RunConfig], out=None, slurm: Optional[Dict[str, str]] = None) -> RunState:
    """Where one run stands (see ``STATES``). ``slurm``: the queue from ``_slurm_states()`` (queried when None and
    the run was submitted to SLURM)."""
    cfg = pr.config if isinstance(pr, PlannedRun) else pr
    d = run_dir_for(cfg, out)
    epochs_done, spe = _epochs_and_speed(d)
    rec = _read_json(d / LAUNCH_FILE)
    gpus = int((rec or {}).get("gpus_per_run", 1) or 1)
    base = dict(run=d.name, epochs_done=epochs_done, epochs=cfg.epochs, seconds_per_epoch=spe, gpus=gpus,
                record=rec, job_id=(rec or {}).get("job_id"))
    summary = _read_json(d / "summary.json")
    if summary is not None and summary.get("config_hash") == cfg.hash():
        best = summary.get("best_test_acc")
        return RunState(state="done", detail=f"best acc {best:.4f}" if isinstance(best, (int, float)) else "",
                        **{**base, "epochs_done": cfg.epochs})
    if _lock_held(train_lock_path(d)):
        return RunState(state="running", detail=_where(d, rec), **base)
    alive: Optional[str] = None  # "running" | "queued" | None (ended) | "unknown"
    if rec is not None:
        if rec.get("launcher") == "slurm":
            q = slurm if slurm is not None else _slurm_states()
            if q is None:
                alive = "unknown"
            else:
                # an array task (one run) that SLURM runs while its lock is free is starting up: "running"
                st = q.get(str(rec.get("job_id")))
                alive = "running" if st in _SLURM_RUNNING else "queued" if st in _SLURM_QUEUED else None
        else:
            live = _local_alive(rec)
            alive = "unknown" if live is None else ("queued" if live else None)
    failed = _read_json(d / FAILED_FILE)
    if alive in ("running", "queued"):
        return RunState(state=alive, detail=f"job {rec.get('job_id')}", **base)
    if failed is not None:
        return RunState(state="failed", detail=failed.get("error", "?"), **base)
    if rec is not None and alive is None:
        started = (d / JOB_FILE).is_file() or (d / "checkpoint.pt").is_file()
        if started:
            line = _last_line(rec.get("stderr"))
            return RunState(state="failed", detail=f"job {rec.get('job_id')} ended before the run finished"
                            + (f": {line}" if line else f" (log {rec.get('stderr')})"), **base)
        return RunState(state="not started", detail=f"job {rec.get('job_id')} ended before starting it", **base)
    if alive == "unknown":  # assume the job lives (so that a launch from here does not submit the run twice)
        started = (d / JOB_FILE).is_file() or (d / "checkpoint.pt").is_file()
        return RunState(state="running" if started else "queued",
                        detail=f"job {rec.get('job_id')} ({rec.get('launcher')}, host {rec.get('host')}): its state "
                        "cannot be checked from here", **base)
    return RunState(state="not started", **base)


def _where(d: Path, rec: Optional[dict]) -> str:
    job = _read_json(d / JOB_FILE)
    if job:
        return f"job {job.get('job_id') or (rec or {}).get('job_id')} on {job.get('host')}"
    return "lock held"


def _speed_key(cfg: RunConfig, gpus: int) -> str:
    """What an epoch's duration depends on (not the seed, learning rate, neuron constants, loss weights)."""
    d = cfg.to_dict(hashed_only=True)
    keep = ("model", "model_params", "neuron", "dataset", "data_opts", "T", "batch_size", "train_subset",
            "test_subset", "max_steps_per_epoch", "k_trunc", "amp", "profile")
    return json.dumps({**{k: d.get(k) for k in keep}, "gpus": gpus}, sort_keys=True, default=str)


@dataclass
class CampaignStatus:
    """The campaign table (``table``: one row per run), counts per state, GPU hours left and the relaunch command."""

    table: Any  # pandas.DataFrame
    counts: Dict[str, int]
    gpu_hours_left: float
    unknown_runs: int
    relaunch: Optional[str]
    #: hours of the runs no run of their shape has measured yet, from the step times measured on an H200
    #: (snnlab.experiments.gpu_hours; paper configs only), and how many runs that covers
    estimated_hours: float = 0.0
    estimated_runs: int = 0

    @property
    def complete(self) -> bool:
        return self.counts.get("done", 0) == len(self.table)

    def summary(self) -> str:
        n = len(self.table)
        parts = ", ".join(f"{self.counts.get(s, 0)} {s}" for s in STATES if self.counts.get(s, 0))
        lines = [f"{n} runs: {parts or 'none'}"]
        left = n - self.counts.get("done", 0)
        if left:
            hours = f"{self.gpu_hours_left:.2f}" if self.gpu_hours_left < 10 else f"{self.gpu_hours_left:.0f}"
            why = "no finished or running run of their shape has measured an epoch yet"
            est = (f" + {self.estimated_hours:.1f} estimated from H200 step times for {self.estimated_runs} runs "
                   "not measured yet (snnlab.experiments.gpu_hours)") if self.estimated_runs else ""
            if self.unknown_runs + self.estimated_runs == left and not self.estimated_runs:
                lines.append(f"expected GPU hours left: unknown ({why})")
            elif self.unknown_runs + self.estimated_runs == left:
                lines.append(f"expected GPU hours left: {self.estimated_hours:.1f}, estimated from H200 step times "
                             f"({self.estimated_runs} runs; snnlab.experiments.gpu_hours: {why})" + (
                                 f" + {self.unknown_runs} runs of unknown duration" if self.unknown_runs else ""))
            else:
                lines.append(f"expected GPU hours left: {hours}" + est + (
                    f" + {self.unknown_runs} runs of unknown duration ({why})" if self.unknown_runs else ""))
        if self.relaunch:
            lines.append(f"relaunch the failed runs: {self.relaunch}")
        return "\n".join(lines)

    def __str__(self) -> str:
        import pandas as pd

        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                               "display.max_colwidth", 90):
            body = self.table.to_string(index=False) if len(self.table) else "(no runs)"
        return body + "\n" + self.summary()

    def _repr_html_(self) -> str:  # pragma: no cover - notebooks
        return self.table.to_html(index=False) + "<pre>" + self.summary() + "</pre>"


def status(plan: Iterable, out=None, target: Optional[str] = None, gpus_per_run: Optional[int] = None
           ) -> CampaignStatus:
    """The campaign table of ``plan``: one row per run (its labels, run folder, state, epochs, GPU hours left,
    detail: the best accuracy, the job, or the failure's last line) and a summary.

    GPU hours left: remaining epochs x seconds per epoch x GPUs per run, the seconds measured by the run itself
    (``metrics.jsonl``) or, failing that, the mean of the finished or running runs of the same shape (model,
    data, T, batch, subsets, truncation, AMP, GPUs); runs with neither are counted as unknown. ``gpus_per_run``
    overrides the GPUs recorded at launch (1 when never launched)."""
    import pandas as pd

    runs = as_plan(plan)
    needs_slurm = any((_read_json(run_dir_for(p.config, out) / LAUNCH_FILE) or {}).get("launcher") == "slurm"
                      for p in runs)
    queue = _slurm_states() if needs_slurm else {}
    states = [run_state(p, out, slurm=queue) for p in runs]
    if gpus_per_run is not None:
        for s in states:
            s.gpus = max(1, gpus_per_run)
    speeds: Dict[str, List[float]] = {}
    for p, s in zip(runs, states):
        if s.seconds_per_epoch is not None:
            speeds.setdefault(_speed_key(p.config, s.gpus), []).append(s.seconds_per_epoch)
    rows, hours, unknown, est_hours, estimated = [], 0.0, 0, 0.0, 0
    label_keys: List[str] = []
    for p in runs:
        for k in p.labels:
            if k not in label_keys:
                label_keys.append(k)
    for p, s in zip(runs, states):
        left_epochs = max(0, s.epochs - s.epochs_done) if s.state != "done" else 0
        h: Optional[float] = 0.0
        if left_epochs:
            spe = s.seconds_per_epoch
            if spe is None:
                same = speeds.get(_speed_key(p.config, s.gpus))
                spe = sum(same) / len(same) if same else None
            basis = "measured"
            if spe is None:  # nothing of this shape measured here: the H200 estimate, if its shape was timed
                from snnlab.experiments.gpu_hours import estimate

                full = estimate(p.config)["hours"]
                if full is None:
                    h, basis = None, ""
                    unknown += 1
                else:
                    h, basis = full * left_epochs / max(1, s.epochs), "H200 estimate"
                    est_hours += h
                    estimated += 1
            else:
                h = left_epochs * spe * max(1, s.gpus) / 3600.0
                hours += h
        row = {k: p.labels.get(k, "") for k in label_keys}
        row.update({"run": s.run, "state": s.state, "epoch": f"{s.epochs_done}/{s.epochs}",
                    "gpu_h_left": (round(h, 3) if h is not None else None),
                    "gpu_h_from": basis if left_epochs else "", "detail": s.detail})
        rows.append(row)
    table = pd.DataFrame(rows, columns=label_keys + ["run", "state", "epoch", "gpu_h_left", "gpu_h_from", "detail"])
    counts = {st: sum(1 for s in states if s.state == st) for st in STATES}
    relaunch = None
    failed = [s for s in states if s.state == "failed"]
    if failed:
        argv = next((s.record.get("argv") for s in failed if s.record and s.record.get("argv")), None)
        if argv:
            argv = [a for a in argv if a not in ("--dry-run", "--wait", "--no-wait", "--failed-only")]
            relaunch = shlex.join(list(argv) + ["--failed-only"])
        elif target:
            relaunch = f"python -m snnlab launch {shlex.quote(target)} --failed-only"
        else:
            names = [s.run for s in failed]
            relaunch = "; ".join(f"python -m snnlab train {shlex.quote(str(run_dir_for(p.config, out)))}"
                                 f"/config.json" for p, s in zip(runs, states) if s.run in names)
    return CampaignStatus(table, counts, hours, unknown, relaunch, est_hours, estimated)


# ------------------------------------------------------------------------------------------------ launch
def slurm_parameters(opts: LaunchOptions, n_jobs: int, name: str = "snnlab") -> Dict[str, Any]:
    """submitit ``SlurmExecutor`` parameters (sbatch options) for ``n_jobs`` array tasks, one run each."""
    p: Dict[str, Any] = {
        "job_name": opts.job_name or name,
        "time": opts.time_min or DEFAULT_SLURM_TIME_MIN,
        "nodes": 1,
        "ntasks_per_node": 1,  # one task; torchrun starts the ranks of a multi-GPU run
        "signal_delay_s": opts.signal_delay_s,
        "array_parallelism": min(n_jobs, opts.parallel) if opts.parallel else max(1, n_jobs),
    }
    if opts.gpus_per_run > 0:
        if opts.gres:
            p["gres"] = opts.gres
        else:
            p["gpus_per_node"] = opts.gpus_per_run
    for k in ("partition", "mem", "account", "cpus_per_task", "qos", "constraint"):
        v = getattr(opts, k)
        if v is not None:
            p[k] = v
    if opts.setup:
        p["setup"] = list(opts.setup)
    if opts.sbatch:
        p["additional_parameters"] = {str(k).replace("_", "-"): v for k, v in dict(opts.sbatch).items()}
    return p


def sbatch_script(opts: LaunchOptions, n_jobs: int, folder: Union[str, Path], name: str = "snnlab") -> str:
    """The sbatch script submitit writes for the array (without submitting; for ``--dry-run``)."""
    from submitit.slurm.slurm import _make_sbatch_string

    python = opts.python or shlex.quote(sys.executable)
    command = " ".join([python, "-u -m submitit.core._submit", shlex.quote(str(folder))])
    params = slurm_parameters(opts, n_jobs, name)
    return _make_sbatch_string(command=command, folder=folder, map_count=n_jobs if n_jobs > 1 else None, **params)


def _local_devices(opts: LaunchOptions) -> List[int]:
    if opts.gpus is not None:
        return list(opts.gpus)
    if opts.gpus_per_run == 0:
        return []
    try:
        import torch

        return list(range(torch.cuda.device_count()))
    except Exception:  # noqa: BLE001
        return []


def _lanes(opts: LaunchOptions, n_runs: int) -> List[Tuple[int, ...]]:
    """The GPUs of each local lane (an empty tuple = a CPU lane)."""
    devices = _local_devices(opts)
    per = opts.gpus_per_run
    if per > 0 and devices:
        if per > len(devices):
            raise ValueError(f"--gpus-per-run {per} but this machine shows {len(devices)} GPU(s) {devices}")
        groups = [tuple(devices[i:i + per]) for i in range(0, len(devices) - per + 1, per)]
        if opts.lanes:
            groups = groups[:opts.lanes]
    else:
        if per > 1:
            raise ValueError(f"--gpus-per-run {per} asks for GPUs but none is visible; use --gpus-per-run 0 for "
                             "the CPU (or --gpus 0,1,... to name the devices)")
        groups = [()] * (opts.lanes or 1)
    return groups[:max(1, n_runs)]


@dataclass
class Launch:
    """What ``launch`` did: the runs it submitted and skipped, the submitit jobs and their folder."""

    launch_id: str
    submitted: List[PlannedRun]
    skipped: Dict[str, str]           # run name -> state
    jobs: List[Any]                   # submitit Job objects (empty for a dry run)
    folder: Optional[Path]
    assignment: List[List[str]]       # run names per job
    script: Optional[str] = None      # sbatch script (slurm)
    commands: List[str] = field(default_factory=list)  # the training command of each submitted run

    def wait(self, out=None, poll_s: float = 2.0, timeout_s: Optional[float] = None) -> CampaignStatus:
        """Block until no submitted run is running or queued; returns the final status of the submitted runs."""
        t0 = time.time()
        while True:
            st = status(self.submitted, out=out)
            if not (st.counts.get("running", 0) or st.counts.get("queued", 0)):
                local = [j for j in self.jobs if hasattr(j, "_process")]
                if all(j.done() for j in local):
                    return status(self.submitted, out=out)
            if timeout_s is not None and time.time() - t0 > timeout_s:
                raise TimeoutError(f"campaign {self.launch_id} still running after {timeout_s:.0f} s:\n{st}")
            time.sleep(poll_s)


def launch(plan: Iterable, options: Optional[LaunchOptions] = None, out=None, dry_run: bool = False,
           failed_only: bool = False, argv: Optional[Sequence[str]] = None, name: str = "snnlab",
           stream=None) -> Launch:
    """Submit the runs of ``plan`` that are neither finished nor running/queued (see the module docstring).
    ``failed_only``: only those whose last attempt failed. ``argv``: the command line, recorded so that ``status``
    can print the relaunch command. ``dry_run``: print what would be submitted (the sbatch script for SLURM, the
    lanes for local) and submit nothing."""
    from snnlab.paths import runs_dir

    try:
        import submitit  # noqa: F401
    except ImportError:
        raise ImportError("launching a campaign needs submitit: pip install submitit (pinned in requirements.txt, "
                          "or pip install -e '.[cluster]')") from None
    opts = options or LaunchOptions()
    stream = stream or sys.stdout
    out_dir = Path(out) if out is not None else runs_dir()
    runs = as_plan(plan)
    if not runs:
        raise ValueError("the plan is empty: nothing to launch")
    st = status(runs, out=out_dir)
    todo, skipped = [], {}
    for p, row in zip(runs, st.table.to_dict("records")):
        state = row["state"]
        wanted = state == "failed" if failed_only else state in ("not started", "failed")
        if wanted:
            todo.append(p)
        else:
            skipped[p.name] = state
    launch_id = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid() % 100000:05d}"
    counts = ", ".join(f"{v} {k}" for k, v in st.counts.items() if v)
    print(f"{len(runs)} runs in the plan ({counts}); {len(todo)} to launch", file=stream)
    folder = out_dir / LAUNCH_DIR / launch_id
    result = Launch(launch_id, todo, skipped, [], None if dry_run else folder, [])
    if not todo:
        print("nothing to launch", file=stream)
        return result
    python = opts.python
    result.commands = [shlex.join(torchrun_command(run_dir_for(p.config, out_dir), out_dir, opts.gpus_per_run, python)
                                  if opts.gpus_per_run > 1 else
                                  train_command(run_dir_for(p.config, out_dir), out_dir, python)) for p in todo]
    job = CampaignJob(out_dir, opts.gpus_per_run, launch_id, python)
    if not dry_run:
        for p in todo:  # a new attempt: the job writes a fresh marker if it fails again
            (run_dir_for(p.config, out_dir) / FAILED_FILE).unlink(missing_ok=True)
    if opts.launcher == "slurm":
        result.assignment = [[p.name] for p in todo]
        result.script = sbatch_script(opts, len(todo), folder, name)
        if dry_run:
            print(f"would submit a SLURM array of {len(todo)} tasks "
                  f"(at most {slurm_parameters(opts, len(todo), name)['array_parallelism']} at once):", file=stream)
            print(result.script, file=stream)
            for p, c in zip(todo, result.commands):
                print(f"  {p.name}: {c}", file=stream)
            return result
        import submitit

        ex = submitit.SlurmExecutor(folder=folder, max_num_timeout=opts.max_timeouts,
                                    python=opts.python)
        ex.update_parameters(**slurm_parameters(opts, len(todo), name))
        jobs = ex.map_array(job, [[p.config.to_dict()] for p in todo])
        result.jobs = list(jobs)
        _record(todo_groups=[[p] for p in todo], jobs=jobs, launcher="slurm", opts=opts, launch_id=launch_id,
                folder=folder, argv=argv, out=out_dir)
        print(f"submitted SLURM array job {jobs[0].job_id.split('_')[0]} ({len(todo)} tasks, at most "
              f"{slurm_parameters(opts, len(todo), name)['array_parallelism']} at once); logs in {folder}",
              file=stream)
        return result
    lanes = _lanes(opts, len(todo))
    if opts.gpus_per_run > 0 and not any(lanes):
        print("no GPU visible (or --gpus none): the runs train on the CPU", file=stream)
    groups = [todo[i::len(lanes)] for i in range(len(lanes))]
    result.assignment = [[p.name for p in g] for g in groups]
    if dry_run:
        print(f"would start {len(lanes)} local process(es):", file=stream)
        for dev, g in zip(lanes, groups):
            where = f"GPU {','.join(map(str, dev))}" if dev else "CPU"
            print(f"  {where}: " + ", ".join(p.name for p in g), file=stream)
        for p, c in zip(todo, result.commands):
            print(f"  {p.name}: {c}", file=stream)
        return result
    import submitit

    ex = submitit.LocalExecutor(folder=folder, max_num_timeout=opts.max_timeouts, python=opts.python)
    jobs = []
    for dev, g in zip(lanes, groups):
        ex.update_parameters(timeout_min=opts.time_min or LOCAL_NO_LIMIT_MIN, signal_delay_s=opts.signal_delay_s,
                             gpus_per_node=len(dev), visible_gpus=tuple(dev), tasks_per_node=1,
                             setup=list(opts.setup))
        jobs.append(ex.submit(job, [p.config.to_dict() for p in g]))
    result.jobs = jobs
    _record(todo_groups=groups, jobs=jobs, launcher="local", opts=opts, launch_id=launch_id, folder=folder,
            argv=argv, out=out_dir)
    for dev, g, j in zip(lanes, groups, jobs):
        where = f"GPU {','.join(map(str, dev))}" if dev else "CPU"
        print(f"started local job {j.job_id} on {where}: {len(g)} run(s)", file=stream)
    print(f"logs in {folder}", file=stream)
    return result


def _record(todo_groups, jobs, launcher, opts, launch_id, folder, argv, out) -> None:
    host = socket.gethostname()
    for g, j in zip(todo_groups, jobs):
        for p in g:
            d = run_dir_for(p.config, out)
            d.mkdir(parents=True, exist_ok=True)
            atomic_write_text(d / LAUNCH_FILE, json.dumps({
                "launch_id": launch_id, "launcher": launcher, "job_id": str(j.job_id), "host": host,
                "folder": str(folder), "stdout": str(j.paths.stdout), "stderr": str(j.paths.stderr),
                "gpus_per_run": opts.gpus_per_run, "argv": list(argv) if argv else None,
                "submitted": time.strftime("%Y-%m-%d %H:%M:%S")}, indent=2))
