"""Run the Triton kernels under the interpreter (TRITON_INTERPRET=1, CPU tensors) against the reference loop.

Executed in a subprocess by test_triton_parity.py (the interpreter must be chosen before triton is imported);
prints one JSON line per case: spikes equal, max state error, max relative gradient errors.
"""
import itertools
import json
import os
import sys

os.environ["TRITON_INTERPRET"] = "1"

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


def run_case(kind, params, T, dtype_name, noncontig):
    dtype = getattr(torch, dtype_name)
    g = torch.Generator().manual_seed(7)
    x0 = (torch.randn(2, 2, 33, generator=g) * 1.2 + 0.7)
    base = torch.randn(T, 33, 2, generator=g) * 1.2 + 0.7
    x = base.transpose(1, 2) if noncontig else base.transpose(1, 2).contiguous()
    wts = torch.randn(T, 2, 33, generator=g)
    ref = neurons.build(kind, backend="reference", **params)
    fast = neurons.build(kind, backend="triton", **params)
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


if __name__ == "__main__":
    for idx, case in enumerate(CASES):
        res = run_case(*case)
        res.update(index=idx, kind=case[0], params=case[1], T=case[2], dtype=case[3], noncontig=case[4])
        print(json.dumps(res), flush=True)
    sys.exit(0)
