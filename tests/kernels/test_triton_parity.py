"""Triton kernels vs the reference loop, run by the Triton interpreter on CPU tensors (no GPU in CI), or compiled
on a GPU when ``SNNLAB_TRITON_DEVICE=cuda`` (benchmarks/gpu_check.sh: the same cases and bounds, the kernels as
the GPU runs them; the cases are spread over several worker processes there).

The interpreter is selected by TRITON_INTERPRET=1, which must be set before triton is imported, so the cases run
in one subprocess (tests/kernels/triton_parity_worker.py) and each is checked here: spikes identical, states and
gradients (x, initial state through a continued sequence, PLIF w, KLIF k, every GLIF w_*) within float32
rounding (GLIF's carried H bit-identical), or within half-precision rounding for bfloat16/float16 inputs
(compared with the float32 reference: the kernels keep the state in float32).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("triton")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import nonfinite_cases as nf  # noqa: E402
import triton_parity_worker as worker  # noqa: E402  (only its CASES list; it sets TRITON_INTERPRET itself)


DEVICE = os.environ.get("SNNLAB_TRITON_DEVICE", "cpu")
if DEVICE not in ("cpu", "cuda"):
    raise ValueError(f"SNNLAB_TRITON_DEVICE={DEVICE!r}: use 'cpu' (the interpreter) or 'cuda' (a GPU)")


@pytest.fixture(scope="module")
def results():
    root = HERE.parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    if DEVICE == "cpu":
        env["TRITON_INTERPRET"] = "1"
        shards = 1
    else:
        env.pop("TRITON_INTERPRET", None)
        shards = max(1, min(8, os.cpu_count() or 1))
    cmd = [sys.executable, str(HERE / "triton_parity_worker.py"), "--device", DEVICE, "--shards", str(shards)]
    procs = [subprocess.Popen(cmd + ["--shard", str(i)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=root) for i in range(shards)]
    rows = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err[-4000:]
        rows += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {r["index"]: r for r in rows}


def _case_id(c):
    kind, p = c[0], c[1]
    mid = (f"c{p.get('channels') or 0}-{p['start']}-d{int(p.get('detach_reset', False))}" if kind == "glif"
           else str(p.get("v_reset", "soft")))
    return f"{kind}-{p.get('surrogate')}-{mid}-T{c[2]}-{c[3]}-nc{int(c[4])}"


@pytest.mark.parametrize("index", range(len(worker.CASES)), ids=[_case_id(c) for c in worker.CASES])
def test_triton_matches_reference(results, index):
    r = results[index]
    half = r["dtype"] != "float32"
    assert r["grad_nonzero"]
    assert r["spikes_equal"], r
    if not half:
        assert r["state_err"] < 1e-5, r
        if r["kind"] == "glif":  # glif.h's operation order without FMA: the carried H is bit-identical
            assert r["state_err"] == 0.0, r
        assert max(r["grad_rel_err"]) < 2e-5, r
    else:  # same rounded input, float32 state; only the returned state and gradients are rounded to 16 bits
        assert r["state_err"] < 2e-2, r
        assert max(r["grad_rel_err"]) < 2e-2, r


@pytest.mark.parametrize("index", range(len(nf.cases())), ids=[nf.case_id(c) for c in nf.cases()])
def test_triton_follows_the_reference_on_nan_and_inf(results, index):
    """NaN/Inf inputs (test_nonfinite.py's rule and cases): same spikes, NaN/±Inf at the reference's places."""
    problems = results[f"nf{index}"]["problems"]
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("index", range(len(worker.DOUBLE_BACKWARD)),
                         ids=["-".join(map(str, c[:2])) for c in worker.DOUBLE_BACKWARD])
def test_triton_double_backward_refused_clearly(results, index):
    """A gradient penalty (create_graph=True) through the Triton ops is refused with an error that names the way
    out (backend='reference'), never a silently wrong second-order gradient (issue 16, item 1: differentiable or
    refuse). The C ops recompute the reference loop instead (test_double_backward.py)."""
    r = results[f"db{index}"]
    assert "refused" in r, f"the Triton op ran a double backward: {r}"
    assert "create_graph" in r["refused"] and "backend='reference'" in r["refused"], r["refused"]


def test_triton_ops_return_no_views(results):
    """Every Triton op output in all the cases above is a tensor of its own (op_views.py)."""
    rows = [r for k, r in results.items() if str(k).startswith("views")]
    assert rows
    assert not [v for r in rows for v in r["views"]]


def test_triton_glif_saves_h_and_x(results):
    """GLIF's Triton forward keeps H (float32, one [T, ...] tensor: its only state variable) and x by reference
    (for the gradient of the per-step input gain); everything else saved is per channel."""
    r = results["glif_saved"]
    assert r["x_saved"]
    assert r["big"] == [r["x_bytes"], r["x_bytes"]], r  # x (float32) and H (float32), same size
    assert r["small_total"] < 2000, r


def test_triton_without_cuda_or_interpreter_raises(monkeypatch):
    import torch

    from snnlab import kernels, neurons

    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(kernels.KernelUnavailable, match="CUDA"):
        neurons.build("lif", backend="triton")(torch.randn(2, 3))
