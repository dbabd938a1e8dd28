"""``RunConfig.compile`` (``--set compile=true``): training through ``torch.compile``, and its place in the hash."""
from __future__ import annotations

import hashlib
import json

import pytest
import torch

from snnlab import cli
from snnlab.experiments import RunConfig, get, run
from snnlab.experiments.config import HASHED_IF_SET, parse_assignments
from snnlab.train import load_checkpoint


def test_compile_false_keeps_every_earlier_hash_and_true_changes_it():
    cfg = get("smoke-lif")
    assert cfg.compile is False and HASHED_IF_SET == {"compile": False}
    # the hash of a default config is the one from before the field existed (so existing run folders are kept)
    old = {k: v for k, v in cfg.to_dict(hashed_only=False).items()
           if k not in ("compile", "num_workers", "num_threads", "eval_batch_size", "checkpoint_every", "progress",
                        "device", "notes")}
    blob = json.dumps(old, sort_keys=True, separators=(",", ":"))
    assert cfg.hash() == hashlib.sha256(blob.encode()).hexdigest()
    on = cfg.replace(**parse_assignments(["compile=true"]))
    assert on.compile is True and on.hash() != cfg.hash()
    assert RunConfig.from_json(on.to_json()) == on
    with pytest.raises(TypeError, match="compile"):
        cfg.replace(compile="yes")


@pytest.mark.slow  # compiling a training step takes a minute on a 2-core CPU
def test_compiled_training_runs_and_differs_from_eager_only_in_the_last_bits(tmp_path):
    """Why ``compile=True`` is hashed: the compiled run trains to the same metrics here but not to bit-identical
    weights (inductor fuses and reorders the BatchNorm arithmetic). If a future torch made them identical this
    test fails, and ``compile`` could leave the hash."""
    base = get("smoke-lif").replace(model="mlp", model_params={"hidden": [16]}, epochs=1, max_steps_per_epoch=3,
                                    progress="quiet")
    eager = run(base, out=tmp_path)
    assert cli.main(["train", "smoke-lif", "--set", "model=mlp", "--set", "model_params={\"hidden\": [16]}",
                     "--set", "epochs=1", "--set", "max_steps_per_epoch=3", "--set", "progress=quiet",
                     "--set", "compile=true", "--out", str(tmp_path)]) == 0
    compiled = run(base.replace(compile=True), out=tmp_path)  # reused: trained by the CLI call above
    assert compiled.dir != eager.dir and compiled.dir.name.startswith("smoke-lif-")
    a = load_checkpoint(eager.dir / "model_final.pt")["model"]
    b = load_checkpoint(compiled.dir / "model_final.pt")["model"]
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(b[k], a[k], rtol=1e-4, atol=1e-5)
    assert any(not torch.equal(a[k], b[k]) for k in a), "compiled training is bit-identical: compile need not be hashed"
    ma, mb = eager.metrics, compiled.metrics
    assert list(ma["test_acc"]) == list(mb["test_acc"])
