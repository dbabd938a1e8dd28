"""The papers' networks match the specs layer by layer (clif.md §3.3, ilif.md §3.3)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import snnlab.models as M
from snnlab.models.layers import SeqBatchNorm, SeqDropout, TimeFold


# ---- parameter counts derived by hand from the spec's layer tables ----------------------------------------
def conv(cin, cout, k, bias):
    return cin * cout * k * k + (cout if bias else 0)


def bn(c):
    return 2 * c


def resnet18_params(num_classes=10, c_in=3):
    total = conv(c_in, 64, 3, False)                       # stem, no bias, no BN/neuron after it
    c = 64
    for width, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for i in range(2):
            s = stride if i == 0 else 1
            total += bn(c) + conv(c, width, 3, True) + bn(width) + conv(width, width, 3, True)
            if s != 1 or c != width:
                total += conv(c, width, 1, True)            # 1x1 projection shortcut with bias
            c = width
    return total + bn(512) + 512 * num_classes + num_classes


def vgg_params(cfg, c_in, num_classes):
    total, c = 0, c_in
    for v in cfg:
        total += conv(c, v, 3, True) + bn(v)
        c = v
    return total + 512 * 49 * num_classes + num_classes


def test_resnet18_parameter_count_matches_spec():
    m = M.build("spiking_resnet18", neuron="lif", num_classes=10, in_channels=3)
    expected = resnet18_params(10, 3)
    assert M.count_parameters(m) == expected == 11_176_906
    assert round(expected / 1e6, 1) == 11.2                # CLIF Table 6: 11.2 M
    assert len(M.neuron_layers(m)) == 17                   # 16 in blocks + 1 head (clif.md §3.3)
    assert M.count_parameters(M.build("spiking_resnet18", num_classes=100)) == resnet18_params(100, 3)


def test_vgg_parameter_counts_match_spec():
    vgg11 = [64, 128, 256, 256, 512, 512, 512, 512]
    vgg13 = [64, 64, 128, 128, 256, 256, 512, 512, 512, 512]
    m11 = M.build("spiking_vgg11_bn", neuron="lif", num_classes=11, in_channels=2)
    assert M.count_parameters(m11) == vgg_params(vgg11, 2, 11)
    assert round(vgg_params(vgg11, 2, 11) / 1e6, 1) == 9.5   # Table 6
    assert len(M.neuron_layers(m11)) == 8
    m13 = M.build("spiking_vgg13_bn", neuron="lif", num_classes=200, in_channels=3)
    assert M.count_parameters(m13) == vgg_params(vgg13, 3, 200)
    assert round(vgg_params(vgg13, 3, 200) / 1e6, 1) == 14.4  # Table 6
    assert len(M.neuron_layers(m13)) == 10


def test_vgg_adaptive_head_upsamples_small_maps():
    m = M.build("spiking_vgg11_bn", neuron="lif", num_classes=10, in_channels=2).eval()
    feats = {}
    m.avgpool.register_forward_hook(lambda mod, i, o: feats.update(inp=i[0].shape, out=o.shape))
    with torch.no_grad():
        out = m(torch.rand(2, 1, 2, 48, 48))
    assert feats["inp"][-2:] == (1, 1) and feats["out"][-2:] == (7, 7)   # 48x48 -> 1x1 -> 7x7
    assert out.shape == (2, 1, 10)


def test_snn5_noap_shapes_and_params():
    m = M.build("snn5_noap", neuron="lif", num_classes=10, in_channels=3)
    sizes = []
    for layer in m.features:
        if isinstance(layer, TimeFold):
            layer.register_forward_hook(lambda mod, i, o: sizes.append(tuple(o.shape[-3:])))
    m.eval()
    with torch.no_grad():
        m(torch.rand(1, 2, 3, 32, 32))
    assert sizes == [(16, 32, 32), (64, 15, 15), (128, 7, 7), (256, 2, 2), (256, 1, 1)]  # clif.md §3.3 table
    expected = (conv(3, 16, 3, True) + bn(16) + conv(16, 64, 5, True) + bn(64) + conv(64, 128, 5, True) + bn(128)
                + conv(128, 256, 5, True) + bn(256) + conv(256, 256, 3, True) + bn(256) + 256 * 10 + 10)
    assert M.count_parameters(m) == expected
    assert len(M.neuron_layers(m)) == 5


def test_vggsnn_head_size():
    m = M.build("vggsnn", neuron="lif", num_classes=10, in_channels=2, input_size=48)
    assert m.classifier.module.in_features == 512 * 3 * 3


def test_resnet_shortcut_adds_block_spikes_not_input():
    torch.manual_seed(0)
    net = M.build("spiking_resnet18", neuron="lif", neuron_params={"tau": 2.0})
    block = net.layer1[0]                                  # 64 -> 64, stride 1: identity shortcut
    assert isinstance(block.shortcut, nn.Identity)
    with torch.no_grad():
        for conv_ in (block.conv1.module, block.conv2.module):
            conv_.weight.zero_()
            conv_.bias.zero_()
    block.eval()
    x = torch.randn(3, 2, 64, 8, 8) * 2
    with torch.no_grad():
        out = block(x)
    block.neuron1.reset()
    with torch.no_grad():
        s = block.neuron1(block.bn1(x))
    assert set(out.unique().tolist()) <= {0.0, 1.0}        # the sum is the spike tensor
    assert torch.equal(out, s) and not torch.equal(out, x)
    assert 0 < float(s.mean()) < 1
    # projection shortcut also takes the spikes: the 1x1 conv sees binary input
    seen = {}
    b2 = net.layer2[0]
    b2.shortcut.register_forward_hook(lambda mod, i, o: seen.update(inp=i[0]))
    b2.eval()
    with torch.no_grad():
        b2(torch.randn(2, 2, 64, 8, 8) * 2)
    assert set(seen["inp"].unique().tolist()) <= {0.0, 1.0}


def test_ann_baseline_same_structure_and_relu():
    snn = M.build("spiking_resnet18", neuron="lif")
    ann = M.build("spiking_resnet18", neuron="relu")
    assert M.count_parameters(snn) == M.count_parameters(ann)
    assert len(M.neuron_layers(ann)) == 17
    ann.eval()
    with torch.no_grad():
        out = ann(torch.randn(1, 2, 3, 32, 32))
    assert out.shape == (1, 2, 10)


def test_seq_batchnorm_per_step_equals_separate_bn_calls():
    torch.manual_seed(1)
    x = torch.randn(3, 8, 4, 5, 5)
    seq = SeqBatchNorm(4, "per_step")
    ref = nn.BatchNorm2d(4)
    y = seq(x)
    y_ref = torch.stack([ref(x[t]) for t in range(3)])
    torch.testing.assert_close(y, y_ref)
    torch.testing.assert_close(seq.bn.running_mean, ref.running_mean)   # updated T times, in step order
    folded = SeqBatchNorm(4, "folded")
    torch.testing.assert_close(folded(x), nn.BatchNorm2d(4)(x.reshape(24, 4, 5, 5)).reshape(x.shape))
    with pytest.raises(ValueError, match="bn mode"):
        SeqBatchNorm(4, "tdbn")


@pytest.mark.parametrize("dims", [2, 1])
def test_seq_batchnorm_static_input_equals_bn_on_every_step(dims):
    """Direct encoding: all T steps are one tensor (expand), normalised once; output, gradients and running
    statistics (mean and unbiased variance) as if BN ran on every step (per_step) or on the T*B fold (folded)."""
    torch.manual_seed(2)
    T = 3
    x0 = (torch.randn(16, 4, 5, 5) if dims == 2 else torch.randn(16, 4)) * 2 + 0.5
    bn_cls = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
    for mode in ("per_step", "folded"):
        seq = SeqBatchNorm(4, mode, dims=dims)
        ref = bn_cls(4)
        with torch.no_grad():
            for b in (seq.bn, ref):
                b.weight.copy_(torch.linspace(0.5, 2.0, 4))
                b.bias.copy_(torch.linspace(-1.0, 1.0, 4))
        xs = x0.clone().requires_grad_()
        xr = x0.clone().requires_grad_()
        y = seq(xs.unsqueeze(0).expand(T, *x0.shape))
        if mode == "per_step":
            y_ref = torch.stack([ref(xr) for _ in range(T)])
        else:
            y_ref = ref(xr.unsqueeze(0).expand(T, *x0.shape).reshape(T * 16, *x0.shape[1:])).reshape(T, *x0.shape)
        torch.testing.assert_close(y, y_ref)
        g = torch.randn_like(y)
        y.backward(g)
        y_ref.backward(g)
        torch.testing.assert_close(xs.grad, xr.grad)
        torch.testing.assert_close(seq.bn.running_mean, ref.running_mean)
        torch.testing.assert_close(seq.bn.running_var, ref.running_var)
        assert int(seq.bn.num_batches_tracked) == int(ref.num_batches_tracked)


def test_seq_dropout_mask_shared_over_time_and_redrawn_after_reset():
    torch.manual_seed(0)
    d = SeqDropout(0.5)
    x = torch.ones(4, 3, 10)
    y = d(x)
    assert torch.equal(y[0], y[1]) and torch.equal(y[0], y[3])
    assert set(y.unique().tolist()) == {0.0, 2.0}          # inverted scaling 1/(1-p)
    y2 = d(x[:2])                                          # a second call (window) reuses the mask
    assert torch.equal(y2[0], y[0])
    d.reset()
    assert not torch.equal(d(x)[0], y[0])
    d.eval()
    assert torch.equal(d(x), x)


def test_timefold_equals_per_step_application():
    conv_ = nn.Conv2d(2, 3, 3, padding=1)
    x = torch.randn(4, 2, 2, 6, 6)
    torch.testing.assert_close(TimeFold(conv_)(x), torch.stack([conv_(x[t]) for t in range(4)]))


def test_build_errors_name_the_problem():
    with pytest.raises(ValueError, match="unknown model"):
        M.build("resnet99")
    m = M.build("small_conv", in_channels=1)
    with pytest.raises(ValueError, match=r"\[T, B, C, H, W\]"):
        m(torch.rand(2, 1, 28, 28))
    with pytest.raises(ValueError, match="in_channels"):
        m(torch.rand(2, 2, 3, 28, 28))


@pytest.mark.parametrize("neuron", ["lif", "clif", "relu"])
def test_small_conv_forward_backward(neuron):
    m = M.build("small_conv", neuron=neuron, in_channels=1, channels=(4, 8), hidden=16, dropout=0.1)
    out = m(torch.rand(2, 3, 1, 28, 28))
    out.sum().backward()
    assert out.shape == (2, 3, 10)
    assert all(p.grad is not None for p in m.parameters())


@pytest.mark.parametrize("mode", ["per_step", "folded"])
def test_static_input_shortcut_equals_full_computation(mode):
    """Direct encoding gives a stride-0 view; layers compute one step and broadcast. Same values, gradients and
    running statistics as feeding a materialised copy."""
    torch.manual_seed(3)
    a = M.build("small_conv", neuron="lif", in_channels=1, channels=(3, 4), input_size=8, bn_mode=mode).double()
    b = M.build("small_conv", neuron="lif", in_channels=1, channels=(3, 4), input_size=8, bn_mode=mode).double()
    b.load_state_dict(a.state_dict())
    img = torch.randn(5, 1, 8, 8, dtype=torch.float64)
    xs = img.unsqueeze(0).expand(3, *img.shape)               # what to_time_major returns
    assert xs.stride(0) == 0
    oa, ob = a(xs), b(xs.contiguous())
    torch.testing.assert_close(oa, ob, rtol=1e-12, atol=1e-12)
    oa.square().sum().backward()
    ob.square().sum().backward()
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa.grad, pb.grad, rtol=1e-10, atol=1e-12)
    for (na, ba), (_, bb) in zip(a.named_buffers(), b.named_buffers()):
        torch.testing.assert_close(ba, bb, rtol=1e-12, atol=1e-12, msg=na)


def test_snn5_noap_convs_are_kaiming_normal_fan_out():
    """CLIF code's SNN5_noAP: Kaiming-normal (fan_out, ReLU gain) on every conv, std = sqrt(2 / (c_out·k·k)).
    PyTorch's default (kaiming_uniform, a = sqrt(5)) has std = 1/sqrt(3·c_in·k·k), 0.41-0.94x of that here."""
    torch.manual_seed(0)
    m = M.build("snn5_noap", neuron="lif", num_classes=10, in_channels=3)
    convs = [mod for mod in m.modules() if isinstance(mod, torch.nn.Conv2d)]
    assert len(convs) == 5
    for conv in convs:
        c_out, c_in, kh, kw = conv.weight.shape
        want = (2.0 / (c_out * kh * kw)) ** 0.5
        n = conv.weight.numel()
        got = float(conv.weight.detach().std())
        # the sample std of n normal draws is within 5 standard errors (want / sqrt(2n)) of the true std
        assert abs(got - want) < 5 * want / (2 * n) ** 0.5 + 1e-12, (tuple(conv.weight.shape), got, want)
        assert abs(float(conv.weight.detach().mean())) < 5 * want / n ** 0.5
