"""NaN/Inf inputs: the cases and the comparison shared by the C tests (test_nonfinite.py) and the Triton
interpreter worker (triton_parity_worker.py).

The rule (docs/contracts.md, snnlab/kernels/__init__.py): a fast path gives what the reference loop gives, for
non-finite inputs too: the same spikes, and states and gradients with NaN, +Inf and -Inf at the same places as the
reference's, equal (to rounding) elsewhere.
"""
from __future__ import annotations

import itertools

import torch

from snnlab import neurons

KINDS = ("lif", "plif", "klif", "clif", "ilif", "glif")
SURROGATES = (("rectangle", 1.0), ("triangle", 0.7), ("sigmoid", 1.0), ("atan", 2.0))
VALUES = ("nan", "inf", "-inf")
# where the bad value goes: (chunk, t, element); chunk 0 runs on the reference loop and hands its state on to
# chunk 1, which runs on the backend under test (so a bad value in chunk 0 reaches the kernel as initial state)
POSITIONS = ((1, 0, 0), (1, 2, 5), (1, 3, 9), (0, 1, 3))
T0, T1, SHAPE = 2, 4, (2, 6)


def cases(all_positions: bool = False):
    """(kind, surrogate, width, value, position, options): every neuron x surrogate x value, at every position
    (``all_positions``) or at one, the positions cycling; the reset/decay options cycle so that each appears."""
    out = []
    opts = itertools.cycle([dict(), dict(reset="hard", v_reset=-0.2, decay_input=True),
                            dict(detach_reset=True), dict(reset="hard", v_reset=0.0)])
    pos = itertools.cycle(POSITIONS)
    for kind, (sg, w), value in itertools.product(KINDS, SURROGATES, VALUES):
        for position in (POSITIONS if all_positions else (next(pos),)):
            o = dict(next(opts))
            if kind == "glif":
                o = {k: v for k, v in o.items() if k == "detach_reset"}
            out.append((kind, sg, w, value, position, o))
    return out


def case_id(case) -> str:
    kind, sg, w, value, (c, t, i), o = case
    extra = "-".join(f"{k}{v}" for k, v in sorted(o.items()))
    return f"{kind}-{sg}-{value}-c{c}t{t}i{i}" + (f"-{extra}" if extra else "")


def _build(kind, sg, w, o, backend, dtype):
    params = dict(surrogate=sg, width=w, backend=backend, **o)
    if kind == "glif":
        params["T"] = T0 + T1
    if kind == "klif":
        params["k_init"] = 1.3
    if kind == "ilif":
        params.update(kappa_i=0.3, kappa_m=0.9)
    return neurons.build(kind, **params).to(dtype)


def run(case, backend, dtype=torch.float64, seed=0, device="cpu"):
    """Run ``case`` on the reference loop and on ``backend``: returns the two results, each
    ``(spikes, {state}, [dL/dx0, dL/dx1, dL/dparam...])`` (detached). The data are drawn on the CPU and moved to
    ``device`` (the same values on every device); both modules run there."""
    kind, sg, w, value, (chunk, t, i), o = case
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randn(T0, *SHAPE, generator=g, dtype=dtype) * 1.2 + 0.7,
          torch.randn(T1, *SHAPE, generator=g, dtype=dtype) * 1.2 + 0.7]
    xs[chunk].view(xs[chunk].shape[0], -1)[t, i] = float(value)
    wts = [torch.randn(T1, *SHAPE, generator=g, dtype=dtype)] + [torch.randn(SHAPE, generator=g, dtype=dtype)
                                                                    for _ in range(5)]
    xs, wts = [v.to(device) for v in xs], [v.to(device) for v in wts]
    ref = _build(kind, sg, w, o, "reference", dtype).to(device)
    fast = _build(kind, sg, w, o, backend, dtype).to(device)
    with torch.no_grad():  # spread the parameters (GLIF's gates, KLIF's k...) identically
        for p in ref.parameters():
            p.copy_(p + 0.3 * torch.randn(p.shape, generator=g, dtype=p.dtype).clamp(-1, 1).to(p.device))
    fast.load_state_dict(ref.state_dict())
    out = []
    for mod in (ref, fast):
        x0 = xs[0].clone().requires_grad_()
        x1 = xs[1].clone().requires_grad_()
        mod.backend, b = "reference", mod.backend
        s0 = mod(x0)
        mod.backend = b
        s1 = mod(x1)
        st = {k: v for k, v in mod.get_state().items() if k not in ("X_prev", "S_prev", "t", "S")}
        loss = (s1 * wts[0]).sum() + (s0 * 0.5).sum()
        for j, k in enumerate(sorted(st)):
            loss = loss + (st[k] * wts[1 + j]).sum()
        grads = torch.autograd.grad(loss, [x0, x1] + list(mod.parameters()), allow_unused=True)
        out.append((s1.detach(), {k: v.detach() for k, v in st.items()},
                    [None if gr is None else gr.detach() for gr in grads]))
    return out


def compare(ref, fast, rtol=1e-9) -> list:
    """The differences between two results of ``run`` as readable strings (empty: they agree). Non-finite
    entries must match exactly (NaN with NaN, +Inf with +Inf); finite ones to ``rtol`` of the largest finite
    magnitude of the pair."""
    problems = []
    (s_r, st_r, g_r), (s_f, st_f, g_f) = ref, fast

    def same(a, b, what):
        if a is None or b is None:
            if (a is None) != (b is None):
                problems.append(f"{what}: one is None")
            return
        a, b = a.double(), b.double()
        for name, fn in (("NaN", torch.isnan), ("+Inf", lambda v: v == float("inf")),
                         ("-Inf", lambda v: v == -float("inf"))):
            ma, mb = fn(a), fn(b)
            if not torch.equal(ma, mb):
                problems.append(f"{what}: {name} at {int(ma.sum())} places in the reference, {int(mb.sum())} in "
                                f"the fast path ({int((ma != mb).sum())} differ)")
        fin = torch.isfinite(a) & torch.isfinite(b)
        if fin.any():
            scale = max(float(a[fin].abs().max()), float(b[fin].abs().max()), 1e-3)
            err = float((a[fin] - b[fin]).abs().max())
            if err > rtol * scale:
                problems.append(f"{what}: finite values differ by {err:.3g} (scale {scale:.3g})")

    if not torch.equal(s_r, s_f):
        problems.append("spikes differ")
    for k in st_r:
        same(st_r[k], st_f[k], f"state {k}")
    for j, (a, b) in enumerate(zip(g_r, g_f)):
        same(a, b, f"grad[{j}]")
    return problems
