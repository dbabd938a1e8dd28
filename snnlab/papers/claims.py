"""The claims table: every claim of the three papers (``../shared/papers/CLAIMS.md``), one row or more each, with its
verdict, interval and fidelity, plus snnlab's own claims (the temporal-credit arena).

Each paper module (``snnlab.papers.<paper>``) exposes ``claims(profile) -> list[stats.ClaimRow]``; this module
collects them, checks that every claim ID of ``CLAIM_IDS`` has at least one row, and writes the table
(``figures/overview/claims.csv`` and ``.json``, through ``stats.write_claims``). A paper module that cannot
give a row for an ID is a defect: ``collect`` raises instead of leaving the claim out silently.

``CLAIM_IDS`` copies the IDs of ``CLAIMS.md`` (a test compares them with the spec when ``../shared`` is present).
Rows of snnlab's own claims (``OWN_PAPERS``: claims no paper made) keep ``paper`` = ``"snnlab"`` so that a reader
never mistakes them for the papers'.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

from snnlab import stats

__all__ = ["CLAIM_IDS", "PAPERS", "OWN_PAPERS", "VERDICT_COLORS", "collect", "claim_id", "missing_ids", "coverage",
           "summary", "write", "frame", "figure", "spec_claim_ids"]

#: the claim IDs of ../shared/papers/CLAIMS.md, per paper
CLAIM_IDS: Dict[str, Tuple[str, ...]] = {
    "clif": tuple(f"C{i}" for i in range(1, 14)),
    "ilif": tuple(f"I{i}" for i in range(1, 7)),
    "klif": tuple(f"K{i}" for i in range(1, 7)),
}
PAPERS = tuple(CLAIM_IDS)
#: modules whose claims are snnlab's own (no paper made them; their rows have paper "snnlab")
OWN_PAPERS = ("arena",)
_ID = re.compile(r"^([A-Z][A-Za-z]*\d+[a-z]?)(?:\.\d+)?:")


def claim_id(row: stats.ClaimRow) -> str:
    """The ID a row's claim text starts with ("C3: ..." -> "C3")."""
    m = _ID.match(row.claim)
    if m is None:
        raise ValueError(f"claim text {row.claim!r} does not start with its ID")
    return m.group(1)


def missing_ids(rows: Iterable[stats.ClaimRow], papers: Sequence[str] = PAPERS) -> Dict[str, List[str]]:
    """Per paper, the IDs of ``CLAIM_IDS`` that no row covers (empty dict: complete)."""
    have: Dict[str, set] = {}
    for r in rows:
        have.setdefault(r.paper, set()).add(claim_id(r))
    out = {}
    for p in papers:
        miss = [i for i in CLAIM_IDS[p] if i not in have.get(p, set())]
        if miss:
            out[p] = miss
    return out


def _module(name: str):
    return importlib.import_module(f"snnlab.papers.{name}")


def collect(profile: str, papers: Sequence[str] = PAPERS, own: Sequence[str] = OWN_PAPERS) -> List[stats.ClaimRow]:
    """Every paper's ``claims(profile)`` rows in paper order, then snnlab's own claims. Raises when a paper module
    has no ``claims`` function or leaves a claim ID of ``CLAIM_IDS`` without a row."""
    rows: List[stats.ClaimRow] = []
    for p in papers:
        mod = _module(p)
        fn = getattr(mod, "claims", None)
        if fn is None:
            raise AttributeError(f"snnlab.papers.{p} has no claims(profile) function: every paper module gives its "
                                 "claims-table rows (docs/contracts.md, Papers)")
        got = list(fn(profile))
        bad = [r for r in got if not isinstance(r, stats.ClaimRow)]
        if bad:
            raise TypeError(f"snnlab.papers.{p}.claims returned {type(bad[0]).__name__}, expected stats.ClaimRow")
        rows += got
    miss = missing_ids(rows, papers)
    if miss:
        raise ValueError("claims without a row in the claims table: "
                         + "; ".join(f"{p}: {', '.join(ids)}" for p, ids in miss.items())
                         + " (each paper module's claims() must give at least one row per ID of CLAIMS.md)")
    for name in own:
        mod = _module(name)
        fn = getattr(mod, "claims", None)
        if fn is None:
            raise AttributeError(f"snnlab.papers.{name} has no claims(profile) function (it is listed in OWN_PAPERS)")
        got = list(fn(profile))
        if not got or any(r.paper != "snnlab" for r in got):
            raise ValueError(f"snnlab.papers.{name}.claims must give at least one row, every one with paper "
                             "'snnlab' (snnlab's own claims are never attributed to a paper)")
        rows += got
    return rows


def coverage(rows: Iterable[stats.ClaimRow]):
    """Per paper (and ``snnlab``): how many claim IDs have a row, and which (the rows per ID and their verdicts
    depend on which runs exist; the IDs do not)."""
    import pandas as pd

    ids: Dict[str, set] = {}
    for r in rows:
        ids.setdefault(r.paper, set()).add(claim_id(r))

    def order(i: str):
        m = re.match(r"([A-Za-z]+)(\d+)", i)
        return (m.group(1), int(m.group(2))) if m else (i, 0)

    return pd.DataFrame([{"paper": p, "claims": len(v), "ids": " ".join(sorted(v, key=order))}
                         for p, v in ids.items()]).set_index("paper")


def summary(rows: Iterable[stats.ClaimRow]):
    """Counts of verdicts per paper (rows: papers, columns: the five verdicts, zeros included)."""
    import pandas as pd

    df = stats.claims_frame(rows)
    table = pd.crosstab(df["paper"], df["verdict"]) if len(df) else pd.DataFrame()
    return table.reindex(columns=list(stats.VERDICTS), fill_value=0)


def write(rows: Iterable[stats.ClaimRow], directory) -> Tuple[Path, Path]:
    """``claims.csv`` and ``claims.json`` in ``directory``."""
    return stats.write_claims(rows, directory)


def spec_claim_ids(path) -> Dict[str, Tuple[str, ...]]:
    """The claim IDs of a ``CLAIMS.md`` (first cell of each table row), grouped by paper letter."""
    text = Path(path).read_text()
    ids: Dict[str, List[str]] = {}
    letter = {"C": "clif", "I": "ilif", "K": "klif"}
    for m in re.finditer(r"^\|\s*([CIK])(\d+)\s*\|", text, flags=re.M):
        ids.setdefault(letter[m.group(1)], []).append(m.group(1) + m.group(2))
    return {k: tuple(v) for k, v in ids.items()}


def frame(rows: Iterable[stats.ClaimRow]):
    """The table as a DataFrame (the columns of ``stats.COLUMNS`` then the extra ones)."""
    return stats.claims_frame(rows)


#: one colour per verdict, the same in the index page and the figure
VERDICT_COLORS = {"supported": "#1a9850", "contradicted": "#d73027", "inconclusive": "#fdae61",
                  "identity": "#4575b4", "not run": "#bdbdbd"}


def figure(rows: Iterable[stats.ClaimRow]):
    """Verdict counts per paper, bars from zero (one group per paper, one bar per verdict)."""
    import numpy as np

    from snnlab.plotting import figure as _figure

    counts = summary(rows)
    fig, ax = _figure(1, 1, width=7.0, height=3.0)
    papers = list(counts.index)
    x = np.arange(len(papers))
    w = 0.8 / len(stats.VERDICTS)
    for i, v in enumerate(stats.VERDICTS):
        vals = counts[v].to_numpy() if len(papers) else np.zeros(0)
        ax.bar(x + (i - (len(stats.VERDICTS) - 1) / 2) * w, vals, width=w, color=VERDICT_COLORS[v], label=v)
    ax.set_xticks(x, papers)
    ax.set_ylabel("claims-table rows")
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, ncol=len(stats.VERDICTS), loc="upper center", bbox_to_anchor=(0.5, 1.18), frameon=False)
    return fig, counts
