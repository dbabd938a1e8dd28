"""The paper dry run (profile ``paper-dryrun``): every registered paper config resolves, builds its dataset from
fake files in the real on-disk format and builds its model; representative paper cells train end to end on the
CPU (one or two optimiser steps) with checkpoint and resume, evaluation, monitors, energy and mixed precision."""
from __future__ import annotations

import contextlib
import io
import json

import pytest
import torch

from snnlab import cli, data
from snnlab.experiments import Run, get, names, run, run_dir_for
from snnlab.models import build_model, neuron_layers
from snnlab.papers import common as C
from snnlab.train import Trainer, _dataset_info, build_datasets, load_checkpoint

PAPER = [n for n in names() if get(n).profile == "paper"]


@pytest.fixture(scope="module")
def fake_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("fake-data")
    counts = C.write_fake_data(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SNNLAB_DATA", str(root))
        yield root, counts


def test_every_paper_config_uses_a_faked_dataset_and_dryrun_cuts_it():
    assert len(PAPER) > 300
    used = {get(n).dataset for n in PAPER}
    assert used <= set(C.PAPER_DATASETS), sorted(used - set(C.PAPER_DATASETS))
    for n in PAPER:
        paper, d = get(n), C.dryrun(get(n))
        assert (d.model, d.neuron, d.dataset, d.T, d.amp, d.k_trunc, d.loss) == \
            (paper.model, paper.neuron, paper.dataset, paper.T, paper.amp, paper.k_trunc, paper.loss), n
        total_steps = d.epochs * d.max_steps_per_epoch
        assert d.profile == "paper-dryrun" and d.batch_size <= 2 and total_steps <= 2, n
        assert C.train_command(d).startswith(f"python -m snnlab train {n} ")


def _xfail_unless_loader(name):
    marks = []
    if name not in data.available():   # Tiny-ImageNet's loader lands with branch d-data (snnlab.data.tiny_imagenet)
        marks.append(pytest.mark.xfail(strict=True, raises=(ValueError, KeyError),
                                       reason=f"no {name} loader in this checkout yet"))
    return pytest.param(name, marks=marks)


@pytest.mark.parametrize("dataset", [_xfail_unless_loader(n) for n in C.PAPER_DATASETS])
def test_every_paper_config_builds_its_data_and_model_from_fakes(fake_data, dataset):
    """Config resolution of every registered paper config on this dataset: dryrun(), the dataset with the
    config's transforms and augmentation (first train and test sample loaded), the model (distinct ones once)."""
    cfgs = [C.dryrun(get(n)) for n in PAPER if get(n).dataset == dataset]
    assert cfgs, f"no paper config uses {dataset}"
    infos, models = {}, set()
    for cfg in cfgs:
        dkey = (json.dumps(dict(cfg.data_opts), sort_keys=True), cfg.steps)
        if dkey not in infos:
            train, test = build_datasets(cfg)
            assert len(train) == cfg.train_subset and len(test) == cfg.test_subset, cfg.name
            x, y = train[0]
            xt, _ = test[0]
            assert torch.isfinite(torch.as_tensor(x)).all() and torch.as_tensor(x).shape == torch.as_tensor(xt).shape
            if dataset in ("nmnist", "cifar10_dvs", "dvs_gesture"):
                assert torch.as_tensor(x).shape[0] == cfg.steps, cfg.name      # one event frame per step
            infos[dkey] = _dataset_info(train)
        nc, ic, size = infos[dkey]
        mkey = (cfg.model, json.dumps(dict(cfg.model_params), sort_keys=True), cfg.neuron,
                json.dumps(dict(cfg.neuron_params), sort_keys=True), nc, ic, size, cfg.steps)
        if mkey not in models:
            models.add(mkey)
            m = build_model(cfg, cfg.num_classes or nc, cfg.in_channels or ic, size)
            assert neuron_layers(m), cfg.name


class _Stop(Exception):
    pass


def _stop_after_first_step(event, trainer):
    """Interrupt once the first optimiser step is checkpointed: mid-epoch when the epoch has more steps, else at
    the end of the first epoch."""
    mid = trainer.config.max_steps_per_epoch > 1
    if (event == "step_end" and mid and trainer.global_step == 1) or (event == "epoch_end" and not mid):
        raise _Stop()


#: representative paper cells: (registry name, what it exercises beyond the shared path)
CELLS = {
    "clif-fig2a-snn5-lif-tau1.5-k2": "CIFAR-10 pickles, snn5_noAP, exact truncated BPTT, AMP as bfloat16 autocast",
    "klif-nmnist-plifnet-klif-T10": "N-MNIST .bin events, the PLIF-like net, KLIF's learnable k",
    "clif-dvscifar10-vgg11-lif-T10": "CIFAR10-DVS .aedat4, VGG-11, dropout, MSE to the one-hot label",
    "clif-cifar100star-resnet18-clif-T4": "CIFAR-100 pickles, the star recipe (TrivialAugment, erasing, Mixup/CutMix)",
    "clif-fig3a-resnet18-lif2clif-e50": "the LIF → CLIF switch between epochs (2 epochs of 1 step)",
}


@pytest.mark.parametrize("name", list(CELLS))
def test_dry_run_trains_a_paper_cell_end_to_end(fake_data, name, tmp_path, monkeypatch):
    cfg = C.dryrun(get(name))
    amp = name == "clif-fig2a-snn5-lif-tau1.5-k2"
    seen = {}
    if amp:
        assert cfg.amp
        monkeypatch.setattr(Trainer, "cpu_amp_dtype", torch.bfloat16)

    def spy(event, trainer):
        if event == "step_end":
            seen["amp"] = (trainer.use_amp, trainer.amp_dtype, trainer.scaler)

    # interrupted after the first optimiser step (a checkpoint is written after every step) ...
    with pytest.raises(_Stop):
        run(cfg, callbacks=[spy, _stop_after_first_step])
    r0 = Run(run_dir_for(cfg), cfg)
    assert r0.dir.parent.name == "paper-dryrun" and not r0.finished
    ck = load_checkpoint(r0.dir / "checkpoint.pt")
    assert (ck["epoch"], ck["step"], ck["global_step"]) == ((0, 1, 1) if cfg.max_steps_per_epoch > 1 else (1, 0, 1))
    # ... and resumed to the end
    r = run(cfg, callbacks=[spy])
    s = r.summary
    assert r.finished and s["config_hash"] == cfg.hash() and s["profile"] == "paper-dryrun"
    assert seen["amp"] == ((True, torch.bfloat16, None) if amp else (False, None, None))
    m = r.metrics
    assert len(m) == cfg.epochs and int(m.train_samples.sum()) == cfg.batch_size * cfg.epochs * cfg.max_steps_per_epoch
    assert all(torch.isfinite(torch.tensor(m[c].tolist())).all() for c in ("train_loss", "test_loss"))
    # monitors: one firing rate per spiking layer, in [0, 1]
    model = r.load_model("final")
    layers = [n for n, _ in neuron_layers(model)]
    assert sorted(s["firing_rates"]) == sorted(layers) and all(0.0 <= v <= 1.0 for v in s["firing_rates"].values())
    # energy: every conv/linear layer counted on a test batch
    e = s["energy"]
    n_layers = sum(isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)) for mod in model.modules())
    assert len(e["layers"]) == n_layers and e["samples"] == cfg.test_subset and e["energy_uJ"] > 0
    if cfg.switch_neuron:
        assert m.neuron.tolist() == ["lif", "clif"] and s["final_neuron"] == "clif"
    # evaluation of the saved model (the CLI) agrees with the training loop's last evaluation
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli.main(["eval", str(r.dir)]) == 0
    ev = json.loads(buf.getvalue())
    assert ev["test_samples"] == cfg.test_subset
    if not amp:
        assert ev["test_acc"] == s["final_test_acc"]
        assert ev["test_loss"] == pytest.approx(s["final_test_loss"], rel=1e-5, abs=1e-6)
    if amp:  # interrupted-and-resumed equals uninterrupted, bit for bit (CPU, no workers)
        ref = run(cfg, out=tmp_path / "uninterrupted")
        a = torch.load(r.dir / "model_final.pt", weights_only=False)["model"]
        b = torch.load(ref.dir / "model_final.pt", weights_only=False)["model"]
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
