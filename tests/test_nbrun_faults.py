"""Notebook runner under hostile use (issue 16, item 12): a notebook outside notebooks/, a profile given as a
parameter, and a kill between the executed notebook and its HTML."""
from __future__ import annotations

import shutil

import nbformat
import pytest

from snnlab import nbrun
from snnlab.notebook import NotebookParameterError


def _write_nb(path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("profile = 'smoke'\nT = 4\n")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(T * 2)")]
    nbformat.write(nb, str(path))
    return path


def test_notebook_outside_notebooks_needs_out(tmp_path, capsys):
    nb = _write_nb(tmp_path / "x.ipynb")
    assert nbrun.main([str(nb), "--no-html"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(nb) in err and "--out" in err
    with pytest.raises(NotebookParameterError, match="--out"):
        nbrun.default_output(nb, "smoke")


def test_profile_as_a_parameter_is_refused_unless_it_agrees(tmp_path, capsys):
    nb = _write_nb(tmp_path / "x.ipynb")
    with pytest.raises(NotebookParameterError,
                       match=r"profile='paper' given as a parameter conflicts.*--profile paper"):
        nbrun.resolve_parameters(nb, "smoke", {"profile": "paper"})
    assert nbrun.resolve_parameters(nb, "quick", {"profile": "quick"}) == {"profile": "quick"}
    assert nbrun.main([str(nb), "--profile", "smoke", "-p", "profile=paper", "--out", str(tmp_path / "o.ipynb")]) == 2
    assert "conflicts with the run's profile 'smoke'" in capsys.readouterr().err
    assert not (tmp_path / "o.ipynb").exists()


class Kill(BaseException):
    """Stands for SIGKILL while the HTML is being rendered."""


def test_html_is_in_place_before_the_notebook(tmp_path, monkeypatch):
    """make's target is the .ipynb: it must not appear before its HTML, or a kill in between leaves a target that
    make treats as done while the index has no HTML to link."""
    import nbconvert
    import papermill

    def fake_execute(src, dst, **kwargs):  # the kernel run itself is not what is tested here
        shutil.copy(src, dst)

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    nb = _write_nb(tmp_path / "x.ipynb")
    out = tmp_path / "build" / "x.ipynb"
    real = nbconvert.HTMLExporter.from_notebook_node

    def killed(self, *a, **k):
        raise Kill()

    monkeypatch.setattr(nbconvert.HTMLExporter, "from_notebook_node", killed)
    with pytest.raises(Kill):
        nbrun.execute(nb, "smoke", out)
    assert not out.exists() and not out.with_suffix(".html").exists()
    monkeypatch.setattr(nbconvert.HTMLExporter, "from_notebook_node", real)
    assert nbrun.execute(nb, "smoke", out) == out
    assert out.is_file() and out.with_suffix(".html").is_file()
    assert nbformat.read(str(out), as_version=4).metadata["snnlab"]["profile"] == "smoke"
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.html", "x.ipynb"]
