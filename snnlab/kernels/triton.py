"""GPU fast path: Triton kernels, forward and backward through time, the state kept in registers across T.

One program handles ``BLOCK`` elements and loops over T; inputs may be float32, float16 or bfloat16; the state and
the arithmetic are float32 (float64 inputs use the reference loop: Triton passes float scalars as float32). The
forward saves for backward what the recursion needs, in float32: H (LIF/PLIF/KLIF, GLIF), H and M (CLIF), H, M
and A (ILIF), i.e. one ``[T, ...]`` tensor per state variable, plus the input X and the initial state by
reference (X is what a double backward would recompute the reference loop from; ILIF and GLIF read
it in the backward anyway). Spikes, σ terms and the post-reset V are recomputed. The recursions are the ones of
``csrc/lif.h``, ``csrc/clif.h``, ``csrc/ilif.h``, ``csrc/glif.h``, with the same NaN/Inf semantics (the reference
loop's: ``snnlab/kernels/__init__.py``); under ``create_graph=True`` the backward differentiates the reference
loop in float32 instead.

GLIF's per-channel coefficients are ``cpu.glif_coefficients`` in float32; its parameter gradients are summed
per channel in float32, with atomics when a block spans at most two channels (then on a GPU their last bits
depend on the scheduling), else from per-element partials by torch (see ``_GLIF``).

Exactness: the charge uses ``div_rn`` (IEEE division, as torch) and kernels are launched without FMA fusion, so
float32 LIF/PLIF/KLIF and GLIF forwards follow the reference's operation order (GLIF's H is bit-identical under
the interpreter); σ is torch's formula with libdevice's exp and an IEEE division, as torch's CUDA kernel.
In CI these kernels run under ``TRITON_INTERPRET=1`` on CPU tensors (tests/kernels/test_triton_parity.py) and
are compiled for sm_90 without running (tests/kernels/test_triton_ptx.py); on an H200 the same parity grid passed
(``SNNLAB_TRITON_DEVICE=cuda``, benchmarks/gpu_check.sh; results and speed in benchmarks/results/gpu/).
"""
# (no ``from __future__ import annotations``: it turns the ``tl.constexpr`` annotations of the kernels into
# strings, which triton 3.0 (torch 2.4's) does not read as constexpr: "arange's arguments must be of type
# tl.constexpr")
import math
import os

import torch
import triton
import triton.language as tl

from snnlab.kernels.cpu import SURROGATE_KIND, _Surrogate, cfg_dict, glif_coefficients, neuron_cfg

#: elements per program and warps per program of every kernel (the launch reads them at each call, so a
#: benchmark can sweep them: benchmarks/gpu_kernels.py --sweep). The values come from that sweep on an H200
#: (benchmarks/results/gpu-kernels.json); SNNLAB_TRITON_BLOCK / SNNLAB_TRITON_WARPS override them.
try:  # the correctly rounded exp of CUDA's libdevice (expf, what torch's CUDA sigmoid calls); tl.exp lowers to
    # the approximate ex2.approx, a few ulps off: on an H200 that flipped 1 ILIF spike in 2^27 against the
    # reference loop and moved CLIF's gradients (through σ(M)) across the rectangle surrogate's edge. The
    # interpreter has no libdevice (its tl.exp is numpy's, correctly rounded already).
    from triton.language.extra import libdevice as _libdevice
except ImportError:  # pragma: no cover - a triton without extra.libdevice
    _libdevice = None
_PRECISE_EXP = tl.constexpr(_libdevice is not None and os.environ.get("TRITON_INTERPRET") != "1")

BLOCK = int(os.environ.get("SNNLAB_TRITON_BLOCK", 1024))
NUM_WARPS = int(os.environ.get("SNNLAB_TRITON_WARPS", 4))
if BLOCK < 16 or BLOCK & (BLOCK - 1):
    raise ValueError(f"SNNLAB_TRITON_BLOCK={BLOCK}: must be a power of two >= 16")


def _launch_opts():
    # no FMA contraction on GPU (the reference multiplies and adds separately); ignored by the interpreter
    return {} if _interpreting() else {"enable_fp_fusion": False, "num_warps": NUM_WARPS}


def _interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET") == "1"


@triton.jit
def _charge(v, x, tau, vr, DI: tl.constexpr, VR0: tl.constexpr):
    if VR0:
        vv = v
    else:
        vv = v - vr
    if DI:
        h = v + tl.math.div_rn(x - vv, tau)
    else:
        h = (v - tl.math.div_rn(vv, tau)) + x
    return h


@triton.jit
def _reset(u, s, vth, vr, HARD: tl.constexpr):
    if HARD:
        out = u * (1.0 - s) + vr * s
    else:
        out = u - vth * s
    return out


@triton.jit
def _sg(z, c0, c1, KIND: tl.constexpr):
    if KIND == 0:
        g = tl.where(tl.abs(z) <= c0, 1.0, 0.0) * c1
    elif KIND == 1:
        u = 1.0 - tl.abs(z) * c1
        g = c0 * tl.where(u < 0.0, 0.0, u)  # clamp(min=0) with NaN kept, as torch (not tl.maximum: fmax on GPU)
    elif KIND == 2:
        sg = _sigmoid(c1 * z)
        g = c0 * sg * (1.0 - sg)
    else:
        w = c1 * z
        g = tl.math.div_rn(c0, 1.0 + w * w)
    return g


@triton.jit
def _relu(u):
    # torch.relu: max(u, 0) with NaN kept (tl.maximum is fmax on a GPU, which would turn NaN into 0)
    return tl.where(u < 0.0, 0.0, u)


@triton.jit
def _exp(x):
    if _PRECISE_EXP:
        y = _libdevice.exp(x)
    else:
        y = tl.exp(x)
    return y


@triton.jit
def _sigmoid(x):
    # torch's CUDA sigmoid, 1 / (1 + exp(-x)), with its IEEE division and exp (not '/': approximate on a GPU)
    return tl.math.div_rn(1.0, 1.0 + _exp(-x))


# ---------------------------------------------------------------------------------------------- LIF/PLIF/KLIF
@triton.jit
def _lif_fwd(x_ptr, v0_ptr, s_ptr, h_ptr, vT_ptr, rv_ptr, rf_ptr, T, N, tau, vth, vr, k, vthk,
             HAS_V0: tl.constexpr, DI: tl.constexpr, VR0: tl.constexpr, HARD: tl.constexpr,
             KLIF: tl.constexpr, SR: tl.constexpr, REC: tl.constexpr, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    if HAS_V0:
        v = tl.load(v0_ptr + offs, mask=mask, other=0.0).to(h_ptr.dtype.element_ty)
    else:
        v = tl.zeros([BLOCK], dtype=h_ptr.dtype.element_ty) + (vr if HARD else 0.0)
    for t in range(T):
        base = t * N + offs
        x = tl.load(x_ptr + base, mask=mask, other=0.0).to(h_ptr.dtype.element_ty)
        h = _charge(v, x, tau, vr, DI, VR0)
        u = h
        vt = vth
        if KLIF:
            u = _relu(k * h)
        f = u
        s = tl.where(u - vth >= 0.0, 1.0, 0.0)
        if KLIF and SR:
            u = tl.math.div_rn(u, k)
            vt = vthk
        v = _reset(u, s, vt, vr, HARD)
        tl.store(s_ptr + base, s.to(s_ptr.dtype.element_ty), mask=mask)
        tl.store(h_ptr + base, h, mask=mask)
        if REC:  # record=True: V (and KLIF's F) of step t
            tl.store(rv_ptr + base, v, mask=mask)
            if KLIF:
                tl.store(rf_ptr + base, f, mask=mask)
    tl.store(vT_ptr + offs, v, mask=mask)


@triton.jit
def _lif_bwd(x_ptr, v0_ptr, h_ptr, gs_ptr, gvT_ptr, gx_ptr, gv0_ptr, acc_ptr, T, N, tau, vth, vr, k, vthk, c0, c1,
             HAS_V0: tl.constexpr, HAS_X: tl.constexpr, DI: tl.constexpr, HARD: tl.constexpr, DET: tl.constexpr,
             KLIF: tl.constexpr, SR: tl.constexpr, KIND: tl.constexpr, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    cdt = h_ptr.dtype.element_ty
    if HAS_V0:
        vinit = tl.load(v0_ptr + offs, mask=mask, other=0.0).to(cdt)
    else:
        vinit = tl.zeros([BLOCK], dtype=cdt) + (vr if HARD else 0.0)
    cv = tl.load(gvT_ptr + offs, mask=mask, other=0.0).to(cdt)
    at = tl.zeros([BLOCK], dtype=cdt)
    ak = tl.zeros([BLOCK], dtype=cdt)
    for i in range(T):
        t = T - 1 - i
        base = t * N + offs
        h = tl.load(h_ptr + base, mask=mask, other=0.0)
        u = h
        ku = h
        if KLIF:
            ku = k * h
            u = _relu(ku)
        z = u - vth
        s = tl.where(z >= 0.0, 1.0, 0.0)
        g = _sg(z, c0, c1, KIND)
        c = cv
        # detach_reset: the reset's S has no gradient path (the g terms are left out, not multiplied by 0, so that
        # a non-finite U gives what the reference loop gives)
        if KLIF and SR:
            ik = tl.math.div_rn(1.0, k)
            if HARD:
                if DET:
                    dvdu = (1.0 - s) * ik
                else:
                    dvdu = (1.0 - s) * ik + (vr - u * ik) * g
                ak += c * (-u * (1.0 - s) * ik * ik)
            else:
                if DET:
                    dvdu = tl.zeros([BLOCK], dtype=cdt) + ik
                else:
                    dvdu = ik - vthk * g
                ak += c * ((-u + vth * s) * ik * ik)
        else:
            if HARD:
                if DET:
                    dvdu = 1.0 - s
                else:
                    dvdu = (1.0 - s) + (vr - u) * g
            else:
                if DET:
                    dvdu = tl.zeros([BLOCK], dtype=cdt) + 1.0
                else:
                    dvdu = 1.0 - vth * g
        gsv = tl.load(gs_ptr + base, mask=mask, other=0.0).to(cdt)
        gu = gsv * g + c * dvdu
        gh = gu
        if KLIF:
            gf = tl.where(u <= 0.0, 0.0, gu)  # relu's backward selects: 0 where relu(kH) <= 0 (as torch)
            gh = gf * k
            ak += gf * h
        if DI:
            gx = tl.math.div_rn(gh, tau)
        else:
            gx = gh
        tl.store(gx_ptr + base, gx.to(gx_ptr.dtype.element_ty), mask=mask)
        # V[t-1] from H[t-1] (or the initial state)
        hp = tl.load(h_ptr + base - N, mask=mask & (t > 0), other=0.0)
        up = hp
        vtp = vth
        if KLIF:
            up = _relu(k * hp)
        sp = tl.where(up - vth >= 0.0, 1.0, 0.0)
        if KLIF and SR:
            up = tl.math.div_rn(up, k)
            vtp = vthk
        vp = tl.where(t > 0, _reset(up, sp, vtp, vr, HARD), vinit)
        vd = vp - vr
        if DI:
            if HAS_X:
                xv = tl.load(x_ptr + base, mask=mask, other=0.0).to(cdt)
                at += -gh * (xv - vd)
        else:
            at += gh * vd
        cv = gh - tl.math.div_rn(gh, tau)
    tl.store(gv0_ptr + offs, cv.to(gv0_ptr.dtype.element_ty), mask=mask)
    tl.store(acc_ptr + pid * 2, tl.sum(tl.where(mask, at, 0.0), axis=0))
    tl.store(acc_ptr + pid * 2 + 1, tl.sum(tl.where(mask, ak, 0.0), axis=0))


# ---------------------------------------------------------------------------------------------- CLIF
@triton.jit
def _clif_fwd(x_ptr, v0_ptr, m0_ptr, s_ptr, h_ptr, m_ptr, vT_ptr, mT_ptr, rv_ptr, T, N, tau, vth, vr,
              HAS_V0: tl.constexpr, HAS_M0: tl.constexpr, DI: tl.constexpr, VR0: tl.constexpr,
              HARD: tl.constexpr, REC: tl.constexpr, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    cdt = h_ptr.dtype.element_ty
    if HAS_V0:
        v = tl.load(v0_ptr + offs, mask=mask, other=0.0).to(cdt)
    else:
        v = tl.zeros([BLOCK], dtype=cdt) + (vr if HARD else 0.0)
    if HAS_M0:
        m = tl.load(m0_ptr + offs, mask=mask, other=0.0).to(cdt)
    else:
        m = tl.zeros([BLOCK], dtype=cdt)
    for t in range(T):
        base = t * N + offs
        x = tl.load(x_ptr + base, mask=mask, other=0.0).to(cdt)
        h = _charge(v, x, tau, vr, DI, VR0)
        s = tl.where(h - vth >= 0.0, 1.0, 0.0)
        m = m * _sigmoid(tl.math.div_rn(h, tau)) + s
        v = _reset(h, s, vth, vr, HARD) - s * _sigmoid(m)
        tl.store(s_ptr + base, s.to(s_ptr.dtype.element_ty), mask=mask)
        tl.store(h_ptr + base, h, mask=mask)
        tl.store(m_ptr + base, m, mask=mask)
        if REC:  # record=True: V of step t (H and M are written anyway)
            tl.store(rv_ptr + base, v, mask=mask)
    tl.store(vT_ptr + offs, v, mask=mask)
    tl.store(mT_ptr + offs, m, mask=mask)


@triton.jit
def _clif_bwd(m0_ptr, h_ptr, m_ptr, gs_ptr, gvT_ptr, gmT_ptr, gx_ptr, gv0_ptr, gm0_ptr, T, N, tau, vth, vr, c0, c1,
              HAS_M0: tl.constexpr, DI: tl.constexpr, HARD: tl.constexpr, DET: tl.constexpr, KIND: tl.constexpr,
              BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    cdt = h_ptr.dtype.element_ty
    if HAS_M0:
        minit = tl.load(m0_ptr + offs, mask=mask, other=0.0).to(cdt)
    else:
        minit = tl.zeros([BLOCK], dtype=cdt)
    cv = tl.load(gvT_ptr + offs, mask=mask, other=0.0).to(cdt)
    cm = tl.load(gmT_ptr + offs, mask=mask, other=0.0).to(cdt)
    for i in range(T):
        t = T - 1 - i
        base = t * N + offs
        h = tl.load(h_ptr + base, mask=mask, other=0.0)
        mt = tl.load(m_ptr + base, mask=mask, other=0.0)
        mp = tl.where(t > 0, tl.load(m_ptr + base - N, mask=mask & (t > 0), other=0.0), minit)
        e = _sigmoid(tl.math.div_rn(h, tau))
        q = _sigmoid(mt)
        z = h - vth
        s = tl.where(z >= 0.0, 1.0, 0.0)
        g = _sg(z, c0, c1, KIND)
        c = cv
        gm = cm - c * s * (q * (1.0 - q))
        if HARD:
            dRds = vr - h
            dRdh = 1.0 - s
        else:
            dRds = tl.zeros_like(h) - vth  # (not h * 0.0, which is NaN for an infinite H)
            dRdh = tl.zeros_like(h) + 1.0
        gS = tl.load(gs_ptr + base, mask=mask, other=0.0).to(cdt) + gm
        if not DET:
            gS = gS + c * (dRds - q)
        gh = c * dRdh + tl.math.div_rn(gm * mp * (e * (1.0 - e)), tau) + gS * g
        cm = gm * e
        if DI:
            gx = tl.math.div_rn(gh, tau)
        else:
            gx = gh
        tl.store(gx_ptr + base, gx.to(gx_ptr.dtype.element_ty), mask=mask)
        cv = gh - tl.math.div_rn(gh, tau)
    tl.store(gv0_ptr + offs, cv.to(gv0_ptr.dtype.element_ty), mask=mask)
    tl.store(gm0_ptr + offs, cm.to(gm0_ptr.dtype.element_ty), mask=mask)


# ---------------------------------------------------------------------------------------------- ILIF
@triton.jit
def _ilif_fwd(x_ptr, v0_ptr, m0_ptr, a0_ptr, xp0_ptr, sp0_ptr, s_ptr, h_ptr, m_ptr, a_ptr, vT_ptr, mT_ptr, aT_ptr,
              rv_ptr, T, N, tau, vth, vr, ki, km, HAS_V0: tl.constexpr, HAS_M0: tl.constexpr, HAS_A0: tl.constexpr,
              HAS_P0: tl.constexpr, DI: tl.constexpr, VR0: tl.constexpr, HARD: tl.constexpr, REC: tl.constexpr,
              BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    cdt = h_ptr.dtype.element_ty
    zero = tl.zeros([BLOCK], dtype=cdt)
    v = tl.load(v0_ptr + offs, mask=mask, other=0.0).to(cdt) if HAS_V0 else zero + (vr if HARD else 0.0)
    m = tl.load(m0_ptr + offs, mask=mask, other=0.0).to(cdt) if HAS_M0 else zero
    a = tl.load(a0_ptr + offs, mask=mask, other=0.0).to(cdt) if HAS_A0 else zero
    xp = tl.load(xp0_ptr + offs, mask=mask, other=0.0).to(cdt) if HAS_P0 else zero
    sp = tl.load(sp0_ptr + offs, mask=mask, other=0.0).to(cdt) if HAS_P0 else zero
    for t in range(T):
        base = t * N + offs
        x = tl.load(x_ptr + base, mask=mask, other=0.0).to(cdt)
        a = ki * (a + xp * sp)
        h = _charge(v, x - tl.where(a < 0.0, 0.0, a), tau, vr, DI, VR0)  # inhibition_clamp: NaN kept
        s = tl.where(h - vth >= 0.0, 1.0, 0.0)
        r = _reset(h, s, vth, vr, HARD)
        m = km * (m + s * r)
        v = r - s * _sigmoid(m)
        xp = x
        sp = s
        tl.store(s_ptr + base, s.to(s_ptr.dtype.element_ty), mask=mask)
        tl.store(h_ptr + base, h, mask=mask)
        tl.store(m_ptr + base, m, mask=mask)
        tl.store(a_ptr + base, a, mask=mask)
        if REC:  # record=True: V of step t (H, M and A are written anyway)
            tl.store(rv_ptr + base, v, mask=mask)
    tl.store(vT_ptr + offs, v, mask=mask)
    tl.store(mT_ptr + offs, m, mask=mask)
    tl.store(aT_ptr + offs, a, mask=mask)


@triton.jit
def _ilif_bwd(x_ptr, xp0_ptr, sp0_ptr, h_ptr, m_ptr, a_ptr, gs_ptr, gvT_ptr, gmT_ptr, gaT_ptr, gx_ptr, gv0_ptr,
              gm0_ptr, ga0_ptr, gxp0_ptr, gsp0_ptr, T, N, tau, vth, vr, ki, km, c0, c1,
              HAS_P0: tl.constexpr, DI: tl.constexpr, HARD: tl.constexpr, DET: tl.constexpr, KIND: tl.constexpr,
              BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    cdt = h_ptr.dtype.element_ty
    cv = tl.load(gvT_ptr + offs, mask=mask, other=0.0).to(cdt)
    cm = tl.load(gmT_ptr + offs, mask=mask, other=0.0).to(cdt)
    gaT = tl.load(gaT_ptr + offs, mask=mask, other=0.0).to(cdt)
    ca = tl.zeros([BLOCK], dtype=cdt)
    for i in range(T):
        t = T - 1 - i
        base = t * N + offs
        h = tl.load(h_ptr + base, mask=mask, other=0.0)
        mt = tl.load(m_ptr + base, mask=mask, other=0.0)
        an = tl.load(a_ptr + base, mask=mask, other=0.0)
        xt = tl.load(x_ptr + base, mask=mask, other=0.0).to(cdt)
        q = _sigmoid(mt)
        z = h - vth
        s = tl.where(z >= 0.0, 1.0, 0.0)
        g = _sg(z, c0, c1, KIND)
        r = _reset(h, s, vth, vr, HARD)
        c = cv
        gS = tl.load(gs_ptr + base, mask=mask, other=0.0).to(cdt) + ca * ki * xt
        gXa = ca * ki * s
        gR = c
        if not DET:
            gS = gS - c * q
        gM = cm - c * s * (q * (1.0 - q))
        gMk = km * gM
        gS = gS + gMk * r
        gR = gR + gMk * s
        if HARD:
            gh = gR * (1.0 - s)
            dRds = vr - h
        else:
            gh = gR
            dRds = tl.zeros_like(h) - vth
        if not DET:
            gS = gS + gR * dRds
        gh = gh + gS * g
        if DI:
            gxin = tl.math.div_rn(gh, tau)
        else:
            gxin = gh
        tl.store(gx_ptr + base, (gxin + gXa).to(gx_ptr.dtype.element_ty), mask=mask)
        gA = ki * ca - gxin * tl.where(an < 0.0, 0.0, 1.0)  # inhibition_clamp': 1 for A >= 0 (and NaN)
        gA = gA + tl.where(t == T - 1, gaT, 0.0)
        ca = gA
        cm = gMk
        cv = gh - tl.math.div_rn(gh, tau)
    tl.store(gv0_ptr + offs, cv.to(gv0_ptr.dtype.element_ty), mask=mask)
    tl.store(gm0_ptr + offs, cm.to(gm0_ptr.dtype.element_ty), mask=mask)
    tl.store(ga0_ptr + offs, (ki * ca).to(ga0_ptr.dtype.element_ty), mask=mask)
    if HAS_P0:
        sp0 = tl.load(sp0_ptr + offs, mask=mask, other=0.0).to(cdt)
        xp0 = tl.load(xp0_ptr + offs, mask=mask, other=0.0).to(cdt)
        tl.store(gxp0_ptr + offs, (ki * ca * sp0).to(gxp0_ptr.dtype.element_ty), mask=mask)
        tl.store(gsp0_ptr + offs, (ki * ca * xp0).to(gsp0_ptr.dtype.element_ty), mask=mask)


# ---------------------------------------------------------------------------------------------- GLIF
@triton.jit
def _glif_fwd_step(x, a, v, sp, d, l, gam, q, MODE: tl.constexpr):
    # csrc/glif.h forward, its operation order; MODE 0: no H[t-1] term, 1: H[t-1] without reset terms, 2: with
    i = x * a
    if MODE == 0:
        h = i - l
    else:
        dv = d * v
        h = (dv - l) + i
        if MODE == 2:
            h = h - (dv * gam) * sp
            h = h - q * sp
    return h


@triton.jit
def _glif_fwd(x_ptr, v0_ptr, s0_ptr, a_ptr, d_ptr, l_ptr, g_ptr, q_ptr, th_ptr, s_ptr, h_ptr, vT_ptr, T, N, C,
              inner, MODE0: tl.constexpr, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    cdt = h_ptr.dtype.element_ty
    ch = (offs // inner) % C
    d = tl.load(d_ptr + ch, mask=mask, other=0.0)
    l = tl.load(l_ptr + ch, mask=mask, other=0.0)
    gam = tl.load(g_ptr + ch, mask=mask, other=0.0)
    q = tl.load(q_ptr + ch, mask=mask, other=0.0)
    th = tl.load(th_ptr + ch, mask=mask, other=0.0)
    zero = tl.zeros([BLOCK], dtype=cdt)
    v = tl.load(v0_ptr + offs, mask=mask, other=0.0).to(cdt) if MODE0 >= 1 else zero
    sp = tl.load(s0_ptr + offs, mask=mask, other=0.0).to(cdt) if MODE0 == 2 else zero
    # t = 0 (the initial state decides the terms), then t = 1..T-1 with every term
    x = tl.load(x_ptr + offs, mask=mask, other=0.0).to(cdt)
    a = tl.load(a_ptr + ch, mask=mask, other=0.0)
    v = _glif_fwd_step(x, a, v, sp, d, l, gam, q, MODE0)
    sp = tl.where(v - th >= 0.0, 1.0, 0.0)
    tl.store(s_ptr + offs, sp.to(s_ptr.dtype.element_ty), mask=mask)
    tl.store(h_ptr + offs, v, mask=mask)
    for t in range(1, T):
        base = t * N + offs
        x = tl.load(x_ptr + base, mask=mask, other=0.0).to(cdt)
        a = tl.load(a_ptr + t * C + ch, mask=mask, other=0.0)
        v = _glif_fwd_step(x, a, v, sp, d, l, gam, q, 2)
        sp = tl.where(v - th >= 0.0, 1.0, 0.0)
        tl.store(s_ptr + base, sp.to(s_ptr.dtype.element_ty), mask=mask)
        tl.store(h_ptr + base, v, mask=mask)
    tl.store(vT_ptr + offs, v, mask=mask)


@triton.jit
def _glif_bwd_step(h, hp, sp, x, a, gsv, cH, cS, d, gam, q, th, c0, c1, MODE: tl.constexpr, DET: tl.constexpr,
                   KIND: tl.constexpr):
    # csrc/glif.h backward of one step: returns dL/dX[t], the per-element terms of dL/dA[t], V_th, L (negated),
    # D, gamma, Q (negated) and the carries cH, cS to step t-1
    g = _sg(h - th, c0, c1, KIND)
    gz = (gsv + cS) * g
    gH = cH + gz
    gx = gH * a
    pa = gH * x
    zero = tl.zeros_like(gH)
    if MODE == 0:
        nd = zero
        ng = zero
        nq = zero
        cH = zero
        cS = zero
    else:
        dv = d * hp
        ng = zero
        nq = zero
        gsp = zero
        if MODE == 2:
            # the two products D*H[t-1] (decay, reset term) keep their gradients apart, as csrc/glif.h
            ghs = gH * sp
            gr = ghs * gam
            ng = ghs * dv
            nq = ghs
            if not DET:
                gsp = -(gH * (dv * gam)) - gH * q
            nd = gH * hp - gr * hp
            cH = gH * d - gr * d
        else:
            nd = gH * hp
            cH = gH * d
        cS = gsp
    return gx, pa, gz, gH, nd, ng, nq, cH, cS


@triton.jit
def _channel_add(acc_ptr, part_ptr, val, mask, offs, ch, c_first, c_last, RUNS2: tl.constexpr):
    # the per-channel sum of val. RUNS2 (C == 1 or inner >= BLOCK): the block spans at most two channels,
    # c_first then c_last: two block sums added to acc[c] with scalar atomics. Otherwise (many short channel
    # runs per block) val is stored per element to a partial row, summed per channel by torch afterwards
    if RUNS2:
        first = ch == c_first
        s1 = tl.sum(tl.where(mask & first, val, 0.0), axis=0)
        s2 = tl.sum(tl.where(mask & (ch != c_first), val, 0.0), axis=0)
        tl.atomic_add(acc_ptr + c_first, s1)
        tl.atomic_add(acc_ptr + c_last, s2)
    else:
        tl.store(part_ptr + offs, val, mask=mask)


@triton.jit
def _glif_bwd(x_ptr, v0_ptr, s0_ptr, h_ptr, a_ptr, d_ptr, g_ptr, q_ptr, th_ptr, gs_ptr, gvT_ptr, gx_ptr, gv0_ptr,
              gs0_ptr, acc_ptr, part_ptr, T, N, C, inner, c0, c1, MODE0: tl.constexpr, DET: tl.constexpr,
              KIND: tl.constexpr, HAS_X: tl.constexpr, RUNS2: tl.constexpr, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    cdt = h_ptr.dtype.element_ty
    ch = (offs // inner) % C
    c_first = ((pid * BLOCK) // inner) % C
    c_last = ((tl.minimum(pid * BLOCK + BLOCK, N) - 1) // inner) % C
    d = tl.load(d_ptr + ch, mask=mask, other=0.0)
    gam = tl.load(g_ptr + ch, mask=mask, other=0.0)
    q = tl.load(q_ptr + ch, mask=mask, other=0.0)
    th = tl.load(th_ptr + ch, mask=mask, other=0.0)
    zero = tl.zeros([BLOCK], dtype=cdt)
    cH = tl.load(gvT_ptr + offs, mask=mask, other=0.0).to(cdt)
    cS = zero
    ad = zero
    al = zero
    ag = zero
    aq = zero
    ath = zero
    for i in range(T - 1):  # t = T-1 .. 1: every term, H[t-1] from the saved H
        t = T - 1 - i
        base = t * N + offs
        h = tl.load(h_ptr + base, mask=mask, other=0.0)
        hp = tl.load(h_ptr + base - N, mask=mask, other=0.0)
        sp = tl.where(hp - th >= 0.0, 1.0, 0.0)
        x = tl.load(x_ptr + base, mask=mask, other=0.0).to(cdt) if HAS_X else zero
        a = tl.load(a_ptr + t * C + ch, mask=mask, other=0.0)
        gsv = tl.load(gs_ptr + base, mask=mask, other=0.0).to(cdt)
        gx, pa, gz, gH, nd, ng, nq, cH, cS = _glif_bwd_step(h, hp, sp, x, a, gsv, cH, cS, d, gam, q, th, c0, c1,
                                                            2, DET, KIND)
        tl.store(gx_ptr + base, gx.to(gx_ptr.dtype.element_ty), mask=mask)
        if HAS_X:
            _channel_add(acc_ptr + t * C, part_ptr + t * N, pa, mask, offs, ch, c_first, c_last, RUNS2)
        ath += gz
        al += gH
        ad += nd
        ag += ng
        aq += nq
    # t = 0: H[-1] and S[-1] are the initial state (MODE0 says which are given)
    h = tl.load(h_ptr + offs, mask=mask, other=0.0)
    hp = tl.load(v0_ptr + offs, mask=mask, other=0.0).to(cdt) if MODE0 >= 1 else zero
    sp = tl.load(s0_ptr + offs, mask=mask, other=0.0).to(cdt) if MODE0 == 2 else zero
    x = tl.load(x_ptr + offs, mask=mask, other=0.0).to(cdt) if HAS_X else zero
    a = tl.load(a_ptr + ch, mask=mask, other=0.0)
    gsv = tl.load(gs_ptr + offs, mask=mask, other=0.0).to(cdt)
    gx, pa, gz, gH, nd, ng, nq, cH, cS = _glif_bwd_step(h, hp, sp, x, a, gsv, cH, cS, d, gam, q, th, c0, c1,
                                                        MODE0, DET, KIND)
    tl.store(gx_ptr + offs, gx.to(gx_ptr.dtype.element_ty), mask=mask)
    if HAS_X:
        _channel_add(acc_ptr, part_ptr, pa, mask, offs, ch, c_first, c_last, RUNS2)
    ath += gz
    al += gH
    ad += nd
    ag += ng
    aq += nq
    if MODE0 >= 1:
        tl.store(gv0_ptr + offs, cH.to(gv0_ptr.dtype.element_ty), mask=mask)
    if MODE0 == 2:
        tl.store(gs0_ptr + offs, cS.to(gs0_ptr.dtype.element_ty), mask=mask)
    tc = T * C
    _channel_add(acc_ptr + tc, part_ptr + T * N, ad, mask, offs, ch, c_first, c_last, RUNS2)
    _channel_add(acc_ptr + tc + C, part_ptr + (T + 1) * N, al, mask, offs, ch, c_first, c_last, RUNS2)
    _channel_add(acc_ptr + tc + 2 * C, part_ptr + (T + 2) * N, ag, mask, offs, ch, c_first, c_last, RUNS2)
    _channel_add(acc_ptr + tc + 3 * C, part_ptr + (T + 3) * N, aq, mask, offs, ch, c_first, c_last, RUNS2)
    _channel_add(acc_ptr + tc + 4 * C, part_ptr + (T + 4) * N, ath, mask, offs, ch, c_first, c_last, RUNS2)


# ---------------------------------------------------------------------------------------------- autograd
def _sg_consts(sg):
    w, sc = float(sg.width), float(getattr(sg, "scale", 1.0))
    kind = SURROGATE_KIND[sg.name]
    if kind == 0:
        return kind, 0.5 * w, sc / w
    if kind == 1:
        return kind, sc * 2.0 / w, 2.0 / w
    if kind == 2:
        a = 4.0 / w
        return kind, sc * a, a
    a = 2.0 / w
    return kind, sc * a / 2.0, 0.5 * math.pi * a


def _grid(N):
    return (triton.cdiv(N, BLOCK),)


def _cdt(x):
    return torch.float32


def _z(g, like, dtype=None):
    return torch.zeros_like(like, dtype=dtype or like.dtype) if g is None else g.contiguous()


def _tcfg(cfg, tau_t=None, k_t=None) -> dict:
    """The launch constants of a ``cpu.CFG_FIELDS`` list; a PLIF τ / KLIF k tensor overrides its slot (read
    here, inside the custom op, at run time)."""
    c = cfg_dict(cfg)
    vr = c["vreset"] if c["hard"] else None
    out = dict(tau=float(tau_t.detach()) if tau_t is not None else c["tau"], vth=c["vth"],
               vr=0.0 if vr is None else vr, hard=vr is not None, vr0=vr is None or vr == 0.0,
               di=bool(c["decay_input"]), det=bool(c["detach"]),
               sg=_Surrogate(c["sg_kind"], c["sg_width"], c["sg_scale"]), k=1.0, vthk=0.0, klif=False, sr=False,
               ki=c["kappa_i"], km=c["kappa_m"])
    if k_t is not None:
        out.update(klif=True, k=float(k_t.detach()), sr=bool(c["scale_reset"]), vthk=float(c["vth"] / k_t.detach()))
    return out


def _or_empty(t, like):
    return like.new_empty(0) if t is None else t


# ---------------------------------------------------------------------------------------------- kernels as functions
# of tensors: the custom ops of snnlab.kernels.ops call them (autograd lives there)
def lif_forward(x, v0, tau_t, k_t, cfg, record: bool):
    """LIF/PLIF/KLIF: ``(s, vT, h [T, N] float32 (saved for backward), rec [1|2, T, N] float32 (V, KLIF's F) |
    [0])``."""
    c = _tcfg(cfg, tau_t, k_t)
    T, N = x.shape
    s = torch.empty_like(x)
    h = torch.empty(T, N, dtype=_cdt(x), device=x.device)
    vT = torch.empty(N, dtype=_cdt(x), device=x.device)
    rec = torch.empty((2 if c["klif"] else 1, T, N), dtype=_cdt(x), device=x.device) if record else None
    rv = rec[0] if record else h
    rf = rec[1] if record and c["klif"] else h
    _lif_fwd[_grid(N)](x, v0 if v0 is not None else vT, s, h, vT, rv, rf, T, N, c["tau"], c["vth"], c["vr"], c["k"],
                       c["vthk"], HAS_V0=v0 is not None, DI=c["di"], VR0=c["vr0"], HARD=c["hard"], KLIF=c["klif"],
                       SR=c["sr"], REC=bool(record), BLOCK=BLOCK, **_launch_opts())
    return s, vT.to(x.dtype), h, _or_empty(rec, x)


def lif_backward(x, v0, h, tau_t, k_t, gs, gvT, cfg, need_v0: bool, need_tau: bool, need_k: bool):
    """``(gx, gv0 | [0], g_tau | [0], g_k | [0])``; ``x`` is needed (else None) for PLIF's τ with
    decay_input."""
    c = _tcfg(cfg, tau_t, k_t)
    T, N = h.shape
    dt = gs.dtype
    gx = torch.empty(T, N, dtype=dt, device=h.device)
    gv0 = torch.empty(N, dtype=dt, device=h.device)
    nprog = _grid(N)[0]
    acc = torch.zeros(nprog * 2, dtype=h.dtype, device=h.device)
    kind, c0, c1 = _sg_consts(c["sg"])
    _lif_bwd[(nprog,)](x if x is not None else h, v0 if v0 is not None else gv0, h, gs, gvT, gx, gv0, acc, T,
                       N, c["tau"], c["vth"], c["vr"], c["k"], c["vthk"], c0, c1,
                       HAS_V0=v0 is not None, HAS_X=x is not None, DI=c["di"], HARD=c["hard"],
                       DET=c["det"], KLIF=c["klif"], SR=c["sr"], KIND=kind, BLOCK=BLOCK, **_launch_opts())
    acc = acc.view(nprog, 2).sum(0)
    g_tau = g_k = None
    if tau_t is not None and need_tau:
        g_tau = (acc[0] / (c["tau"] ** 2)).to(tau_t.dtype).reshape(tau_t.shape)
    if k_t is not None and need_k:
        g_k = acc[1].to(k_t.dtype).reshape(k_t.shape).clone()  # an output of its own (not a view of acc: inductor
        # asserts a custom op's outputs are aligned, and a view at offset 1 is not)
    return gx, (gv0 if need_v0 else h.new_empty(0)), _or_empty(g_tau, h), _or_empty(g_k, h)


def clif_forward(x, v0, m0, cfg, record: bool):
    """``(s, vT, mT, h, m (float32 [T, N], saved for backward), rec [1, T, N] float32 (V) | [0])``."""
    c = _tcfg(cfg)
    T, N = x.shape
    cdt = _cdt(x)
    s = torch.empty_like(x)
    h = torch.empty(T, N, dtype=cdt, device=x.device)
    m = torch.empty(T, N, dtype=cdt, device=x.device)
    vT = torch.empty(N, dtype=cdt, device=x.device)
    mT = torch.empty(N, dtype=cdt, device=x.device)
    rec = torch.empty((1, T, N), dtype=cdt, device=x.device) if record else None
    _clif_fwd[_grid(N)](x, v0 if v0 is not None else vT, m0 if m0 is not None else mT, s, h, m, vT, mT,
                        rec[0] if record else h, T, N, c["tau"], c["vth"], c["vr"], HAS_V0=v0 is not None,
                        HAS_M0=m0 is not None, DI=c["di"], VR0=c["vr0"], HARD=c["hard"], REC=bool(record),
                        BLOCK=BLOCK, **_launch_opts())
    return s, vT.to(x.dtype), mT.to(x.dtype), h, m, _or_empty(rec, x)


def clif_backward(m0, h, m, gs, gvT, gmT, cfg, need_v0: bool, need_m0: bool):
    c = _tcfg(cfg)
    T, N = h.shape
    dt = gs.dtype
    gx = torch.empty(T, N, dtype=dt, device=h.device)
    gv0 = torch.empty(N, dtype=dt, device=h.device)
    gm0 = torch.empty(N, dtype=dt, device=h.device)
    kind, c0, c1 = _sg_consts(c["sg"])
    _clif_bwd[_grid(N)](m0 if m0 is not None else gm0, h, m, gs, gvT, gmT, gx, gv0, gm0, T, N, c["tau"],
                        c["vth"], c["vr"], c0, c1, HAS_M0=m0 is not None, DI=c["di"], HARD=c["hard"],
                        DET=c["det"], KIND=kind, BLOCK=BLOCK, **_launch_opts())
    return gx, (gv0 if need_v0 else h.new_empty(0)), (gm0 if need_m0 else h.new_empty(0))


def ilif_forward(x, v0, m0, a0, xp0, sp0, cfg, record: bool):
    """``(s, vT, mT, aT, h, m, a (float32 [T, N], saved for backward), rec [1, T, N] float32 (V) | [0])``."""
    c = _tcfg(cfg)
    T, N = x.shape
    cdt = _cdt(x)
    s = torch.empty_like(x)
    h, m, a = (torch.empty(T, N, dtype=cdt, device=x.device) for _ in range(3))
    vT, mT, aT = (torch.empty(N, dtype=cdt, device=x.device) for _ in range(3))
    rec = torch.empty((1, T, N), dtype=cdt, device=x.device) if record else None
    dummy = vT
    _ilif_fwd[_grid(N)](x, v0 if v0 is not None else dummy, m0 if m0 is not None else dummy,
                        a0 if a0 is not None else dummy, xp0 if xp0 is not None else dummy,
                        sp0 if sp0 is not None else dummy, s, h, m, a, vT, mT, aT, rec[0] if record else h, T, N,
                        c["tau"], c["vth"], c["vr"], c["ki"], c["km"], HAS_V0=v0 is not None, HAS_M0=m0 is not None,
                        HAS_A0=a0 is not None, HAS_P0=xp0 is not None, DI=c["di"], VR0=c["vr0"],
                        HARD=c["hard"], REC=bool(record), BLOCK=BLOCK, **_launch_opts())
    return s, vT.to(x.dtype), mT.to(x.dtype), aT.to(x.dtype), h, m, a, _or_empty(rec, x)


def ilif_backward(x, xp0, sp0, h, m, a, gs, gvT, gmT, gaT, cfg, need):
    """``(gx, gv0, gm0, ga0, gxp0, gsp0)``, an initial-state gradient [0] where ``need[i]`` is false."""
    c = _tcfg(cfg)
    T, N = h.shape
    dt = gs.dtype
    gx = torch.empty(T, N, dtype=dt, device=h.device)
    gv0, gm0, ga0, gxp0, gsp0 = (torch.empty(N, dtype=dt, device=h.device) for _ in range(5))
    kind, c0, c1 = _sg_consts(c["sg"])
    has_p = xp0 is not None
    _ilif_bwd[_grid(N)](x, xp0 if has_p else gv0, sp0 if has_p else gv0, h, m, a, gs, gvT, gmT, gaT, gx, gv0,
                        gm0, ga0, gxp0, gsp0, T, N, c["tau"], c["vth"], c["vr"], c["ki"], c["km"], c0,
                        c1, HAS_P0=has_p, DI=c["di"], HARD=c["hard"], DET=c["det"],
                        KIND=kind, BLOCK=BLOCK, **_launch_opts())
    outs = (gv0, gm0, ga0, gxp0 if has_p else None, gsp0 if has_p else None)
    return (gx, *(g if need[i] and g is not None else h.new_empty(0) for i, g in enumerate(outs)))


def glif_forward(x, v0, s0, a, d, l, gam, q, vth, cfg, C: int, inner: int):
    """GLIF (recursions of ``csrc/glif.h``). x [T, N] (float32/float16/bfloat16), v0 [N] | None (H[t−1]),
    s0 [N] | None (S[t−1]), the float32 coefficients a [T, C], d, l, gam, q, vth [C], C and inner (channel of
    element i = (i // inner) % C). Returns ``(s, vT, h)``: H (float32 [T, N]) is saved for backward and is
    also GLIF's record (its V is H).

    The backward saves H and, when dL/dA is needed, x (by reference); S and S[t−1] are recomputed from H.
    The parameter gradients are float32 per-channel sums (per element over T in registers, then per channel):
    when a block spans at most two channels (C = 1, or ``inner >= BLOCK``) each program adds two block sums
    per quantity with ``tl.atomic_add``, so on a GPU their summation order, and hence their last bits, vary from
    run to run (the C kernel's sums are deterministic); with shorter channel runs (``inner < BLOCK``, where
    per-element atomics would contend) the kernel writes per-element partials [T + 5, N] (a transient buffer
    as large as the saved H) and torch sums them per channel, deterministically. dL/dx and the initial-state
    gradients do not depend on any summation order. On an H200 (benchmarks/results/gpu/) the GLIF parity cases
    passed with both paths; the interpreter runs the programs one after the other."""
    T, N = x.shape
    s = torch.empty_like(x)
    h = torch.empty(T, N, dtype=torch.float32, device=x.device)
    vT = torch.empty(N, dtype=torch.float32, device=x.device)
    mode0 = 0 if v0 is None else (2 if s0 is not None else 1)
    _glif_fwd[_grid(N)](x, v0 if v0 is not None else vT, s0 if s0 is not None else vT, a, d, l, gam, q, vth, s,
                        h, vT, T, N, C, inner, MODE0=mode0, BLOCK=BLOCK, **_launch_opts())
    return s, vT.to(x.dtype), h


def glif_backward(x, v0, s0, h, a, d, gam, q, vth, gs, gvT, cfg, C: int, inner: int):
    """``(gx, gv0 | [0], gs0 | [0], g_a [T, C], g_d, g_l, g_gam, g_q, g_vth [C])``; ``x`` None when dL/dA is
    not needed."""
    c = _tcfg(cfg)
    mode0 = 0 if v0 is None else (2 if s0 is not None else 1)
    T, N = h.shape
    dt = gs.dtype
    gx = torch.empty(T, N, dtype=dt, device=h.device)
    gv0 = torch.empty_like(v0) if v0 is not None else gx
    gs0 = torch.empty_like(s0) if s0 is not None else gx
    runs2 = C == 1 or inner >= BLOCK
    # sums [T*C + 5*C]: dL/dA, then D, L, gamma, Q, V_th (L, gamma, Q, V_th negated); from atomics (runs2) or
    # from per-element partial rows [T + 5, N] in the same order
    acc = torch.zeros(T * C + 5 * C, dtype=torch.float32, device=h.device) if runs2 else h
    part = h if runs2 else torch.empty(T + 5, N, dtype=torch.float32, device=h.device)
    kind, c0, c1 = _sg_consts(c["sg"])
    _glif_bwd[_grid(N)](x if x is not None else h, v0 if v0 is not None else h, s0 if s0 is not None else h, h,
                        a, d, gam, q, vth, gs, gvT, gx, gv0, gs0, acc, part, T, N, C, inner, c0, c1, MODE0=mode0,
                        DET=c["det"], KIND=kind, HAS_X=x is not None, RUNS2=runs2, BLOCK=BLOCK,
                        **_launch_opts())
    if not runs2:
        if x is None:  # dL/dA not needed: its rows were not written
            part[:T].zero_()
        acc = part.view(T + 5, N // (C * inner), C, inner).sum((1, 3)).reshape(-1)
    g_a = acc[:T * C].view(T, C).clone()
    g_d, g_l, g_gam, g_q, g_vth = (g.clone() for g in acc[T * C:].view(5, C).unbind(0))
    return (gx, gv0 if v0 is not None else h.new_empty(0), gs0 if s0 is not None else h.new_empty(0), g_a, g_d,
            -g_l, -g_gam, -g_q, -g_vth)


def _flat(v, shape, like):
    if v is None:
        return None
    return v.to(like.dtype).expand(shape).contiguous().view(-1)


def _records(kind: str, rows, shape) -> dict:
    """``record=True`` states from float32 [T, N] rows, in the input's dtype (rows: H, V, then M / A, M / F)."""
    names = {"lif": ("H", "V"), "plif": ("H", "V"), "klif": ("H", "V", "F"), "clif": ("H", "V", "M"),
             "ilif": ("H", "V", "A", "M")}[kind]
    return {k: r.view(shape) for k, r in zip(names, rows)}


def _run_glif(neuron, x: torch.Tensor, state: dict, record: bool):
    """GLIF through ``ops.triton_glif``: the coefficients of ``cpu.glif_coefficients`` in float32 (Triton's state
    and arithmetic precision; for a float32 input they are the reference's very numbers)."""
    from snnlab.kernels import ops

    T = x.shape[0]
    shape = tuple(x.shape[1:])
    N = math.prod(shape)
    t0, C, inner, coefs = glif_coefficients(neuron, x, state, torch.float32)
    x2 = x.contiguous().view(T, N)
    s, vT, h = ops.triton_glif(x2, _flat(state.get("V"), shape, x2), _flat(state.get("S"), shape, x2), *coefs,
                               neuron_cfg(neuron), C, inner)
    spikes = s.view(x.shape)
    new_state = {"V": vT.view(shape), "S": spikes[-1], "t": t0 + T}  # an int (GLIF.get_state makes it a tensor)
    if not record:
        return spikes, new_state
    hx = h.to(x.dtype).view(x.shape)
    return spikes, new_state, {"H": hx, "V": hx}


def run(neuron, x: torch.Tensor, state: dict, record: bool = False):
    """Triton fast path: ``(spikes, new_state)`` like the reference loop, or with ``record``
    ``(spikes, new_state, records)`` (see the module docstring and ``snnlab.kernels.cpu.run``)."""
    from snnlab.kernels import ops

    kind = neuron.kind
    if kind == "glif":
        return _run_glif(neuron, x, state, record)
    T = x.shape[0]
    shape = tuple(x.shape[1:])
    N = math.prod(shape)
    x2 = x.contiguous().view(T, N)
    tau = neuron.tau
    tau_t = tau if isinstance(tau, torch.Tensor) else None
    cfg = neuron_cfg(neuron)
    st = {k: state.get(k) for k in neuron.state_keys}
    if kind in ("lif", "plif", "klif"):
        k_t = neuron.k if kind == "klif" else None
        s, vT, h, rec = ops.triton_lif(x2, _flat(st["V"], shape, x2), tau_t, k_t, cfg, record)
        new_state = {"V": vT.view(shape)}
        rows = (h, *rec.unbind(0)) if record else ()
    elif kind == "clif":
        s, vT, mT, h, m, rec = ops.triton_clif(x2, _flat(st["V"], shape, x2), _flat(st["M"], shape, x2), cfg,
                                               record)
        new_state = {"V": vT.view(shape), "M": mT.view(shape)}
        rows = (h, rec[0], m) if record else ()
    elif kind == "ilif":
        xp, sp = st["X_prev"], st["S_prev"]
        if xp is None or sp is None:
            xp = sp = None
        args = [_flat(st[k], shape, x2) for k in ("V", "M", "A")] + [_flat(xp, shape, x2), _flat(sp, shape, x2)]
        s, vT, mT, aT, h, m, a, rec = ops.triton_ilif(x2, *args, cfg, record)
        new_state = {"V": vT.view(shape), "M": mT.view(shape), "A": aT.view(shape), "X_prev": x[-1],
                     "S_prev": s.view(x.shape)[-1]}
        rows = (h, rec[0], a, m) if record else ()
    else:
        raise ValueError(f"snnlab Triton kernels: no kernel for neuron kind {kind!r}")
    spikes = s.view(x.shape)
    if not record:
        return spikes, new_state
    return spikes, new_state, _records(kind, [r.to(x.dtype) for r in rows], x.shape)
