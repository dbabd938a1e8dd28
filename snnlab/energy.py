"""Energy estimates for spiking and ANN models, under the two conventions the papers use.

(a) **SOP convention** (CLIF Table 6; ILIF spec §3.6 (b)): every conv/linear layer whose input is binary spikes
    costs one accumulate (AC) per synaptic operation, every layer with a real-valued input (the first layer under
    direct encoding, every layer of an ANN) costs one multiply-accumulate (MAC) per dense MAC::

        E = E_MAC · Σ_{real-input layers} MACs  +  E_AC · Σ_{spike-input layers} SOPs
        SOP_l = fr_in^l · T · MACs_l                (MACs_l = dense MACs of layer l for one sample and one step)
        MACs of a real-input layer = T · MACs_l     (the layer runs at every step; T = 1 for an ANN)

    :func:`measure_sops` measures MACs_l and fr_in^l of every ``nn.Conv*``/``nn.Linear`` on a real model and batch
    with forward hooks; :func:`sop_energy` applies the formula to given counts. Presets: :data:`PRESETS`.

(b) **Memory-aware model of the CLIF code** (``calculating_energy.py``, after Lemaire et al. 2022, "An analytical
    estimation of spiking neural networks energy efficiency", ICONIP), clif.md §3.6: synaptic and neuron operations,
    membrane-potential memory, parameter memory, input/output memory (each access costed by the piecewise SRAM
    function :func:`sram_access_energy`), and addressing. :func:`lemaire_energy` evaluates it on a list of
    :class:`LayerGeometry` and per-layer firing rates; :func:`table7` recomputes the CLIF paper's Table 7 from the
    per-layer firing rates printed in clif.md §3.6 and puts the paper's printed values beside it.

Units: counts are per sample (one test image / event stream, all T steps); energies in pJ unless a name says
otherwise (``_uJ`` micro-joules, ``_mJ`` milli-joules).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = [
    "EnergyCosts", "PRESETS", "get_preset", "sop_energy", "sops_from_rates",
    "LayerCount", "EnergyReport", "measure_sops", "measure_ann",
    "sram_access_energy", "LayerGeometry", "NeuronCost", "NEURON_COSTS", "E_ADD_PJ", "E_MUL_PJ",
    "lemaire_counts", "lemaire_energy", "layer_geometry", "resnet18_cifar_layers", "vgg_layers",
    "CLIF_ENERGY_NETWORKS",
    "VGG_CONFIGS", "table7", "table7_results", "table6_check", "table6_recount", "dense_macs",
]


# ================================================================================================================
# (a) SOP convention
# ================================================================================================================

@dataclass(frozen=True)
class EnergyCosts:
    """Energy of one MAC and one AC in pJ, with where the numbers come from."""

    name: str
    e_mac: float
    e_ac: float
    source: str = ""

    def __post_init__(self):
        for key in ("e_mac", "e_ac"):
            v = getattr(self, key)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise ValueError(f"EnergyCosts: {key}={v!r} must be a finite number >= 0 (pJ)")


#: 45 nm CMOS, 0.9 V (Horowitz, ISSCC 2014, "Computing's energy problem"; the table quoted by Han et al. 2015).
#: ``45nm-fp32`` is the pair used by CLIF Table 6 and named in ilif.md §3.6 (b) (clif.md §3.5: "E_AC = 0.9 pJ and
#: E_MAC = 4.6 pJ for 32-bit float, after Han et al. 2015"). The other rows are the same source's 16-bit float,
#: 8-bit and 32-bit integer add/multiply energies (MAC = mult + add); they are not printed in the specs, so a
#: notebook that uses them must say so. ``45nm-int32`` equals the E_ADD/E_MUL of the Lemaire model below.
PRESETS: dict[str, EnergyCosts] = {
    "45nm-fp32": EnergyCosts("45nm-fp32", e_mac=4.6, e_ac=0.9,
                             source="Horowitz 2014 via Han et al. 2015; CLIF Table 6 (clif.md §3.5), ilif.md §3.6"),
    "45nm-fp16": EnergyCosts("45nm-fp16", e_mac=1.5, e_ac=0.4,
                             source="Horowitz 2014, 16-bit float: mult 1.1 pJ + add 0.4 pJ"),
    "45nm-int32": EnergyCosts("45nm-int32", e_mac=3.2, e_ac=0.1,
                              source="Horowitz 2014, 32-bit int: mult 3.1 pJ + add 0.1 pJ (= Lemaire E_MUL+E_ADD)"),
    "45nm-int8": EnergyCosts("45nm-int8", e_mac=0.23, e_ac=0.03,
                             source="Horowitz 2014, 8-bit int: mult 0.2 pJ + add 0.03 pJ"),
}


def get_preset(preset: str | EnergyCosts) -> EnergyCosts:
    """Return ``preset`` itself or the :data:`PRESETS` entry it names."""
    if isinstance(preset, EnergyCosts):
        return preset
    if preset not in PRESETS:
        raise ValueError(f"preset={preset!r} is not known; expected one of {sorted(PRESETS)} or an EnergyCosts")
    return PRESETS[preset]


def sop_energy(sops: float, macs: float, preset: str | EnergyCosts = "45nm-fp32") -> float:
    """``E = E_MAC·macs + E_AC·sops`` in pJ (counts in operations). CLIF Table 6: µJ = 0.9·ACs(M) + 4.6·MACs(M)."""
    c = get_preset(preset)
    return c.e_mac * float(macs) + c.e_ac * float(sops)


def sops_from_rates(dense_macs: Sequence[float], input_rates: Sequence[float | None], T: int,
                    preset: str | EnergyCosts = "45nm-fp32") -> dict[str, float]:
    """SOP convention from per-layer counts: ``input_rates[l] = None`` marks a real-valued input (counted as MACs).

    ``dense_macs[l]`` is the layer's dense MAC count for one sample and one step. Returns ``sops``, ``macs``
    (T·MACs_l of the real-input layers) and ``energy_pJ``.
    """
    if len(dense_macs) != len(input_rates):
        raise ValueError(f"sops_from_rates: dense_macs has {len(dense_macs)} layers but input_rates has "
                         f"{len(input_rates)}; give one rate (or None for a real-valued input) per layer")
    _check_T(T)
    sops = macs = 0.0
    for m, r in zip(dense_macs, input_rates):
        if r is None:
            macs += T * float(m)
        else:
            if not 0.0 <= r <= 1.0:
                raise ValueError(f"sops_from_rates: input rate {r!r} must be in [0, 1] (a fraction, not %)")
            sops += r * T * float(m)
    return dict(sops=sops, macs=macs, energy_pJ=sop_energy(sops, macs, preset))


def _check_T(T):
    if not (isinstance(T, int) and T >= 1):
        raise ValueError(f"T={T!r} must be an int >= 1 (the number of time steps)")


@dataclass
class LayerCount:
    """What the hooks of :func:`measure_sops` accumulate for one layer over all its calls."""

    name: str
    kind: str
    calls: int = 0
    dense_macs: float = 0.0          # over all calls and samples
    in_elems: float = 0.0
    in_sum: float = 0.0
    in_nonzero: float = 0.0
    binary: bool = True
    in_shape: tuple = ()
    out_shape: tuple = ()


@dataclass
class EnergyReport:
    """Result of :func:`measure_sops` / :func:`measure_ann`: a per-layer table and the totals (per sample)."""

    table: Any                       # pandas.DataFrame, one row per conv/linear layer
    totals: dict[str, float]
    T: int
    batch_size: int
    preset: EnergyCosts = field(default_factory=lambda: PRESETS["45nm-fp32"])

    @property
    def energy_uJ(self) -> float:
        return self.totals["energy_uJ"]


_LAYER_TYPES = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


def _dense_macs(module: nn.Module, out: torch.Tensor) -> float:
    """Dense MACs of one call (all samples in it): conv: out.numel()·(C_in/groups)·Πkernel; linear: out·in."""
    if isinstance(module, nn.Linear):
        return float(out.numel()) * module.in_features
    k = math.prod(module.kernel_size)
    return float(out.numel()) * (module.in_channels // module.groups) * k


def measure_sops(model: nn.Module, x: torch.Tensor, T: int | None = None, *, time_major: bool = True,
                 preset: str | EnergyCosts = "45nm-fp32", layer_types: tuple = _LAYER_TYPES,
                 reset: bool = True, all_mac: bool = False) -> EnergyReport:
    """Measure dense MACs and input firing rate of every conv/linear layer, and the SOP-convention energy.

    Runs ``model(x)`` once under ``torch.no_grad()`` with forward hooks on every module of ``layer_types``.
    A layer may be called on the merged ``[T*B, ...]`` tensor, once per step on ``[B, ...]``, or on ``[T, B, ...]``:
    the hooks only add up MACs and input statistics over all calls, and T and B come from the arguments, never from
    the layer. For one sample:

    * ``macs_per_step`` = (dense MACs summed over the calls) / (T·B); bias additions are not counted;
    * ``input_rate`` = mean of the layer's input over all calls: the firing rate when the input is spikes (NaN
      for a real-valued input; ``input_nonzero`` is the fraction of non-zero inputs in both cases);
    * a layer whose input is binary (every value 0 or 1) in every call is a spiking layer:
      ``sops = input_rate · T · macs_per_step`` and it costs ``E_AC·sops``;
    * otherwise (real-valued input, e.g. the first layer under direct encoding) ``macs = T · macs_per_step``,
      costing ``E_MAC·macs``.

    Parameters
    ----------
    x: ``[T, B, ...]`` (``time_major=True``, T = ``x.shape[0]``; a given ``T`` must agree) or, with
        ``time_major=False``, ``[B, ...]`` for a model that makes its own T steps (then ``T`` is required).
    reset: call ``reset()`` on every submodule that has one (the neuron contract) before the forward, so that
        state from an earlier batch does not leak in.
    all_mac: count every layer as MACs (the ANN convention; used by :func:`measure_ann`).

    Returns an :class:`EnergyReport`; ``report.table`` has one row per layer (name, type, calls, per-sample
    in/out shapes of one step, macs_per_step, input_binary, input_rate, sops, macs, energy_pJ) and
    ``report.totals`` the sums (``macs_per_step``, ``sops``, ``macs``, ``energy_pJ``, ``energy_uJ``,
    ``mean_input_rate`` over spike-input layers weighted by their MACs).
    """
    import pandas as pd

    if not isinstance(model, nn.Module):
        raise TypeError(f"measure_sops: model must be an nn.Module, got {type(model).__name__}")
    if not torch.is_tensor(x):
        raise TypeError(f"measure_sops: x must be a tensor, got {type(x).__name__}")
    if time_major:
        if x.dim() < 2:
            raise ValueError(f"measure_sops: x must be [T, B, ...] with time_major=True, got shape {tuple(x.shape)}")
        if T is not None and T != x.shape[0]:
            raise ValueError(f"measure_sops: T={T} disagrees with x.shape[0]={x.shape[0]}; x must be [T, B, ...] "
                             "(or pass time_major=False for a model that repeats a [B, ...] input itself)")
        T, B = int(x.shape[0]), int(x.shape[1])
    else:
        if T is None:
            raise ValueError("measure_sops: with time_major=False give T (the steps the model runs internally)")
        if x.dim() < 1:
            raise ValueError(f"measure_sops: x must be [B, ...], got shape {tuple(x.shape)}")
        B = int(x.shape[0])
    _check_T(T)
    costs = get_preset(preset)

    counts: dict[nn.Module, LayerCount] = {}
    handles = []
    for name, mod in model.named_modules():
        if isinstance(mod, layer_types):
            counts[mod] = LayerCount(name=name or type(mod).__name__, kind=type(mod).__name__)

    def hook(mod, args, out):
        c = counts[mod]
        inp = args[0].detach()
        c.calls += 1
        c.dense_macs += _dense_macs(mod, out)
        c.in_elems += inp.numel()
        c.in_sum += float(inp.float().sum())
        c.in_nonzero += float((inp != 0).sum())
        if c.binary and not bool(((inp == 0) | (inp == 1)).all()):
            c.binary = False
        if c.calls == 1:
            c.in_shape, c.out_shape = tuple(inp.shape[1:]), tuple(out.shape[1:])

    for mod in counts:
        handles.append(mod.register_forward_hook(hook))
    try:
        if reset:
            for mod in model.modules():
                r = getattr(mod, "reset", None)
                if callable(r):
                    r()
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()

    rows = []
    for c in counts.values():
        if c.calls == 0:
            continue
        per_step = c.dense_macs / (T * B)
        # a firing rate only means something for spikes; a real-valued input gets NaN (see input_nonzero)
        rate = (c.in_sum / c.in_elems if c.in_elems else 0.0) if c.binary else float("nan")
        spiking = c.binary and not all_mac
        sops = rate * T * per_step if spiking else 0.0
        macs = 0.0 if spiking else T * per_step
        rows.append(dict(layer=c.name, type=c.kind, calls=c.calls, in_shape=c.in_shape, out_shape=c.out_shape,
                         macs_per_step=per_step, input_binary=c.binary, input_rate=rate,
                         input_nonzero=c.in_nonzero / c.in_elems if c.in_elems else 0.0,
                         sops=sops, macs=macs, energy_pJ=costs.e_ac * sops + costs.e_mac * macs))
    table = pd.DataFrame(rows, columns=["layer", "type", "calls", "in_shape", "out_shape", "macs_per_step",
                                        "input_binary", "input_rate", "input_nonzero", "sops", "macs",
                                        "energy_pJ"])
    spk = table[table["input_binary"].astype(bool)] if len(table) else table
    w = spk["macs_per_step"].sum() if len(spk) else 0.0
    totals = dict(
        macs_per_step=float(table["macs_per_step"].sum()) if len(table) else 0.0,
        sops=float(table["sops"].sum()) if len(table) else 0.0,
        macs=float(table["macs"].sum()) if len(table) else 0.0,
        energy_pJ=float(table["energy_pJ"].sum()) if len(table) else 0.0,
        mean_input_rate=float((spk["input_rate"] * spk["macs_per_step"]).sum() / w) if w else 0.0,
    )
    totals["energy_uJ"] = totals["energy_pJ"] * 1e-6
    return EnergyReport(table=table, totals=totals, T=T, batch_size=B, preset=costs)


def measure_ann(model: nn.Module, x: torch.Tensor, *, time_major: bool = True,
                preset: str | EnergyCosts = "45nm-fp32", layer_types: tuple = _LAYER_TYPES) -> EnergyReport:
    """ANN version of :func:`measure_sops`: T = 1 and every layer costs ``E_MAC·MACs`` (CLIF Table 6 ReLU rows).

    ``x`` is ``[1, B, ...]`` (``time_major=True``, the snnlab ANN takes a length-1 time axis) or ``[B, ...]``.
    """
    if time_major:
        if x.dim() < 2 or x.shape[0] != 1:
            raise ValueError(f"measure_ann: x must be [1, B, ...] (T = 1) with time_major=True, got shape "
                             f"{tuple(x.shape)}; pass time_major=False for a [B, ...] input")
        return measure_sops(model, x, preset=preset, layer_types=layer_types, all_mac=True)
    return measure_sops(model, x, T=1, time_major=False, preset=preset, layer_types=layer_types, all_mac=True)


# ================================================================================================================
# (b) Memory-aware model of the CLIF code (Lemaire et al. 2022), clif.md §3.6
# ================================================================================================================

#: clif.md §3.6 (``calculating_energy.py:468-469``): energy of one addition and one multiplication in pJ.
E_ADD_PJ = 0.1
E_MUL_PJ = 3.1


def sram_access_energy(m: float, *, continuous: bool = False) -> float:
    """Energy in pJ of one SRAM access for a memory of size ``m`` (clif.md §3.6, ``calculating_energy.py:226-244``).

    Linear interpolation through 8 kB → 10 pJ, 32 kB → 20 pJ, 1 MB → 100 pJ (Lemaire et al. 2022). The CLIF code
    uses the access **count** as the size and its segments restart from 0 (``continuous=False``, what Table 7 was
    made with)::

        E(m) = 10·m/8192                       m ≤ 8192
               10·(m − 8192)/24576             8192 < m ≤ 32768
               80·(m − 32768)/1015808          32768 < m ≤ 1048576
               100                             m > 1048576

    ``continuous=True`` gives the interpolation the comment intends (10 + …, 20 + … on the upper segments).
    """
    m = float(m)
    m1, m2, m3 = 8 * 1024, 32 * 1024, 1024 * 1024
    e1, e2, e3 = 10.0, 20.0, 100.0
    if m <= m1:
        return e1 / m1 * m
    if m <= m2:
        return (e1 if continuous else 0.0) + (e2 - e1) / (m2 - m1) * (m - m1)
    if m <= m3:
        return (e2 if continuous else 0.0) + (e3 - e2) / (m3 - m2) * (m - m2)
    return e3


@dataclass(frozen=True)
class LayerGeometry:
    """One layer of the memory-aware model: a conv ``(C, H, W) -> (C', H', W')`` with kernel ``(k_h, k_w)`` and
    stride, or a fully connected layer ``in -> out`` (ints, ``kernel=None``). H, W here are feature-map sizes."""

    in_shape: int | tuple[int, int, int]
    out_shape: int | tuple[int, int, int]
    kernel: tuple[int, int] | None = None
    stride: int = 1

    def __post_init__(self):
        fc = isinstance(self.in_shape, int)
        if fc != isinstance(self.out_shape, int):
            raise ValueError(f"LayerGeometry: in_shape={self.in_shape!r} and out_shape={self.out_shape!r} must both "
                             "be ints (fully connected) or both (C, H, W) tuples (conv)")
        if not fc and (len(self.in_shape) != 3 or len(self.out_shape) != 3 or self.kernel is None
                       or len(self.kernel) != 2):
            raise ValueError(f"LayerGeometry: a conv needs (C, H, W) shapes and kernel=(k_h, k_w); got "
                             f"in={self.in_shape!r}, out={self.out_shape!r}, kernel={self.kernel!r}")

    @property
    def is_fc(self) -> bool:
        return isinstance(self.in_shape, int)


@dataclass(frozen=True)
class NeuronCost:
    """Multipliers of the memory-aware model for one neuron type (LIF = all 1; clif.md §3.6 for CLIF).

    * ``op_mac``: neuron-update MACs per output neuron and step (LIF: the leak; CLIF ×3);
    * ``op_acc_out``: the output-spike ACC term (CLIF ×3);
    * ``pot_read`` / ``pot_write``: membrane-potential memory reads / writes (CLIF ×4 / ×2: its extra state M);
    * ``addressing``: addressing MAC and ACC (CLIF ×2);
    * ``fc_addressing``: the addressing ACC of fully connected layers when it differs from ``addressing`` (the
      ILIF script: conv ×2, FC ×3); None = ``addressing``.
    """

    name: str
    op_mac: float = 1.0
    op_acc_out: float = 1.0
    pot_read: float = 1.0
    pot_write: float = 1.0
    addressing: float = 1.0
    fc_addressing: float | None = None


#: Cost multipliers of ``calculating_energy.py`` (clif.md §3.6) and of the ILIF authors' ``energy_cal.py``
#: (ilif.md §3.6b: neuron-update MACs ×2, output-spike ACCs ×3, potential reads ×4 and writes ×2, addressing ×2
#: for convs and ×3 for FC layers). PLIF/KLIF are in neither script: they have LIF's state and per-step arithmetic
#: up to a scalar, so ``NeuronCost("plif")`` (all 1) is the natural choice.
NEURON_COSTS: dict[str, NeuronCost] = {
    "lif": NeuronCost("lif"),
    "clif": NeuronCost("clif", op_mac=3, op_acc_out=3, pot_read=4, pot_write=2, addressing=2),
    "ilif": NeuronCost("ilif", op_mac=2, op_acc_out=3, pot_read=4, pot_write=2, addressing=2, fc_addressing=3),
}

_COUNT_KEYS = ("mac_op", "acc_op", "read_in", "read_params", "read_pot", "write_out", "write_pot",
               "mac_addr", "acc_addr")


def _layer_counts(layer: LayerGeometry, neuron: NeuronCost | None, T: int, fr_in: float,
                  fr_out: float) -> dict[str, float]:
    """Operation and memory-access counts of one layer (clif.md §3.6, ``calculating_energy.py:6-218``)."""
    if layer.is_fc:
        n_in, n_out = layer.in_shape, layer.out_shape
        if neuron is None:                                    # ANN
            return dict(mac_op=n_in * n_out, acc_op=n_out, read_in=n_in, read_params=(n_in + 1) * n_out,
                        read_pot=0.0, write_out=n_out, write_pot=0.0, mac_addr=0.0, acc_addr=n_in + n_out)
        s_in, s_out = n_in * fr_in, n_out * fr_out
        # the code's synaptic ACC is (in·fr_in)·in·out (the in² looks like a bug; kept, Table 7 was made with it)
        acc_w = s_in * n_in * n_out
        syn = s_in * n_out + n_out
        return dict(mac_op=T * n_out * neuron.op_mac, acc_op=acc_w + T * s_out * neuron.op_acc_out,
                    read_in=s_in, read_params=syn, read_pot=(s_in + 1) * s_out * neuron.pot_read,
                    write_out=s_out, write_pot=syn * neuron.pot_write,
                    mac_addr=0.0, acc_addr=s_in * n_out * (neuron.addressing if neuron.fc_addressing is None
                                                            else neuron.fc_addressing))
    (c_in, h_in, w_in), (c_out, h_out, w_out) = layer.in_shape, layer.out_shape
    kh, kw = layer.kernel
    n_in, n_out = c_in * h_in * w_in, c_out * h_out * w_out
    if neuron is None:                                        # ANN
        return dict(mac_op=n_out * c_in * kh * kw, acc_op=n_out, read_in=n_out * c_in * kh * kw,
                    read_params=(c_in * kh * kw + 1) * n_out, read_pot=0.0, write_out=n_out, write_pot=0.0,
                    mac_addr=0.0, acc_addr=n_in + n_out + c_out * kh * kw)
    s_in, s_out = n_in * fr_in, n_out * fr_out
    acc_w = s_in * (kh // layer.stride) * (kw // layer.stride) * c_out
    syn = s_in * c_out * kh * kw + n_out
    return dict(mac_op=T * n_out * neuron.op_mac, acc_op=acc_w + T * n_out + s_out * neuron.op_acc_out,
                read_in=s_in, read_params=syn, read_pot=syn * neuron.pot_read, write_out=s_out,
                write_pot=syn * neuron.pot_write, mac_addr=2 * s_in * neuron.addressing,
                acc_addr=s_in * c_out * kh * kw * neuron.addressing)


def _neuron_cost(neuron: str | NeuronCost | None) -> NeuronCost | None:
    if neuron is None or isinstance(neuron, NeuronCost):
        return neuron
    key = str(neuron).lower()
    if key in ("ann", "relu"):
        return None
    if key not in NEURON_COSTS:
        raise ValueError(f"neuron={neuron!r} has no memory-model cost; expected 'ann', one of {sorted(NEURON_COSTS)}"
                         " or a NeuronCost (state the multipliers you assume)")
    return NEURON_COSTS[key]


def lemaire_counts(layers: Sequence[LayerGeometry], neuron: str | NeuronCost | None, T: int,
                   rates: Sequence[float] | None = None) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Per-layer and total counts of the memory-aware model (clif.md §3.6).

    ``rates`` are the firing rates (fractions, not %) of the spiking layers in forward order, one per layer except
    the last: layer 0 reads the input with ``fr_in = 1``; layer ``i > 0`` has ``fr_in = rates[i-1]``; its output
    rate is ``rates[i]``, except the last (classifier) layer, whose ``fr_out = 0``. ``neuron=None``/``"ann"``
    ignores the rates. Returns ``(totals, per_layer)``.
    """
    _check_T(T)
    cost = _neuron_cost(neuron)
    n = len(layers)
    if n == 0:
        raise ValueError("lemaire_counts: layers is empty; give at least one LayerGeometry")
    if cost is not None:
        if rates is None or len(rates) < n - 1:
            raise ValueError(f"lemaire_counts: {n} layers need at least {n - 1} firing rates (fractions), got "
                             f"{None if rates is None else len(rates)}")
        if any(not 0.0 <= float(r) <= 1.0 for r in rates):
            raise ValueError("lemaire_counts: rates must be fractions in [0, 1]; divide percentages by 100")
    per_layer = []
    for i, layer in enumerate(layers):
        if cost is None:
            fr_in = fr_out = 0.0
        else:
            fr_in = 1.0 if i == 0 else float(rates[i - 1])
            fr_out = 0.0 if i == n - 1 else float(rates[i])
        per_layer.append(_layer_counts(layer, cost, T, fr_in, fr_out))
    totals = {k: float(sum(d[k] for d in per_layer)) for k in _COUNT_KEYS}
    return totals, per_layer


def lemaire_energy(layers: Sequence[LayerGeometry], neuron: str | NeuronCost | None, T: int,
                   rates: Sequence[float] | None = None, *, e_add: float = E_ADD_PJ, e_mul: float = E_MUL_PJ,
                   continuous_sram: bool = False, ann_times_T: bool = False) -> dict[str, float]:
    """Energy of one inference (one sample, all T steps) with the memory-aware model of the CLIF code.

    With the counts of :func:`lemaire_counts` summed over layers (the SRAM cost is evaluated on the **network
    totals**, as the code does)::

        E_ops      = ACC_op·E_ADD + MAC_op·(E_MUL + E_ADD)
        E_addr     = ACC_addr·E_ADD + MAC_addr·(E_MUL + E_ADD)
        E_membrane = R_pot·E(R_pot) + W_pot·E(W_pot)
        E_params   = R_params·E(R_params)
        E_inout    = R_in·E(R_in) + W_out·E(W_out)
        total      = E_membrane + E_params + E_inout + E_ops + E_addr

    E = :func:`sram_access_energy`. Returns ``membrane_mJ, params_mJ, inout_mJ, ops_mJ, addr_uJ, total_mJ`` (the
    columns of CLIF Table 7) plus the raw counts. ``ann_times_T=True`` reproduces the code's always-true branch
    that multiplies ANN energies by T; the paper's Table 7 ANN rows are one single pass (default False).
    """
    c, _ = lemaire_counts(layers, neuron, T, rates)
    E = lambda m: sram_access_energy(m, continuous=continuous_sram)  # noqa: E731
    e_ops = c["acc_op"] * e_add + c["mac_op"] * (e_mul + e_add)
    e_addr = c["acc_addr"] * e_add + c["mac_addr"] * (e_mul + e_add)
    e_pot = c["read_pot"] * E(c["read_pot"]) + c["write_pot"] * E(c["write_pot"])
    e_io = c["read_in"] * E(c["read_in"]) + c["write_out"] * E(c["write_out"])
    e_par = c["read_params"] * E(c["read_params"])
    if ann_times_T and _neuron_cost(neuron) is None:
        e_ops, e_addr, e_pot, e_io, e_par = (v * T for v in (e_ops, e_addr, e_pot, e_io, e_par))
    out = dict(membrane_mJ=e_pot * 1e-9, params_mJ=e_par * 1e-9, inout_mJ=e_io * 1e-9, ops_mJ=e_ops * 1e-9,
               addr_uJ=e_addr * 1e-6)
    out["total_mJ"] = (e_pot + e_par + e_io + e_ops + e_addr) * 1e-9
    out.update(c)
    return out


def layer_geometry(model: nn.Module, input_shape: Sequence[int], *, T: int = 1, shortcuts: bool = False,
                   layer_types: tuple = (nn.Conv2d, nn.Linear)) -> list[LayerGeometry]:
    """The model's layers as the memory-aware model sees them, derived from the model itself: one forward pass of
    a zero input ``[T, 1, *input_shape]`` with hooks on every ``Conv2d``/``Linear`` gives, in forward order, each
    layer's per-sample input and output feature-map shape, kernel and stride (a linear layer: its in/out sizes).

    ``input_shape`` is one sample's ``(C, H, W)`` (or ``(features,)``). ResNet shortcut convs (modules whose name
    contains ``shortcut``) are left out unless ``shortcuts=True``, as in the CLIF code's layer lists
    (:func:`resnet18_cifar_layers`). A module called more than once counts once (its first call). The model is
    run in eval mode without gradients and its neuron states are reset before and after; its training mode is
    restored."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"layer_geometry: model must be an nn.Module, got {type(model).__name__}")
    shape = tuple(int(v) for v in input_shape)
    if not shape or any(v < 1 for v in shape):
        raise ValueError(f"layer_geometry: input_shape={input_shape!r} must be one sample's (C, H, W) (positive ints)")
    _check_T(T)
    found: dict[nn.Module, LayerGeometry] = {}
    order: list[nn.Module] = []

    def hook(mod, args, out):
        if mod in found:
            return
        i, o = args[0], out
        if isinstance(mod, nn.Linear):
            g = LayerGeometry(int(i.shape[-1]), int(o.shape[-1]))
        else:
            g = LayerGeometry(tuple(int(v) for v in i.shape[-3:]), tuple(int(v) for v in o.shape[-3:]),
                              tuple(int(v) for v in mod.kernel_size), int(mod.stride[0]))
        found[mod] = g
        order.append(mod)

    handles = [m.register_forward_hook(hook) for name, m in model.named_modules()
               if isinstance(m, layer_types) and (shortcuts or "shortcut" not in name)]
    was_training = model.training
    param = next(model.parameters(), None)
    x = torch.zeros((T, 1) + shape, device=param.device if param is not None else "cpu")
    try:
        model.eval()
        _reset_all(model)
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
        _reset_all(model)
        model.train(was_training)
    if not order:
        raise ValueError(f"layer_geometry: {type(model).__name__} ran no {', '.join(t.__name__ for t in layer_types)}")
    return [found[m] for m in order]


def _reset_all(model: nn.Module) -> None:
    for mod in model.modules():
        r = getattr(mod, "reset", None)
        if callable(r) and mod is not model:
            r()


# ---- the layer lists of calculating_energy.py (clif.md §3.3, §3.6), generated from the architectures -----------

#: Spiking VGG configurations of the CLIF code (clif.md §3.3); "M" = 2×2 average pooling.
VGG_CONFIGS: dict[str, list] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
}


def resnet18_cifar_layers(num_classes: int, in_channels: int = 3, size: int = 32) -> list[LayerGeometry]:
    """Pre-activation spiking ResNet-18 as the energy model sees it (clif.md §3.6): the 3×3 stem conv, the 16 block
    convs in forward order (the first conv of stages 2–4 has stride 2), then FC 512 → classes. The 1×1 shortcut
    convs and the pooling are ignored, as in the CLIF code."""
    layers = [LayerGeometry((in_channels, size, size), (64, size, size), (3, 3), 1)]
    c, h = 64, size
    for width, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for block in range(2):
            s = stride if block == 0 else 1
            layers.append(LayerGeometry((c, h, h), (width, h // s, h // s), (3, 3), s))
            c, h = width, h // s
            layers.append(LayerGeometry((c, h, h), (c, h, h), (3, 3), 1))
    layers.append(LayerGeometry(512, num_classes))
    return layers


def vgg_layers(cfg: str | list, in_channels: int, size: int, num_classes: int) -> list[LayerGeometry]:
    """Spiking VGG with BN as the energy model sees it (clif.md §3.3, §3.6): one entry per 3×3 conv (stride 1, the
    input size after the preceding poolings), then FC 512·7·7 → classes (after the adaptive 7×7 pool)."""
    cfg = VGG_CONFIGS[cfg] if isinstance(cfg, str) else cfg
    layers, c, h = [], in_channels, size
    for v in cfg:
        if v == "M":
            h //= 2
            continue
        layers.append(LayerGeometry((c, h, h), (v, h, h), (3, 3), 1))
        c = v
    layers.append(LayerGeometry(512 * 7 * 7, num_classes))
    return layers


#: The five networks of ``calculating_energy.py`` (clif.md §3.6), keyed like :data:`snnlab.paper_data.CLIF_TABLE7`.
CLIF_ENERGY_NETWORKS: dict[str, list[LayerGeometry]] = {
    "CIFAR-10": resnet18_cifar_layers(10),
    "CIFAR-100": resnet18_cifar_layers(100),
    "Tiny-ImageNet": vgg_layers("vgg13", 3, 64, 200),
    "DVS-CIFAR10": vgg_layers("vgg11", 2, 48, 10),
    "DVS-Gesture": vgg_layers("vgg11", 2, 128, 11),
}


def table7_results(firing_rates: dict[str, dict[str, Sequence[float]]] | None = None,
                   include_unprinted: bool = False, **energy_kwargs) -> dict[str, dict[str, dict[str, float]]]:
    """CLIF Table 7 recomputed: ``{task: {"ANN"|"LIF"|"CLIF": {column: value}}}`` (columns of
    :data:`snnlab.paper_data.CLIF_TABLE7_COLUMNS`).

    ``firing_rates`` defaults to the per-layer rates printed in clif.md §3.6 (``paper_data.CLIF_FIRING_RATES``, in
    %); pass your own (same layout, in %) to cost your runs with the same model. The paper prints ANN rows only for
    the static tasks; ``include_unprinted=True`` adds the DVS ANN rows too.
    """
    from snnlab import paper_data as pd_

    rates = pd_.CLIF_FIRING_RATES if firing_rates is None else firing_rates
    printed = {(r["task"], r["model"]) for r in pd_.CLIF_TABLE7}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for task, layers in CLIF_ENERGY_NETWORKS.items():
        T = pd_.CLIF_TIMESTEPS[task]
        out[task] = {}
        for model in ("ANN", "LIF", "CLIF"):
            if not include_unprinted and (task, model) not in printed:
                continue
            if model == "ANN":
                e = lemaire_energy(layers, None, T, **energy_kwargs)
            else:
                if task not in rates or model not in rates[task]:
                    continue
                r = [v / 100.0 for v in rates[task][model]]
                e = lemaire_energy(layers, model.lower(), T, r, **energy_kwargs)
            out[task][model] = {k: e[k] for k in pd_.CLIF_TABLE7_COLUMNS}
    return out


def table7(firing_rates: dict[str, dict[str, Sequence[float]]] | None = None, **kwargs):
    """CLIF Table 7 recomputed beside the paper's printed values, as a DataFrame.

    Index (task, model) in the paper's row order (ANN, LIF, CLIF); columns a MultiIndex (quantity, source) with
    source ``ours`` (full precision), ``paper`` (printed) and ``match`` (``ours`` rounded to the printed 4 decimals
    equals ``paper``). See :func:`table7_results` for the arguments.
    """
    import pandas as pd
    from snnlab import paper_data as pd_

    res = table7_results(firing_rates, **kwargs)
    paper = {(r["task"], r["model"]): r for r in pd_.CLIF_TABLE7}
    rows, index = [], []
    order = [(r["task"], r["model"]) for r in pd_.CLIF_TABLE7]
    extra = [(t, m) for t, d in res.items() for m in d if (t, m) not in paper]
    for task, model in order + extra:
        if model not in res.get(task, {}):
            continue
        ours = res[task][model]
        row = {}
        for col in pd_.CLIF_TABLE7_COLUMNS:
            p = paper.get((task, model), {}).get(col, float("nan"))
            row[(col, "ours")] = ours[col]
            row[(col, "paper")] = p
            row[(col, "match")] = bool(round(ours[col], 4) == p) if not math.isnan(p) else False
        rows.append(row)
        index.append((task, model))
    df = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["task", "model"]))
    df.columns = pd.MultiIndex.from_tuples(df.columns, names=["quantity", "source"])
    return df


def table6_check():
    """Check the arithmetic of CLIF Table 6: ``0.9·ACs + 4.6·MACs`` (µJ, counts in M) against the printed energy.

    The per-layer counts behind the ACs/MACs columns are not in the repo or the paper (clif.md §3.5: "How Table 6
    was counted is not in the repo"), so the counts themselves cannot be recomputed from the firing rates; only
    the energy column is checked. Returns a DataFrame with the recomputed energy and the difference.
    """
    import pandas as pd
    from snnlab import paper_data as pd_

    df = pd.DataFrame(pd_.CLIF_TABLE6)
    c = PRESETS["45nm-fp32"]
    df["energy_uJ_ours"] = c.e_ac * df["ACs_M"] + c.e_mac * df["MACs_M"]
    df["diff_uJ"] = df["energy_uJ_ours"] - df["energy_uJ"]
    return df


def table6_recount(firing_rates: dict[str, dict[str, Sequence[float]]] | None = None):
    """Table 6's ACs/MACs recounted under the SOP convention from the paper's per-layer rates, beside the printed
    values, to show how far the convention explains them (clif.md §3.5 says the method is not in the repo).

    For each SNN row, with the layer lists of :data:`CLIF_ENERGY_NETWORKS` (shortcut convs ignored) and
    ``fr_in`` of layer ``l ≥ 1`` = rate of spiking layer ``l − 1``: ``ACs_step_M = Σ_l fr_in·MACs_l`` (one step),
    ``ACs_T_M`` = T times that (the SOP convention), ``first_MACs_M`` = dense MACs of the real-input first layer
    (one step) and ``neurons_M`` = number of spiking neurons. Finding [inferred]: for ResNet-18 the printed ACs are
    close to the per-step count (LIF CIFAR-10: 82.80 vs 84.86) and the printed MACs to ``first_MACs +
    2·neurons`` (LIF) / ``+ 6·neurons`` (CLIF); the VGG rows fit neither, so Table 6 is not reproducible from the
    specs: the per-layer counts (which layers, shortcut convs, factor T, neuron arithmetic) are missing.
    """
    import pandas as pd
    from snnlab import paper_data as pd_

    rates = pd_.CLIF_FIRING_RATES if firing_rates is None else firing_rates
    rows = []
    for r in pd_.CLIF_TABLE6:
        if r["neuron"] == "ReLU":
            continue
        task, neuron, T = r["task"], r["neuron"], r["T"]
        layers = CLIF_ENERGY_NETWORKS[task]
        dense = [(l.in_shape * l.out_shape) if l.is_fc
                 else math.prod(l.out_shape) * l.in_shape[0] * l.kernel[0] * l.kernel[1] for l in layers]
        fr = [v / 100.0 for v in rates[task][neuron]]
        acs = sum(f * d for f, d in zip(fr, dense[1:]))
        neurons = sum(math.prod(l.out_shape) for l in layers[:-1])
        rows.append(dict(task=task, neuron=neuron, T=T, ACs_M_paper=r["ACs_M"], ACs_step_M=acs / 1e6,
                         ACs_T_M=T * acs / 1e6, MACs_M_paper=r["MACs_M"], first_MACs_M=dense[0] / 1e6,
                         neurons_M=neurons / 1e6))
    return pd.DataFrame(rows)


# ================================================================================================================
# dense counts of a layer
# ================================================================================================================

def dense_macs(layer: LayerGeometry) -> float:
    """Dense multiply-accumulates of one layer for one sample and one step: ``in·out`` (linear) or
    ``C'·H'·W'·C·k_h·k_w`` (conv)."""
    if layer.is_fc:
        return float(layer.in_shape * layer.out_shape)
    return float(math.prod(layer.out_shape) * layer.in_shape[0] * layer.kernel[0] * layer.kernel[1])
