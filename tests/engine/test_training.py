"""End-to-end training on smoke configs: run folder, reuse, bit-identical resume, NaN stop, neuron switch, CLI."""
from __future__ import annotations

import json

import pytest
import torch

import snnlab.train as train_mod
from snnlab import cli
from snnlab.experiments import get, load_run, run
from snnlab.train import TrainingDiverged, load_checkpoint


class Kill(Exception):
    """Stands for the process being killed."""


def _cfg(name="smoke-lif", **changes):
    base = dict(epochs=2, max_steps_per_epoch=3, model_params={"channels": [4, 8], "dropout": 0.2}, progress="quiet")
    base.update(changes)
    return get(name).replace(**base)


def _state(run_dir):
    return load_checkpoint(run_dir / "model_final.pt")["model"]


def _assert_same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs"


def _strip(metrics):
    drop = ("seconds", "samples_per_s", "eval_seconds")
    return [{k: v for k, v in m.items() if k not in drop} for m in metrics]


def test_smoke_run_writes_folder_and_is_reused(tmp_path, monkeypatch):
    cfg = _cfg(epochs=1)
    r = run(cfg, out=tmp_path)
    assert r.dir == tmp_path / f"smoke-lif-{cfg.hash()[:10]}"
    for f in ("config.json", "metrics.jsonl", "summary.json", "checkpoint.pt", "model_final.pt", "model_best.pt"):
        assert (r.dir / f).is_file(), f
    s = r.summary
    assert 0.0 <= s["best_test_acc"] <= 1.0 and s["final_test_acc"] == r.metrics["test_acc"].iloc[-1]
    assert s["best_test_acc"] == max(r.metrics["test_acc"])
    rates = s["firing_rates"]
    assert list(rates) == ["features.2"] + ["features.6"]            # the two neuron layers of small_conv
    assert all(0.0 <= v <= 1.0 for v in rates.values())
    row = r.metrics.iloc[0]
    for key in ("train_loss", "train_acc", "test_loss", "test_acc", "firing_rates", "seconds", "samples_per_s", "lr"):
        assert key in row
    assert json.loads((r.dir / "config.json").read_text())["name"] == "smoke-lif"
    assert "neuron_parameters" not in r.metrics                      # LIF: nothing learnable to record
    # a finished run is reused, not retrained
    monkeypatch.setattr(train_mod.Trainer, "fit", lambda *a, **k: pytest.fail("finished run was retrained"))
    assert run(cfg, out=tmp_path).summary == s
    # non-hashed fields do not change the folder
    assert run(cfg.replace(num_workers=0, progress="line", checkpoint_every=5), out=tmp_path).dir == r.dir


def test_klif_run_records_k_per_layer_every_epoch(tmp_path):
    r = run(_cfg("smoke-klif", lr=0.5), out=tmp_path)
    rows = r.metrics["neuron_parameters"].tolist()                  # one list of layer records per epoch
    assert len(rows) == 2 and [v["layer"] for v in rows[0]] == ["features.2", "features.6"]   # network order
    final = load_checkpoint(r.dir / "model_final.pt")["model"]
    for vals in rows[-1]:                                           # the last epoch's k is the final model's
        assert vals["k"] == pytest.approx(float(final[f"{vals['layer']}.k"]), abs=1e-7)
    assert any(abs(v["k"] - 1.0) > 1e-6 for v in rows[0])           # k is trained


@pytest.mark.parametrize("kill_at", [("step_end", 1, 2), ("epoch_end", 1, None)], ids=["mid-epoch", "epoch-end"])
def test_kill_and_resume_is_bit_identical(tmp_path, kill_at):
    cfg = _cfg()
    ref = run(cfg, out=tmp_path / "a")
    event, epoch, step = kill_at

    def killer(ev, tr):
        if ev == event and tr.epoch == epoch and (step is None or tr.step == step):
            raise Kill()

    with pytest.raises(Kill):
        run(cfg.replace(checkpoint_every=1), out=tmp_path / "b", callbacks=[killer])
    d = tmp_path / "b" / cfg.run_name
    assert not (d / "summary.json").exists()
    ck = load_checkpoint(d / "checkpoint.pt")
    assert (ck["epoch"], ck["step"]) == ((1, 2) if step else (1, 0))
    resumed = run(cfg, out=tmp_path / "b")
    _assert_same_state(_state(ref.dir), _state(resumed.dir))
    assert _strip(ref.metrics.to_dict("records")) == _strip(resumed.metrics.to_dict("records"))


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    cfg = _cfg()

    def poison(ev, tr):
        if ev == "epoch_end" and tr.epoch == 1:
            tr.loss_fn = lambda out, y: out.sum() * float("nan")

    with pytest.raises(TrainingDiverged, match=r"loss is nan at epoch 2, step 1 .*last good checkpoint"):
        run(cfg, out=tmp_path, callbacks=[poison])
    d = tmp_path / cfg.run_name
    assert not (d / "summary.json").exists()
    ck = load_checkpoint(d / "checkpoint.pt")
    assert ck["epoch"] == 1 and all(torch.isfinite(v).all() for v in ck["model"].values() if v.is_floating_point())


def test_neuron_switch_continues_lif_run_as_clif(tmp_path):
    cfg = _cfg("smoke-switch")
    r = run(cfg, out=tmp_path)
    m = r.metrics
    assert m["neuron"].tolist() == ["lif", "clif"]
    plain = run(cfg.replace(switch_neuron=None), out=tmp_path)     # the LIF run: same first epoch
    assert _strip(plain.metrics.to_dict("records"))[0] == _strip(m.to_dict("records"))[0]
    model = r.load_model()
    from snnlab.models import neuron_layers
    assert {type(n).__name__ for _, n in neuron_layers(model)} == {"CLIF"}
    with pytest.raises(ValueError, match="switch_neuron"):
        cfg.replace(switch_neuron={"epoch": 5, "neuron": "clif"})
    # killed right after the LIF epoch and resumed: the same final network

    def killer(ev, tr):
        if ev == "epoch_end" and tr.epoch == 1:
            raise Kill()

    with pytest.raises(Kill):
        run(cfg, out=tmp_path / "b", callbacks=[killer])
    _assert_same_state(_state(r.dir), _state(run(cfg, out=tmp_path / "b").dir))


def test_truncated_events_and_ann_smoke_runs(tmp_path):
    for name in ("smoke-tbptt", "smoke-events", "smoke-ann"):
        r = run(get(name).replace(max_steps_per_epoch=1, test_subset=16), out=tmp_path)
        assert r.summary["final_test_acc"] is not None
    assert get("smoke-ann").steps == 1 and get("smoke-ann").replace(T=6).steps == 1
    assert r.summary["T"] == 1 and r.summary["firing_rate_mean"] is None


def test_cli_train_configs_eval(tmp_path, capsys):
    assert cli.main(["configs", "smoke-*"]) == 0
    listed = capsys.readouterr().out.split()
    assert "smoke-lif" in listed and "smoke-tbptt" in listed
    assert cli.main(["train", "smoke-clif", "--set", "lr=0.02", "--set", "neuron_params.tau=1.5", "--out",
                     str(tmp_path), "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    run_dir = out["run"]
    r = load_run(run_dir)
    assert r.config.lr == 0.02 and r.config.neuron_params["tau"] == 1.5
    assert cli.main(["eval", run_dir]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["test_acc"] == pytest.approx(r.summary["final_test_acc"])
    assert cli.main(["train", "no-such-config"]) == 2
    assert "unknown config" in capsys.readouterr().err


def test_epoch_batch_sampler_order_shards_and_resume():
    from snnlab.train import EpochBatchSampler

    full = list(EpochBatchSampler(10, 4, seed=3, epoch=0))
    assert [len(b) for b in full] == [4, 4, 2] and sorted(sum(full, [])) == list(range(10))
    assert full == list(EpochBatchSampler(10, 4, seed=3, epoch=0))            # same (seed, epoch): same order
    assert full != list(EpochBatchSampler(10, 4, seed=3, epoch=1))
    assert list(EpochBatchSampler(10, 4, seed=3, epoch=0, start=1)) == full[1:]  # resume mid-epoch
    r0 = list(EpochBatchSampler(10, 4, 3, 0, rank=0, world=2))
    r1 = list(EpochBatchSampler(10, 4, 3, 0, rank=1, world=2))
    assert len(r0) == len(r1) == 2                                           # 2-sample tail < 2·world: dropped
    assert [sorted(a + b) for a, b in zip(r0, r1)] == [sorted(b) for b in full[:2]]
    assert sum(list(EpochBatchSampler(9, 4, 0, 0, shuffle=False)), []) == list(range(9))   # eval keeps all
    assert [len(b) for b in EpochBatchSampler(9, 4, 0, 0)] == [4, 4]            # train drops a 1-sample batch


def test_parallel_requests_for_one_config_train_it_once(tmp_path, monkeypatch):
    """Two processes asking for the same config (make -j2 notebooks) train it once; the second reuses it.

    Each training step appends the process id to a log and sleeps, so that without the lock in ``run()`` the two
    trainings overlap and both pids appear."""
    import subprocess
    import sys

    monkeypatch.setenv("SNNLAB_RUNS", str(tmp_path / "runs"))
    log = tmp_path / "trained_by.txt"
    code = ("import os, time\n"
            "from snnlab.experiments import get, run\n"
            "def slow(event, trainer):\n"
            f"    open({str(log)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(1.5)\n"
            "r = run(get('smoke-lif').replace(max_steps_per_epoch=2, batch_size=8, test_subset=8), progress='quiet',"
            " callbacks=[slow])\n"
            "print(r.dir)\n")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    assert outs[0][0].strip().splitlines()[-1] == outs[1][0].strip().splitlines()[-1]
    pids = set(log.read_text().split())
    assert len(pids) == 1, f"the run was trained by {len(pids)} processes: {sorted(pids)}"
