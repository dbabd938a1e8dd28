"""Configuration: ``RunConfig`` (one frozen record of everything that determines a training run's numbers), the
list of profiles and the parser of ``key=value`` assignments shared by ``python -m snnlab train --set`` and
``python -m snnlab.nbrun -p``.

This module imports no other part of snnlab (every layer may import it: the training engine, the experiment
registry, the notebook runner); the names it validates against (losses, optimisers, schedules, profiles) are
defined here once and re-exported where they are used (``snnlab.losses.LOSS_NAMES``).

A run folder is ``runs_dir()/<name>-<hash[:10]>``; ``hash()`` is the SHA-256 of the canonical JSON of every
*hashed* field, so changing any value that affects results (model, neuron and its parameters, data and its
options, T, optimiser, schedule, loss, seed, AMP, truncation, subset sizes, the profile) names a new folder.
Fields that do not change the numbers (``NOT_HASHED``: data-loader workers, evaluation batch size, mid-epoch
checkpoint interval, progress display, device choice, notes) can be changed freely and a finished run is reused.

Neuron switch (CLIF Fig. 3a / Fig. 10): ``switch_neuron={"epoch": e, "neuron": "clif", "neuron_params": {...}}``
trains with ``neuron`` for epochs ``0 … e−1`` and then continues with the new neuron from epoch ``e`` on, keeping
the network weights, the optimiser state (momentum buffers) and the LR schedule; neurons without parameters
(LIF → CLIF) swap exactly. The prefix is trained inside the run; because training is deterministic on the CPU
it is identical to the plain LIF run's first ``e`` epochs (and when the plain run's folder holds the epoch-``e``
checkpoint, it is used instead of retraining the prefix, see ``snnlab.train``).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, fields
from typing import Any, Mapping, Optional

__all__ = ["RunConfig", "NOT_HASHED", "HASHED_IF_SET", "PROFILES", "PROFILE_HELP", "profile_chain", "LOSS_NAMES", "OPTIMIZERS",
           "SCHEDULES", "parse_value", "parse_assignments"]

#: The profiles, defined once (``snnlab.notebook``, ``snnlab.nbrun``, the Makefile's check and ``RunConfig.profile``
#: read this tuple; ``python -m snnlab.config --profiles`` prints it for the Makefile).
PROFILES = ("smoke", "quick", "paper", "paper-dryrun")
PROFILE_HELP = {
    "smoke": "CI-sized: seconds, synthetic or tiny data",
    "quick": "a 2-core CPU, real Fashion-MNIST and simulated event data, minutes",
    "paper": "a GPU, the real datasets, the papers' settings",
    "paper-dryrun": ("the paper code paths on the CPU: fake datasets in the real on-disk formats, every paper "
                     "config cut to one or two optimiser steps; runs and figures stamped as a dry run"),
}
#: Where a profile takes a value it does not set itself (``snnlab.notebook.pick``, ``profiles.yaml``): the dry run
#: uses the paper settings, the paper profile falls back to quick, quick to smoke.
_PROFILE_PARENT = {"paper-dryrun": "paper", "paper": "quick", "quick": "smoke", "smoke": None}
LOSS_NAMES = ("tet", "ce", "mse_rate", "ce_last")
#: a run name becomes a folder name under ``--out``: letters, digits and ``._+-``, not starting with a dot
NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}")
OPTIMIZERS = ("sgd", "adamw")
SCHEDULES = ("cosine", "cosine_steps", "constant")


def profile_chain(profile: str) -> tuple:
    """``profile`` and the profiles it falls back to, nearest first: ``paper-dryrun -> paper -> quick -> smoke``."""
    if profile not in _PROFILE_PARENT:
        raise ValueError(f"profile={profile!r} is not a profile; valid profiles: {', '.join(PROFILES)}")
    out = []
    while profile is not None:
        out.append(profile)
        profile = _PROFILE_PARENT[profile]
    return tuple(out)
NOT_HASHED = frozenset({"num_workers", "num_threads", "eval_batch_size", "checkpoint_every", "progress", "device",
                        "notes"})
# Fields that change the numbers but were added after runs existed: hashed only when they differ from this default,
# so that every earlier run keeps its folder. ``compile``: torch.compile (inductor) fuses and reorders the
# BatchNorm and loss arithmetic, so a compiled run differs from the eager one in the last bits and then in its
# spikes (tests/engine/test_config.py measures it); it is therefore part of the hash when True.
HASHED_IF_SET = {"compile": False}


@dataclass(frozen=True)
class RunConfig:
    """A training run. Every field is documented in ``docs``-style comments below; see the module docstring."""

    name: str = "run"                         # folder prefix (registry name)
    profile: str = "smoke"                    # smoke | quick | paper | paper-dryrun (PROFILES)
    # model
    model: str = "small_conv"                 # snnlab.models.MODEL_NAMES
    model_params: Mapping = field(default_factory=dict)   # e.g. dropout, bn_mode, channels
    neuron: str = "lif"                       # lif plif glif klif clif ilif | relu (ANN, T forced to 1)
    neuron_params: Mapping = field(default_factory=dict)  # tau, v_threshold, surrogate, width, ...
    # data
    dataset: str = "synthetic"                # snnlab.data name
    data_opts: Mapping = field(default_factory=dict)      # passed to snnlab.data.build (augmentation, ...)
    num_classes: Optional[int] = None         # None = from the dataset
    in_channels: Optional[int] = None         # None = from the dataset
    T: int = 4                                # time steps (1 for the ANN)
    train_subset: Optional[int] = None        # first n of a seeded permutation of the training set
    test_subset: Optional[int] = None
    # optimisation
    batch_size: int = 64                      # global batch size (split over DDP ranks)
    epochs: int = 1
    max_steps_per_epoch: Optional[int] = None
    optimizer: str = "sgd"                    # sgd (momentum, weight decay on all params) | adamw
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"                  # CosineAnnealingLR stepped per epoch | cosine_steps (stepped per
                                              # optimiser step, period t_max epochs of steps) | constant
    t_max: Optional[int] = None               # cosine period in epochs; None = epochs
    # loss
    loss: str = "tet"                         # tet | ce | mse_rate | ce_last (snnlab.losses)
    loss_lambda: float = 0.05
    loss_means: float = 1.0
    mse_target: str = "const"                 # const (MSE to loss_means) | onehot
    label_smoothing: float = 0.0
    # training mode
    seed: int = 2022
    amp: bool = False                         # autocast fp16 + GradScaler on CUDA; ignored on the CPU (tests run
                                              # it as bfloat16: snnlab.train.Trainer.cpu_amp_dtype)
    k_trunc: Optional[int] = None             # truncated BPTT window (None = full BPTT), snnlab.tbptt
    switch_neuron: Optional[Mapping] = None   # {"epoch": e, "neuron": name, "neuron_params": {...}}
    deterministic: Any = False                # True: torch.use_deterministic_algorithms; "cudnn": only the
                                              # authors' cudnn.deterministic/benchmark flags (seed_everything)
    compile: bool = False                     # torch.compile the network for training (hashed only when True:
                                              # compiled and eager training differ in the last bits, see HASHED_IF_SET)
    # not hashed
    num_workers: int = 0
    num_threads: Optional[int] = None         # torch CPU threads (None = torch's default); 1 is faster when the
                                              # CPU is oversubscribed (several runs at once)
    eval_batch_size: Optional[int] = None
    checkpoint_every: Optional[int] = None    # also checkpoint every n optimiser steps inside an epoch
    progress: str = "auto"                    # auto (tqdm on a TTY, one line per epoch otherwise) | bar | line | quiet
    device: str = "auto"                      # auto | cpu | cuda | cuda:N
    notes: str = ""

    # ------------------------------------------------------------------------------------------------------
    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in ("model_params", "neuron_params", "data_opts", "switch_neuron") and v is not None:
                if not isinstance(v, Mapping):
                    raise TypeError(f"RunConfig.{f.name} must be a dict, got {type(v).__name__}")
                set_(f.name, _freeze(v))
        for k in ("lr", "momentum", "weight_decay", "loss_lambda", "loss_means", "label_smoothing"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"RunConfig.{k} must be a number, got {v!r}")
            try:
                v = float(v)
            except OverflowError:  # an int beyond the float range
                v = math.inf
            if not math.isfinite(v):
                raise ValueError(f"RunConfig.{k} must be a finite number, got {v!r} (NaN, Infinity and values "
                                 "beyond the float range such as 1e400 are refused)")
            set_(k, v)
        if not isinstance(self.compile, bool):
            raise TypeError(f"RunConfig.compile must be true or false, got {self.compile!r}")
        if not isinstance(self.amp, bool):
            raise TypeError(f"RunConfig.amp must be true or false, got {self.amp!r} ({type(self.amp).__name__})")
        if not (isinstance(self.deterministic, bool) or self.deterministic == "cudnn"):
            raise TypeError(f"RunConfig.deterministic must be true, false or 'cudnn' (the authors' two cuDNN flags), "
                            f"got {self.deterministic!r} ({type(self.deterministic).__name__})")
        if not isinstance(self.name, str) or not NAME_PATTERN.fullmatch(self.name):
            raise ValueError(f"RunConfig.name must be 1-128 characters of letters, digits and '._+-', not starting "
                             f"with a dot (it names the run folder under --out), got {self.name!r}")
        for k in ("T", "batch_size", "epochs", "seed", "num_workers"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, int) or v < (0 if k in ("seed", "num_workers") else 1):
                raise ValueError(f"RunConfig.{k} must be a {'non-negative' if k in ('seed', 'num_workers') else 'positive'}"
                                 f" int, got {v!r}")
        for k in ("num_classes", "in_channels", "train_subset", "test_subset", "max_steps_per_epoch", "t_max",
                  "k_trunc", "eval_batch_size", "checkpoint_every", "num_threads"):
            v = getattr(self, k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise ValueError(f"RunConfig.{k} must be None or a positive int, got {v!r}")
        if self.profile not in PROFILES:
            raise ValueError(f"RunConfig.profile must be one of {PROFILES}, got {self.profile!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"RunConfig.optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"RunConfig.schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.loss not in LOSS_NAMES:
            raise ValueError(f"RunConfig.loss must be one of {LOSS_NAMES}, got {self.loss!r}")
        if self.mse_target not in ("const", "onehot"):
            raise ValueError(f"RunConfig.mse_target must be 'const' or 'onehot', got {self.mse_target!r}")
        if self.progress not in ("auto", "bar", "line", "quiet"):
            raise ValueError(f"RunConfig.progress must be auto|bar|line|quiet, got {self.progress!r}")
        if self.neuron == "relu" and self.k_trunc is not None:
            raise ValueError("k_trunc (truncated BPTT) needs a spiking neuron; the ReLU ANN runs with T = 1")
        sw = self.switch_neuron
        if sw is not None:
            unknown = set(sw) - {"epoch", "neuron", "neuron_params"}
            if unknown or "epoch" not in sw or "neuron" not in sw:
                raise ValueError("switch_neuron must be {'epoch': e, 'neuron': name[, 'neuron_params': {...}]}, got "
                                 f"{dict(sw)!r}")
            e = sw["epoch"]
            if isinstance(e, bool) or not isinstance(e, int) or not 0 < e < self.epochs:
                raise ValueError(f"switch_neuron['epoch'] must be an int in 1..epochs-1 = 1..{self.epochs - 1}, got {e!r}")
            if sw["neuron"] == "relu" or self.neuron == "relu":
                raise ValueError("switch_neuron swaps spiking neurons; the ReLU ANN cannot take part")

    def __hash__(self) -> int:
        return int(self.hash()[:15], 16)

    # ------------------------------------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        """Number of time steps actually simulated (1 for the ReLU ANN)."""
        return 1 if self.neuron == "relu" else self.T

    def to_dict(self, hashed_only: bool = False) -> dict:
        out = {}
        for f in fields(self):
            if hashed_only and f.name in NOT_HASHED:
                continue
            value = getattr(self, f.name)
            if hashed_only and f.name in HASHED_IF_SET and value == HASHED_IF_SET[f.name]:
                continue
            out[f.name] = _thaw(value)
        return out

    def hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of the hashed fields."""
        blob = json.dumps(self.to_dict(hashed_only=True), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    @property
    def run_name(self) -> str:
        return f"{self.name}-{self.hash()[:10]}"

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, indent=indent)

    @classmethod
    def from_dict(cls, data: Mapping) -> "RunConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"RunConfig: unknown fields {sorted(unknown)}; known fields: {sorted(known)}")
        return cls(**dict(data))

    @classmethod
    def from_json(cls, text: str) -> "RunConfig":
        return cls.from_dict(json.loads(text))

    def replace(self, **changes) -> "RunConfig":
        """A copy with ``changes``; keys may be dotted to set one entry of a dict field
        (``replace(**{"neuron_params.tau": 1.1})``)."""
        data = self.to_dict()
        known = {f.name for f in fields(self)}
        for key, value in changes.items():
            head, _, rest = key.partition(".")
            if head not in known:
                raise ValueError(f"RunConfig has no field {head!r} (from {key!r}); known fields: {sorted(known)}")
            if rest:
                target = data.get(head)
                target = {} if target is None else dict(target)
                node = target
                parts = rest.split(".")
                for p in parts[:-1]:
                    node[p] = dict(node.get(p) or {})
                    node = node[p]
                node[parts[-1]] = value
                data[head] = target
            else:
                data[head] = value
        return RunConfig.from_dict(data)


class _FrozenDict(dict):
    """A dict that refuses mutation (so a frozen RunConfig stays frozen) and is JSON-serialisable."""

    def _ro(self, *a, **k):
        raise TypeError("RunConfig dict fields are read-only; use config.replace(**{'field.key': value})")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _ro  # type: ignore[assignment]

    def __hash__(self):  # pragma: no cover - convenience
        return hash(json.dumps(_thaw(self), sort_keys=True))


def _freeze(v: Any) -> Any:
    if isinstance(v, Mapping):
        return _FrozenDict({str(k): _freeze(x) for k, x in v.items()})
    if isinstance(v, (list, tuple)):
        return tuple(_freeze(x) for x in v)
    return v


def _thaw(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {k: _thaw(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_thaw(x) for x in v]
    return v


def parse_value(text: str) -> Any:
    """The value of one ``key=value`` assignment (``--set`` and ``nbrun -p`` alike), tried in this order:

    1. JSON: numbers (``1e-3`` is the float 0.001, ``3`` the int 3), ``true``/``false``/``null``, quoted strings,
       lists and dicts (``[8,16]``, ``{"tau": 1.1}``);
    2. ``none``/``null``/``true``/``false`` in any case (``None``, ``True``);
    3. a Python int or float literal JSON does not take (``1.``, ``.5``, ``+3``, ``1_000``);
    4. a YAML flow list or dict (``[a, b]``, ``{quick: {T: [2, 4]}}``) when the text starts with ``[`` or ``{``;
    5. otherwise the text itself, as a string (``clif``, ``quick-klif-fmnist-{neuron}``).
    """
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    low = text.lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    if low not in ("inf", "+inf", "-inf", "nan", "infinity", "+infinity", "-infinity"):
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                pass
    if text[:1] in ("[", "{"):
        import yaml

        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"cannot parse {text!r} as a list or dict (JSON or YAML flow syntax, e.g. [8, 16] or "
                             f"{{tau: 1.1}}): {exc}") from None
        if isinstance(value, (dict, list)):
            return value
    return text


def parse_assignments(items, option: str = "--set") -> dict:
    """``["lr=0.05", "neuron_params.tau=1.1"]`` → ``{"lr": 0.05, "neuron_params.tau": 1.1}`` (values: ``parse_value``).

    ``option`` names the command-line option in error messages (``--set`` or ``-p``)."""
    out = {}
    for item in items or ():
        if not isinstance(item, str) or "=" not in item or not item.split("=", 1)[0].strip():
            raise ValueError(f"{option} expects key=value (e.g. lr=0.05, neuron_params.tau=1.1 or seeds=[0,1]), "
                             f"got {item!r}")
        key, value = item.split("=", 1)
        out[key.strip()] = parse_value(value)
    return out


if __name__ == "__main__":  # the Makefile reads the profile list from here
    import sys

    if sys.argv[1:] == ["--profiles"]:
        print(" ".join(PROFILES))
    else:
        sys.exit("usage: python -m snnlab.config --profiles")
