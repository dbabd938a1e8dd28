"""NaN/Inf inputs on the C kernels (backend="cpu"): the fast path gives what the reference loop gives.

The rule (docs/contracts.md): same spikes; states and gradients NaN, +Inf and -Inf at the same places as the
reference loop's and equal elsewhere, for every neuron x surrogate x {nan, +inf, -inf} at a few positions (in the
chunk under test, or in the chunk before it so that it arrives as initial state), with the reset and decay options
cycling. The Triton kernels are held to the same rule under the interpreter (test_triton_parity.py, one position
per case from nonfinite_cases.py).
"""
from __future__ import annotations

import pytest
import torch

from . import nonfinite_cases as nf


_CASES = [pytest.param(c, torch.float64, id=nf.case_id(c) + "-f64") for c in nf.cases(all_positions=True)] + \
    [pytest.param(c, torch.float32, id=nf.case_id(c) + "-f32") for c in nf.cases()]


@pytest.mark.parametrize("case, dtype", _CASES)  # float64 at every position, float32 at one per case
def test_cpu_kernels_follow_the_reference_on_nan_and_inf(case, dtype):
    ref, fast = nf.run(case, "cpu", dtype)
    problems = nf.compare(ref, fast, rtol=1e-9 if dtype == torch.float64 else 3e-5)
    assert not problems, "; ".join(problems)
    # the bad value does reach the outputs (the case tests something)
    assert any(g is not None and not torch.isfinite(g).all() for g in ref[2]) or \
        any(not torch.isfinite(v).all() for v in ref[1].values())


def test_klif_nan_state_stays_nan():
    """Issue #16's example: a NaN input makes KLIF's state NaN in the reference (relu(NaN) = NaN); the C kernel
    used to turn it into 0 (``u > 0 ? u : 0``) and recover to finite values."""
    from snnlab import neurons

    x = torch.tensor([[0.5], [float("nan")], [0.4], [0.3]], dtype=torch.float64)
    for backend in ("reference", "cpu"):
        v = neurons.build("klif", backend=backend).double()
        v(x)
        assert torch.isnan(v.get_state()["V"]).all(), backend
