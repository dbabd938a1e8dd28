"""DDP with the gloo backend on the CPU: a 2-process step has the gradient of a 1-process step on the same global
batch, and a whole smoke run trains under 2 processes (rank 0 writes the run folder)."""
from __future__ import annotations

import json
import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

import snnlab.models as M
from snnlab import losses
from snnlab.train import EpochBatchSampler

T, N, SEED = 3, 8, 11


def _model():
    torch.manual_seed(0)
    return M.build("mlp", neuron="lif", neuron_params={"surrogate": "sigmoid"}, in_features=6, hidden=(8,),
                   bn=False, num_classes=3).double()


def _data():
    g = torch.Generator().manual_seed(4)
    return torch.randn(T, N, 6, generator=g, dtype=torch.float64) * 2, torch.randint(0, 3, (N,), generator=g)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world, port, out_dir, runs_dir):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank), SNNLAB_RUNS=runs_dir)
    torch.set_num_threads(1)
    from snnlab import distributed
    from snnlab.experiments import get, run

    d = distributed.info(backend="gloo")
    model = _model()
    net = distributed.wrap_ddp(model, torch.device("cpu"))
    x, y = _data()
    (idx,) = list(EpochBatchSampler(N, N, SEED, 0, True, d.rank, d.world_size))
    losses.build("tet")(net(x[:, idx]), y[idx]).backward()
    torch.save({"idx": idx, "grads": [p.grad for p in model.parameters()]}, os.path.join(out_dir, f"rank{rank}.pt"))
    cfg = get("smoke-lif").replace(max_steps_per_epoch=1, batch_size=8, test_subset=8)
    r = run(cfg)
    with open(os.path.join(out_dir, f"done{rank}.json"), "w") as f:
        json.dump({"rank": rank, "dir": str(r.dir), "world": r.summary["world_size"] if rank == 0 else None}, f)
    distributed.shutdown()


def test_two_process_gloo_gradient_equals_one_process_global_batch(tmp_path):
    ctx = mp.get_context("spawn")
    port = _free_port()
    procs = [ctx.Process(target=_worker, args=(r, 2, port, str(tmp_path), str(tmp_path / "runs"))) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=240)
    for p in procs:
        if p.is_alive():
            p.kill()
            pytest.fail("DDP worker timed out")
        assert p.exitcode == 0, f"DDP worker exited with {p.exitcode}"
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt") for r in range(2))
    # the two shards partition the global batch
    assert sorted(r0["idx"] + r1["idx"]) == list(range(N)) and not set(r0["idx"]) & set(r1["idx"])
    # one process on the whole global batch
    model = _model()
    x, y = _data()
    (batch,) = list(EpochBatchSampler(N, N, SEED, 0, True))
    losses.build("tet")(model(x[:, batch]), y[batch]).backward()
    for g0, g1, p in zip(r0["grads"], r1["grads"], model.parameters()):
        torch.testing.assert_close(g0, g1, rtol=0, atol=0)                 # DDP: identical on both ranks
        torch.testing.assert_close(g0, p.grad, rtol=1e-12, atol=1e-14)     # = the 1-process gradient
    # the smoke run trained under 2 processes; rank 0 wrote the folder
    done = [json.loads((tmp_path / f"done{r}.json").read_text()) for r in range(2)]
    assert done[0]["dir"] == done[1]["dir"] and done[0]["world"] == 2
    assert (tmp_path / "runs" / os.path.basename(done[0]["dir"]) / "summary.json").is_file()
