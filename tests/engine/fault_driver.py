"""Fault-injection driver for ``test_faults.py``: trains one smoke config in forked child processes, SIGKILLs
them at chosen points (``SNNLAB_KILL_AT``, see :mod:`snnlab.fileio`) and at a random time, resumes each time,
and writes a JSON report. Run as ``python fault_driver.py OUT_DIR SEED``.

The driver imports torch and snnlab once and never computes with torch itself, so forking it is safe and each
child starts in milliseconds. The kill points, in the order of one run's writes (3 epochs of 4 steps, a
mid-epoch checkpoint at step 2):

1. a checkpoint write of epoch 1 or 2 (mid-epoch or end), half written or complete but not renamed;
2. a ``metrics.jsonl`` write of epoch 1 or 2, half written, not renamed, or just renamed;
3. the last epoch's checkpoint just renamed, before its ``metrics.jsonl`` (the "lost metrics" case);
4. the rewrite of ``metrics.jsonl`` from the checkpoint that the next resume does first, half written;
5. ``model_final.pt`` half written, or ``summary.json`` half written / not renamed;

plus one kill at a random time (from a random one of those points on). Then a last resume runs to the end.
A reference run in another folder is trained without interruption.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path

import torch

torch.set_num_threads(1)

import pandas  # noqa: E402,F401  - preloaded: the children fork with everything imported
import snnlab.data.encoding  # noqa: E402,F401
import snnlab.data.synthetic  # noqa: E402,F401
import snnlab.distributed  # noqa: E402,F401
import snnlab.energy  # noqa: E402,F401
import snnlab.kernels  # noqa: E402,F401
import snnlab.monitors  # noqa: E402,F401
import snnlab.reproducibility  # noqa: E402,F401
import snnlab.tbptt  # noqa: E402,F401
import snnlab.train  # noqa: E402,F401
from snnlab.experiments import get, run  # noqa: E402

torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)  # imports torch._dynamo (seconds) once, here

EPOCHS, STEPS, MID = 3, 4, 2
CONFIG = get("smoke-lif").replace(epochs=EPOCHS, max_steps_per_epoch=STEPS, checkpoint_every=MID, num_threads=1,
                                  progress="quiet")


def writes_from(pos):
    """The writes (file name, label) a process resuming from checkpoint position ``pos`` makes, in order."""
    seq = [("metrics.jsonl", "repair")] if pos is not None else []
    e, s = pos or (0, 0)
    while e < EPOCHS:
        if s < MID:
            seq.append(("checkpoint.pt", f"ck e{e} s{MID}"))
        seq.append(("checkpoint.pt", f"ck e{e + 1} s0"))
        seq.append(("metrics.jsonl", f"metrics e{e}"))
        e, s = e + 1, 0
    return seq + [("model_final.pt", "final"), ("summary.json", "summary")]


def position(run_dir: Path):
    ck = run_dir / "checkpoint.pt"
    if not ck.is_file():
        return None
    state = torch.load(ck, map_location="cpu", weights_only=False)
    return (state["epoch"], state["step"])


def spawn(out: Path, kill_at: str | None) -> int:
    pid = os.fork()
    if pid == 0:  # child: train, never return into the driver
        code = 1
        try:
            if kill_at:
                os.environ["SNNLAB_KILL_AT"] = kill_at
            run(CONFIG, out=out)
            code = 0
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return pid


def wait(pid: int, timer: float | None = None) -> tuple[int, bool]:
    """(signal or -exit code, killed by the timer)."""
    by_timer = False
    if timer is not None:
        end = time.monotonic() + timer
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)  # checked once more after the deadline: a child that
            if done or time.monotonic() >= end:         # killed itself meanwhile is not a timer kill
                break
            time.sleep(0.005)
        if not done:
            os.kill(pid, signal.SIGKILL)
            by_timer = True
            _, status = os.waitpid(pid, 0)
    else:
        _, status = os.waitpid(pid, 0)
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status)
    return sig, by_timer


def main(out: Path, seed: int) -> dict:
    rng = random.Random(seed)
    ref_dir, dut = out / "reference", out / "killed"
    t0 = time.monotonic()
    sig, _ = wait(spawn(ref_dir, None))
    ref_seconds = time.monotonic() - t0
    assert sig == 0, f"the reference run failed ({sig})"
    plan = [
        (rng.choice([f"ck e0 s{MID}", "ck e1 s0"]), rng.choice(["partial", "written"])),
        (rng.choice(["metrics e0", "metrics e1"]), rng.choice(["partial", "written", "replaced"])),
        (f"ck e{EPOCHS} s0", "replaced"),
        ("repair", "partial"),
        rng.choice([("final", "partial"), ("summary", "partial"), ("summary", "written")]),
    ]
    # the random-time kill: tried from a random plan point on, with that point's kill as a backstop; when the
    # backstop comes first, it is tried again at the next point with a shorter timer; at the last point it is
    # retried there with a timer 4x shorter each time until it lands (a forked child reaches the final files in
    # well under 0.1 s, so one short try is not enough)
    timer_from = rng.randrange(len(plan))
    timer_done = False
    run_dir = dut / CONFIG.run_name
    attempts = []
    last = ref_seconds
    last_timer = None
    for i, (label, phase) in enumerate(plan):
        while True:
            timer = None
            if not timer_done and i >= timer_from:
                if i < len(plan) - 1:
                    timer = rng.uniform(0.1, 0.9) * last * 0.5 ** (i - timer_from)
                else:
                    timer = rng.uniform(0.01, 0.1) if last_timer is None else last_timer / 4
                    last_timer = timer
            pos = position(run_dir)
            seq = writes_from(pos)
            labels = [lab for _, lab in seq]
            assert label in labels, f"kill point {label!r} is not ahead of checkpoint position {pos}: {seq}"
            name = seq[labels.index(label)][0]
            k = [n for n, _ in seq[: labels.index(label) + 1]].count(name)
            spec = f"{name}:{k}:{phase}"
            t0 = time.monotonic()
            sig, by_timer = wait(spawn(dut, spec), timer)
            if by_timer and label not in [lab for _, lab in writes_from(position(run_dir))]:
                by_timer = False  # the child reached its kill point as the timer fired: that was the backstop
            attempts.append({"label": "timer" if by_timer else label, "spec": None if by_timer else spec,
                             "timer": timer, "signal": sig, "seconds": time.monotonic() - t0,
                             "position_before": pos, "position_after": position(run_dir),
                             "temps": sorted(p.name for p in run_dir.glob(".*.tmp*")),
                             "metrics_rows": len((run_dir / "metrics.jsonl").read_text().splitlines())
                             if (run_dir / "metrics.jsonl").is_file() else 0})
            if not by_timer:
                last = time.monotonic() - t0
                if timer is not None and i == len(plan) - 1:
                    continue  # the backstop came first at the last point: try the timer again, sooner
                break  # the injected point was reached
            timer_done = True
    sig, _ = wait(spawn(dut, None))
    return {"seed": seed, "reference_seconds": ref_seconds, "attempts": attempts, "final_signal": sig,
            "reference": str(ref_dir / CONFIG.run_name), "run": str(run_dir),
            "final_temps": sorted(p.name for p in run_dir.glob(".*.tmp*"))}


if __name__ == "__main__":
    out_dir, seed_arg = Path(sys.argv[1]), int(sys.argv[2])
    report = main(out_dir, seed_arg)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1))
