"""RunConfig hashing, overrides and the registry of named configs."""
from __future__ import annotations

import io
import json

import pytest

from snnlab import neurons
from snnlab.experiments import RunConfig, get, names, parse_assignments
from snnlab.experiments.config import NOT_HASHED
from snnlab.train import _Progress, neuron_params_for


def test_hash_changes_with_every_result_field_and_not_with_others():
    base = get("smoke-lif")
    h = base.hash()
    assert len(h) == 64 and base.run_name == f"smoke-lif-{h[:10]}"
    changed = {"T": 3, "lr": 0.07, "seed": 1, "epochs": 2, "batch_size": 8, "k_trunc": 1, "amp": True,
               "profile": "quick", "train_subset": 50, "max_steps_per_epoch": 2, "optimizer": "adamw",
               "label_smoothing": 0.1, "mse_target": "onehot", "neuron": "clif", "dataset": "synthetic_events",
               "neuron_params.tau": 1.5, "neuron_params.width": 0.5, "neuron_params.surrogate": "sigmoid",
               "model_params.channels": [4, 4], "data_opts.noise": 0.3,
               "switch_neuron": {"epoch": 1, "neuron": "clif"}}
    for key, value in changed.items():
        extra = {"epochs": 2} if key == "switch_neuron" else {}
        assert base.replace(**{key: value}, **extra).hash() != h, key
    for key, value in {"num_workers": 3, "num_threads": 1, "eval_batch_size": 7, "checkpoint_every": 2, "progress": "line",
                       "device": "cpu", "notes": "x"}.items():
        assert key in NOT_HASHED
        assert base.replace(**{key: value}).hash() == h, key
    assert base.replace(lr=base.lr).hash() == h
    assert base.replace(lr=1).hash() == base.replace(lr=1.0).hash()        # ints are normalised to floats


def test_json_roundtrip_and_frozen():
    cfg = get("clif-dvsgesture-vgg11-clif-T20")
    again = RunConfig.from_json(cfg.to_json())
    assert again == cfg and again.hash() == cfg.hash()
    with pytest.raises(Exception):
        cfg.lr = 1.0
    with pytest.raises(TypeError, match="read-only"):
        cfg.neuron_params["tau"] = 3.0
    with pytest.raises(ValueError, match="unknown fields"):
        RunConfig.from_dict({"name": "x", "learning_rate": 0.1})


def test_validation_messages():
    with pytest.raises(ValueError, match="RunConfig.T"):
        RunConfig(T=0)
    with pytest.raises(ValueError, match="optimizer"):
        RunConfig(optimizer="lamb")
    with pytest.raises(ValueError, match="profile"):
        RunConfig(profile="huge")
    with pytest.raises(ValueError, match="k_trunc"):
        RunConfig(k_trunc=0)
    with pytest.raises(ValueError, match="no field"):
        get("smoke-lif").replace(learning_rate=1)


def test_parse_assignments():
    got = parse_assignments(["lr=1e-3", "epochs=3", "k_trunc=none", "amp=true", "model_params.channels=[8,16]",
                             "neuron=clif", "neuron_params.tau=1.5"])
    assert got == {"lr": 1e-3, "epochs": 3, "k_trunc": None, "amp": True, "model_params.channels": [8, 16],
                   "neuron": "clif", "neuron_params.tau": 1.5}
    with pytest.raises(ValueError, match="key=value"):
        parse_assignments(["lr"])


def test_registry_covers_paper_settings_and_neuron_params_are_valid():
    all_names = names()
    for expected in ("clif-cifar10-resnet18-clif-T6", "clif-cifar100-resnet18-lif-T8", "clif-cifar10-resnet18-ann",
                     "clif-tinyimagenet-vgg13-clif-T6", "clif-dvscifar10-vgg11-lif-T10",
                     "clif-dvsgesture-vgg11-clif-T20", "clif-table3a-resnet18-lif-tau1.1-k1",
                     "clif-table3b-vgg11-gesture-lif-tau2.0-k20", "clif-fig2a-snn5-lif-tau1.5-k3",
                     "clif-fig2b-snn5-clif-T32-s3", "clif-fig3a-resnet18-lif2clif-e100", "ilif-cifar10-resnet18-ilif",
                     "ilif-dvsgesture-vgg11-plif", "klif-cifar10-resnet18-klif-T10", "quick-fmnist-lif",
                     "quick-simevents-clif", "smoke-lif", "smoke-tbptt"):
        assert expected in all_names, expected
    c = get("clif-cifar10-resnet18-clif-T6")
    assert (c.model, c.T, c.batch_size, c.epochs, c.lr, c.weight_decay, c.loss_lambda, c.seed, c.profile) == \
        ("spiking_resnet18", 6, 128, 200, 0.1, 5e-5, 0.05, 2022, "paper")
    g = get("clif-dvsgesture-vgg11-lif-T20")
    assert (g.batch_size, g.model_params["dropout"], g.epochs) == (16, 0.4, 300)
    d = get("clif-dvscifar10-vgg11-clif-T10")
    assert (d.lr, d.mse_target, d.model_params["dropout"]) == (0.05, "onehot", 0.3)
    i = get("ilif-cifar10-resnet18-ilif")
    assert (i.neuron_params["tau"], i.neuron_params["surrogate"], i.seed, i.epochs) == (1.1, "sigmoid", 1234, 200)
    assert get("clif-table3a-resnet18-lif-tau1.3-k2").k_trunc == 2
    assert get("clif-cifar10-resnet18-ann").steps == 1
    # every config's neuron parameters are accepted by the neuron
    seen = set()
    for n in all_names:
        cfg = get(n)
        key = (cfg.neuron, json.dumps(dict(cfg.neuron_params), sort_keys=True))
        if cfg.neuron != "relu" and key not in seen:
            seen.add(key)
            neurons.build(cfg.neuron, **neuron_params_for(cfg))
    with pytest.raises(KeyError, match="unknown config"):
        get("no-such-config")


def test_progress_one_line_per_epoch_when_not_a_tty():
    buf = io.StringIO()
    p = _Progress("auto", stream=buf)
    assert p.mode == "line"
    p.epoch_start(0, 2, 10)
    p.step(1.0)
    p.epoch_end({"epoch": 0, "epochs": 2, "train_loss": 1.0, "train_acc": 0.5, "test_loss": 0.9, "test_acc": 0.6,
                 "firing_rate_mean": 0.1, "lr": 0.1, "seconds": 2.0, "samples_per_s": 50.0})
    lines = buf.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("epoch   1/2") and "test loss 0.9000 acc 60.00%" in lines[0]
    quiet = io.StringIO()
    q = _Progress("quiet", stream=quiet)
    q.epoch_end({"epoch": 0, "epochs": 1, "train_loss": 1, "train_acc": 1, "test_loss": 1, "test_acc": 1, "lr": 1,
                 "seconds": 1, "samples_per_s": 1})
    assert quiet.getvalue() == ""
