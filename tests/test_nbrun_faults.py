"""Notebook runner under hostile use (issue 16, item 12): a notebook outside notebooks/, a profile given as a
parameter, and a kill between the executed notebook and its HTML."""
from __future__ import annotations

import os
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


@pytest.mark.parametrize("makeflags, cpus, jobs, threads", [
    (None, 2, None, None),                               # not started by make
    ("", 2, None, None),                                 # make, one job at a time
    (" -j2 --jobserver-auth=3,4", 2, 2, 1),              # GNU make 4.3, `make -j2`
    ("k -j4 --jobserver-auth=fifo:/tmp/x", 16, 4, 4),    # grouped single-letter flags, make 4.4's fifo jobserver
    (" -j1", 2, None, None),
    (" -j", 8, 0, 1),                                    # unlimited jobs
    ("--jobs=3", 8, 3, 2),
    ("--jobs 3", 2, 3, 1),                               # never below one thread
    ("-I /x/j2 --jobserver-auth=3,4", 2, None, None),    # a -j inside another option's value is not a job count
])
def test_slot_threads_from_makeflags(makeflags, cpus, jobs, threads):
    assert nbrun.make_jobs(makeflags) == jobs
    assert nbrun.slot_threads(makeflags, cpus) == threads


def test_make_jobs_sets_the_kernel_threads(tmp_path, monkeypatch):
    """execute() hands ``cpus // jobs`` threads to the kernel through OMP_NUM_THREADS, and leaves a value the
    user set alone."""
    seen = {}

    def fake_execute(src, dst, **kw):
        seen["threads"] = os.environ.get("OMP_NUM_THREADS")
        raise RuntimeError("stop after the environment is set")

    import papermill
    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    monkeypatch.setenv("SNNLAB_NOTEBOOK", "restored after the test")
    nb = _write_nb(tmp_path / "nb.ipynb")
    monkeypatch.setattr(nbrun, "_cpus", lambda: 4)
    monkeypatch.setenv("MAKEFLAGS", " -j2 --jobserver-auth=3,4")
    for given, expected in ((None, "2"), ("3", "3")):
        if given is None:
            monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        else:
            monkeypatch.setenv("OMP_NUM_THREADS", given)
        with pytest.raises(RuntimeError, match="stop after"):
            nbrun.execute(nb, "smoke", out=tmp_path / "out.ipynb", html=False)
        assert seen["threads"] == expected
