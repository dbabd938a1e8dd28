"""schedule="cosine_steps": the cosine decays per optimiser step over the whole run, and resumes bit-identically."""
from __future__ import annotations

import math

import pytest
import torch

from snnlab.experiments import get, run
from snnlab.train import load_checkpoint


class Kill(Exception):
    pass


def _cfg(**changes):
    base = dict(epochs=2, max_steps_per_epoch=3, model_params={"channels": [4, 8]}, progress="quiet",
                schedule="cosine_steps", lr=0.05)
    base.update(changes)
    return get("smoke-lif").replace(**base)


def test_lr_follows_a_cosine_over_all_steps(tmp_path):
    lrs = []
    cfg = _cfg()
    r = run(cfg, out=tmp_path, callbacks=[lambda ev, tr: ev == "step_end" and lrs.append(
        tr.optimizer.param_groups[0]["lr"])])
    total = 2 * 3
    want = [0.05 * (1 + math.cos(math.pi * k / total)) / 2 for k in range(1, total + 1)]
    assert lrs == pytest.approx(want, rel=1e-9)
    assert lrs[-1] == pytest.approx(0.0, abs=1e-12)
    # the epoch-stepped cosine keeps the lr for a whole epoch
    lrs.clear()
    run(cfg.replace(schedule="cosine"), out=tmp_path, callbacks=[lambda ev, tr: ev == "step_end" and lrs.append(
        tr.optimizer.param_groups[0]["lr"])])
    assert lrs[:3] == [0.05] * 3
    assert r.metrics["lr"].tolist() == pytest.approx([want[2], want[5]])


def test_kill_mid_epoch_and_resume_is_bit_identical(tmp_path):
    cfg = _cfg()
    ref = run(cfg, out=tmp_path / "a")

    def killer(ev, tr):
        if ev == "step_end" and tr.epoch == 1 and tr.step == 1:
            raise Kill()

    with pytest.raises(Kill):
        run(cfg.replace(checkpoint_every=1), out=tmp_path / "b", callbacks=[killer])
    resumed = run(cfg, out=tmp_path / "b")
    a = load_checkpoint(ref.dir / "model_final.pt")["model"]
    b = load_checkpoint(resumed.dir / "model_final.pt")["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
