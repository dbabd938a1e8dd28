"""Statistics for the papers' claims: paired effects across seeds, 95 % intervals, three-state verdicts, the
smallest effect a design can detect, baseline sanity gates and the claims table.

**Design.** A seed fixes the initialisation and the data order of a run for every neuron, so two neurons trained
with the same seed form a *pair*; the effect of a comparison is the mean of the paired differences
``a[seed] − b[seed]`` over the seeds both were run with, with a Student-t interval (``paired_effect``; optionally a
bootstrap interval beside it). Runs that do not share seeds are compared with Welch's interval
(``unpaired_effect``).

**Verdicts** (``decide``). A claim has a direction: ``"greater"`` (the claim is ``effect > margin``) or ``"less"``
(``effect < margin``); ``margin`` is a signed threshold in the effect's units, 0 by default ("CLIF fires less than
LIF": effect = CLIF − LIF, direction ``less``; "CLIF matches the ANN within 0.5 points": effect = CLIF − ANN,
direction ``greater``, margin −0.5). With the two-sided 95 % interval ``[lo, hi]``:

* ``supported``    the interval lies entirely on the claimed side of the margin (greater: ``lo > margin``);
* ``contradicted`` it lies entirely on the other side (greater: ``hi < margin``);
* ``inconclusive`` it contains the margin. Such a verdict carries the *minimum detectable effect* (``mde``: the
  distance from the margin that this design, with the observed paired SD and n, detects with 80 % power in a
  one-sided test at 2.5 %) and the number of paired seeds that would decide the observed effect (``n_needed``).

Each of ``supported`` / ``contradicted`` is therefore called on null data at most 2.5 % of the time (one-sided).
A verdict needs at least ``MIN_SEEDS`` = 5 pairs: ``decide`` refuses fewer (``InsufficientSeeds``), unless asked
(``on_few="inconclusive"``) to return an explicit ``inconclusive`` with reason ``"n < 5"``.

Claims that follow from the equations are ``identity`` rows (``Claim.identity``): they carry the numeric check of
the derivation (value, expected, absolute error, tolerance), not an interval; a failing check raises
``IdentityCheckFailed``. Claims that need the papers' datasets or a GPU are ``not run`` rows with the command that
would run them.

**Claims table** (``ClaimRow``, ``write_claims``): one row per claim with the columns ``COLUMNS`` (``paper, claim,
source, measure, profile, n_seeds, effect, ci_low, ci_high, verdict, fidelity``) followed by ``detail`` (the
rendered sentence), ``mde``, ``n_needed``, ``command`` and ``check``; written as CSV and JSON.

**Rendering** (``format_effect``, ``describe``): sentences such as ``supported: +1.2 points [0.4, 2.0], n=5 paired
seeds`` or ``inconclusive: +0.3 [-0.5, 1.1], n=5 paired seeds; would need n≈40 paired seeds (if the effect is
+0.3) or an effect ≥ +1.4 to decide``; never a bare true/false.

**Baseline gates** (``check_baseline``): a baseline below its floor raises ``BaselineError`` naming the baseline,
its value, the floor and what to check, so that a notebook stops instead of feeding a verdict.
"""
from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from scipy import optimize
from scipy import stats as _st

__all__ = ["CONFIDENCE", "POWER", "MIN_SEEDS", "VERDICTS", "FIDELITIES", "DIRECTIONS", "COLUMNS", "Effect",
           "Decision", "Claim", "ClaimRow", "InsufficientSeeds", "BaselineError", "IdentityCheckFailed",
           "paired_differences", "paired_effect", "unpaired_effect", "decide", "power", "minimum_detectable_effect",
           "seeds_needed", "format_effect", "describe", "check_baseline", "write_claims", "read_claims",
           "claims_frame"]

CONFIDENCE = 0.95
POWER = 0.80
MIN_SEEDS = 5
DIRECTIONS = ("greater", "less")
VERDICTS = ("supported", "contradicted", "inconclusive", "identity", "not run")
FIDELITIES = ("authors' numbers", "re-measured at this scale", "stand-in", "not run")
COLUMNS = ("paper", "claim", "source", "measure", "profile", "n_seeds", "effect", "ci_low", "ci_high", "verdict",
           "fidelity")
EXTRA_COLUMNS = ("detail", "mde", "n_needed", "command", "check")
#: n_needed is searched up to this many pairs; beyond it the effect is reported as undecidable in practice.
MAX_SEEDS_SEARCHED = 10_000
_CLAIM_ID = re.compile(r"^[A-Z][A-Za-z]*\d+[a-z]?(\.\d+)?: \S")


class InsufficientSeeds(ValueError):
    """A verdict was asked for with fewer than ``MIN_SEEDS`` paired seeds."""


class BaselineError(RuntimeError):
    """A baseline fell below its sanity floor: the comparison it anchors is not evidence."""


class IdentityCheckFailed(AssertionError):
    """A claim that follows from the equations failed its numeric check (a bug in the code or the spec)."""


# --------------------------------------------------------------------------------------------------- effects
@dataclass(frozen=True)
class Effect:
    """The effect of one comparison: ``mean`` of ``a − b`` with a two-sided ``confidence`` interval.

    ``n`` is the number of paired seeds (for an unpaired comparison, the smaller group); ``sd`` the SD of the
    paired differences (unpaired: NaN); ``se`` the standard error and ``df`` the t degrees of freedom used for the
    interval. ``boot_low``/``boot_high``: the bootstrap interval when one was asked for (the verdict always uses
    the t interval). ``unit`` names what n counts in sentences ("paired seeds")."""

    mean: float
    ci_low: float
    ci_high: float
    n: int
    sd: float
    se: float
    df: float
    paired: bool = True
    confidence: float = CONFIDENCE
    differences: Tuple[float, ...] = ()
    seeds: Tuple[Any, ...] = ()
    n_a: Optional[int] = None
    n_b: Optional[int] = None
    boot_low: Optional[float] = None
    boot_high: Optional[float] = None
    unit: str = "paired seeds"

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["differences"] = list(self.differences)
        d["seeds"] = list(self.seeds)
        return d


def _values(x, what: str) -> np.ndarray:
    arr = np.asarray(list(x), dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{what}: expected a flat sequence of numbers, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: contains non-finite values {arr.tolist()}; a diverged or missing run cannot "
                         "enter a comparison (fix or rerun it)")
    return arr


def paired_differences(a: Union[Mapping, Sequence[float]], b: Union[Mapping, Sequence[float]]
                       ) -> Tuple[np.ndarray, tuple]:
    """``(a − b per pair, seeds)``. ``a`` and ``b`` are either mappings ``{seed: value}`` (paired on the seeds,
    which must be the same set: a seed present on one side only raises) or sequences in the same seed order
    (equal lengths; seeds are then the positions 0…n−1)."""
    if isinstance(a, Mapping) != isinstance(b, Mapping):
        raise TypeError("paired_differences: give both sides as {seed: value} mappings or both as sequences in the "
                        "same seed order")
    if isinstance(a, Mapping):
        only_a = sorted(set(a) - set(b), key=str)
        only_b = sorted(set(b) - set(a), key=str)
        if only_a or only_b:
            raise ValueError(f"paired comparison needs the same seeds on both sides: seeds only in a: {only_a}, only "
                             f"in b: {only_b}. Run the missing seeds, restrict both sides to the common seeds, or use "
                             "unpaired_effect(a, b) for groups that were not run with the same seeds")
        seeds = tuple(sorted(a, key=lambda s: (str(type(s)), s)))
        xa = _values((a[s] for s in seeds), "a")
        xb = _values((b[s] for s in seeds), "b")
    else:
        xa, xb = _values(a, "a"), _values(b, "b")
        if len(xa) != len(xb):
            raise ValueError(f"paired comparison needs one value per seed on both sides, got {len(xa)} and "
                             f"{len(xb)}; pass {{seed: value}} mappings to pair by seed, or use unpaired_effect")
        seeds = tuple(range(len(xa)))
    return xa - xb, seeds


def paired_effect(a: Union[Mapping, Sequence[float]], b: Union[Mapping, Sequence[float], None] = None, *,
                  confidence: float = CONFIDENCE, bootstrap: int = 0, random_state: int = 0,
                  unit: str = "paired seeds", scale: float = 1.0) -> Effect:
    """Mean paired difference ``a − b`` with its Student-t interval (``b=None``: ``a`` already holds the
    differences). ``scale`` multiplies the differences first (``scale=100``: accuracies given as fractions give
    an effect in percentage points). ``bootstrap=n_resamples`` adds a BCa bootstrap interval
    (``scipy.stats.bootstrap``, seeded by ``random_state``) as ``boot_low``/``boot_high``. Needs at least 2 pairs
    (an interval needs a spread)."""
    _check_confidence(confidence)
    if b is None:
        if isinstance(a, Mapping):
            seeds = tuple(sorted(a, key=lambda s: (str(type(s)), s)))
            d = _values((a[s] for s in seeds), "differences")
        else:
            d = _values(a, "differences")
            seeds = tuple(range(len(d)))
    else:
        d, seeds = paired_differences(a, b)
    d = d * float(scale)
    n = len(d)
    if n < 2:
        raise InsufficientSeeds(f"an interval needs at least 2 paired seeds, got {n}; a verdict needs {MIN_SEEDS}")
    mean = float(d.mean())
    sd = float(d.std(ddof=1))
    se = sd / math.sqrt(n)
    df = n - 1
    lo, hi = _t_interval(mean, se, df, confidence)
    blo = bhi = None
    if bootstrap:
        if sd == 0.0:
            blo = bhi = mean
        else:
            res = _st.bootstrap((d,), np.mean, n_resamples=int(bootstrap), confidence_level=confidence,
                                method="BCa", random_state=np.random.default_rng(random_state))
            blo, bhi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return Effect(mean=mean, ci_low=lo, ci_high=hi, n=n, sd=sd, se=se, df=float(df), paired=True,
                  confidence=confidence, differences=tuple(float(x) for x in d), seeds=seeds, boot_low=blo,
                  boot_high=bhi, unit=unit)


def unpaired_effect(a: Union[Mapping, Sequence[float]], b: Union[Mapping, Sequence[float]], *,
                    confidence: float = CONFIDENCE, unit: str = "seeds per group", scale: float = 1.0) -> Effect:
    """Difference of means ``mean(a) − mean(b)`` of two independent groups with Welch's interval (groups run
    with different seeds, or a comparison without a shared seed). ``n`` is the smaller group's size; ``scale``
    as in ``paired_effect``."""
    _check_confidence(confidence)
    xa = _values(a.values() if isinstance(a, Mapping) else a, "a") * float(scale)
    xb = _values(b.values() if isinstance(b, Mapping) else b, "b") * float(scale)
    na, nb = len(xa), len(xb)
    if min(na, nb) < 2:
        raise InsufficientSeeds(f"an unpaired interval needs at least 2 values per group, got {na} and {nb}")
    va, vb = xa.var(ddof=1) / na, xb.var(ddof=1) / nb
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1)) if se > 0 else float(na + nb - 2)
    mean = float(xa.mean() - xb.mean())
    lo, hi = _t_interval(mean, se, df, confidence)
    return Effect(mean=mean, ci_low=lo, ci_high=hi, n=min(na, nb), sd=float("nan"), se=se, df=float(df),
                  paired=False, confidence=confidence, n_a=na, n_b=nb, unit=unit)


def _check_confidence(confidence: float) -> None:
    if not 0.5 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0.5, 1), got {confidence!r} (0.95 = a 95 % interval)")


def _t_interval(mean: float, se: float, df: float, confidence: float) -> Tuple[float, float]:
    if se == 0.0:
        return mean, mean
    q = float(_st.t.ppf(0.5 + confidence / 2.0, df))
    return mean - q * se, mean + q * se


# --------------------------------------------------------------------------------------------------- power
def power(delta: float, se: float, df: float, alpha: float = (1 - CONFIDENCE) / 2) -> float:
    """Probability that a one-sided t test at level ``alpha`` (2.5 % = the side of a 95 % interval) detects a
    true effect ``delta`` (distance from the margin, > 0) when the estimate has standard error ``se`` and ``df``
    degrees of freedom (paired: ``se = sd/√n``, ``df = n − 1``); noncentral t."""
    if se <= 0:
        return 1.0 if delta > 0 else 0.0
    crit = _st.t.ppf(1.0 - alpha, df)
    return float(_st.nct.sf(crit, df, abs(delta) / se))


@functools.lru_cache(maxsize=4096)
def _mde_unit(df: float, power_: float, alpha: float) -> float:
    """The detectable effect in units of the standard error: power depends on ``delta / se`` and ``df`` only.
    Above 1000 degrees of freedom the classic ``t(1 − α) + t(power)`` (relative error < 1e-4 there) is used."""
    if df > 1000:
        return float(_st.t.ppf(1.0 - alpha, df) + _st.t.ppf(power_, df))
    hi = 4.0
    while power(hi, 1.0, df, alpha) < power_:
        hi *= 2.0
    return float(optimize.brentq(lambda x: power(x, 1.0, df, alpha) - power_, 0.0, hi, xtol=1e-10))


def minimum_detectable_effect(sd: float, n: int, power_: float = POWER, alpha: float = (1 - CONFIDENCE) / 2,
                              se: Optional[float] = None, df: Optional[float] = None) -> float:
    """The smallest true effect (distance from the margin) that a paired design with ``n`` seeds and paired SD
    ``sd`` decides with probability ``power_`` (one-sided level ``alpha``): solves ``power(δ) = power_`` on the
    noncentral t. ``se``/``df`` override the paired ``sd/√n`` and ``n − 1`` (unpaired designs)."""
    se = sd / math.sqrt(n) if se is None else se
    df = n - 1 if df is None else df
    if df < 1:
        raise InsufficientSeeds(f"a detectable effect needs at least 2 paired seeds, got n={n}")
    if not 0 < power_ < 1:
        raise ValueError(f"power must be in (0, 1), got {power_!r}")
    if se == 0.0:
        return 0.0
    return se * _mde_unit(float(df), float(power_), float(alpha))


def seeds_needed(delta: float, effect: Effect, power_: float = POWER, alpha: float = (1 - CONFIDENCE) / 2,
                 max_n: int = MAX_SEEDS_SEARCHED) -> Optional[int]:
    """Smallest number of pairs that detects a true effect ``delta`` (distance from the margin) with ``power_``,
    assuming the SD observed in ``effect`` (unpaired: the standard error scaled as 1/√n with the group sizes
    growing together). ``None`` when more than ``max_n`` would be needed (or ``delta`` is 0)."""
    delta = abs(float(delta))
    if delta == 0.0:
        return None
    if effect.se == 0.0:
        return 2

    def detects(m: int) -> bool:
        se = effect.se * math.sqrt(effect.n / m)
        df = (m - 1) if effect.paired else effect.df * (m - 1) / max(effect.n - 1, 1)
        return delta >= se * _mde_unit(float(df), float(power_), float(alpha))

    if not detects(max_n):
        return None
    # start at the normal-theory size ((z_a + z_p)·sd/δ)², then walk to the exact (noncentral t) smallest size
    z = _st.norm.ppf(1.0 - alpha) + _st.norm.ppf(power_)
    m = int(min(max_n, max(2, math.ceil((z * effect.se * math.sqrt(effect.n) / delta) ** 2))))
    if detects(m):
        while m > 2 and detects(m - 1):
            m -= 1
        return m
    while not detects(m):  # terminates: detects(max_n) holds
        m += 1
    return m


# --------------------------------------------------------------------------------------------------- verdicts
@dataclass(frozen=True)
class Decision:
    """A verdict on one effect: ``verdict`` in ``supported | contradicted | inconclusive``, the claim's
    ``direction`` and ``margin``, and for inconclusive ones ``mde`` (the smallest distance from the margin this
    design detects with 80 % power) and ``n_needed`` (pairs that would decide the observed effect; None = more
    than ``MAX_SEEDS_SEARCHED``). ``reason`` explains an inconclusive verdict that was not computed (``"n < 5"``)."""

    verdict: str
    effect: Effect
    direction: str
    margin: float = 0.0
    mde: Optional[float] = None
    reason: str = ""
    units: str = ""

    @functools.cached_property
    def n_needed(self) -> Optional[int]:
        """Pairs that would decide the observed effect with 80 % power (inconclusive verdicts computed from an
        interval; None otherwise or when more than ``MAX_SEEDS_SEARCHED`` would be needed). Computed on first use."""
        if self.verdict != "inconclusive" or self.reason:
            return None
        return seeds_needed(self.effect.mean - self.margin, self.effect)

    def text(self, decimals: Optional[int] = None) -> str:
        return describe(self, decimals=decimals)

    def __str__(self) -> str:
        return self.text()

    def __bool__(self):
        raise TypeError("a Decision has three states (supported / contradicted / inconclusive), not two: compare "
                        "decision.verdict with a string instead of using it as a bool")


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS} (the claim says effect > margin or effect < "
                         f"margin), got {direction!r}")


def decide(effect: Effect, direction: str, margin: float = 0.0, *, min_n: int = MIN_SEEDS,
           on_few: str = "raise", units: str = "") -> Decision:
    """The three-state verdict on ``effect`` for a claim ``effect > margin`` (``direction="greater"``) or
    ``effect < margin`` (``"less"``): see the module docstring. Fewer than ``min_n`` (≥ 5) pairs raise
    ``InsufficientSeeds``; ``on_few="inconclusive"`` returns ``inconclusive`` with reason ``"n < 5"`` instead."""
    _check_direction(direction)
    if on_few not in ("raise", "inconclusive"):
        raise ValueError(f"on_few must be 'raise' or 'inconclusive', got {on_few!r}")
    if min_n < MIN_SEEDS:
        raise ValueError(f"min_n must be at least {MIN_SEEDS}: fewer seeds are not evidence, got {min_n}")
    margin = float(margin)
    if effect.n < min_n:
        if on_few == "raise":
            raise InsufficientSeeds(
                f"a verdict needs at least {min_n} {effect.unit}, got n={effect.n}: run more seeds (the benchmark's "
                f"seed list), or pass on_few='inconclusive' to record an explicit 'inconclusive' (n < {min_n})")
        return Decision("inconclusive", effect, direction, margin, reason=f"n < {min_n}", units=units)
    lo, hi = effect.ci_low, effect.ci_high
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"the interval [{lo}, {hi}] is not finite; cannot decide")
    sign = 1.0 if direction == "greater" else -1.0
    if (lo > margin) if sign > 0 else (hi < margin):
        return Decision("supported", effect, direction, margin, units=units)
    if (hi < margin) if sign > 0 else (lo > margin):
        return Decision("contradicted", effect, direction, margin, units=units)
    mde = minimum_detectable_effect(effect.sd, effect.n, se=effect.se, df=effect.df)
    return Decision("inconclusive", effect, direction, margin, mde=mde, units=units)


# --------------------------------------------------------------------------------------------------- text
def _decimals(effect: Effect) -> int:
    """Decimals that show the interval's half-width with 2 significant digits when it starts with 1 or 2, else 1
    (0.8 -> 1 decimal, 0.15 -> 2, 3.2 -> 0)."""
    scale = effect.half_width if effect.half_width > 0 else abs(effect.mean)
    if not math.isfinite(scale) or scale == 0:
        return 2
    exp = math.floor(math.log10(scale))
    lead = scale / 10.0 ** exp
    return int(min(8, max(0, -exp + (1 if lead < 3 else 0))))


def _num(x: float, d: int, sign: bool = False) -> str:
    s = f"{x:+.{d}f}" if sign else f"{x:.{d}f}"
    if float(s) == 0:  # no "-0.0"
        s = s.replace("-", "+" if sign else "")
    return s


def format_effect(effect: Effect, units: str = "", decimals: Optional[int] = None) -> str:
    """``+1.2 points [0.4, 2.0], n=5 paired seeds`` (decimals from the interval's half-width unless given)."""
    d = _decimals(effect) if decimals is None else int(decimals)
    u = f" {units}" if units else ""
    return (f"{_num(effect.mean, d, sign=True)}{u} [{_num(effect.ci_low, d)}, {_num(effect.ci_high, d)}], "
            f"n={effect.n} {effect.unit}")


def describe(decision: Decision, decimals: Optional[int] = None) -> str:
    """One sentence for a decision; never a bare true/false. Inconclusive ones say what would decide them."""
    e = decision.effect
    d = _decimals(e) if decimals is None else int(decimals)
    body = f"{decision.verdict}: {format_effect(e, decision.units, d)}"
    side = ">" if decision.direction == "greater" else "<"
    claim = f"claimed effect {side} {'0' if decision.margin == 0 else _num(decision.margin, d, sign=True)}"
    if decision.verdict != "inconclusive":
        return f"{body} ({claim})"
    if decision.reason:
        return f"{body} ({claim}); not decided: {decision.reason}"
    target = decision.margin + (decision.mde if decision.direction == "greater" else -decision.mde)
    ge = "≥" if decision.direction == "greater" else "≤"
    if decision.n_needed is None:
        need = f"more than {MAX_SEEDS_SEARCHED} {e.unit} (the observed effect is that close to the margin)"
    else:
        need = f"n≈{decision.n_needed} {e.unit} (if the effect is {_num(e.mean, d, sign=True)})"
    return f"{body} ({claim}); would need {need} or an effect {ge} {_num(target, d, sign=True)} to decide"


# --------------------------------------------------------------------------------------------------- claims
@dataclass(frozen=True)
class ClaimRow:
    """One row of the claims table (columns ``COLUMNS`` then ``EXTRA_COLUMNS``). Build it with ``Claim``'s
    methods (``evaluate``, ``identity``, ``not_run``, ``from_numbers``) rather than by hand; the constructor
    validates verdict, fidelity and the n ≥ 5 rule."""

    paper: str
    claim: str
    source: str
    measure: str
    profile: str
    n_seeds: Optional[int]
    effect: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]
    verdict: str
    fidelity: str
    detail: str = ""
    mde: Optional[float] = None
    n_needed: Optional[int] = None
    command: str = ""
    check: Optional[Mapping] = None

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.fidelity not in FIDELITIES:
            raise ValueError(f"fidelity must be one of {FIDELITIES}, got {self.fidelity!r}")
        if not _CLAIM_ID.match(self.claim):
            raise ValueError(f"claim text must start with its ID, as 'C3: truncation costs LIF more at larger τ', "
                             f"got {self.claim!r}")
        if self.verdict in ("supported", "contradicted"):
            if self.n_seeds is None or self.n_seeds < MIN_SEEDS:
                raise InsufficientSeeds(f"{self.claim!r}: a {self.verdict} verdict needs n_seeds >= {MIN_SEEDS}, got "
                                        f"{self.n_seeds}")
        if self.verdict in ("supported", "contradicted", "inconclusive") and self.n_seeds is not None \
                and self.n_seeds >= MIN_SEEDS:
            for k in ("effect", "ci_low", "ci_high"):
                v = getattr(self, k)
                if v is None or not math.isfinite(v):
                    raise ValueError(f"{self.claim!r}: a {self.verdict} row needs a finite {k}, got {v!r}")
        if self.verdict == "not run" and not self.command:
            raise ValueError(f"{self.claim!r}: a 'not run' row needs the command that would run it")
        if self.verdict == "identity" and not self.check:
            raise ValueError(f"{self.claim!r}: an identity row carries its numeric check (check={{...}})")
        if self.check is not None:
            object.__setattr__(self, "check", dict(self.check))

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def text(self) -> str:
        return self.detail or self.verdict


@dataclass(frozen=True)
class Claim:
    """What a paper claims, ready to be decided: ``id`` ("C3"), ``text`` (the claim in one line), ``source``
    (where in the paper/spec), ``measure`` (what is compared, naming the effect's sign: "best test accuracy, CLIF −
    LIF (points)"), ``direction`` (``greater``/``less``; None for identities) and ``margin`` (signed threshold,
    default 0), ``units`` for sentences ("points")."""

    paper: str
    id: str
    text: str
    source: str
    measure: str
    direction: Optional[str] = "greater"
    margin: float = 0.0
    units: str = ""

    def __post_init__(self):
        if self.direction is not None:
            _check_direction(self.direction)
        if not re.match(r"^[A-Z][A-Za-z]*\d+[a-z]?(\.\d+)?$", self.id):
            raise ValueError(f"claim id must look like 'C3', 'I1', 'K4' or 'N1a', got {self.id!r}")

    @property
    def claim(self) -> str:
        return f"{self.id}: {self.text}"

    def _row(self, **kw) -> ClaimRow:
        return ClaimRow(paper=self.paper, claim=self.claim, source=self.source, measure=kw.pop("measure", self.measure),
                        **kw)

    def decide(self, effect: Effect, **kw) -> Decision:
        if self.direction is None:
            raise ValueError(f"claim {self.id} has no direction (an identity): use Claim.identity(...)")
        return decide(effect, self.direction, self.margin, units=self.units, **kw)

    def evaluate(self, effect: Effect, profile: str, fidelity: str = "re-measured at this scale", *,
                 on_few: str = "raise", decimals: Optional[int] = None, measure: Optional[str] = None) -> ClaimRow:
        """The row for a measured claim: the verdict of ``effect`` (see ``decide``) with its sentence."""
        dec = self.decide(effect, on_few=on_few)
        e = dec.effect
        return self._row(measure=measure or self.measure, profile=profile, n_seeds=e.n, effect=e.mean,
                         ci_low=e.ci_low, ci_high=e.ci_high, verdict=dec.verdict, fidelity=fidelity,
                         detail=describe(dec, decimals), mde=dec.mde, n_needed=dec.n_needed)

    def identity(self, value, expected, tol: float = 1e-9, *, profile: str = "any", what: str = "",
                 measure: Optional[str] = None, fidelity: str = "re-measured at this scale") -> ClaimRow:
        """The row for a claim that follows from the equations: ``value`` (computed by the code, scalar or array)
        must equal ``expected`` (the closed form) within ``tol`` (absolute); the row carries the check. A failed
        check raises ``IdentityCheckFailed``."""
        v = np.asarray(value, dtype=float)
        x = np.asarray(expected, dtype=float)
        if v.shape != x.shape and v.size != 1 and x.size != 1:
            raise ValueError(f"{self.id}: value shape {v.shape} and expected shape {x.shape} differ")
        err = float(np.max(np.abs(v - x))) if v.size else 0.0
        if not math.isfinite(err) or err > tol:
            raise IdentityCheckFailed(f"{self.claim}: the numeric check failed: max |value − expected| = {err:.3g} > "
                                      f"tol {tol:.3g}{' (' + what + ')' if what else ''}; the code or the derivation "
                                      "is wrong")
        check = {"value": v.tolist(), "expected": x.tolist(), "max_abs_error": err, "tol": float(tol)}
        if what:
            check["what"] = what
        detail = f"identity: max |value − expected| = {err:.2g} (tol {tol:.2g})" + (f"; {what}" if what else "")
        scalar = float(v) if v.size == 1 else None
        return self._row(measure=measure or self.measure, profile=profile, n_seeds=None, effect=scalar,
                         ci_low=None, ci_high=None, verdict="identity", fidelity=fidelity,
                         detail=detail, check=check)

    def not_run(self, command: str, *, profile: str = "paper", reason: str = "") -> ClaimRow:
        """The row for a claim that needs what is not here (the papers' datasets, a GPU): ``command`` runs it."""
        detail = f"not run: {reason + '; ' if reason else ''}run `{command}`"
        return self._row(profile=profile, n_seeds=None, effect=None, ci_low=None, ci_high=None, verdict="not run",
                         fidelity="not run", detail=detail, command=command)

    def from_numbers(self, effect: Effect, *, fidelity: str = "authors' numbers", profile: str = "paper",
                     on_few: str = "inconclusive", decimals: Optional[int] = None,
                     measure: Optional[str] = None) -> ClaimRow:
        """A row decided from published or shipped numbers (``fidelity`` "authors' numbers"): as ``evaluate`` but
        with ``on_few="inconclusive"`` by default (published numbers often come from one seed)."""
        return self.evaluate(effect, profile, fidelity, on_few=on_few, decimals=decimals, measure=measure)


# --------------------------------------------------------------------------------------------------- gates
def check_baseline(name: str, value: Union[float, Mapping, Sequence[float]], floor: float, what: str = "") -> float:
    """Stop when a baseline is not credible: every ``value`` (a number, a sequence, or ``{seed: value}``) must be
    ``>= floor``, else ``BaselineError`` names the baseline, the values that fell short, the floor and ``what`` to
    check. Returns the smallest value."""
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (int, float, np.floating, np.integer)):
        items = [(None, value)]
    else:
        items = list(enumerate(value))
    if not items:
        raise BaselineError(f"baseline {name!r}: no values to check against the floor {floor:g} (did the runs "
                            "finish?)")
    vals = [(k, float(v)) for k, v in items]
    bad = [(k, v) for k, v in vals if not math.isfinite(v) or v < floor]
    if bad:
        where = ", ".join(f"{v:.4g}" if k is None else f"seed {k}: {v:.4g}" for k, v in bad)
        hint = f" Check: {what}" if what else ""
        raise BaselineError(f"baseline {name!r} fell below its floor {floor:g} ({where}); its comparisons are not "
                            f"evidence and no verdict is drawn from them.{hint}")
    return min(v for _, v in vals)


# --------------------------------------------------------------------------------------------------- table IO
def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    if isinstance(v, Mapping):
        return json.dumps(v, sort_keys=True, ensure_ascii=False)
    return str(v)


def write_claims(rows: Iterable[ClaimRow], directory, stem: str = "claims") -> Tuple[Any, Any]:
    """Write ``<directory>/<stem>.csv`` and ``.json`` (atomically); returns both paths. Rows keep their order;
    duplicated claim texts within one profile raise."""
    from pathlib import Path

    from snnlab.fileio import atomic_write_text

    rows = list(rows)
    seen = set()
    for r in rows:
        if not isinstance(r, ClaimRow):
            raise TypeError(f"write_claims takes ClaimRow records, got {type(r).__name__}")
        key = (r.paper, r.claim, r.profile, r.measure)
        if key in seen:
            raise ValueError(f"claim row {key} appears twice")
        seen.add(key)
    directory = Path(directory)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS + EXTRA_COLUMNS)
    for r in rows:
        w.writerow([_cell(getattr(r, c)) for c in COLUMNS + EXTRA_COLUMNS])
    csv_path, json_path = directory / f"{stem}.csv", directory / f"{stem}.json"
    atomic_write_text(csv_path, buf.getvalue())
    atomic_write_text(json_path, json.dumps({"columns": list(COLUMNS + EXTRA_COLUMNS),
                                             "rows": [r.to_dict() for r in rows]}, indent=1, ensure_ascii=False))
    return csv_path, json_path


def read_claims(path) -> list:
    """The ``ClaimRow`` records of a ``claims.json`` written by ``write_claims``."""
    from pathlib import Path

    data = json.loads(Path(path).read_text())
    return [ClaimRow(**row) for row in data["rows"]]


def claims_frame(rows: Iterable[ClaimRow]):
    """The rows as a pandas DataFrame with the table's columns in order."""
    import pandas as pd

    return pd.DataFrame([r.to_dict() for r in rows], columns=list(COLUMNS + EXTRA_COLUMNS))
