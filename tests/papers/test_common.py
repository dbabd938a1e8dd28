"""snnlab.papers.common: plans, plan tables, status and train commands, train-or-reuse, profiles, dryrun()."""
from __future__ import annotations

import io
import shlex

import pytest

from snnlab import cli
from snnlab.config import parse_assignments
from snnlab.experiments import get, run_dir_for
from snnlab.papers import common as C


def _rebuild(command: str):
    """The config `python -m snnlab train ...` builds from ``command`` (the CLI's own parser and loader)."""
    argv = shlex.split(command)
    assert argv[:4] == ["python", "-m", "snnlab", "train"]
    args = cli._parser().parse_args(argv[3:])
    cfg = cli._load_config(args.config)
    return cfg.replace(**parse_assignments(args.sets)) if args.sets else cfg


def test_plan_labels_configs_and_table_are_deterministic():
    p = C.plan("quick-clif-fmnist", C.grid(neuron=["lif", "relu"], T=[2, 4]), extra="x")
    assert [dict(e.labels) for e in p][:2] == [{"family": "quick-clif-fmnist", "neuron": "lif", "T": 2, "extra": "x"},
                                               {"family": "quick-clif-fmnist", "neuron": "lif", "T": 4, "extra": "x"}]
    labels, cfg = p[1]                                    # an entry unpacks as (labels, config)
    assert cfg.hash() == get("quick-clif-fmnist-lif").hash() and p[1].base == "quick-clif-fmnist-lif"
    t = C.plan_table(p)
    # labels first (a label named like a config column shows the config's value), then the config's columns
    assert list(t.columns) == ["family", "neuron", "T", "extra", "config", "k_trunc", "tau", "seed", "epochs",
                               "switch", "hash6"]
    assert t.to_dict("records") == C.plan_table(C.plan("quick-clif-fmnist", C.grid(neuron=["lif", "relu"], T=[2, 4]),
                                                        extra="x")).to_dict("records")
    assert t["hash6"].tolist()[1] == get("quick-clif-fmnist-lif").hash()[:6]
    assert t["tau"].tolist() == [2.0, 2.0, "-", "-"] and t["k_trunc"].tolist() == ["full"] * 4
    assert t["T"].tolist() == [2, 4, 1, 1]                     # the ANN runs with T = 1
    fixed = C.plan("clif-fig2a-snn5")                          # a family's own grid
    assert len(fixed) == 30 and {e.base for e in fixed} == {e.config.name for e in fixed}


def test_unique_keeps_each_config_once_with_its_first_labels():
    a = C.plan("quick-clif-fmnist", C.grid(neuron=["lif", "relu"]), note="first")
    b = C.plan("quick-clif-fmnist", C.grid(neuron=["relu", "clif"]), note="second")
    got = C.unique(a + b)
    assert [e.config.neuron for e in got] == ["lif", "relu", "clif"]
    assert [e.labels["note"] for e in got] == ["first", "first", "second"]
    assert C.unique(iter(a + a)) == a


def test_train_command_round_trips_through_the_cli():
    cases = [
        (C.resolve("quick-clif-fmnist", neuron="lif", tau=1.5, k_trunc=2, T=6, seed=7), None),
        (C.resolve("quick-clif-fmnist", neuron="lif", epochs=3, switch_epoch=1), None),
        (C.resolve("clif-fig2a-snn5", tau=1.3, k_trunc=None), None),
        (C.dryrun(C.resolve("clif-fig3a-resnet18", switch_epoch=100)), None),
        (C.resolve("quick-ilif-gamma", neuron="ilif", gamma=0.75, seed=3), "quick-ilif-gamma-lif-g1-s0"),
        (get("smoke-lif").replace(neuron_params={"tau": 1.5, "surrogate": "atan"}, model_params={"channels": [2]}),
         None),
    ]
    for cfg, base in cases:
        cmd = C.train_command(cfg, base)
        assert cmd.startswith("python -m snnlab train ")
        assert _rebuild(cmd).hash() == cfg.hash(), cmd
    assert C.train_command(get("smoke-lif")) == "python -m snnlab train smoke-lif"
    with pytest.raises(ValueError, match="not a registered config"):
        C.train_command(get("smoke-lif").replace(name="mine"))


def test_status_train_or_reuse_and_reuse_by_hash():
    p = C.plan("smoke", C.grid(neuron=["lif", "clif"]))
    assert C.status_table(p)["status"].tolist() == ["not run", "not run"]
    buf = io.StringIO()
    missing = C.show_status(p, file=buf)
    assert missing == ["python -m snnlab train smoke-lif", "python -m snnlab train smoke-clif"]
    assert "2 runs planned, 0 finished (reused), 2 not run yet" in buf.getvalue()
    assert C.train_or_reuse(p, train_missing=False) == [None, None]
    runs = C.train_or_reuse(p)
    assert [r.dir for r in runs] == [run_dir_for(e.config) for e in p] and all(r.finished for r in runs)
    mtime = (runs[0].dir / "summary.json").stat().st_mtime_ns
    again = C.train_or_reuse(p)                                # reused, not retrained
    assert (again[0].dir / "summary.json").stat().st_mtime_ns == mtime
    assert C.status_table(p)["status"].tolist() == ["finished", "finished"]
    assert C.headless()                                         # under pytest: no progress bar


def test_train_or_reuse_trains_other_runs_while_one_is_locked_elsewhere():
    """A run whose trainer lock another process holds (a parallel notebook training it) is left until the rest
    are trained, then waited for and reused: the two processes do not march through shared runs in lockstep."""
    import threading

    from snnlab.experiments.runs import train_lock_path
    from snnlab.fileio import file_lock

    p = C.plan("smoke", C.grid(neuron=["plif", "glif"]))
    locked, free = p
    order, release, held = [], threading.Event(), threading.Event()

    def holder():
        with file_lock(train_lock_path(run_dir_for(locked.config))):
            held.set()
            release.wait(300)

    def callbacks(entry):
        def cb(event, trainer):
            if event == "epoch_end":
                order.append(entry.labels["neuron"])
                if entry is free:
                    release.set()   # the "other process" lets go once this process has trained the free run
        return [cb]

    t = threading.Thread(target=holder)
    t.start()
    assert held.wait(30)
    try:
        runs = C.train_or_reuse(p, callbacks=callbacks)
    finally:
        release.set()
        t.join()
    assert order == ["glif", "plif"]                       # the free run first, the locked one after its release
    assert [r.dir for r in runs] == [run_dir_for(e.config) for e in p] and all(r.finished for r in runs)


def test_profiles():
    assert C.by_profile("paper-dryrun", smoke=1, quick=2, paper=3) == 3
    assert C.by_profile("paper-dryrun", smoke=1, paper=3, paper_dryrun=4) == 4
    assert C.by_profile("paper", smoke=1, quick=2) == 2
    assert C.is_paper("paper") and C.is_paper("paper-dryrun") and not C.is_paper("quick")
    with pytest.raises(ValueError, match="not a profile"):
        C.by_profile("huge", smoke=1)
    with pytest.raises(ValueError, match="unknown profiles"):
        C.by_profile("smoke", small=1)
    cfg = get("clif-cifar10-resnet18-clif-T6")
    assert C.for_profile(cfg, "paper") is cfg and C.for_profile(cfg, "paper-dryrun").profile == "paper-dryrun"
    p = C.plan("clif-fig3b-resnet18", C.grid(neuron=["lif"], T=[2]), profile="paper-dryrun")
    assert p[0].config.profile == "paper-dryrun" and p[0].base == "clif-fig3b-resnet18-lif-T2"


def test_dryrun_cuts_steps_and_keeps_the_paper_code_path():
    paper = get("clif-cifar10star-resnet18-clif-T6")
    d = C.dryrun(paper)
    kept = ("model", "model_params", "neuron", "neuron_params", "dataset", "data_opts", "T", "loss", "loss_lambda",
            "optimizer", "lr", "weight_decay", "schedule", "amp", "k_trunc", "seed", "mse_target", "name")
    assert {k: getattr(d, k) for k in kept} == {k: getattr(paper, k) for k in kept}
    assert (d.profile, d.batch_size, d.epochs, d.max_steps_per_epoch, d.train_subset, d.test_subset,
            d.num_workers, d.checkpoint_every) == ("paper-dryrun", 2, 1, 2, 4, 2, 0, 1)
    assert C.dryrun(d).hash() == d.hash() and d.hash() != paper.hash()
    assert run_dir_for(d).parent.name == "paper-dryrun"         # never beside the real paper runs
    sw = C.dryrun(get("clif-fig3a-resnet18-lif2clif-e150"))
    assert (sw.epochs, sw.switch_neuron["epoch"], sw.max_steps_per_epoch) == (2, 1, 1)
    assert C.dryrun(get("clif-table3b-vgg11-gesture-lif-tau1.5-k4")).k_trunc == 4
    with pytest.raises(TypeError):
        C.dryrun("clif-cifar10-resnet18-lif-T6")


def test_fake_data_is_written_once_and_never_into_real_data(tmp_path, monkeypatch):
    root = C.ensure_fake_data(tmp_path / "fakes")
    stamp = root / C.FAKE_DATA_STAMP
    counts = __import__("json").loads(stamp.read_text())["counts"]
    assert {"cifar10", "nmnist", "cifar10_dvs", "dvs_gesture", "mnist"} <= set(counts)
    mtime = stamp.stat().st_mtime_ns
    assert C.ensure_fake_data(root) == root and stamp.stat().st_mtime_ns == mtime     # written once
    real = tmp_path / "real"
    (real / "cifar-10-batches-py").mkdir(parents=True)
    with pytest.raises(ValueError, match="refusing to write fake datasets"):
        C.ensure_fake_data(real)
    monkeypatch.setenv("SNNLAB_BUILD", str(tmp_path / "build"))
    assert C.dryrun_data_dir() == tmp_path / "build" / "paper-dryrun" / "data"


def test_nbrun_points_a_dry_run_at_fake_data_only(tmp_path, monkeypatch):
    from snnlab import nbrun

    monkeypatch.setenv("SNNLAB_BUILD", str(tmp_path / "build"))
    real = tmp_path / "real"
    (real / "MNIST").mkdir(parents=True)
    monkeypatch.setenv("SNNLAB_DATA", str(real))              # real data: not used, not touched
    got = nbrun._dryrun_data()
    assert got == tmp_path / "build" / "paper-dryrun" / "data" and (got / C.FAKE_DATA_STAMP).is_file()
    assert [p.name for p in real.iterdir()] == ["MNIST"]
    monkeypatch.setenv("SNNLAB_DATA", str(got))               # the Makefile's fake folder: used as it is
    assert nbrun._dryrun_data() == got
