"""The claims table's collector: every claim ID covered, own claims kept apart, spec IDs in sync."""
from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from snnlab import stats
from snnlab.papers import claims
from snnlab.paths import repo_root

SPEC = repo_root().parent / "shared" / "papers" / "CLAIMS.md"


def _row(paper, cid, verdict="not run"):
    kw = dict(paper=paper, claim=f"{cid}: something", source="§1", measure="m", profile="smoke", n_seeds=None,
              effect=None, ci_low=None, ci_high=None, verdict=verdict, fidelity="not run",
              command="python -m snnlab train x")
    if verdict == "identity":
        kw.update(fidelity="re-measured at this scale", command="", check={"value": 0.0, "expected": 0.0})
    return stats.ClaimRow(**kw)


@pytest.fixture
def fake_papers(monkeypatch):
    def install(name, rows):
        mod = types.ModuleType(f"snnlab.papers.{name}")
        if rows is not None:
            mod.claims = lambda profile, rows=rows: list(rows)
        monkeypatch.setitem(sys.modules, f"snnlab.papers.{name}", mod)
    return install


def test_spec_ids_match_the_package():
    if not SPEC.exists():
        pytest.skip(f"{SPEC} not present (the specs live beside the repository)")
    assert claims.spec_claim_ids(SPEC) == claims.CLAIM_IDS


def test_claim_id_parses_sub_ids():
    assert claims.claim_id(_row("clif", "C3")) == "C3"
    assert claims.claim_id(_row("clif", "C13.2")) == "C13"


def test_collect_complete_and_own_claims_last(fake_papers):
    for p, ids in claims.CLAIM_IDS.items():
        fake_papers(p, [_row(p, i) for i in ids])
    fake_papers("arena", [_row("snnlab", "A1")])
    rows = claims.collect("smoke")
    assert len(rows) == sum(len(v) for v in claims.CLAIM_IDS.values()) + 1
    assert rows[-1].paper == "snnlab"
    counts = claims.summary(rows)
    assert list(counts.columns) == list(stats.VERDICTS)
    assert counts.loc["clif", "not run"] == 13 and counts.loc["klif", "supported"] == 0


def test_collect_refuses_a_missing_claim(fake_papers):
    for p, ids in claims.CLAIM_IDS.items():
        fake_papers(p, [_row(p, i) for i in ids if i != "I4"])
    with pytest.raises(ValueError, match="ilif: I4"):
        claims.collect("smoke", own=())


def test_collect_refuses_a_module_without_claims(fake_papers):
    fake_papers("clif", None)
    with pytest.raises(AttributeError, match="no claims"):
        claims.collect("smoke", papers=("clif",), own=())


def test_own_claims_must_be_marked_snnlab(fake_papers):
    for p, ids in claims.CLAIM_IDS.items():
        fake_papers(p, [_row(p, i) for i in ids])
    fake_papers("arena", [_row("clif", "A1")])
    with pytest.raises(ValueError, match="paper 'snnlab'"):
        claims.collect("smoke")
    fake_papers("arena", None)
    with pytest.raises(AttributeError, match="arena has no claims"):
        claims.collect("smoke")


def test_coverage_lists_ids_in_numeric_order():
    rows = [_row("clif", "C10"), _row("clif", "C2"), _row("clif", "C2.1"), _row("snnlab", "A1")]
    cov = claims.coverage(rows)
    assert cov.loc["clif", "ids"] == "C2 C10" and cov.loc["clif", "claims"] == 2
    assert cov.loc["snnlab", "ids"] == "A1"


def test_arena_claims_are_not_run_rows_on_an_empty_run_store(tmp_path, monkeypatch):
    from snnlab.papers import arena

    monkeypatch.setenv("SNNLAB_RUNS", str(tmp_path / "runs"))
    rows = arena.claims("smoke")
    assert [claims.claim_id(r) for r in rows] == ["A1", "A2", "A3", "A4"]
    assert all(r.paper == "snnlab" and r.verdict == "not run" for r in rows)
    assert "02_temporal_credit.ipynb --profile smoke" in rows[0].command
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("metrics.jsonl"))


def test_write_roundtrip(tmp_path, fake_papers):
    rows = [_row("clif", "C1", "identity"), _row("clif", "C2")]
    csv, js = claims.write(rows, tmp_path)
    assert Path(csv).read_text().splitlines()[0].startswith(",".join(stats.COLUMNS))
    assert [r.claim for r in stats.read_claims(js)] == [r.claim for r in rows]


def test_index_shows_the_claims_table_above_the_gallery(tmp_path, monkeypatch):
    from snnlab import nbindex

    monkeypatch.setenv("SNNLAB_FIGURES", str(tmp_path / "figures"))
    monkeypatch.setenv("SNNLAB_BUILD", str(tmp_path / "build"))
    (tmp_path / "figures" / "overview").mkdir(parents=True)
    claims.write([_row("clif", "C1", "identity"), _row("ilif", "I6")], tmp_path / "figures" / "overview")
    sidecar = {"name": "fig", "caption": "gallery item", "files": {"png": "fig.png", "pdf": "fig.pdf", "csv": "f.csv"},
               "profile": "quick", "notebook": "notebooks/x.ipynb"}
    (tmp_path / "figures" / "overview" / "fig.json").write_text(__import__("json").dumps(sidecar))
    assert nbindex.main([]) == 0
    page = (tmp_path / "build" / "index.html").read_text()
    assert "C1: something" in page and "I6: something" in page and "python -m snnlab train x" in page
    assert page.index("id='claims'") < page.index("gallery item")
