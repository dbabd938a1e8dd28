"""Hostile inputs and faults around training (issue 16, items 5, 9, 10, 13): lost and torn metrics, stale and
failed temp files, damaged checkpoints and run files, config values, and the CLI's error messages."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from snnlab import cli
from snnlab.experiments import RunConfig, get, parse_assignments, run
from snnlab.fileio import CorruptFileError
from snnlab.train import Trainer, atomic_save, load_checkpoint


class Kill(Exception):
    """Stands for the process being killed."""


def _cfg(**changes):
    base = dict(epochs=2, max_steps_per_epoch=2, test_subset=16, progress="quiet")
    base.update(changes)
    return get("smoke-lif").replace(**base)


def _strip(df):
    drop = ("seconds", "samples_per_s", "eval_seconds")
    return [{k: v for k, v in m.items() if k not in drop} for m in df.to_dict("records")]


def _killed_run(cfg, out, when):
    """Train ``cfg`` into ``out`` and stop it (as a kill would) when ``when(trainer)`` is true at a metrics write."""
    original = Trainer._write_metrics

    def write(self):
        if when(self):
            raise Kill()
        original(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Trainer, "_write_metrics", write)
        with pytest.raises(Kill):
            run(cfg, out=out)
    return out / cfg.run_name


# ------------------------------------------------------------------------------------------------ item 5
def test_kill_between_last_checkpoint_and_metrics_loses_no_row(tmp_path):
    cfg = _cfg()
    ref = run(cfg, out=tmp_path / "a")
    d = _killed_run(cfg, tmp_path / "b", lambda tr: len(tr.metrics) == cfg.epochs)
    assert load_checkpoint(d / "checkpoint.pt")["epoch"] == cfg.epochs          # the last checkpoint is in place
    assert len((d / "metrics.jsonl").read_text().splitlines()) == cfg.epochs - 1  # but its metrics line is not
    resumed = run(cfg, out=tmp_path / "b")
    assert len(resumed.metrics) == cfg.epochs
    assert _strip(resumed.metrics) == _strip(ref.metrics)


def test_torn_last_metrics_line_is_dropped_with_a_warning(tmp_path):
    cfg = _cfg()
    r = run(cfg, out=tmp_path)
    path = r.dir / "metrics.jsonl"
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2])
    with pytest.warns(UserWarning, match=r"metrics.jsonl: the last line \(2\) is cut off"):
        m = r.metrics
    assert len(m) == 1 and m["epoch"].tolist() == [0]
    path.write_text(lines[0][:20] + "\n" + lines[1] + "\n")                      # damage that is not a torn tail
    with pytest.raises(CorruptFileError, match=r"metrics.jsonl:1 is not valid JSON"):
        r.metrics


# ------------------------------------------------------------------------------------------------ item 10
def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temp_files_of_killed_writers_are_removed(tmp_path):
    cfg = _cfg(epochs=1)
    d = tmp_path / cfg.run_name
    d.mkdir(parents=True)
    dead = d / f".checkpoint.pt.tmp{_dead_pid()}"
    dead.write_bytes(b"\0" * 1_000_000)
    live = d / f".model_best.pt.tmp{os.getppid()}"                              # a writer that still runs
    live.write_bytes(b"\0" * 10)
    run(cfg, out=tmp_path)
    assert not dead.exists() and live.exists()


def test_failed_write_removes_its_temp_file_and_names_the_path(tmp_path):
    """Disk full (here: the file-size limit, EFBIG) in the middle of a 3 MB checkpoint write."""
    import resource
    import signal

    target = tmp_path / "checkpoint.pt"
    atomic_save({"model": {"w": torch.zeros(4)}}, target)
    before = target.read_bytes()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, hard))
    try:
        with pytest.raises(OSError) as info:
            atomic_save({"model": {"w": torch.zeros(750_000)}}, target)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert str(target) in str(info.value) and "temporary file was removed" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]        # no temp file left
    assert target.read_bytes() == before                                          # the old file is intact


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage", "not-a-checkpoint"])
def test_damaged_checkpoint_on_resume_names_it_and_the_restart_flag(tmp_path, capsys, damage):
    cfg = _cfg()
    d = _killed_run(cfg, tmp_path, lambda tr: len(tr.metrics) == 1)
    ck = d / "checkpoint.pt"
    blob = ck.read_bytes()
    if damage == "truncated":
        ck.write_bytes(blob[: len(blob) // 2])
    elif damage == "empty":
        ck.write_bytes(b"")
    elif damage == "garbage":
        ck.write_bytes(os.urandom(4096))
    else:
        torch.save([1, 2, 3], ck)
    with pytest.raises(CorruptFileError, match=r"checkpoint.pt.*--restart"):
        run(cfg, out=tmp_path)
    sets = [f"--set={k}={json.dumps(v)}" for k, v in
            {"epochs": 2, "max_steps_per_epoch": 2, "test_subset": 16}.items()]
    assert cli.main(["train", "smoke-lif", *sets, "--out", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: CorruptFileError: ") and str(ck) in err and "--restart" in err
    assert "Traceback" not in err
    assert cli.main(["train", "smoke-lif", *sets, "--out", str(tmp_path), "--quiet", "--restart"]) == 0


def test_damaged_run_files_are_named(tmp_path, monkeypatch):
    cfg = _cfg(epochs=1)
    r = run(cfg, out=tmp_path)
    good = r.summary
    (r.dir / "summary.json").write_text(json.dumps(good)[:100])
    with pytest.raises(CorruptFileError, match=r"summary.json is not valid JSON"):
        r.summary
    with pytest.warns(UserWarning, match="summary.json is not valid JSON"):
        again = run(cfg, out=tmp_path)                         # resumed from its checkpoint: summary rewritten
    assert again.summary["best_test_acc"] == good["best_test_acc"]
    final = r.dir / "model_final.pt"
    final.write_bytes(final.read_bytes()[:300])
    with pytest.raises(CorruptFileError, match=r"model_final.pt cannot be loaded"):
        r.load_model()
    # results.json of a notebook topic
    from snnlab.notebook import setup

    monkeypatch.setenv("SNNLAB_FIGURES", str(tmp_path / "figures"))
    nb = setup("demo", "smoke", {}, quiet=True)
    nb.results(acc=0.5)
    res = tmp_path / "figures" / "demo" / "results.json"
    res.write_text(res.read_text()[:10])
    with pytest.raises(CorruptFileError, match=r"results.json is not valid JSON.*topic 'demo'"):
        nb.results(acc=0.6)


# ------------------------------------------------------------------------------------------------ item 9
@pytest.mark.parametrize("field", ["lr", "weight_decay", "loss_lambda", "momentum", "loss_means",
                                   "label_smoothing"])
@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused(field, text):
    value = parse_assignments([f"{field}={text}"])[field]
    with pytest.raises(ValueError, match=rf"RunConfig.{field} must be a finite number"):
        get("smoke-lif").replace(**{field: value})
    with pytest.raises(ValueError, match=rf"RunConfig.{field} must be a finite number"):
        RunConfig.from_json(json.dumps({field: float(text)}))


def test_run_names_cannot_leave_the_runs_folder(tmp_path, capsys):
    for bad in ("../../escaped", "a/b", "..", ".hidden", "", "x" * 200, "a b", "a\\b"):
        with pytest.raises(ValueError, match="RunConfig.name must be"):
            RunConfig(name=bad)
    assert cli.main(["train", "smoke-lif", "--set", "name=../../escaped", "--out", str(tmp_path / "o" / "p"),
                     "--quiet"]) == 2
    assert "RunConfig.name must be" in capsys.readouterr().err
    assert not (tmp_path / "escaped").exists() and not any(tmp_path.rglob("*escaped*"))
    assert RunConfig(name="quick-ilif-gamma-lif-g0.5-s1234").name.endswith("s1234")


def test_booleans_must_be_booleans():
    for bad in ("yes", "true", 1, 0, None):
        with pytest.raises(TypeError, match="RunConfig.amp must be true or false"):
            get("smoke-lif").replace(amp=bad)
        with pytest.raises(TypeError, match=r"RunConfig.deterministic must be true, false or 'cudnn'"):
            get("smoke-lif").replace(deterministic=bad)
    assert get("smoke-lif").replace(**parse_assignments(["amp=true"])).amp is True


# ------------------------------------------------------------------------------------------------ item 13
def test_cli_turns_runtime_failures_into_one_line_errors(tmp_path, capsys, monkeypatch):
    # OSError: --out below a regular file
    (tmp_path / "file").write_text("x")
    assert cli.main(["train", "smoke-lif", "--out", str(tmp_path / "file" / "runs"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and str(tmp_path / "file") in err
    # TrainingDiverged: a loss that turns NaN
    import snnlab.losses as losses

    real = losses.build
    monkeypatch.setattr(losses, "build", lambda *a, **k: (lambda out, y: real(*a, **k)(out, y) * float("nan")))
    assert cli.main(["train", "smoke-lif", "--out", str(tmp_path / "runs"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: TrainingDiverged: loss is nan at epoch 1, step 1") and len(err.splitlines()) == 1
    monkeypatch.setattr(losses, "build", real)
    # CorruptDatasetError: a truncated Fashion-MNIST file
    import struct

    folder = tmp_path / "data" / "fashion-mnist"
    folder.mkdir(parents=True)
    for prefix, n in (("train", 12), ("t10k", 5)):                  # IDX files, the training images truncated
        (folder / f"{prefix}-images-idx3-ubyte").write_bytes(
            bytes([0, 0, 8, 3]) + struct.pack(">III", n, 28, 28) + bytes(n * 784 - (100 if n == 12 else 0)))
        (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", n) + bytes(n))
    img = folder / "train-images-idx3-ubyte"
    monkeypatch.setenv("SNNLAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("SNNLAB_DEBIAN_FMNIST", str(tmp_path / "no-debian"))
    assert cli.main(["train", "smoke-lif", "--set", "dataset=fashion_mnist", "--set", "train_subset=null",
                     "--set", "test_subset=null", "--out", str(tmp_path / "runs"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: CorruptDatasetError: ") and str(img) in err and "Traceback" not in err
    # a bad request stays exit status 2
    assert cli.main(["train", "smoke-lif", "--set", "lr=NaN", "--quiet"]) == 2
    assert "finite" in capsys.readouterr().err


def test_rng_state_restored_from_a_checkpoint_mapped_to_another_device(monkeypatch):
    """A checkpoint loaded with map_location="cuda" holds the generator states on the GPU; torch.set_rng_state
    takes CPU byte tensors only ("RNG state must be a torch.ByteTensor": the first resume on a GPU failed so).
    set_rng_state moves them back; here the 'GPU' tensor is a stand-in whose .cpu() gives the real state."""
    import torch

    from snnlab import train as train_mod

    state = train_mod.get_rng_state()
    real = state["torch"]

    class OnAnotherDevice:
        def cpu(self):
            return real

    state["torch"] = OnAnotherDevice()
    seen = []
    monkeypatch.setattr(torch, "set_rng_state", lambda s: seen.append(s))
    train_mod.set_rng_state(state)
    assert seen and seen[0] is real
