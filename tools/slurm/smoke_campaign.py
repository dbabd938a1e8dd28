"""End-to-end check on a real SLURM cluster (``make test-slurm`` starts one with tools/slurm/start_cluster.sh):
launch a smoke campaign with ``python -m snnlab launch ... --launcher slurm``, preempt one array task mid-run with
submitit's signal (``scancel --signal=USR2``: it checkpoints, requeues itself and resumes), wait, check that
``python -m snnlab status`` shows every run done, and that every run is bit-identical to one trained directly.

    SLURM_CONF=build/slurm/slurm.conf python tools/slurm/smoke_campaign.py [--runs DIR] [--timeout S]
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = "smoke-*lif"
SETS = ["epochs=3", "train_subset=256", "max_steps_per_epoch=null", "checkpoint_every=2", "num_threads=1"]
TIMING = {"seconds", "samples_per_s", "eval_seconds"}


def sh(cmd, **kw) -> subprocess.CompletedProcess:
    print("$ " + shlex.join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, **kw)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", default=str(ROOT / "build" / "test-slurm" / "runs"))
    ap.add_argument("--timeout", type=float, default=900.0)
    args = ap.parse_args()
    if shutil.which("sbatch") is None or not os.environ.get("SLURM_CONF"):
        print("no SLURM here: start one with tools/slurm/start_cluster.sh and export SLURM_CONF", file=sys.stderr)
        return 2
    runs = Path(args.runs)
    shutil.rmtree(runs.parent, ignore_errors=True)
    os.environ["SNNLAB_RUNS"] = str(runs)
    sets = [a for s in SETS for a in ("--set", s)]
    py = sys.executable
    t0 = time.time()
    sh([py, "-m", "snnlab", "launch", TARGET, "--launcher", "slurm", "--gpus-per-run", "0", "--time", "15",
        "--mem", "2G", "--cpus-per-task", "1", "--parallel", "2", "--no-wait", *sets])

    from snnlab.experiments import parse_assignments, run, run_dir_for
    from snnlab.experiments.campaign import status
    from snnlab.launch import resolve

    plan = resolve(TARGET, sets=parse_assignments(SETS))
    first = run_dir_for(plan[0].config, runs)
    deadline = t0 + args.timeout
    while not (first / "checkpoint.pt").exists():
        if time.time() > deadline:
            raise SystemExit(f"run {first.name} never checkpointed; see {runs}/.launch")
        time.sleep(0.1)
    rec = json.loads((first / "launch.json").read_text())
    preempted = not (first / "summary.json").exists()
    if preempted:  # what SLURM does before a time limit (--signal=USR2@...) and what submitit handles
        print(f"$ scancel --signal=USR2 {rec['job_id']}", flush=True)
        # the task requeues itself at once, so slurmctld may answer "Job can not be altered now" and scancel
        # retries for a minute and a half: the signal was delivered all the same (the job's log says so, checked
        # below), so do not wait for it
        try:
            subprocess.run(["scancel", "--signal=USR2", rec["job_id"]], timeout=10)
        except subprocess.TimeoutExpired:
            pass
    while True:
        st = status(plan, out=runs)
        if not (st.counts["running"] or st.counts["queued"]):
            break
        if time.time() > deadline:
            raise SystemExit(f"campaign not finished after {args.timeout:.0f} s:\n{st}")
        time.sleep(2)
    wall = time.time() - t0
    out = sh([py, "-m", "snnlab", "status", TARGET, *sets], capture_output=True).stdout
    print(out)
    assert f"{len(plan)} runs: {len(plan)} done" in out, "not every run is done"
    if preempted:
        log = Path(rec["stdout"]).read_text()
        err = Path(rec["stderr"]).read_text()
        assert "Requeued job" in log, f"job {rec['job_id']} was not requeued:\n{log}"
        assert f"resuming {first.name} at epoch" in err, f"job {rec['job_id']} did not resume:\n{err}"
        print(f"job {rec['job_id']} was preempted mid-run, requeued by submitit and resumed from its checkpoint")
    else:
        print(f"run {first.name} finished before it could be preempted (machine too fast): no requeue checked")
    import torch

    ref = runs.parent / "ref"
    for p in plan:
        run(p.config, out=ref)
        a, b = run_dir_for(p.config, runs), run_dir_for(p.config, ref)
        ma, mb = (torch.load(x / "model_final.pt", weights_only=False)["model"] for x in (a, b))
        assert ma.keys() == mb.keys() and all(torch.equal(ma[k], mb[k]) for k in ma), f"{a.name}: weights differ"
        rows = [[{k: v for k, v in json.loads(x).items() if k not in TIMING} for x in (d / "metrics.jsonl").read_text()
                 .splitlines()] for d in (a, b)]
        assert rows[0] == rows[1], f"{a.name}: metrics differ"
    print(f"test-slurm: {len(plan)} runs launched through SLURM in {wall:.0f} s; all done, identical to direct runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
