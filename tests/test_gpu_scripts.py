"""The GPU check's scripts (benchmarks/gpu_kernels.py, benchmarks/gpu_train.py) run end to end on the CPU with tiny
settings, so that the one run a GPU machine gets is not spent on a crash: the Triton kernels under the
interpreter, the training steps and the checkpoint/resume through the real trainer on the fake datasets. Their
timings mean nothing here; what is checked is the structure of the JSON and the correctness fields."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(args, tmp_path, env_extra=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), SNNLAB_PROGRESS="quiet", SNNLAB_RUNS=str(tmp_path / "runs"))
    env.update(env_extra or {})
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable] + args + ["--device", "cpu", "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_gpu_kernels_script_runs_and_checks_its_kernels(tmp_path):
    pytest.importorskip("triton")
    data = _run(["benchmarks/gpu_kernels.py", "--N", "300", "--T", "3", "--repeats", "1", "--warmup", "0",
                 "--copy-bytes", str(1 << 20), "--neurons", "lif", "glif", "plif"], tmp_path,
                {"TRITON_INTERPRET": "1"})
    assert data["copy_bandwidth_GBps"] > 0
    rows = {r["neuron"]: r for r in data["rows"]}
    assert set(rows) == {"lif", "glif", "plif"}
    for r in rows.values():  # the same parameters on both sides (GLIF's random gates too): the same spikes
        assert r["spikes_equal"], r
        assert r["grad_rel_err"] < 1e-5, r
        assert r["subjects"]["snnlab"]["median_s"] > 0
    assert rows["plif"]["subjects"]["spikingjelly"] == {"skipped": "no SpikingJelly 2.0 equivalent"}
    summary = {e["neuron"]: e for e in data["summary"]}
    assert summary["lif"]["speedup_vs_reference"] > 0 and summary["lif"]["bandwidth_fraction"] > 0


def test_gpu_train_script_times_steps_and_resumes(tmp_path):
    pytest.importorskip("spikingjelly")
    data = _run(["benchmarks/gpu_train.py", "--neurons", "lif", "ilif", "--batch", "2", "--steps", "1",
                 "--warmup", "0", "--shape-steps", "1", "--shape-warmup", "0", "--shapes-limit", "1", "--T", "4",
                 "--resume-config", "clif-fig2a-snn5-lif-tau2.0-k6"], tmp_path)
    rows = {(r["neuron"], r["variant"]): r for r in data["neurons"]}
    assert rows[("lif", "snnlab")]["median_s"] > 0 and rows[("lif", "snnlab")]["batch"] == 2
    assert rows[("lif", "spikingjelly")]["spikingjelly_nodes"] == ["LIFNode"]
    assert rows[("ilif", "spikingjelly")]["skipped"].startswith("no SpikingJelly 2.0 equivalent of ilif")
    assert "error" not in rows[("ilif", "snnlab")], rows[("ilif", "snnlab")]
    shape = data["shapes"][0]
    assert shape["configs"] >= 1 and shape["median_s"] > 0, shape
    res = data["resume"]
    assert res["stopped"] and res["checkpoint_at"] == {"epoch": 1, "step": 2, "global_step": 6}, res
    assert res["epochs"] == [2, 2]
    assert res["metrics_equal"] and res["max_weight_diff"] == 0.0, res
