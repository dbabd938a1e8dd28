"""Notebooks are thin: the story, a parameters cell, calls into the package, display. No function or class
definitions, no code cell shared between notebooks; their size is reported (README) and bounded."""
from __future__ import annotations

import ast
from collections import defaultdict

import nbformat
import pytest

from snnlab.paths import repo_root

NOTEBOOKS = sorted((repo_root() / "notebooks").rglob("*.ipynb"))
#: the issue's aim: about 60 code lines per notebook, under 1,000 in all (tests allow a little slack per notebook)
MAX_LINES_PER_NOTEBOOK = 80
MAX_LINES_TOTAL = 1000


def _code_cells(path):
    nb = nbformat.read(str(path), as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _lines(src):
    return [ln for ln in src.splitlines() if ln.strip() and not ln.strip().startswith("#")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(repo_root())))
def test_notebook_defines_nothing(path):
    for src in _code_cells(path):
        tree = ast.parse(src)
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)), (
                f"{path.name}: defines {type(node).__name__} "
                f"{getattr(node, 'name', '')!r}: logic belongs in snnlab/, the notebook only calls it")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(repo_root())))
def test_notebook_is_short(path):
    n = sum(len(_lines(s)) for s in _code_cells(path))
    assert n <= MAX_LINES_PER_NOTEBOOK, f"{path.name}: {n} code lines (> {MAX_LINES_PER_NOTEBOOK})"


def test_no_code_cell_shared_between_notebooks():
    where = defaultdict(set)
    for path in NOTEBOOKS:
        for src in _code_cells(path):
            body = "\n".join(_lines(src))
            if len(_lines(src)) >= 2:  # one-line calls (nb.results(...)) may legitimately recur
                where[body].add(str(path.relative_to(repo_root())))
    shared = {b: sorted(p) for b, p in where.items() if len(p) > 1}
    assert not shared, "code cells shared between notebooks (move them into the package):\n" + "\n".join(
        f"{p}:\n{b}" for b, p in shared.items())


def test_total_code_lines():
    total = sum(len(_lines(s)) for p in NOTEBOOKS for s in _code_cells(p))
    print(f"{len(NOTEBOOKS)} notebooks, {total} code lines")
    assert total < MAX_LINES_TOTAL
