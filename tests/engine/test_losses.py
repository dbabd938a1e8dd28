"""The papers' loss (CLIF/ILIF train.py:462-477) against per-step hand computations."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from snnlab import losses


def _data():
    g = torch.Generator().manual_seed(0)
    out = torch.randn(3, 4, 5, generator=g, dtype=torch.float64)
    y = torch.tensor([0, 3, 4, 1])
    return out, y


def test_tet_equals_mean_of_per_step_ce_plus_mse_to_one():
    out, y = _data()
    ce_steps = [F.cross_entropy(out[t], y) for t in range(3)]
    mse = ((out - 1.0) ** 2).mean()
    expected = 0.95 * sum(ce_steps) / 3 + 0.05 * mse
    torch.testing.assert_close(losses.tet_loss(out, y), expected, rtol=1e-12, atol=1e-12)
    # the code's form: CE on [T*B, C] with labels repeated T times
    flat = F.cross_entropy(out.reshape(12, 5), y.repeat(3))
    torch.testing.assert_close(flat, sum(ce_steps) / 3)


def test_tet_onehot_target_and_label_smoothing():
    out, y = _data()
    onehot = F.one_hot(y, 5).double()
    mse = ((out - onehot) ** 2).mean()
    ce = sum(F.cross_entropy(out[t], y, label_smoothing=0.1) for t in range(3)) / 3
    got = losses.build("tet", mse_target="onehot", label_smoothing=0.1)(out, y)
    torch.testing.assert_close(got, (0.95 * ce + 0.05 * mse), rtol=1e-12, atol=1e-12)


def test_ce_on_mean_output_and_soft_labels():
    out, y = _data()
    torch.testing.assert_close(losses.build("ce")(out, y), F.cross_entropy(out.mean(0), y))
    soft = F.one_hot(y, 5).double() * 0.8 + 0.04
    got = losses.tet_loss(out, soft, lam=0.0)
    ref = sum(-(soft * F.log_softmax(out[t], -1)).sum(-1).mean() for t in range(3)) / 3
    torch.testing.assert_close(got, ref, rtol=1e-12, atol=1e-12)


def test_mse_rate_loss():
    out, y = _data()
    torch.testing.assert_close(losses.build("mse_rate")(out, y),
                               ((out.mean(0) - F.one_hot(y, 5)) ** 2).mean())


def test_prediction_is_argmax_of_summed_outputs():
    out = torch.tensor([[[5.0, 0.0]], [[0.0, 3.0]], [[0.0, 3.0]]])  # step 0 says class 0, the sum says class 1
    assert losses.predict(out).tolist() == [1]


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"\[T, B, C\]"):
        losses.tet_loss(torch.zeros(4, 5), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="unknown loss"):
        losses.build("hinge")
    with pytest.raises(ValueError, match="labels"):
        losses.tet_loss(torch.zeros(2, 4, 5), torch.zeros(3, dtype=torch.long))
