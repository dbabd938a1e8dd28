"""Fault injection (issue 16): a training SIGKILLed at six points (during checkpoint and metrics writes, between
the last checkpoint and its metrics line, during the metrics repair of a resume, during the final files, and at
a random time) and resumed each time ends bit-identical to an uninterrupted run, with complete metrics and no
temp file left. The kills happen in ``fault_driver.py`` (forked children of one process that imported torch
once); the kill points are drawn at random: set ``SNNLAB_FAULT_SEED`` to replay a draw."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import torch

from snnlab.experiments import load_run

ROOT = Path(__file__).resolve().parents[2]


def test_random_sigkills_and_resumes_end_bit_identical(tmp_path):
    seed = int(os.environ.get("SNNLAB_FAULT_SEED", random.SystemRandom().randrange(2 ** 31)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "SNNLAB_RUNS": str(tmp_path / "runs"), "OMP_NUM_THREADS": "1"}
    env.pop("SNNLAB_KILL_AT", None)
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("fault_driver.py")), str(tmp_path),
                           str(seed)], env=env, capture_output=True, text=True, timeout=600)
    replay = f"(replay with SNNLAB_FAULT_SEED={seed})"
    assert proc.returncode == 0, f"{replay}\n{proc.stderr[-4000:]}"
    report = json.loads((tmp_path / "report.json").read_text())
    attempts = report["attempts"]
    detail = f"{replay}\n{json.dumps(attempts, indent=1)}\n{proc.stderr[-3000:]}"

    # every attempt died of SIGKILL; at least five kills, at the required kinds of points
    assert all(a["signal"] == 9 for a in attempts), detail
    assert len(attempts) >= 6, detail
    specs = [a["spec"] or "" for a in attempts]
    assert any(s.startswith("checkpoint.pt:") and s.endswith((":partial", ":written")) for s in specs), detail
    assert any(s.startswith("metrics.jsonl:") for s in specs), detail
    assert sum(a["label"] == "timer" for a in attempts) == 1, detail
    # a kill mid-write leaves its temp file behind (removed by the next start)
    assert any(a["temps"] for a in attempts if (a["spec"] or "").endswith(":partial")), detail
    # the lost-metrics state really happened: last epoch's checkpoint in place, its metrics line not written
    lost = next(a for a in attempts if a["label"] == "ck e3 s0")
    assert lost["position_after"] == [3, 0] and lost["metrics_rows"] == 2, detail

    # the last resume finished: bit-identical weights, complete and identical metrics, nothing left over
    assert report["final_signal"] == 0, detail
    assert report["final_temps"] == [], detail
    ref, got = load_run(report["reference"]), load_run(report["run"])
    a = torch.load(Path(ref.dir) / "model_final.pt", weights_only=False)["model"]
    b = torch.load(Path(got.dir) / "model_final.pt", weights_only=False)["model"]
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs {detail}"
    drop = ("seconds", "samples_per_s", "eval_seconds")
    rows = [{k: v for k, v in m.items() if k not in drop} for m in got.metrics.to_dict("records")]
    assert len(rows) == 3
    assert rows == [{k: v for k, v in m.items() if k not in drop} for m in ref.metrics.to_dict("records")], detail
    for key in ("best_test_acc", "best_epoch", "final_test_acc", "final_train_loss", "firing_rates"):
        assert got.summary[key] == ref.summary[key], key
