"""Run the Triton kernels against the reference loop: under the interpreter (TRITON_INTERPRET=1, CPU tensors), or
compiled on a GPU with ``--device cuda`` (both modules and all tensors there; the data are drawn on the CPU, so
the cases are the same values on both).

Executed in a subprocess by test_triton_parity.py (the interpreter must be chosen before triton is imported);
prints one JSON line per case: spikes equal, max state error, max relative gradient errors (x of the chunk under
test and of the reference chunk before it, through the initial state, then every module parameter).
``--shard I --shards N`` runs every N-th item from the I-th (the GPU run spreads the compilations over processes).
"""
import argparse
import itertools
import json
import os
import sys

if __name__ == "__main__":  # (test_triton_parity.py also imports this file for CASES: keep its process clean)
    _ap = argparse.ArgumentParser()
    _ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    _ap.add_argument("--shard", type=int, default=0)
    _ap.add_argument("--shards", type=int, default=1)
    ARGS = _ap.parse_args()
    if ARGS.device == "cpu":
        os.environ["TRITON_INTERPRET"] = "1"
    else:
        os.environ.pop("TRITON_INTERPRET", None)
DEVICE = "cpu"  # set by __main__

import torch  # noqa: E402

from snnlab import neurons  # noqa: E402

CASES = []
for kind in ("lif", "plif", "klif", "clif", "ilif"):
    for i, ((sg, w), reset, T) in enumerate(itertools.product(
            [("rectangle", 1.0), ("triangle", 0.7), ("sigmoid", 1.0), ("atan", 2.0)],
            [dict(reset="soft"), dict(reset="hard", v_reset=-0.3)], (1, 2, 7))):
        if i % 4 != 1:  # a quarter of the product keeps the interpreter run short; every option still appears
            continue
        p = dict(surrogate=sg, width=w, detach_reset=bool(i % 8 == 5), decay_input=bool(i % 3 == 0), **reset)
        if kind == "klif":
            p.update(scale_reset=bool(i % 8 == 1), k_init=1.3)
        if kind == "ilif":
            p.update(kappa_i=0.3, kappa_m=0.9)
        CASES.append((kind, p, T, "float32", bool(i % 3 == 2)))
    CASES.append((kind, dict(surrogate="sigmoid"), 4, "bfloat16" if kind in ("lif", "klif", "ilif") else "float16",
                  kind == "clif"))

# GLIF: every surrogate x T in {1, 2, 7}; channels (None: one value per layer; 5: channel runs of 3 elements, one
# atomic per element; "wide": 3 channels of BLOCK + 44 elements (1068 at the default BLOCK of 1024), blocks
# straddling a channel boundary, two block sums),
# how the chunk starts (fresh; continued from a reference chunk with V and S, t0 = 2; V only), detach_reset and a
# non-contiguous input cycle through them
GLIF_STARTS = ("chunk", "none", "V")
for i, ((sg, w), T) in enumerate(itertools.product(
        [("rectangle", 1.0), ("triangle", 0.7), ("sigmoid", 1.0), ("atan", 2.0)], (1, 2, 7))):
    p = dict(surrogate=sg, width=w, detach_reset=bool(i % 2), channels=(None, 5, "wide")[i % 3],
             start=GLIF_STARTS[(i // 3 + i) % 3])
    CASES.append(("glif", p, T, "float32", bool(i % 4 == 3)))
CASES.append(("glif", dict(surrogate="sigmoid", channels=None, start="chunk"), 4, "bfloat16", True))
CASES.append(("glif", dict(surrogate="atan", width=2.0, channels=5, start="chunk"), 4, "float16", False))


def glif_input(T, channels, noncontig, g):
    """[T, B, C, inner] with C = 5 (inner 3) or, for channels="wide", [T, 1, 3, BLOCK + 44]; mean 0.5."""
    from snnlab.kernels.triton import BLOCK

    b, c, inner = (1, 3, BLOCK + 44) if channels == "wide" else (2, 5, 3)
    if noncontig:
        return (torch.randn(T, b, inner, c, generator=g) * 0.8 + 0.5).transpose(2, 3)
    return torch.randn(T, b, c, inner, generator=g) * 0.8 + 0.5


def run_glif_case(params, T, dtype_name, noncontig):
    """GLIF with spread parameters (uniform logits in [-1.5, 1.5], so channels and steps differ). The reference
    module runs float32; the Triton module is converted to the input dtype when its parameters are per channel
    (they would otherwise promote a 16-bit input), and the reference takes its (rounded) parameters."""
    dtype = getattr(torch, dtype_name)
    params = dict(params)
    start = params.pop("start")
    channels = params.pop("channels")
    nch = 3 if channels == "wide" else channels
    g = torch.Generator().manual_seed(11 + T)
    t_first = 0 if start == "none" else 2
    ref = neurons.build("glif", T=t_first + T, channels=nch, backend="reference", **params).to(DEVICE)
    fast = neurons.build("glif", T=t_first + T, channels=nch, backend="triton", **params).to(DEVICE)
    with torch.no_grad():
        for w in ref.parameters():
            w.copy_((torch.rand(w.shape, generator=g) * 3.0 - 1.5).to(DEVICE))
    if nch is not None and dtype != torch.float32:
        fast.to(dtype)
    fast.load_state_dict(ref.state_dict())
    ref.load_state_dict(fast.state_dict())
    x0 = glif_input(t_first, channels, False, g).to(DEVICE) if t_first else None
    x = glif_input(T, channels, noncontig, g).to(DEVICE)  # (.to keeps the transposed strides)
    assert x.is_contiguous() != noncontig
    wts = torch.randn(x.shape, generator=g).to(DEVICE)
    wv, ws = torch.randn(x.shape[1:], generator=g).to(DEVICE), torch.randn(x.shape[1:], generator=g).to(DEVICE)
    out = []
    for mod in (ref, fast):
        mod.reset()
        xb = x.to(dtype).detach().requires_grad_()  # the reference runs on the same (rounded) input in float32
        inputs = [xb]
        loss = 0.0
        if x0 is not None:
            xa = x0.clone().requires_grad_()
            inputs.insert(0, xa)
            mod.backend, b = "reference", mod.backend
            s0 = mod(xa)
            mod.backend = b
            loss = 0.3 * s0.sum()
            if start == "V":
                st = mod.get_state()
                mod.set_state({"V": st["V"], "S": None, "t": st["t"]})
        s = mod(xb.float() if mod is ref else xb)
        st = mod.get_state()
        if mod is fast:  # the carried H comes (behind a view) from the Triton GLIF function
            assert "snnlab_triton_glif" in type(st["V"].grad_fn.next_functions[0][0]).__name__, st["V"].grad_fn
        assert int(st["t"]) == t_first + T
        loss = loss + (s.float() * wts).sum() + (st["V"].float() * wv).sum() + (st["S"].float() * ws).sum()
        # allow_unused: without an initial V, T = 1 never uses D, gamma, Q (then the kernel's gradient must be 0)
        grads = torch.autograd.grad(loss, inputs + list(mod.parameters()), allow_unused=True)
        out.append((s.detach().float(), {k: st[k].detach().float() for k in ("V", "S")},
                    [torch.zeros_like(w, dtype=torch.float32) if gr is None else gr.float()
                     for gr, w in zip(grads, inputs + list(mod.parameters()))]))
    (s1, st1, g1), (s2, st2, g2) = out
    rel = [float((a - b).abs().max() / max(float(a.abs().max()), 1e-3)) for a, b in zip(g1, g2)]
    return {"spikes_equal": bool(torch.equal(s1, s2)) and 0 < float(s1.mean()) < 1,
            "state_err": max(float((st1[k] - st2[k]).abs().max()) for k in st1),
            "grad_rel_err": rel, "grad_nonzero": float(g1[len(g1) - len(list(ref.parameters())) - 1].abs().max()) > 0}


def run_case(kind, params, T, dtype_name, noncontig):
    if kind == "glif":
        return run_glif_case(params, T, dtype_name, noncontig)
    dtype = getattr(torch, dtype_name)
    g = torch.Generator().manual_seed(7)
    x0 = (torch.randn(2, 2, 33, generator=g) * 1.2 + 0.7).to(DEVICE)
    base = (torch.randn(T, 33, 2, generator=g) * 1.2 + 0.7).to(DEVICE)
    x = base.transpose(1, 2) if noncontig else base.transpose(1, 2).contiguous()
    wts = torch.randn(T, 2, 33, generator=g).to(DEVICE)
    ref = neurons.build(kind, backend="reference", **params).to(DEVICE)
    fast = neurons.build(kind, backend="triton", **params).to(DEVICE)
    fast.load_state_dict(ref.state_dict())
    out = []
    for mod in (ref, fast):
        xa = x0.clone().requires_grad_()
        xb = x.to(dtype).detach().requires_grad_()  # the reference runs on the same (rounded) input in float32
        mod.backend, b = "reference", mod.backend
        s0 = mod(xa)
        mod.backend = b
        s = mod(xb.float() if mod is ref else xb)
        st = {k: v for k, v in mod.get_state().items() if k not in ("X_prev", "S_prev")}
        loss = (s.float() * wts).sum() + 0.3 * s0.sum() + sum((v.float() * 1.3).sum() for v in st.values())
        grads = torch.autograd.grad(loss, [xa, xb] + list(mod.parameters()))
        out.append((s.float(), {k: v.float() for k, v in st.items()}, [gr.float() for gr in grads]))
    (s1, st1, g1), (s2, st2, g2) = out
    rel = [float((a - b).abs().max() / max(float(a.abs().max()), 1e-3)) for a, b in zip(g1, g2)]
    return {"spikes_equal": bool(torch.equal(s1, s2)),
            "state_err": max(float((st1[k] - st2[k]).abs().max()) for k in st1),
            "grad_rel_err": rel, "grad_nonzero": float(g1[1].abs().max()) > 0}


def glif_saved():
    """What the Triton GLIF keeps for backward (float32 x [6, 4, 5, 40], channels=5): its tensors' bytes, split
    into [T, ...]-sized ones and the rest, next to x's and H's sizes."""
    from saved import saved_storages

    x = (torch.randn(6, 4, 5, 40) + 0.5).to(DEVICE).requires_grad_()
    mod = neurons.build("glif", T=6, channels=5, backend="triton").to(DEVICE)
    seen = saved_storages(mod, x)[1]
    big = sorted(n for n in seen.values() if n > 6 * 5 * 8)
    return {"index": "glif_saved", "big": big, "small_total": sum(seen.values()) - sum(big),
            "x_bytes": x.numel() * 4, "x_saved": x.untyped_storage().data_ptr() in seen}


def nonfinite(i, case):
    """A NaN/Inf case of nonfinite_cases.py on the Triton kernels (float32): the differences from the reference."""
    import nonfinite_cases as nf

    ref, fast = nf.run(case, "triton", torch.float32, device=DEVICE)
    return {"index": f"nf{i}", "problems": nf.compare(ref, fast, rtol=3e-5)}


def double_backward(i, kind, sg, width):
    """A gradient penalty (test_double_backward.py) through the Triton Function and through the reference loop,
    both float32: the largest relative difference of the first- and second-order gradients."""
    import test_double_backward as db

    ref = db._build(kind, sg, width, {}, "reference", dtype=torch.float32).to(DEVICE)
    with torch.no_grad():
        for p in ref.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=torch.Generator().manual_seed(1), dtype=p.dtype).to(DEVICE))
    fast = db._build(kind, sg, width, {}, "triton", dtype=torch.float32).to(DEVICE)
    fast.load_state_dict(ref.state_dict())
    db._penalty_grads(ref, seed=5, dtype=torch.float32, device=DEVICE)
    try:  # the Triton ops refuse create_graph=True (snnlab/kernels/ops.py): they do not keep x for a recomputation
        db._penalty_grads(fast, seed=5, dtype=torch.float32, device=DEVICE)
    except RuntimeError as exc:
        return {"index": f"db{i}", "refused": str(exc)}
    out = [db._penalty_grads(mod, seed=5, dtype=torch.float32, device=DEVICE) for mod in (ref, fast)]
    rel = []
    for a, b in zip(out[0][0] + out[0][1], out[1][0] + out[1][1]):
        if a is not None:
            rel.append(float((a - b).abs().max()) / max(float(a.abs().max()), 1e-3))
    return {"index": f"db{i}", "rel": rel, "nonzero": float(out[0][1][2].abs().max()) > 0}


DOUBLE_BACKWARD = [(k, sg, w) for k in ("lif", "plif", "klif", "clif", "ilif", "glif")
                   for sg, w in (("rectangle", 1.0), ("triangle", 0.7), ("sigmoid", 1.0), ("atan", 2.0))]


if __name__ == "__main__":
    import warnings

    import nonfinite_cases

    warnings.filterwarnings("ignore", category=RuntimeWarning)  # numpy's "invalid value" in the interpreter
    DEVICE = ARGS.device
    if DEVICE == "cuda" and not torch.cuda.is_available():
        sys.exit("triton_parity_worker: --device cuda, but torch sees no CUDA device")
    items = [(glif_saved, ())] + [(nonfinite, (i, c)) for i, c in enumerate(nonfinite_cases.cases())] \
        + [(double_backward, (i,) + tuple(c)) for i, c in enumerate(DOUBLE_BACKWARD)] \
        + [(None, (idx, c)) for idx, c in enumerate(CASES)]
    import op_views

    views, _ = op_views.watch()  # every op output of this shard: none may be a view (op_views.py)
    for fn, args in items[ARGS.shard::ARGS.shards]:
        if fn is None:
            idx, case = args
            res = run_case(*case)
            res.update(index=idx, kind=case[0], params=case[1], T=case[2], dtype=case[3], noncontig=case[4])
        else:
            res = fn(*args)
        print(json.dumps(res), flush=True)
    print(json.dumps({"index": f"views{ARGS.shard}", "views": sorted(set(views))}), flush=True)
    sys.exit(0)
