"""The Triton kernels as a GPU compiles them, checked without a GPU: each kernel (every surrogate) goes through
Triton's real compiler to PTX and machine code for an H100/H200 (sm_90; Triton ships its own ptxas), which the
interpreter tests never do. Found on the first H200 run: σ computed with ``tl.exp`` (``ex2.approx``, a few ulps
off torch's CUDA ``expf``) flipped an ILIF spike in 2^27 and moved CLIF's gradients; σ now uses libdevice's exp
(its range reduction brings FMAs into the PTX, where the kernels themselves are built without FMA contraction)
and an IEEE division; so are all other float divisions (the backward's ``/ τ`` compiled to the approximate
``div.full.f32``)."""
from __future__ import annotations

import os

import pytest

triton = pytest.importorskip("triton")
if os.environ.get("TRITON_INTERPRET") == "1":  # pragma: no cover
    pytest.skip("compiles for a GPU: run without TRITON_INTERPRET", allow_module_level=True)

from triton.compiler import ASTSource  # noqa: E402

try:
    from triton.backends.compiler import GPUTarget
except ImportError:  # pragma: no cover - older triton
    pytest.skip("this triton has no GPUTarget", allow_module_level=True)

import snnlab.kernels.triton as tk  # noqa: E402

KERNELS = ("_lif_fwd", "_lif_bwd", "_clif_fwd", "_clif_bwd", "_ilif_fwd", "_ilif_bwd", "_glif_fwd", "_glif_bwd")
SIGMOID_KIND = 2  # snnlab.kernels.cpu.SURROGATE_KIND["sigmoid"]


def _ptx(fn, consts):
    sig, cst = {}, {}
    for p in fn.params:
        if p.is_constexpr:
            sig[p.name] = "constexpr"
            cst[p.name] = consts.get(p.name, tk.BLOCK if p.name == "BLOCK" else 0)
        elif p.name.endswith("_ptr"):
            sig[p.name] = "*fp32"
        elif p.name in ("T", "N", "C", "inner"):
            sig[p.name] = "i32"
        else:
            sig[p.name] = "fp32"
    try:
        src = ASTSource(fn=fn, signature=sig, constexprs=cst)
    except TypeError:  # pragma: no cover - triton < 3.2 keys constants by index
        pytest.skip("this triton's ASTSource takes another signature")
    k = triton.compile(src, target=GPUTarget("cuda", 90, 32), options={"enable_fp_fusion": False,
                                                                          "num_warps": tk.NUM_WARPS})
    return k.asm["ptx"]


@pytest.mark.parametrize("name", KERNELS)
@pytest.mark.parametrize("kind", [0, 1, 2, 3], ids=["rectangle", "triangle", "sigmoid", "atan"])
def test_kernel_compiles_for_sm90(name, kind):
    ptx = _ptx(getattr(tk, name), {"KIND": kind})
    assert ".target sm_90" in ptx
    # every float division IEEE (div.rn), as torch's: no approximate div.full / div.approx (found in the
    # backward's dL/dH / τ before this test)
    assert "div.full" not in ptx and "div.approx" not in ptx


@pytest.mark.parametrize("name", ["_clif_fwd", "_ilif_fwd", "_clif_bwd", "_ilif_bwd"])
def test_sigmoid_uses_the_precise_exp(name):
    """CLIF's and ILIF's σ(M): libdevice's expf brings FMAs (its range reduction); ``tl.exp`` alone would give
    none, since the kernels are compiled without FMA contraction."""
    assert "fma.rn" in _ptx(getattr(tk, name), {"KIND": 0})


def test_surrogate_sigmoid_uses_the_precise_exp():
    assert "fma.rn" in _ptx(tk._lif_bwd, {"KIND": SIGMOID_KIND})
    assert "fma.rn" not in _ptx(tk._lif_bwd, {"KIND": 0})  # no σ there: no FMA at all
