"""The papers' published numbers, as data, for printing beside ours.

Everything here is transcribed from the snnlab paper specs (``shared/papers/{clif,ilif,klif}.md``); each constant
names the spec section it comes from. These are **the papers' (or the specs') numbers, never ours**: notebooks print
them next to what snnlab measures, and tests use them as targets where the spec says they are reproducible (Table 7).

Conventions
-----------
* Accuracies are top-1 in %, energies in the units of the printed table (stated per constant).
* Table rows are lists of plain dicts so that ``pandas.DataFrame(rows)`` gives the printed table; helpers at the end
  return DataFrames.
* ``note`` fields carry the spec's ⚠ remarks (reconstructed or doubtful cells).
* CLIF notation: the CLIF paper's γ is snnlab's decay λ; its k (truncation) is ``k_trunc`` here.
"""
from __future__ import annotations

from typing import Any

__all__ = [
    "CLIF_TABLE1", "CLIF_TABLE2", "CLIF_TABLE3", "CLIF_TABLE4", "CLIF_TABLE5", "CLIF_TABLE6", "CLIF_TABLE7",
    "CLIF_TABLE7_COLUMNS", "CLIF_TABLE8", "CLIF_TABLE8_RESETS", "CLIF_FIRING_RATES", "CLIF_FIRING_RATE_MEANS",
    "CLIF_TIMESTEPS",
    "CLIF_FIG3_KNOWN", "CLIF_LIF_BASELINES",
    "KLIF_REPORTED", "KLIF_PLIF_REFERENCE", "KLIF_PSN_REEVALUATION", "KLIF_CLOSED_FORM_TABLE", "KLIF_WORKED_TRACE",
    "ILIF_TEMPORAL_FACTOR_TABLE", "ILIF_FORWARD_FIRING_RATES", "ILIF_REFERENCE_TRACES", "ILIF_FIRING_RATES",
    "ILIF_TIMESTEPS",
    "table", "TABLES",
]

# ---------------------------------------------------------------------------------------------------------------
# CLIF (Huang et al., ICML 2024), clif.md §3.5 "Results tables, row by row"
# ---------------------------------------------------------------------------------------------------------------

# clif.md §3.5, Table 1 (static images). "Ours / Ours*" cells are split into two rows (method "Ours" and "Ours*",
# the latter with augmentation). ⚠ cells are reconstructed from OCR (see note).
CLIF_TABLE1: list[dict[str, Any]] = [
    # CIFAR-10
    dict(dataset="CIFAR-10", method="ANN", network="ResNet-18", neuron="ReLU", T=1, acc=95.62, note=""),
    dict(dataset="CIFAR-10", method="ANN*", network="ResNet-18", neuron="ReLU", T=1, acc=96.65, note=""),
    dict(dataset="CIFAR-10", method="Dspike (NeurIPS'21)", network="Modified ResNet-18", neuron="LIF", T=6,
         acc=94.25, note="⚠ OCR swapped Dspike/PLIF values; reconstructed"),
    dict(dataset="CIFAR-10", method="PLIF (ICCV'21)", network="PLIF Net", neuron="PLIF", T=8, acc=93.50,
         note="⚠ OCR shows T=6 and swapped value; reconstructed"),
    dict(dataset="CIFAR-10", method="DSR (CVPR'22)", network="PreAct-ResNet-18", neuron="LIF", T=20, acc=95.40,
         note=""),
    dict(dataset="CIFAR-10", method="GLIF (NeurIPS'22)", network="ResNet-18", neuron="GLIF", T=6, acc=94.88,
         note=""),
    dict(dataset="CIFAR-10", method="KLIF (arXiv'23)", network="Modified PLIF Net", neuron="KLIF", T=10,
         acc=92.52, note=""),
    dict(dataset="CIFAR-10", method="PSN* (NeurIPS'23)", network="Modified PLIF Net", neuron="PSN", T=4,
         acc=95.32, note=""),
    dict(dataset="CIFAR-10", method="SML (ICML'23)", network="ResNet-18", neuron="LIF", T=6, acc=95.12, note=""),
    dict(dataset="CIFAR-10", method="ASGL* (ICML'23)", network="ResNet-18", neuron="LIF", T=4, acc=95.35,
         note=""),
    dict(dataset="CIFAR-10", method="Ours", network="ResNet-18", neuron="CLIF", T=4, acc=94.89, note=""),
    dict(dataset="CIFAR-10", method="Ours*", network="ResNet-18", neuron="CLIF", T=4, acc=96.01, note=""),
    dict(dataset="CIFAR-10", method="Ours", network="ResNet-18", neuron="CLIF", T=6, acc=95.41, note=""),
    dict(dataset="CIFAR-10", method="Ours*", network="ResNet-18", neuron="CLIF", T=6, acc=96.45, note=""),
    dict(dataset="CIFAR-10", method="Ours", network="ResNet-18", neuron="CLIF", T=8, acc=95.68, note=""),
    dict(dataset="CIFAR-10", method="Ours*", network="ResNet-18", neuron="CLIF", T=8, acc=96.69, note=""),
    # CIFAR-100
    dict(dataset="CIFAR-100", method="ANN", network="ResNet-18", neuron="ReLU", T=1, acc=78.14, note=""),
    dict(dataset="CIFAR-100", method="ANN*", network="ResNet-18", neuron="ReLU", T=1, acc=80.89, note=""),
    dict(dataset="CIFAR-100", method="Dspike", network="Modified ResNet-18", neuron="LIF", T=6, acc=74.24,
         note=""),
    dict(dataset="CIFAR-100", method="DSR", network="PreAct-ResNet-18", neuron="LIF", T=20, acc=78.50, note=""),
    dict(dataset="CIFAR-100", method="GLIF", network="ResNet-18", neuron="GLIF", T=6, acc=77.28, note=""),
    dict(dataset="CIFAR-100", method="SML", network="ResNet-18", neuron="LIF", T=6, acc=78.00, note=""),
    dict(dataset="CIFAR-100", method="ASGL*", network="ResNet-18", neuron="LIF", T=4, acc=77.74, note=""),
    dict(dataset="CIFAR-100", method="Ours", network="ResNet-18", neuron="CLIF", T=4, acc=77.00, note=""),
    dict(dataset="CIFAR-100", method="Ours*", network="ResNet-18", neuron="CLIF", T=4, acc=79.69, note=""),
    dict(dataset="CIFAR-100", method="Ours", network="ResNet-18", neuron="CLIF", T=6, acc=78.36, note=""),
    dict(dataset="CIFAR-100", method="Ours*", network="ResNet-18", neuron="CLIF", T=6, acc=80.58, note=""),
    dict(dataset="CIFAR-100", method="Ours", network="ResNet-18", neuron="CLIF", T=8, acc=78.99, note=""),
    dict(dataset="CIFAR-100", method="Ours*", network="ResNet-18", neuron="CLIF", T=8, acc=80.89, note=""),
    # Tiny-ImageNet
    dict(dataset="Tiny-ImageNet", method="ANN", network="VGG-13", neuron="ReLU", T=1, acc=59.77, note=""),
    dict(dataset="Tiny-ImageNet", method="Online LTL (NeurIPS'22)", network="VGG-13", neuron="LIF", T=16,
         acc=55.37, note=""),
    dict(dataset="Tiny-ImageNet", method="Joint A-SNN (Pattern Recognit.'23)", network="VGG-16", neuron="LIF",
         T=4, acc=55.39, note=""),
    dict(dataset="Tiny-ImageNet", method="ASGL (ICML'23)", network="VGG-13", neuron="LIF", T=8, acc=56.81,
         note=""),
    dict(dataset="Tiny-ImageNet", method="Ours", network="VGG-13", neuron="CLIF", T=4, acc=63.16, note=""),
    dict(dataset="Tiny-ImageNet", method="Ours", network="VGG-13", neuron="CLIF", T=6, acc=64.13, note=""),
]

# clif.md §3.5, Table 2 (neuromorphic). ¹ inside the Spike-Driven Transformer code; ² inside the PSN code.
CLIF_TABLE2: list[dict[str, Any]] = [
    dict(dataset="DVS-Gesture", method="PLIF (ICCV'21)", network="PLIF Net", neuron="PLIF", T=20, acc=97.57,
         note=""),
    dict(dataset="DVS-Gesture", method="KLIF (arXiv'23)", network="Modified PLIF Net", neuron="KLIF", T=12,
         acc=94.10, note=""),
    dict(dataset="DVS-Gesture", method="Ours", network="Spiking-VGG11", neuron="LIF", T=20, acc=97.57, note=""),
    dict(dataset="DVS-Gesture", method="Ours", network="Spiking-VGG11", neuron="CLIF", T=20, acc=97.92, note=""),
    dict(dataset="DVS-Gesture", method="Ours", network="Spike-Driven-Transformer", neuron="LIF", T=16, acc=98.26,
         note="¹ run inside the Spike-Driven Transformer code"),
    dict(dataset="DVS-Gesture", method="Ours", network="Spike-Driven-Transformer", neuron="CLIF", T=16,
         acc=99.31, note="¹ run inside the Spike-Driven Transformer code"),
    dict(dataset="DVS-CIFAR10", method="PLIF", network="PLIF Net", neuron="PLIF", T=20, acc=74.80,
         note="OCR merged the PLIF and KLIF cells; 74.80 assigned to PLIF"),
    dict(dataset="DVS-CIFAR10", method="KLIF", network="Modified PLIF Net", neuron="KLIF", T=15, acc=70.90,
         note=""),
    dict(dataset="DVS-CIFAR10", method="GLIF (NeurIPS'22)", network="7B-wideNet", neuron="GLIF", T=16,
         acc=78.10, note=""),
    dict(dataset="DVS-CIFAR10", method="PSN (NeurIPS'23)", network="VGGSNN", neuron="PSN", T=10, acc=85.90,
         note=""),
    dict(dataset="DVS-CIFAR10", method="Ours", network="Spiking-VGG11", neuron="LIF", T=10, acc=78.05,
         note="⚠ OCR shows T=16; code and Table 6 use 10. 78.05 is not k/1000 (maybe a mean)"),
    dict(dataset="DVS-CIFAR10", method="Ours", network="Spiking-VGG11", neuron="CLIF", T=10, acc=79.00,
         note="⚠ OCR shows T=16; code and Table 6 use 10"),
    dict(dataset="DVS-CIFAR10", method="Ours", network="VGGSNN", neuron="LIF", T=10, acc=84.90,
         note="² run inside the PSN code with augmentation"),
    dict(dataset="DVS-CIFAR10", method="Ours", network="VGGSNN", neuron="CLIF", T=10, acc=86.10,
         note="² run inside the PSN code with augmentation"),
]

# clif.md §3.5, Table 3 (App. C; Fig. 6): LIF accuracy against τ (keys of the inner dicts) and truncation length
# k_trunc (outer keys; the paper's k). (a) CIFAR-10 ResNet-18 T=6; (b) DVS-Gesture VGG-11 T=20.
CLIF_TABLE3: dict[str, dict[int, dict[float, float]]] = {
    "CIFAR-10": {
        1: {1.1: 92.89, 1.3: 90.34, 1.5: 87.27, 1.8: 82.77, 2.0: 80.71},
        2: {1.1: 93.86, 1.3: 93.91, 1.5: 92.82, 1.8: 91.09, 2.0: 89.07},
        3: {1.1: 94.24, 1.3: 94.36, 1.5: 94.12, 1.8: 93.31, 2.0: 93.01},
        4: {1.1: 94.45, 1.3: 94.61, 1.5: 94.64, 1.8: 94.09, 2.0: 93.43},
        5: {1.1: 94.73, 1.3: 94.69, 1.5: 94.70, 1.8: 94.23, 2.0: 94.06},
        6: {1.1: 94.80, 1.3: 94.86, 1.5: 94.94, 1.8: 94.36, 2.0: 93.73},
    },
    "DVS-Gesture": {
        1: {1.1: 96.88, 1.3: 97.22, 1.5: 95.83, 1.8: 95.49, 2.0: 96.53},
        4: {1.1: 97.57, 1.3: 97.92, 1.5: 97.22, 1.8: 96.53, 2.0: 96.53},
        8: {1.1: 97.57, 1.3: 97.57, 1.5: 97.22, 1.8: 97.57, 2.0: 97.22},
        12: {1.1: 97.22, 1.3: 97.57, 1.5: 97.22, 1.8: 97.22, 2.0: 97.57},
        16: {1.1: 97.57, 1.3: 97.57, 1.5: 97.92, 1.8: 97.22, 2.0: 97.57},
        20: {1.1: 97.57, 1.3: 97.57, 1.5: 97.92, 1.8: 97.57, 2.0: 97.22},
    },
}

# clif.md §3.5, Table 4 (App. C training settings of the Table 3 ablation).
CLIF_TABLE4: list[dict[str, Any]] = [
    dict(dataset="CIFAR-10", network="ResNet-18", T=6, epochs=200, batch_size=128, optimizer="SGD", lr=0.1,
         weight_decay=5e-5, dropout=0.0),
    dict(dataset="DVS-Gesture", network="VGG-11", T=20, epochs=300, batch_size=16, optimizer="SGD", lr=0.1,
         weight_decay=5e-4, dropout=0.4),
]

# clif.md §3.4, Table 5 (defaults per dataset). dropout None = not given ("–").
CLIF_TABLE5: list[dict[str, Any]] = [
    dict(dataset="CIFAR-10", network="ResNet-18", T=6, optimizer="SGD", weight_decay=5e-5, batch_size=128,
         epochs=200, lr=0.1, dropout=0.0, note="T 4/6/8 in Table 1"),
    dict(dataset="CIFAR-100", network="ResNet-18", T=6, optimizer="SGD", weight_decay=5e-4, batch_size=128,
         epochs=200, lr=0.1, dropout=None, note="T 4/6/8 in Table 1"),
    dict(dataset="Tiny-ImageNet", network="VGG-13", T=6, optimizer="SGD", weight_decay=5e-4, batch_size=256,
         epochs=300, lr=0.1, dropout=None, note="T 4/6"),
    dict(dataset="DVS-CIFAR10", network="VGG-11", T=10, optimizer="SGD", weight_decay=5e-4, batch_size=128,
         epochs=300, lr=0.05, dropout=None, note="dropout 0.3 in the code"),
    dict(dataset="DVS-Gesture", network="VGG-11", T=20, optimizer="SGD", weight_decay=5e-4, batch_size=16,
         epochs=300, lr=0.1, dropout=0.4, note=""),
]

# clif.md §3.5, Table 6: SOP energy over the whole test set, SOP energy (µJ) = 0.9·ACs(M) + 4.6·MACs(M).
# Row order as printed (CLIF before LIF). params in M, ACs/MACs in millions, energy in µJ.
CLIF_TABLE6: list[dict[str, Any]] = [
    dict(task="CIFAR-10", network="ResNet-18", neuron="ReLU", T=1, params_M=11.2, ACs_M=0.0, MACs_M=557.65,
         energy_uJ=2565.19),
    dict(task="CIFAR-10", network="ResNet-18", neuron="CLIF", T=6, params_M=11.2, ACs_M=68.66, MACs_M=5.12,
         energy_uJ=85.346),
    dict(task="CIFAR-10", network="ResNet-18", neuron="LIF", T=6, params_M=11.2, ACs_M=84.86, MACs_M=2.89,
         energy_uJ=89.668),
    dict(task="CIFAR-100", network="ResNet-18", neuron="ReLU", T=1, params_M=11.2, ACs_M=0.0, MACs_M=557.7,
         energy_uJ=2565.42),
    dict(task="CIFAR-100", network="ResNet-18", neuron="CLIF", T=6, params_M=11.2, ACs_M=55.58, MACs_M=5.16,
         energy_uJ=73.758),
    dict(task="CIFAR-100", network="ResNet-18", neuron="LIF", T=6, params_M=11.2, ACs_M=60.28, MACs_M=2.93,
         energy_uJ=67.73),
    dict(task="Tiny-ImageNet", network="VGG-13", neuron="ReLU", T=1, params_M=14.4, ACs_M=0.0, MACs_M=922.56,
         energy_uJ=4243.776),
    dict(task="Tiny-ImageNet", network="VGG-13", neuron="CLIF", T=6, params_M=14.4, ACs_M=102.1, MACs_M=282.83,
         energy_uJ=1392.908),
    dict(task="Tiny-ImageNet", network="VGG-13", neuron="LIF", T=6, params_M=14.4, ACs_M=135.25, MACs_M=278.84,
         energy_uJ=1404.389),
    dict(task="DVS-Gesture", network="VGG-11", neuron="CLIF", T=20, params_M=9.5, ACs_M=19.16, MACs_M=1090.0,
         energy_uJ=5031.244),
    dict(task="DVS-Gesture", network="VGG-11", neuron="LIF", T=20, params_M=9.5, ACs_M=25.09, MACs_M=1080.0,
         energy_uJ=4990.581),
    dict(task="DVS-CIFAR10", network="VGG-11", neuron="CLIF", T=10, params_M=9.5, ACs_M=12.02, MACs_M=153.87,
         energy_uJ=718.62),
    dict(task="DVS-CIFAR10", network="VGG-11", neuron="LIF", T=10, params_M=9.5, ACs_M=14.65, MACs_M=152.5,
         energy_uJ=714.685),
]

# clif.md §3.5, Table 7: total energy with the Lemaire et al. 2022 model. Row order ANN, LIF, CLIF (the verified
# assignment; the reverse of Table 6's CLIF/LIF order). Energies in mJ except addressing in µJ.
CLIF_TABLE7_COLUMNS: tuple[str, ...] = ("membrane_mJ", "params_mJ", "inout_mJ", "ops_mJ", "addr_uJ", "total_mJ")
CLIF_TABLE7: list[dict[str, Any]] = [
    dict(task="CIFAR-10", model="ANN", membrane_mJ=0.0, params_mJ=54.9688, inout_mJ=54.9357, ops_mJ=1.7573,
         addr_uJ=0.1145, total_mJ=111.6619),
    dict(task="CIFAR-10", model="LIF", membrane_mJ=22.9987, params_mJ=11.4994, inout_mJ=0.0013, ops_mJ=0.0190,
         addr_uJ=12.1394, total_mJ=34.5304),
    dict(task="CIFAR-10", model="CLIF", membrane_mJ=55.5172, params_mJ=9.2529, inout_mJ=0.0007, ops_mJ=0.0389,
         addr_uJ=19.5184, total_mJ=64.8293),
    dict(task="CIFAR-100", model="ANN", membrane_mJ=0.0, params_mJ=54.9735, inout_mJ=54.9357, ops_mJ=1.7574,
         addr_uJ=0.1145, total_mJ=111.6667),
    dict(task="CIFAR-100", model="LIF", membrane_mJ=16.8666, params_mJ=8.4337, inout_mJ=0.0004, ops_mJ=0.0171,
         addr_uJ=8.8427, total_mJ=25.3267),
    dict(task="CIFAR-100", model="CLIF", membrane_mJ=46.8265, params_mJ=7.8048, inout_mJ=0.0004, ops_mJ=0.0380,
         addr_uJ=16.4053, total_mJ=54.6861),
    dict(task="Tiny-ImageNet", model="ANN", membrane_mJ=0.0, params_mJ=91.9065, inout_mJ=91.3834, ops_mJ=2.9379,
         addr_uJ=0.1686, total_mJ=186.2279),
    dict(task="Tiny-ImageNet", model="LIF", membrane_mJ=37.7700, params_mJ=18.9076, inout_mJ=0.0050,
         ops_mJ=1.1754, addr_uJ=19.8379, total_mJ=57.8778),
    dict(task="Tiny-ImageNet", model="CLIF", membrane_mJ=84.8900, params_mJ=14.1756, inout_mJ=0.0028,
         ops_mJ=1.0986, addr_uJ=29.7983, total_mJ=100.1968),
    dict(task="DVS-CIFAR10", model="LIF", membrane_mJ=5.7398, params_mJ=2.8701, inout_mJ=0.0003, ops_mJ=0.0212,
         addr_uJ=2.9340, total_mJ=8.6343),
    dict(task="DVS-CIFAR10", model="CLIF", membrane_mJ=14.0891, params_mJ=2.3484, inout_mJ=0.0002,
         ops_mJ=0.0451, addr_uJ=4.7976, total_mJ=16.4876),
    dict(task="DVS-Gesture", model="LIF", membrane_mJ=13.9212, params_mJ=6.9606, inout_mJ=0.0003, ops_mJ=0.1682,
         addr_uJ=7.0728, total_mJ=21.0574),
    dict(task="DVS-Gesture", model="CLIF", membrane_mJ=38.3082, params_mJ=6.3848, inout_mJ=0.0003,
         ops_mJ=0.4794, addr_uJ=12.9767, total_mJ=45.1856),
]

# clif.md §3.5, Table 8 (also in the README): a trained ResNet-18 (T=6) deployed with plain LIF neurons.
# Columns: reset used at deployment ("soft" = no hard reset; numbers = hard reset value V_reset).
CLIF_TABLE8: list[dict[str, Any]] = [
    dict(dataset="CIFAR-10", trained_with="CLIF", trained_acc=95.41, soft=92.95, hard_0=93.41, hard_m0_02=94.18,
         hard_m0_04=94.54, hard_m0_06=95.08, hard_m0_08=94.84, hard_m0_1=94.72),
    dict(dataset="CIFAR-10", trained_with="LIF", trained_acc=94.51, soft=94.51, hard_0=84.05, hard_m0_02=76.68,
         hard_m0_04=66.08, hard_m0_06=52.16, hard_m0_08=38.00, hard_m0_1=27.04),
    dict(dataset="CIFAR-100", trained_with="CLIF", trained_acc=78.36, soft=68.72, hard_0=73.04, hard_m0_02=74.64,
         hard_m0_04=76.63, hard_m0_06=76.55, hard_m0_08=77.00, hard_m0_1=76.54),
    dict(dataset="CIFAR-100", trained_with="LIF", trained_acc=76.23, soft=76.23, hard_0=47.74, hard_m0_02=37.04,
         hard_m0_04=27.56, hard_m0_06=19.83, hard_m0_08=13.22, hard_m0_1=8.77),
]
#: Table 8 column name -> V_reset used at deployment (None = soft reset).
CLIF_TABLE8_RESETS: dict[str, float | None] = {
    "soft": None, "hard_0": 0.0, "hard_m0_02": -0.02, "hard_m0_04": -0.04, "hard_m0_06": -0.06,
    "hard_m0_08": -0.08, "hard_m0_1": -0.1,
}

# clif.md §3.5 (Table 8 text) and §3.7 Fig. 3/4: LIF baselines at T=6 without augmentation.
CLIF_LIF_BASELINES: dict[str, float] = {"CIFAR-10": 94.51, "CIFAR-100": 76.23}

# clif.md §3.7 Fig. 3(b): known points. At T=1 LIF and CLIF both score 92.7 % (CIFAR-10, ResNet-18).
CLIF_FIG3_KNOWN: list[dict[str, Any]] = [
    dict(neuron="LIF", T=1, acc=92.7), dict(neuron="CLIF", T=1, acc=92.7),
    dict(neuron="CLIF", T=4, acc=94.89), dict(neuron="CLIF", T=6, acc=95.41), dict(neuron="CLIF", T=8, acc=95.68),
    dict(neuron="LIF", T=6, acc=94.51),
]

# clif.md §3.6: per-layer firing rates in % from the repo's calculating_energy.py (used by Table 7, very probably
# the data of Fig. 11). One entry per spiking layer in forward order (ResNet-18: 17; VGG-13: 10; VGG-11: 8).
CLIF_FIRING_RATES: dict[str, dict[str, list[float]]] = {
    "CIFAR-10": {
        "CLIF": [24.552, 17.135, 17.304, 13.42, 18.855, 15.632, 15.024, 8.242, 13.895, 12.87, 10.686, 7.517, 8.341,
                 7.368, 2.895, 4.127, 3.685],
        "LIF": [27.828, 19.727, 23.881, 17.381, 25.658, 19.541, 18.871, 9.919, 17.236, 14.486, 12.91, 8.546, 9.847,
                8.887, 4.845, 6.161, 4.651],
    },
    "CIFAR-100": {
        "CLIF": [20.606, 12.596, 12.614, 9.659, 15.608, 12.062, 11.114, 7.435, 13.702, 10.801, 8.062, 6.885, 8.734,
                 6.068, 2.841, 3.747, 11.773],
        "LIF": [17.861, 10.554, 12.224, 12.212, 15.801, 14.979, 13.228, 7.799, 14.914, 12.335, 9.982, 6.734, 10.328,
                7.609, 4.158, 5.472, 15.007],
    },
    "Tiny-ImageNet": {
        "CLIF": [25.339, 16.132, 15.492, 12.749, 12.49, 9.638, 10.632, 7.403, 12.791, 8.153],
        "LIF": [29.265, 22.261, 22.562, 19.926, 18.289, 13.737, 14.664, 10.071, 17.244, 9.031],
    },
    "DVS-Gesture": {
        "CLIF": [4.55, 2.29, 1.242, 1.726, 1.058, 0.909, 0.937, 0.408],
        "LIF": [4.353, 2.384, 1.564, 1.903, 1.528, 1.174, 1.17, 0.211],
    },
    "DVS-CIFAR10": {
        "CLIF": [7.115, 7.113, 8.237, 5.674, 4.843, 2.277, 2.075, 1.543],
        "LIF": [8.66, 9.285, 10.229, 7.347, 5.989, 3.562, 2.028, 1.132],
    },
}

# clif.md §3.6: layer means of the vectors above, in %, as printed in the spec.
CLIF_FIRING_RATE_MEANS: dict[str, dict[str, float]] = {
    "CIFAR-10": {"CLIF": 11.86, "LIF": 14.73},
    "CIFAR-100": {"CLIF": 10.25, "LIF": 11.25},
    "Tiny-ImageNet": {"CLIF": 13.08, "LIF": 17.71},
    "DVS-Gesture": {"CLIF": 1.64, "LIF": 1.79},
    "DVS-CIFAR10": {"CLIF": 4.86, "LIF": 6.03},
}

# clif.md §3.6 ("Timestep" of calculating_energy.py) and §3.4: T of each Table 6/7 task.
CLIF_TIMESTEPS: dict[str, int] = {
    "CIFAR-10": 6, "CIFAR-100": 6, "Tiny-ImageNet": 6, "DVS-CIFAR10": 10, "DVS-Gesture": 20,
}

# ---------------------------------------------------------------------------------------------------------------
# KLIF (Jiang & Zhang, arXiv 2302.09238), klif.md
# ---------------------------------------------------------------------------------------------------------------

# klif.md §3.4: KLIF as reported in the paper, second-hand via the CLIF paper (OCR'd; quoted, not checked).
KLIF_REPORTED: list[dict[str, Any]] = [
    dict(dataset="CIFAR-10", network="Modified PLIF Net", neuron="KLIF", T=10, acc=92.52),
    dict(dataset="DVS128-Gesture", network="Modified PLIF Net", neuron="KLIF", T=12, acc=94.10),
    dict(dataset="CIFAR10-DVS", network="Modified PLIF Net", neuron="KLIF", T=15, acc=70.90),
]

# klif.md §3.4: reference numbers for comparison methods, first-hand from the PLIF repo README (accuracy-A, max
# pooling). T = 8 static, 10 N-MNIST, 20 DVS. These are PLIF's numbers, not the KLIF paper's.
KLIF_PLIF_REFERENCE: list[dict[str, Any]] = [
    dict(neuron="PLIF, tau0=2", MNIST=99.72, FashionMNIST=94.38, CIFAR10=93.50, NMNIST=99.61, CIFAR10DVS=74.80,
         DVS128Gesture=97.57),
    dict(neuron="PLIF, tau0=16", MNIST=99.73, FashionMNIST=94.65, CIFAR10=93.23, NMNIST=99.53, CIFAR10DVS=70.5,
         DVS128Gesture=92.01),
    dict(neuron="LIF, tau=2", MNIST=99.69, FashionMNIST=94.17, CIFAR10=93.03, NMNIST=99.64, CIFAR10DVS=73.6,
         DVS128Gesture=96.88),
    dict(neuron="LIF, tau=16", MNIST=99.49, FashionMNIST=94.47, CIFAR10=47.5, NMNIST=99.15, CIFAR10DVS=62.4,
         DVS128Gesture=76.74),
    dict(neuron="PLIF tau0=2, avg pool", MNIST=99.71, FashionMNIST=94.74, CIFAR10=93.3, NMNIST=99.66,
         CIFAR10DVS=72.7, DVS128Gesture=97.22),
]

# klif.md §3.4: independent re-evaluation in the PSN repo (sequential CIFAR, T=32; max test accuracy over 256 epochs).
KLIF_PSN_REEVALUATION: list[dict[str, Any]] = [
    dict(neuron="LIF (soft reset, detach)", sCIFAR10=79.85, sCIFAR100=52.74),
    dict(neuron="PLIF", sCIFAR10=83.49, sCIFAR100=57.55),
    dict(neuron="KLIF", sCIFAR10=83.26, sCIFAR100=57.37),
    dict(neuron="GLIF", sCIFAR10=83.66, sCIFAR100=58.92),
]

# klif.md §2.3: numerical check of the effective-surrogate closed forms (Sigmoid α=4, V_th=1). The spec's own
# numbers (numpy grid), not the paper's.
KLIF_CLOSED_FORM_TABLE: list[dict[str, float]] = [
    dict(k=0.5, peak_location=2.0000, peak_height=0.5000, fwhm=1.7627, area=0.9820, height_at_0=0.0353),
    dict(k=1.0, peak_location=1.0000, peak_height=1.0000, fwhm=0.8814, area=0.9820, height_at_0=0.0707),
    dict(k=1.5, peak_location=0.6667, peak_height=1.5000, fwhm=0.5876, area=0.9820, height_at_0=0.1060),
    dict(k=2.0, peak_location=0.5000, peak_height=2.0000, fwhm=0.4407, area=0.9820, height_at_0=0.1413),
    dict(k=4.0, peak_location=0.2500, peak_height=4.0000, fwhm=0.2203, area=0.9820, height_at_0=0.2826),
]

# klif.md §1.2: the spec's worked forward trace [DERIVED] (one neuron, τ=2, decay_input=True, V_th=1, k=1.5,
# V[0] = V_reset = 0), values for t = 1…5 rounded to 4 decimals as printed in the spec. The spec's numbers, not the
# paper's.
KLIF_WORKED_TRACE: dict[str, Any] = dict(
    k=1.5, tau=2.0, v_threshold=1.0, decay_input=True, X=[1.0, 0.6, 1.8, -0.4, 1.2],
    variants=[
        dict(reset="hard", scale_reset=False, H=[.5000, .6750, .9000, -.2000, .6000],
             F=[.7500, 1.0125, 1.3500, 0, .9000], S=[0, 1, 1, 0, 0], V=[.7500, 0, 0, 0, .9000]),
        dict(reset="soft", scale_reset=False, H=[.5000, .6750, .9063, -.0203, .6000],
             F=[.7500, 1.0125, 1.3594, 0, .9000], S=[0, 1, 1, 0, 0], V=[.7500, .0125, .3594, 0, .9000]),
        dict(reset="hard", scale_reset=True, H=[.5000, .5500, 1.1750, -.2000, .6000],
             F=[.7500, .8250, 1.7625, 0, .9000], S=[0, 0, 1, 0, 0], V=[.5000, .5500, 0, 0, .6000]),
        dict(reset="soft", scale_reset=True, H=[.5000, .5500, 1.1750, .0542, .6271],
             F=[.7500, .8250, 1.7625, .0813, .9406], S=[0, 0, 1, 0, 0], V=[.5000, .5500, .5083, .0542, .6271]),
    ],
)

# ---------------------------------------------------------------------------------------------------------------
# ILIF (Sun et al., arXiv 2505.10371): the paper's numbers are unknown; these are the spec's simulations.
# ---------------------------------------------------------------------------------------------------------------

# ilif.md §2.3 item 3 [INFERENCE]: the spec's simulation (inputs N(0.8, 0.6²), T=6, untrained, rectangle surrogate
# of width γ, V_th=1): fraction of H in the window and mean |∂H[t+1]/∂H[t]| over in-window neurons. Its ILIF column
# was simulated with d max(A, 0)/dA = 1{A > 0}, which ilif.md §1.5 has since corrected to 1{A ≥ 0} (snnlab's rule):
# analysis.ilif_gamma_table gives the corrected values (up to 5 % away; tests/test_analysis.py).
ILIF_TEMPORAL_FACTOR_TABLE: list[dict[str, float]] = [
    dict(tau=1.1, gamma=0.25, fraction_in_window=0.159, LIF=0.2727, ILIF=0.5463),
    dict(tau=1.1, gamma=0.5, fraction_in_window=0.311, LIF=0.0909, ILIF=0.2356),
    dict(tau=1.1, gamma=1.0, fraction_in_window=0.577, LIF=0.0000, ILIF=0.0787),
    dict(tau=1.1, gamma=2.0, fraction_in_window=0.891, LIF=0.0455, ILIF=0.0162),
    dict(tau=1.1, gamma=4.0, fraction_in_window=0.999, LIF=0.0682, ILIF=0.0433),
    dict(tau=2.0, gamma=0.5, fraction_in_window=0.308, LIF=0.5000, ILIF=1.0977),
    dict(tau=2.0, gamma=1.0, fraction_in_window=0.572, LIF=0.0000, ILIF=0.3368),
    dict(tau=2.0, gamma=2.0, fraction_in_window=0.887, LIF=0.2500, ILIF=0.0666),
    dict(tau=2.0, gamma=4.0, fraction_in_window=0.998, LIF=0.3750, ILIF=0.2555),
]

# ilif.md §1.6: forward-only firing rates (200k neurons, no training), static input drawn from N(μ, 1).
ILIF_FORWARD_FIRING_RATES: list[dict[str, Any]] = [
    dict(tau=1.1, mu=1.0, input="static", T=None, LIF=0.518, ILIF=0.502),
    dict(tau=2.0, mu=1.0, input="static", T=None, LIF=0.592, ILIF=0.523),
    dict(tau=2.0, mu=1.5, input="iid", T=20, LIF=0.840, ILIF=0.698),
]

# ilif.md §1.6: the spec's reference traces (an independent numpy transcription of §1.3; one neuron, V_th = 1,
# soft reset, κ_I = 0.03, κ_M = 1), rounded to 6 decimals as printed. The spec's numbers, not the paper's. For
# τ = 1.1 the spec prints only S (both neurons), the LIF V and the ILIF M and V.
ILIF_REFERENCE_TRACES: list[dict[str, Any]] = [
    dict(tau=2.0, X=[1.2, 1.2, 1.2, 1.2, 0.3, 2.5],
         LIF=dict(H=[1.2, 1.3, 1.35, 1.375, 0.4875, 2.74375], S=[1, 1, 1, 1, 0, 1],
                  V=[0.2, 0.3, 0.35, 0.375, 0.4875, 1.74375]),
         ILIF=dict(A=[0.0, 0.036, 0.00108, 0.036032, 0.037081, 0.001112],
                   H=[1.2, 0.989083, 1.693462, 1.155896, -0.029459, 2.484158], S=[1, 0, 1, 1, 0, 1],
                   M=[0.2, 0.2, 0.893462, 1.049358, 1.049358, 2.533516],
                   V=[-0.349834, 0.989083, -0.016142, -0.584755, -0.029459, 0.5577])),
    dict(tau=1.1, X=[1.2, 1.2, 1.2, 1.2, 0.3, 2.5],
         LIF=dict(S=[1, 1, 1, 1, 0, 1], V=[0.2, 0.218182, 0.219835, 0.219985, 0.319999, 1.529091]),
         ILIF=dict(S=[1, 1, 1, 1, 0, 1], M=[0.2, 0.332197, 0.454199, 0.572574, 0.572574, 2.091054],
                   V=[-0.349834, -0.450097, -0.489635, -0.520982, 0.215525, 0.628449])),
]

# ilif.md §3.6b [AUTHORS' REVIEW CODE]: the per-layer firing rates (%) in the ILIF authors' ``energy_cal.py``
# (anonymous-ijcai1234/ILIF), LIF vs ILIF, first spiking layer to last (ResNet-18: 17 layers; VGG-11: 8). Keys are
# the tasks of snnlab.energy.CLIF_ENERGY_NETWORKS (the same layer lists: ResNet-18 17 convs + FC, VGG-11 at 2×48×48
# and 2×128×128 with FC 25088 → classes). Their numbers, one trained network per neuron and task.
ILIF_FIRING_RATES: dict[str, dict[str, list[float]]] = {
    "CIFAR-10": {
        "ILIF": [26.220, 18.600, 16.571, 13.739, 19.376, 15.540, 15.299, 8.492, 13.584, 12.831, 10.616, 7.050, 7.259,
                 6.929, 5.068, 4.902, 3.127],
        "LIF": [28.665, 20.232, 19.962, 16.252, 22.376, 18.391, 17.267, 8.834, 15.010, 13.748, 12.336, 8.140, 9.659,
                9.108, 5.598, 6.649, 4.742],
    },
    "CIFAR-100": {
        "ILIF": [19.727, 10.242, 10.399, 10.920, 15.569, 13.471, 11.949, 6.813, 15.342, 10.395, 7.733, 6.829, 7.834,
                 4.770, 3.116, 4.474, 11.213],
        "LIF": [18.134, 9.223, 10.650, 11.705, 15.850, 13.851, 13.164, 5.945, 17.006, 10.682, 8.649, 5.603, 9.487,
                5.644, 3.814, 5.010, 16.382],
    },
    "DVS-Gesture": {
        "ILIF": [4.351, 2.274, 1.428, 1.733, 1.067, 0.878, 0.895, 0.231],
        "LIF": [5.096, 2.372, 1.724, 2.134, 1.682, 1.147, 1.400, 0.438],
    },
    "DVS-CIFAR10": {
        "ILIF": [8.411, 6.763, 8.155, 5.413, 4.748, 2.136, 2.311, 1.237],
        "LIF": [7.820, 8.173, 9.246, 7.140, 5.676, 3.561, 2.816, 2.146],
    },
}
#: ilif.md §3.6b / §3.1: T of each task in the authors' energy script (the README's training T).
ILIF_TIMESTEPS: dict[str, int] = {"CIFAR-10": 6, "CIFAR-100": 6, "DVS-Gesture": 20, "DVS-CIFAR10": 10}

# ---------------------------------------------------------------------------------------------------------------

TABLES: dict[str, Any] = {
    "clif_table1": CLIF_TABLE1, "clif_table2": CLIF_TABLE2, "clif_table4": CLIF_TABLE4,
    "clif_table5": CLIF_TABLE5, "clif_table6": CLIF_TABLE6, "clif_table7": CLIF_TABLE7,
    "clif_table8": CLIF_TABLE8, "clif_fig3_known": CLIF_FIG3_KNOWN, "klif_reported": KLIF_REPORTED,
    "klif_plif_reference": KLIF_PLIF_REFERENCE, "klif_psn_reevaluation": KLIF_PSN_REEVALUATION,
    "klif_closed_form_table": KLIF_CLOSED_FORM_TABLE, "ilif_temporal_factor_table": ILIF_TEMPORAL_FACTOR_TABLE,
    "ilif_forward_firing_rates": ILIF_FORWARD_FIRING_RATES,
}


def table(name: str):
    """Return one of the tables above as a ``pandas.DataFrame``.

    ``name`` is a key of :data:`TABLES`, or ``"clif_table3_cifar10"`` / ``"clif_table3_gesture"`` (rows k_trunc,
    columns τ) or ``"clif_firing_rates"`` (long format: task, neuron, layer, rate_percent).
    """
    import pandas as pd

    if name in TABLES:
        return pd.DataFrame(TABLES[name])
    if name in ("clif_table3_cifar10", "clif_table3_gesture"):
        grid = CLIF_TABLE3["CIFAR-10" if name.endswith("cifar10") else "DVS-Gesture"]
        df = pd.DataFrame.from_dict(grid, orient="index")
        df.index.name, df.columns.name = "k_trunc", "tau"
        return df
    if name == "clif_firing_rates":
        rows = [dict(task=task, neuron=neuron, layer=i + 1, rate_percent=r)
                for task, d in CLIF_FIRING_RATES.items() for neuron, v in d.items() for i, r in enumerate(v)]
        return pd.DataFrame(rows)
    known = sorted([*TABLES, "clif_table3_cifar10", "clif_table3_gesture", "clif_firing_rates"])
    raise KeyError(f"table: name={name!r} is not known; expected one of {known}")
