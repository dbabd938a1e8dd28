"""Theory helpers for the ILIF, KLIF and CLIF notebooks: pure functions on tensors.

Notation (``shared/papers/README.md``): X input current, H pre-reset potential, S spike, V post-reset potential,
M complementary (CLIF) or membrane-inhibitory (ILIF) state, A current-inhibitory state (ILIF), λ = 1 − 1/τ decay,
V_th threshold, g(z) surrogate derivative at z = H − V_th with support (or equivalent) width γ, σ logistic sigmoid.
Every sequence is time-major ``[T, ...]``; every function is vectorised over the trailing (neuron) axes.

Contents
--------
* surrogate-window occupancy ............................ :func:`window_occupancy`
* one-step temporal factors (closed forms) .............. :func:`lif_temporal_factor`, :func:`clif_factors`,
  :func:`ilif_temporal_factor`, :func:`mean_abs`
* temporal factor measured with autograd on a neuron .... :func:`measure_temporal_factor`, :func:`run_neuron`
* the ILIF γ-dilemma table (ilif.md §2.3) ............... :func:`ilif_gamma_table`
* exact adjoint recursion of CLIF/LIF (clif.md §2.4) .... :func:`adjoint_recursion`, :func:`lag_decomposition`,
  :func:`lag_profile`, :func:`temporal_share`, :func:`adjoint_autograd`, :func:`reference_forward`,
  :func:`decompose` (all of it in one call)
* gradient reaching step 1 from a loss at step T ........ :func:`gradient_to_first_step`,
  :func:`first_step_gradient_autograd`
* KLIF effective surrogate (klif.md §1.5, §2.2–§2.3) .... :func:`klif_effective_surrogate`,
  :func:`klif_closed_forms`, :func:`klif_surrogate_autograd`, :func:`curve_features`
* autocorrelation (clif.md §2.4 item 4) ................. :func:`autocorrelation`
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from snnlab import surrogate as _surrogate

__all__ = [
    "window_occupancy", "lif_temporal_factor", "clif_factors", "ilif_temporal_factor", "mean_abs",
    "run_neuron", "measure_temporal_factor", "ilif_gamma_table",
    "reference_forward", "adjoint_recursion", "lag_decomposition", "lag_profile", "temporal_share", "decompose",
    "adjoint_autograd", "gradient_to_first_step", "first_step_gradient_autograd",
    "klif_effective_surrogate", "klif_closed_forms", "klif_surrogate_autograd", "curve_features",
    "FWHM_SIGMOID", "autocorrelation",
]


# ================================================================================================================
# helpers
# ================================================================================================================

def _sg(surrogate, width: float | None) -> _surrogate.Surrogate:
    """A Surrogate from a name (+ width γ), a Surrogate or a config dict."""
    if isinstance(surrogate, _surrogate.Surrogate):
        if width is not None and width != surrogate.width:
            raise ValueError(f"width={width!r} disagrees with the given Surrogate's width {surrogate.width!r}; "
                             "pass one or the other")
        return surrogate
    return _surrogate.build(surrogate, 1.0 if width is None else width)


def _lam(tau) -> float | torch.Tensor:
    if isinstance(tau, torch.Tensor):
        return 1.0 - 1.0 / tau
    tau = float(tau)
    if not tau > 1.0:
        raise ValueError(f"tau={tau!r} must be > 1 (λ = 1 − 1/τ in (0, 1))")
    return 1.0 - 1.0 / tau


def _tensor(x, name: str) -> torch.Tensor:
    if not torch.is_tensor(x):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    return x


def _dsig(x: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(x)
    return s * (1.0 - s)


# ================================================================================================================
# surrogate-window occupancy
# ================================================================================================================

def window_occupancy(H: torch.Tensor, *, v_threshold: float = 1.0, width: float = 1.0, surrogate="rectangle",
                     mode: str = "window", dim=None) -> torch.Tensor:
    """Fraction of potentials inside the surrogate window (ilif.md §2.3 item 2; clif.md §2.2 Part II).

    ``mode="window"``: mean of ``1{|H − V_th| ≤ γ/2}``: the support of the rectangle and triangle surrogates of
    width γ, and the *equivalent* window (same peak, unit area) of the smooth ones (sigmoid, atan), whose support
    is unbounded. ``mode="weighted"``: mean of ``g(H − V_th)/g(0)``, a soft occupancy that equals the window
    fraction for the rectangle and weighs each potential by how much surrogate gradient it receives otherwise.
    ``dim``: axes to average over (None = all, a scalar); e.g. ``dim=(1, 2)`` on ``[T, B, N]`` gives one value per
    step.
    """
    H = _tensor(H, "H")
    z = H - v_threshold
    if mode == "window":
        if not (isinstance(width, (int, float)) and width > 0):
            raise ValueError(f"width={width!r} must be a positive number (γ)")
        inside = (z.abs() <= 0.5 * width).to(torch.float64 if H.dtype == torch.float64 else torch.float32)
    elif mode == "weighted":
        sg = _sg(surrogate, width)
        inside = sg.derivative(z) / sg.peak
    else:
        raise ValueError(f"mode={mode!r} must be 'window' or 'weighted'")
    return inside.mean() if dim is None else inside.mean(dim=dim)


# ================================================================================================================
# one-step temporal factors, closed forms
# ================================================================================================================

def lif_temporal_factor(H: torch.Tensor, *, tau=2.0, v_threshold: float = 1.0, surrogate="rectangle",
                        width: float | None = 1.0) -> torch.Tensor:
    """LIF temporal sensitivity ``ε[t] = ∂H[t+1]/∂H[t] + ∂H[t+1]/∂S[t]·∂S[t]/∂H[t] = λ·(1 − V_th·g[t])``.

    CLIF paper Eq. 9 (clif.md §2.2; soft reset, decay_input=False, nothing detached); ilif.md §1.5 "Temporal
    factors: LIF". With the rectangle surrogate of width γ it is ``λ(1 − V_th/γ)`` inside the window (**0** when
    γ = V_th) and λ outside. Elementwise on ``H`` (any shape; entry t is the factor from step t to t+1).
    """
    H = _tensor(H, "H")
    g = _sg(surrogate, width).derivative(H - v_threshold)
    return _lam(tau) * (1.0 - v_threshold * g)


def clif_factors(H: torch.Tensor, S: torch.Tensor, M: torch.Tensor, *, tau=2.0, v_threshold: float = 1.0,
                 surrogate="rectangle", width: float | None = 1.0) -> dict[str, torch.Tensor]:
    """CLIF's gradient factors from recorded ``H, S, M`` (``[T, ...]``, M after the ``+S``), clif.md §2.3 [derived]:

    * ``g[t] = g(H[t] − V_th)``, ``psi[t] = ψ[t] = M[t−1]·σ'(H[t]/τ)/τ + g[t]``        (Eq. 23/47, M[0] = 0)
    * ``eps[t] = λ·(1 − (V_th + σ(M[t]))·g[t])``        (CLIF's ε: −λσ(M) inside the window when γ = V_th = 1)
    * ``xi[t] = λ·[1 − (V_th + σ(M[t]))·g[t] − S[t]·σ'(M[t])·ψ[t]]``                  (Eq. 22)
    * ``rho[t] = σ(H[t+1]/τ) − λ·S[t]·σ'(M[t])·ψ[t+1]``  for t < T (last entry NaN: needs H[T+1])
    * ``dH_next_dM[t] = −λ·S[t]·σ'(M[t])`` (= ∂H[t+1]/∂M[t], non-zero only at spikes)
    """
    H, S, M = _tensor(H, "H"), _tensor(S, "S"), _tensor(M, "M")
    if not (H.shape == S.shape == M.shape):
        raise ValueError(f"H, S, M must have one shape [T, ...]; got {tuple(H.shape)}, {tuple(S.shape)}, "
                         f"{tuple(M.shape)}")
    lam = _lam(tau)
    tau_f = tau if isinstance(tau, torch.Tensor) else float(tau)
    g = _sg(surrogate, width).derivative(H - v_threshold)
    M_prev = torch.cat([torch.zeros_like(M[:1]), M[:-1]])
    psi = M_prev * _dsig(H / tau_f) / tau_f + g
    sm, dsm = torch.sigmoid(M), _dsig(M)
    eps = lam * (1.0 - (v_threshold + sm) * g)
    xi = lam * (1.0 - (v_threshold + sm) * g - S * dsm * psi)
    rho = torch.full_like(H, float("nan"))
    if H.shape[0] > 1:
        rho[:-1] = torch.sigmoid(H[1:] / tau_f) - lam * S[:-1] * dsm[:-1] * psi[1:]
    return dict(g=g, psi=psi, eps=eps, xi=xi, rho=rho, dH_next_dM=-lam * S * dsm)


def ilif_temporal_factor(H: torch.Tensor, S: torch.Tensor, M: torch.Tensor, A: torch.Tensor, X: torch.Tensor, *,
                         tau=1.1, v_threshold: float = 1.0, kappa_i: float = 0.03, kappa_m: float = 1.0,
                         surrogate="rectangle", width: float | None = 1.0) -> torch.Tensor:
    """ILIF one-step temporal factor ``∂H[t+1]/∂H[t]`` (ilif.md §1.5 [INFERENCE, derived from the code]).

    With ``R = H − V_th·S``, ``σ_t = σ(M[t])``, ``σ'_t = σ_t(1 − σ_t)`` and ``A[t+1] = κ_I·(A[t] + X[t]·S[t])``::

        ∂M[t]/∂H[t] = κ_M·(g·R + S·(1 − V_th·g))
        ∂V[t]/∂H[t] = (1 − V_th·g) − g·σ_t − S·σ'_t·∂M[t]/∂H[t]
        ∂H[t+1]/∂H[t] = λ·∂V[t]/∂H[t] − 1{A[t+1] ≥ 0}·κ_I·X[t]·g

    ``H, S, M, A, X``: recorded ``[T, ...]`` (M after the update, A before the clamp, as
    ``snnlab.neurons.ILIF(record=True)`` returns them); entry t is the factor from t to t+1 (the last one uses
    A[T+1] computed from the records). ``1{A ≥ 0}`` is the derivative of ``max(A, 0)`` that the authors' torch
    gave and snnlab's ILIF uses on every torch version (``snnlab.neurons.ilif.inhibition_clamp``; ilif.md §1.5,
    corrected from an earlier ``1{A > 0}``): A is exactly 0 before a neuron's first spike, so the A term is
    present at those steps too. This term is the gradient path of the current-inhibitory unit; the M chain
    (factor κ_M per step, no decay) is a separate path not included here.
    """
    H, S, M, A, X = (_tensor(v, n) for v, n in ((H, "H"), (S, "S"), (M, "M"), (A, "A"), (X, "X")))
    lam = _lam(tau)
    g = _sg(surrogate, width).derivative(H - v_threshold)
    R = H - v_threshold * S
    sm, dsm = torch.sigmoid(M), _dsig(M)
    dM_dH = kappa_m * (g * R + S * (1.0 - v_threshold * g))
    dV_dH = (1.0 - v_threshold * g) - g * sm - S * dsm * dM_dH
    A_next = kappa_i * (A + X * S)
    gate = ~(A_next < 0)  # inhibition_clamp's derivative: 1 for A >= 0 (and NaN), 0 for A < 0
    return lam * dV_dH - gate.to(H.dtype) * kappa_i * X * g


def mean_abs(values: torch.Tensor, mask: torch.Tensor | None = None) -> float:
    """Mean of ``|values|`` over the entries where ``mask`` is True (all entries if None); NaN if none."""
    values = _tensor(values, "values").abs()
    if mask is not None:
        if mask.shape != values.shape:
            raise ValueError(f"mask shape {tuple(mask.shape)} must equal values shape {tuple(values.shape)}")
        values = values[mask.bool()]
    return float(values.mean()) if values.numel() else float("nan")


# ================================================================================================================
# temporal factor measured with autograd on a real neuron
# ================================================================================================================

def run_neuron(neuron, x: torch.Tensor, initial_state: Mapping | None = None) -> dict[str, Any]:
    """Run a neuron's pure step function over ``x [T, ...]`` and keep the **graph tensors** of every step.

    ``neuron`` follows the snnlab neuron contract (``snnlab.neurons.build(...)``: ``step_fn(x_t, state,
    **params) -> (S, new_state, extras)``, ``step_params()``, ``state_keys``). Unlike ``neuron(x, record=True)``,
    whose records are stacked copies, the lists returned here hold the very tensors the next steps were computed
    from, so ``torch.autograd.grad(H[t+1], H[t])`` is the one-step Jacobian. Returns ``{"S": [...], "H": [...],
    "state": [per-step state dicts], "extras": [...]}``. ``initial_state`` overrides entries of the initial
    state (None everywhere by default, i.e. the neuron's own initial values).
    """
    for attr in ("step_fn", "step_params", "state_keys"):
        if not hasattr(neuron, attr):
            raise TypeError(f"run_neuron: neuron must follow the snnlab neuron contract (missing {attr!r}); "
                            "build it with snnlab.neurons.build(name, ...)")
    x = _tensor(x, "x")
    params = neuron.step_params()
    state = {k: None for k in neuron.state_keys}
    if initial_state:
        unknown = set(initial_state) - set(state)
        if unknown:
            raise ValueError(f"run_neuron: initial_state has keys {sorted(unknown)} the neuron does not carry "
                             f"(state_keys = {list(neuron.state_keys)})")
        state.update(initial_state)
    out: dict[str, list] = {"S": [], "H": [], "state": [], "extras": []}
    for t in range(x.shape[0]):
        s, state, extras = neuron.step_fn(x[t], state, **params)
        h = extras.get("H") if "H" in extras else state.get("H")
        if h is None:
            raise ValueError(f"run_neuron: the step function of {getattr(neuron, 'kind', neuron)!r} returns no 'H'")
        out["S"].append(s)
        out["H"].append(h)
        out["state"].append(dict(state))
        out["extras"].append(dict(extras))
    return out


def measure_temporal_factor(neuron, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``∂H[t+1]/∂H[t]`` per neuron, measured with autograd on a neuron module (ilif.md §2.3; clif.md §2.2).

    Runs :func:`run_neuron` on ``x [T, ...]`` (no gradient to ``x``) and, for each t, differentiates
    ``Σ H[t+1]`` with respect to the graph tensor ``H[t]``; neurons are element-wise, so this is the diagonal of
    the one-step Jacobian, every path from H[t] to H[t+1] included (the reset, σ(M), the inhibitory units...).
    Returns ``(J [T−1, ...], H [T, ...])`` (H detached, for window masks).
    """
    x = _tensor(x, "x").detach()
    if x.shape[0] < 2:
        raise ValueError(f"measure_temporal_factor: x needs T >= 2 steps, got shape {tuple(x.shape)}")
    with torch.enable_grad():
        # x requires grad only so that H[0] is a graph node; the gradient asked for is w.r.t. H[t]
        run = run_neuron(neuron, x.clone().requires_grad_(True))
        H = run["H"]
        J = []
        for t in range(len(H) - 1):
            (gt,) = torch.autograd.grad(H[t + 1].sum(), H[t], retain_graph=True, allow_unused=True)
            J.append(torch.zeros_like(H[t]) if gt is None else gt)
    return torch.stack(J).detach(), torch.stack([h.detach() for h in H])


#: rows of the ilif.md §2.3 table: (τ, γ)
_ILIF_TABLE_ROWS = ((1.1, 0.25), (1.1, 0.5), (1.1, 1.0), (1.1, 2.0), (1.1, 4.0),
                    (2.0, 0.5), (2.0, 1.0), (2.0, 2.0), (2.0, 4.0))


def ilif_gamma_table(rows: Sequence[tuple[float, float]] = _ILIF_TABLE_ROWS, *, n: int = 20000, T: int = 6,
                     mu: float = 0.8, sigma: float = 0.6, inputs: str = "iid", v_threshold: float = 1.0,
                     seed: int = 0, builder: Callable | None = None, compare: bool = True):
    """Reproduce the ilif.md §2.3 table: the fraction of potentials in the window and the mean
    ``|∂H[t+1]/∂H[t]|`` over in-window neurons, for LIF and ILIF, untrained, rectangle surrogate of width γ.

    Protocol (the spec's, with the choices it leaves open made explicit): ``n`` neurons, inputs
    ``X ~ N(mu, sigma²)`` drawn independently at every step (``inputs="iid"``; ``"static"`` repeats one draw),
    ``T`` steps, one generator seeded with ``seed`` (the same X for both neurons). For each (τ, γ) the neurons
    are ``builder("lif"|"ilif", tau=τ, v_threshold=…, surrogate="rectangle", width=γ)`` (default
    ``snnlab.neurons.build``; ILIF with its κ_I = 0.03, κ_M = 1). ``J`` is measured with autograd
    (:func:`measure_temporal_factor`) for t = 1..T−1; a neuron-step is *in window* when
    ``|H[t] − V_th| ≤ γ/2`` at the step the factor starts from. ``fraction_in_window`` is the LIF fraction over
    all T steps (``fraction_in_window_ilif`` the ILIF one). With ``compare=True`` the spec's numbers
    (``paper_data.ILIF_TEMPORAL_FACTOR_TABLE``) are added as ``spec_*`` columns.
    """
    import pandas as pd

    if builder is None:
        from snnlab.neurons import build as builder
    if inputs not in ("iid", "static"):
        raise ValueError(f"inputs={inputs!r} must be 'iid' or 'static'")
    gen = torch.Generator().manual_seed(seed)
    if inputs == "iid":
        x = mu + sigma * torch.randn(T, n, generator=gen, dtype=torch.float64)
    else:
        x = (mu + sigma * torch.randn(1, n, generator=gen, dtype=torch.float64)).expand(T, n).clone()
    out = []
    for tau, gamma in rows:
        row: dict[str, Any] = dict(tau=tau, gamma=gamma)
        for name in ("lif", "ilif"):
            neuron = builder(name, tau=tau, v_threshold=v_threshold, surrogate="rectangle", width=gamma)
            J, H = measure_temporal_factor(neuron, x)
            inside = (H - v_threshold).abs() <= 0.5 * gamma
            key = name.upper()
            row[key] = mean_abs(J, inside[:-1])
            frac = float(inside.double().mean())
            if name == "lif":
                row["fraction_in_window"] = frac
            else:
                row["fraction_in_window_ilif"] = frac
        row["LIF_closed_form"] = _lam(tau) * abs(1.0 - v_threshold / gamma)
        out.append(row)
    df = pd.DataFrame(out)
    if compare:
        from snnlab.paper_data import ILIF_TEMPORAL_FACTOR_TABLE

        spec = {(r["tau"], r["gamma"]): r for r in ILIF_TEMPORAL_FACTOR_TABLE}
        for col in ("fraction_in_window", "LIF", "ILIF"):
            df[f"spec_{col}"] = [spec.get((r.tau, r.gamma), {}).get(col, float("nan")) for r in df.itertuples()]
    return df[[c for c in ("tau", "gamma", "fraction_in_window", "spec_fraction_in_window", "LIF", "spec_LIF",
                           "LIF_closed_form", "ILIF", "spec_ILIF", "fraction_in_window_ilif") if c in df]]


# ================================================================================================================
# exact adjoint recursion (clif.md §2.4)
# ================================================================================================================

def reference_forward(x: torch.Tensor, *, neuron: str = "clif", tau=2.0, v_threshold: float = 1.0,
                      surrogate="rectangle", width: float | None = 1.0) -> dict[str, torch.Tensor]:
    """A plain loop of the forward of clif.md §2.4 (soft reset, decay_input=False, nothing detached)::

        H[t] = λ·V[t−1] + X[t];  S[t] = Θ(H[t] − V_th)
        CLIF: M[t] = M[t−1]·σ(H[t]/τ) + S[t];  V[t] = H[t] − S[t]·(V_th + σ(M[t]))
        LIF:  V[t] = H[t] − V_th·S[t]
        V[0] = M[0] = 0

    The spike uses the surrogate in backward, so autograd through this loop is a check of
    :func:`adjoint_recursion` independent of ``snnlab.neurons``. Returns stacked ``H, S, M (zeros for LIF), V``
    and, under ``"graph"``, the per-step graph tensors (lists) for :func:`adjoint_autograd`.
    """
    neuron = _check_kind(neuron)
    x = _tensor(x, "x")
    lam, sg = _lam(tau), _sg(surrogate, width)
    tau_f = tau if isinstance(tau, torch.Tensor) else float(tau)
    v = torch.zeros_like(x[0])
    m = torch.zeros_like(x[0])
    graph: dict[str, list] = {"H": [], "S": [], "M": [], "V": []}
    for t in range(x.shape[0]):
        h = lam * v + x[t]
        s = sg.spike(h - v_threshold)
        if neuron == "clif":
            m = m * torch.sigmoid(h / tau_f) + s
            v = h - s * (v_threshold + torch.sigmoid(m))
        else:
            v = h - v_threshold * s
        for k, val in (("H", h), ("S", s), ("M", m), ("V", v)):
            graph[k].append(val)
    out = {k: torch.stack(vs) for k, vs in graph.items()}
    out["graph"] = graph
    return out


def _check_kind(neuron: str) -> str:
    key = str(neuron).lower()
    if key not in ("lif", "clif"):
        raise ValueError(f"neuron={neuron!r} must be 'lif' or 'clif' (the adjoint recursion of clif.md §2.4)")
    return key


def adjoint_recursion(H: torch.Tensor, S: torch.Tensor, dS_ext: torch.Tensor, M: torch.Tensor | None = None, *,
                      neuron: str = "clif", tau=2.0, v_threshold: float = 1.0, surrogate="rectangle",
                      width: float | None = 1.0) -> dict[str, torch.Tensor]:
    """Exact backward of one CLIF (or LIF) layer, clif.md §2.4 [derived], vectorised over neurons.

    Inputs are the recorded forward ``H, S, M`` (``[T, ...]``, M after the ``+S``) and ``dS_ext[t] = ∂L/∂S[t]``,
    the direct loss gradient on the spikes (from the layer above or the loss). With ``δx = dL/dx`` (total) and
    every term at T+1 equal to 0, for t = T … 1::

        δV[t] = λ·δH[t+1]
        δM[t] = −δV[t]·S[t]·σ'(M[t]) + δM[t+1]·σ(H[t+1]/τ)
        δS[t] = δS_ext[t] − δV[t]·(V_th + σ(M[t])) + δM[t]
        δH[t] = δV[t] + δM[t]·M[t−1]·σ'(H[t]/τ)/τ + δS[t]·g[t]          (δX[t] = δH[t])

    LIF (``neuron="lif"``): every M term dropped and σ(M) ≡ 0, i.e. ``δH[t] = P[t] + ε[t]·δH[t+1]``.

    Returns ``dH, dV, dM, dS`` and the split of ``δH[t]``:

    * ``P[t] = δS_ext[t]·g[t]``: the spatial part (Eq. 10–12; P_M of Eq. 20);
    * ``temporal = δH − P``;
    * ``chain[t] = ε[t]·δH[t+1]`` with CLIF's ``ε[t] = λ(1 − (V_th + σ(M[t]))·g[t])``: the LIF-like chain;
    * ``mpath[t] = δM[t]·ψ[t]`` with ``ψ[t] = M[t−1]σ'(H[t]/τ)/τ + g[t]``: the complementary path (T_M2·ψ);
      ``temporal = chain + mpath`` exactly (``mpath`` is 0 for LIF).
    """
    neuron = _check_kind(neuron)
    H, S, dS_ext = _tensor(H, "H"), _tensor(S, "S"), _tensor(dS_ext, "dS_ext")
    if M is None:
        if neuron == "clif":
            raise ValueError("adjoint_recursion: neuron='clif' needs the recorded M [T, ...]")
        M = torch.zeros_like(H)
    H, S, M, dS_ext = torch.broadcast_tensors(H, S, M, dS_ext)
    lam = _lam(tau)
    tau_f = tau if isinstance(tau, torch.Tensor) else float(tau)
    g = _sg(surrogate, width).derivative(H - v_threshold)
    clif = neuron == "clif"
    if clif:
        M_prev = torch.cat([torch.zeros_like(M[:1]), M[:-1]])
        sm, dsm = torch.sigmoid(M), _dsig(M)
        forming = M_prev * _dsig(H / tau_f) / tau_f          # ∂M[t]/∂H[t]
        keep = torch.sigmoid(H / tau_f)                       # ∂M[t]/∂M[t−1] = σ(H[t]/τ)
    else:
        sm = torch.zeros_like(H)
    T = H.shape[0]
    dH, dV, dM, dS = (torch.zeros_like(H) for _ in range(4))
    dH_next = torch.zeros_like(H[0])
    dM_next = torch.zeros_like(H[0])
    for t in range(T - 1, -1, -1):
        dV[t] = lam * dH_next
        if clif:
            keep_next = keep[t + 1] if t + 1 < T else torch.zeros_like(H[0])
            dM[t] = -dV[t] * S[t] * dsm[t] + dM_next * keep_next
        dS[t] = dS_ext[t] - dV[t] * (v_threshold + sm[t]) + dM[t]
        dH[t] = dV[t] + dS[t] * g[t] + (dM[t] * forming[t] if clif else 0.0)
        dH_next, dM_next = dH[t], dM[t]
    P = dS_ext * g
    eps = lam * (1.0 - (v_threshold + sm) * g)
    dH_shift = torch.cat([dH[1:], torch.zeros_like(dH[:1])])
    chain = eps * dH_shift
    psi = (forming + g) if clif else torch.zeros_like(H)
    mpath = dM * psi
    return dict(dH=dH, dV=dV, dM=dM, dS=dS, P=P, temporal=dH - P, chain=chain, mpath=mpath, eps=eps, psi=psi,
                g=g)


def lag_decomposition(H: torch.Tensor, S: torch.Tensor, dS_ext: torch.Tensor, M: torch.Tensor | None = None,
                      **kwargs) -> torch.Tensor:
    """Per-source split of δH: ``C[t, t']`` = the part of ``δH[t]`` due to the loss gradient at step ``t'``.

    The recursion of :func:`adjoint_recursion` is linear in ``dS_ext``, so running it with ``dS_ext`` kept only
    at step t' gives that source's contribution; it is zero for ``t' < t``, the spatial term ``P[t]`` for
    ``t' = t`` and the temporal term of lag ``t' − t`` (T[t, t'] of clif.md §2.1, plus T_M2 for CLIF) for
    ``t' > t``. ``Σ_{t'} C[t, t'] = δH[t]`` exactly. Returns ``C [T, T, ...]`` (axes t, t', neurons); all sources
    are run at once (memory T² × neurons). ``kwargs`` as :func:`adjoint_recursion`.
    """
    H, S, dS_ext = _tensor(H, "H"), _tensor(S, "S"), _tensor(dS_ext, "dS_ext")
    T = H.shape[0]
    eye = torch.eye(T, dtype=dS_ext.dtype, device=dS_ext.device).reshape(T, T, *([1] * (dS_ext.dim() - 1)))
    src = dS_ext.unsqueeze(1) * eye                    # [t, t', ...]: dS_ext[t] if t == t' else 0
    Mx = None if M is None else M.unsqueeze(1)
    res = adjoint_recursion(H.unsqueeze(1), S.unsqueeze(1), src, Mx, **kwargs)
    return res["dH"]


def lag_profile(C: torch.Tensor, reduce: str = "abs", normalize: bool = False) -> torch.Tensor:
    """Gradient per lag from :func:`lag_decomposition`: ``out[k] = Σ_t Σ_neurons f(C[t, t+k])`` for k = 0..T−1.

    ``reduce="abs"`` sums ``|C|``, ``"signed"`` sums C itself, ``"sq"`` sums C² (squared norm per lag).
    ``normalize=True`` divides by the sum over lags: with ``"abs"`` this is the share of the gradient carried
    at each lag (lag 0 = spatial), the CLIF notebook's "temporal share per lag".
    """
    C = _tensor(C, "C")
    T = C.shape[0]
    f = {"abs": torch.abs, "signed": lambda v: v, "sq": torch.square}.get(reduce)
    if f is None:
        raise ValueError(f"reduce={reduce!r} must be 'abs', 'signed' or 'sq'")
    out = torch.stack([sum(f(C[t, t + k]).sum() for t in range(T - k)) for k in range(T)])
    return out / out.sum() if normalize else out


def temporal_share(result: Mapping[str, torch.Tensor], dim=None) -> torch.Tensor:
    """``‖δH − P‖ / ‖δH‖`` per step (clif.md §2.4, numerical experiment 2), norms over every axis but time
    (or over ``dim``). NaN where δH is all zero."""
    dH, temporal = result["dH"], result["temporal"]
    dims = tuple(range(1, dH.dim())) if dim is None else dim
    num = torch.linalg.vector_norm(temporal, dim=dims) if dims else temporal.abs()
    den = torch.linalg.vector_norm(dH, dim=dims) if dims else dH.abs()
    return torch.where(den > 0, num / den, torch.full_like(den, float("nan")))


def decompose(x: torch.Tensor, dS_ext: torch.Tensor, *, neuron: str = "clif", tau=2.0, v_threshold: float = 1.0,
              surrogate="rectangle", width: float | None = 1.0, check: bool = False) -> dict[str, Any]:
    """One call for the CLIF temporal-gradient notebook: forward one LIF/CLIF layer on the input current
    ``x [T, ...]`` (:func:`reference_forward`), run the exact recursion with the spike gradient ``dS_ext``, and split
    δH by source step (:func:`lag_decomposition`). Returns the forward records ``H, S, M``, the recursion's dict
    under ``"adjoint"``, ``C``, ``lag_share`` (:func:`lag_profile` with ``normalize=True``) and
    ``temporal_share`` per step. ``check=True`` also runs :func:`adjoint_autograd` and stores the largest
    difference of δH under ``"autograd_max_abs_diff"``.
    """
    kw = dict(neuron=neuron, tau=tau, v_threshold=v_threshold, surrogate=surrogate, width=width)
    f = reference_forward(_tensor(x, "x").detach(), **kw)
    M = f["M"] if _check_kind(neuron) == "clif" else None
    adj = adjoint_recursion(f["H"], f["S"], dS_ext, M, **kw)
    C = lag_decomposition(f["H"], f["S"], dS_ext, M, **kw)
    out: dict[str, Any] = dict(H=f["H"].detach(), S=f["S"].detach(), M=f["M"].detach(), adjoint=adj, C=C,
                               lag_share=lag_profile(C, normalize=True), temporal_share=temporal_share(adj))
    if check:
        ag = adjoint_autograd(x, dS_ext, **kw)
        out["autograd_max_abs_diff"] = float((ag["dH"] - adj["dH"]).abs().max())
    return out


def adjoint_autograd(x: torch.Tensor, dS_ext: torch.Tensor, *, neuron="clif", tau=2.0, v_threshold: float = 1.0,
                     surrogate="rectangle", width: float | None = 1.0) -> dict[str, torch.Tensor]:
    """The same adjoints as :func:`adjoint_recursion`, by autograd, for the check.

    Runs the forward on ``x [T, ...]`` and back-propagates ``L = Σ_t Σ dS_ext[t]·S[t]`` (so that the direct
    ``∂L/∂S[t]`` is ``dS_ext[t]``), reading the gradients of the per-step graph tensors. ``neuron`` is ``"lif"`` /
    ``"clif"`` (the plain loop :func:`reference_forward`) or an snnlab neuron module following the contract
    (``snnlab.neurons.build("clif", ...)``: its own step function is differentiated; its state must be named
    ``V`` and, for CLIF, ``M``). Returns ``dH, dS, dV`` (and ``dM`` when the neuron has M) ``[T, ...]`` plus the
    forward records ``H, S, M``.
    """
    x = _tensor(x, "x").detach()
    with torch.enable_grad():
        xg = x.clone().requires_grad_(True)
        if isinstance(neuron, str):
            fwd = reference_forward(xg, neuron=neuron, tau=tau, v_threshold=v_threshold, surrogate=surrogate,
                                    width=width)
            graph = fwd["graph"]
            Hs, Ss, Vs = graph["H"], graph["S"], graph["V"]
            Ms = graph["M"] if _check_kind(neuron) == "clif" else None
        else:
            # M[0] = 0 given explicitly: otherwise a step function may return M[1] = S[1] as the same tensor
            # object, and autograd could not tell δM[1] from δS[1]
            init = {"M": torch.zeros_like(x[0])} if "M" in getattr(neuron, "state_keys", ()) else None
            run = run_neuron(neuron, xg, init)
            Hs, Ss = run["H"], run["S"]
            Vs = [st["V"] for st in run["state"]]
            Ms = [st["M"] for st in run["state"]] if "M" in run["state"][0] else None
        tensors = list(Hs) + list(Ss) + list(Vs) + (list(Ms) if Ms is not None else [])
        loss = sum((dS_ext[t] * Ss[t]).sum() for t in range(len(Ss)))
        grads = torch.autograd.grad(loss, tensors, allow_unused=True)
    T = len(Hs)
    gz = [torch.zeros_like(t_) if gr is None else gr for t_, gr in zip(tensors, grads)]
    out = dict(dH=torch.stack(gz[:T]), dS=torch.stack(gz[T:2 * T]), dV=torch.stack(gz[2 * T:3 * T]),
               H=torch.stack([h.detach() for h in Hs]), S=torch.stack([s.detach() for s in Ss]))
    if Ms is not None:
        out["dM"] = torch.stack(gz[3 * T:4 * T])
        out["M"] = torch.stack([m.detach() for m in Ms])
    return out


def gradient_to_first_step(H: torch.Tensor, S: torch.Tensor, M: torch.Tensor | None = None,
                           **kwargs) -> torch.Tensor:
    """``∂L/∂H[1]`` per neuron for the loss ``L = Σ_neurons S[T]`` (a unit gradient on the last step's spikes
    only), by the exact recursion (clif.md §2.4; ILIF notebook "gradient that reaches step 1 from a loss at step
    T"). Equals ``C[0, T−1]`` of :func:`lag_decomposition`. ``kwargs`` as :func:`adjoint_recursion`."""
    dS_ext = torch.zeros_like(H)
    dS_ext[-1] = 1.0
    return adjoint_recursion(H, S, dS_ext, M, **kwargs)["dH"][0]


def first_step_gradient_autograd(neuron, x: torch.Tensor) -> torch.Tensor:
    """``∂L/∂X[1]`` per neuron for ``L = Σ_neurons S[T]``, with autograd through a neuron module's forward
    (any snnlab neuron, e.g. ILIF, for which no recursion is written out). For neurons whose input enters only
    through H[1] with unit weight (LIF, CLIF with decay_input=False) this is ``∂L/∂H[1]``; for ILIF it also
    includes the path X[1] → A[2] of the current-inhibitory unit."""
    x = _tensor(x, "x").detach()
    if hasattr(neuron, "reset"):
        neuron.reset()
    with torch.enable_grad():
        xg = x.clone().requires_grad_(True)
        out = neuron(xg, record=True) if isinstance(neuron, torch.nn.Module) else neuron(xg)
        spikes = out[0] if isinstance(out, tuple) else out
        (grad,) = torch.autograd.grad(spikes[-1].sum(), xg, allow_unused=True)
    if hasattr(neuron, "reset"):
        neuron.reset()
    return torch.zeros_like(x[0]) if grad is None else grad[0]


# ================================================================================================================
# KLIF effective surrogate (klif.md §1.5, §2.2–§2.3)
# ================================================================================================================

#: FWHM of the sigmoid surrogate α·σ(αz)(1 − σ(αz)) times α: 2·ln(3 + 2√2) = 3.5255 (klif.md §1.5).
FWHM_SIGMOID = 2.0 * math.log(3.0 + 2.0 * math.sqrt(2.0))


def klif_effective_surrogate(H: torch.Tensor, *, k: float = 1.0, alpha: float = 4.0,
                             v_threshold: float = 1.0) -> torch.Tensor:
    """KLIF's ``∂S/∂H`` under the Sigmoid surrogate of sharpness α (klif.md §1.5 [DERIVED]; k > 0)::

        ∂S/∂H = g'(ReLU(kH) − V_th)·k·1[kH > 0] = k·α·σ(α(kH − V_th))·(1 − σ(α(kH − V_th)))   for H > 0, else 0
              = g'_{αk}(H − V_th/k)                                                          (H > 0)
    """
    H = _tensor(H, "H")
    if not k > 0:
        raise ValueError(f"k={k!r} must be > 0 for the closed forms (klif.md §1.5 assumes k > 0)")
    s = torch.sigmoid(alpha * (k * H - v_threshold))
    return torch.where(k * H > 0, k * alpha * s * (1.0 - s), torch.zeros_like(H))


def klif_closed_forms(k: float, *, alpha: float = 4.0, v_threshold: float = 1.0) -> dict[str, float]:
    """Closed forms of KLIF's effective surrogate (klif.md §1.5, table §2.3):

    * ``peak_location`` = effective threshold ``V_th/k``
    * ``peak_height`` = ``α·k/4``
    * ``fwhm`` = ``2·ln(3 + 2√2)/(α·k) ≈ 3.5255/(α·k)``
    * ``area`` over H > 0 = ``σ(α·V_th)`` (independent of k; 0.9820 for α = 4, V_th = 1)
    * ``height_at_0`` (H → 0⁺) = ``k·α·σ(−αV_th)(1 − σ(−αV_th))``

    (The FWHM assumes the half-maximum points lie at H > 0, i.e. V_th/k > FWHM/2; true for the spec's k.)
    """
    if not k > 0:
        raise ValueError(f"k={k!r} must be > 0")
    sm = 1.0 / (1.0 + math.exp(alpha * v_threshold))
    return dict(peak_location=v_threshold / k, peak_height=alpha * k / 4.0, fwhm=FWHM_SIGMOID / (alpha * k),
                area=1.0 / (1.0 + math.exp(-alpha * v_threshold)), height_at_0=k * alpha * sm * (1.0 - sm))


def klif_surrogate_autograd(H: torch.Tensor, *, k: float = 1.0, alpha: float = 4.0,
                            v_threshold: float = 1.0) -> torch.Tensor:
    """``∂S/∂H`` of the KLIF spike path measured with autograd: ``S = spike(ReLU(k·H) − V_th)`` with snnlab's
    sigmoid surrogate of width ``4/α`` (SpikingJelly ``Sigmoid(alpha=α)``), differentiated element-wise."""
    H = _tensor(H, "H").detach()
    sg = _surrogate.from_alpha("sigmoid", alpha)
    with torch.enable_grad():
        h = H.clone().requires_grad_(True)
        kk = torch.as_tensor(k, dtype=H.dtype)
        s = sg.spike(torch.relu(kk * h) - v_threshold)
        (g,) = torch.autograd.grad(s.sum(), h)
    return g


def curve_features(h: torch.Tensor, g: torch.Tensor) -> dict[str, float]:
    """Features of a sampled, single-peaked curve ``g(h)`` on an increasing grid ``h``: ``peak_location``,
    ``peak_height`` (the sample maximum, refined by a parabola through its neighbours), ``fwhm`` (half-maximum
    crossings by linear interpolation), ``area`` (trapezoid) and ``height_at_0`` (value at the first h > 0,
    linearly extrapolated to 0⁺ from the next sample)."""
    h, g = _tensor(h, "h").double().flatten(), _tensor(g, "g").double().flatten()
    if h.shape != g.shape or h.numel() < 3:
        raise ValueError("curve_features: h and g must be 1-D of equal length >= 3")
    if not bool((h[1:] > h[:-1]).all()):
        raise ValueError("curve_features: h must be strictly increasing")
    i = int(torch.argmax(g))
    loc, peak = float(h[i]), float(g[i])
    if 0 < i < h.numel() - 1:
        y0, y1, y2 = float(g[i - 1]), float(g[i]), float(g[i + 1])
        den = y0 - 2 * y1 + y2
        if den != 0:
            d = 0.5 * (y0 - y2) / den
            step = float(h[i + 1] - h[i])
            loc = float(h[i]) + d * step
            peak = y1 - 0.25 * (y0 - y2) * d
    half = 0.5 * peak
    above = (g >= half).nonzero().flatten()
    lo, hi = int(above[0]), int(above[-1])

    def cross(a: int, b: int) -> float:  # linear interpolation between samples a and b
        ya, yb = float(g[a]), float(g[b])
        return float(h[a]) + (half - ya) * float(h[b] - h[a]) / (yb - ya) if yb != ya else float(h[a])

    left = cross(lo - 1, lo) if lo > 0 else float(h[0])
    right = cross(hi, hi + 1) if hi < h.numel() - 1 else float(h[-1])
    pos = (h > 0).nonzero().flatten()
    if pos.numel() >= 2:
        a, b = int(pos[0]), int(pos[1])
        h0 = float(g[a]) - float(h[a]) * float(g[b] - g[a]) / float(h[b] - h[a])
    else:
        h0 = float("nan")
    return dict(peak_location=loc, peak_height=peak, fwhm=right - left, area=float(torch.trapezoid(g, h)),
                height_at_0=h0)


# ================================================================================================================
# autocorrelation (clif.md §2.4 item 4, Fig. 8)
# ================================================================================================================

def autocorrelation(x: torch.Tensor, max_lag: int | None = None, *, center: bool = False,
                    normalize: bool = False) -> torch.Tensor:
    """``R_x[k] = (1/N)·Σ_{n=k}^{N−1} x[n]·x[n−k]`` for k = 0..max_lag (clif.md §2.4 item 4; terms with
    n − k < 0 are zero: the biased estimator). ``x`` is ``[N, ...]`` (time first), vectorised over the other
    axes; returns ``[max_lag + 1, ...]``. ``center`` subtracts the time mean first; ``normalize`` divides by R[0]
    (NaN where R[0] = 0). ``max_lag`` defaults to N − 1."""
    x = _tensor(x, "x")
    N = x.shape[0]
    if max_lag is None:
        max_lag = N - 1
    if not (isinstance(max_lag, int) and 0 <= max_lag < N):
        raise ValueError(f"max_lag={max_lag!r} must be an int in [0, N−1] = [0, {N - 1}]")
    if center:
        x = x - x.mean(dim=0, keepdim=True)
    R = torch.stack([(x[k:] * x[:N - k]).sum(dim=0) / N for k in range(max_lag + 1)])
    if normalize:
        R = torch.where(R[:1] != 0, R / R[:1], torch.full_like(R, float("nan")))
    return R
