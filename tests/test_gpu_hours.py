"""Expected GPU hours (snnlab.experiments.gpu_hours) on constructed measurements, the plan tables' gpu_h column,
and the README's GPU block against the committed results (benchmarks/gpu_budget.py --check)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from snnlab.experiments import gpu_hours, registry

ROOT = Path(__file__).resolve().parents[1]


def _write(folder: Path, name: str, shapes=(), neurons=()):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps({"env": {"gpu": "Test GPU"}, "shapes": list(shapes),
                                           "neurons": list(neurons)}))
    gpu_hours.measurements.cache_clear()


def test_estimate_from_a_measured_shape(tmp_path):
    cfg = registry.get("clif-cifar10-resnet18-lif-T6")  # CIFAR-10: 50,000 / 10,000, batch 128, 200 epochs
    key = list(gpu_hours.shape_key(cfg))
    _write(tmp_path, "gpu-train-run1.json", shapes=[{"key": key, "config": cfg.name, "neuron": "lif",
                                                     "median_s": 0.1, "steps": 6}])
    e = gpu_hours.estimate(cfg, str(tmp_path))
    assert e["steps_per_epoch"] == 391  # ceil(50000 / 128): the loader keeps the last, short batch
    # eval: ceil(10000 / 128) = 79 batches of a third of a step each
    assert e["eval_s_per_epoch"] == pytest.approx(79 * 0.1 / 3)
    assert e["hours"] == pytest.approx(200 * (391 * 0.1 + 79 * 0.1 / 3) / 3600)
    assert e["basis"].startswith("measured")


def test_other_neuron_is_scaled_by_the_resnet_ratio_and_later_runs_win(tmp_path):
    lif = registry.get("clif-cifar10-resnet18-lif-T6")
    clif_t4 = registry.get("clif-cifar10-resnet18-clif-T4")
    _write(tmp_path, "gpu-train-run1.json",
           shapes=[{"key": list(gpu_hours.shape_key(clif_t4)), "config": clif_t4.name, "neuron": "clif",
                    "median_s": 0.2, "steps": 6}],
           neurons=[{"config": lif.name, "neuron": "lif", "variant": "snnlab", "median_s": 0.05, "steps": 50}])
    _write(tmp_path, "gpu-train-run2.json",
           neurons=[{"config": lif.name, "neuron": "lif", "variant": "snnlab", "median_s": 0.04, "steps": 50},
                    {"config": "clif-cifar10-resnet18-clif-T6", "neuron": "clif", "variant": "snnlab",
                     "median_s": 0.08, "steps": 50},
                    {"config": "clif-cifar10-resnet18-ann", "neuron": "ann", "variant": "snnlab",
                     "median_s": 0.01, "steps": 50}])
    plif_t4 = registry.get("clif-cifar10-resnet18-plif-T4")
    e = gpu_hours.estimate(plif_t4, str(tmp_path))  # no PLIF in the neuron comparison: unscaled, and said so
    assert e["step_s"] == pytest.approx(0.2) and "no ratio for plif" in e["basis"]
    lif_t4 = registry.get("clif-cifar10-resnet18-lif-T4")
    e = gpu_hours.estimate(lif_t4, str(tmp_path))  # measured with clif: times lif/clif = 0.04 / 0.08
    assert e["step_s"] == pytest.approx(0.2 * 0.5)
    assert "times 0.50 for lif" in e["basis"]
    assert gpu_hours.estimate(lif, str(tmp_path))["step_s"] == pytest.approx(0.04)  # run 2 overrides run 1
    ann = registry.get("clif-cifar10-resnet18-ann")  # labelled "ann" in the benchmark, neuron "relu" here
    assert gpu_hours.estimate(ann, str(tmp_path))["step_s"] == pytest.approx(0.01)


def test_drop_last_and_unmeasured(tmp_path):
    star = registry.get("clif-cifar10star-resnet18-clif-T4")
    assert star.data_opts.get("drop_last")
    _write(tmp_path, "gpu-train-run1.json", shapes=[{"key": list(gpu_hours.shape_key(star)), "config": star.name,
                                                     "neuron": "clif", "median_s": 0.1, "steps": 6}])
    assert gpu_hours.estimate(star, str(tmp_path))["steps_per_epoch"] == 390  # floor(50000 / 128)
    e = gpu_hours.estimate(registry.get("klif-nmnist-plifnet-klif-T10"), str(tmp_path))
    assert e["hours"] is None and "no GPU measurement" in e["why"]
    e = gpu_hours.estimate(star, str(tmp_path / "empty"))
    assert e["hours"] is None and "gpu_check.sh" in e["why"]


def test_plan_table_has_gpu_hours_for_the_paper_profile_only():
    from snnlab.papers import common as C

    gpu_hours.measurements.cache_clear()
    paper = C.plan_table(C.plan("clif-cifar10-resnet18-T6", profile="paper"))
    assert "gpu_h" in paper.columns and paper["gpu_h"].notna().all() and (paper["gpu_h"] > 0).all()
    dry = C.plan_table(C.plan("clif-cifar10-resnet18-T6", profile="paper-dryrun"))
    assert list(dry["gpu_h"]) == list(paper["gpu_h"])  # a dry-run row shows the paper run's hours
    quick = C.plan_table(C.plan("quick-clif-fmnist", profile="quick"))
    assert "gpu_h" not in quick.columns


def test_readme_gpu_block_is_generated_from_the_results():
    proc = subprocess.run([sys.executable, "benchmarks/gpu_budget.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_show_status_gives_the_gpu_hours_left_for_the_paper_profile(tmp_path, monkeypatch):
    import io

    from snnlab.papers import common as C

    monkeypatch.setenv("SNNLAB_RUNS", str(tmp_path / "runs"))  # nothing finished
    gpu_hours.measurements.cache_clear()
    plan = C.plan("clif-cifar10-resnet18-T6", profile="paper")
    out = io.StringIO()
    C.show_status(plan, file=out)
    want = sum(round(gpu_hours.estimate(e.config)["hours"], 2) for e in plan)
    assert f"expected H200 GPU hours of these runs at paper scale: {want:.1f}" in out.getvalue()
    out = io.StringIO()
    C.show_status(C.plan("quick-clif-fmnist", profile="quick"), file=out)
    assert "GPU hours" not in out.getvalue()
