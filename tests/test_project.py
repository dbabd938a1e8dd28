"""The project's own plumbing: pins, Makefile profiles, notebook parameters, figures, results, the index."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from snnlab.paths import repo_root

ROOT = repo_root()
sys.path.insert(0, str(ROOT / "tools"))
import sync_environment  # noqa: E402


def _pins(lines):
    return {l.split("==")[0].lower(): l.split("==")[1] for l in lines if "==" in l}


def test_environment_yml_agrees_with_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    req = sync_environment.pins()
    assert _pins(pip_section) == _pins(req), "run: python tools/sync_environment.py"
    assert (ROOT / "environment.yml").read_text() == sync_environment.render()


def test_required_pins():
    pins = _pins(sync_environment.pins())
    assert pins["torch"] == "2.14.1"
    assert pins["torchvision"] == "0.29.1"
    for name in ("tonic", "papermill", "nbval", "ipykernel", "seaborn", "matplotlib", "pandas", "tqdm",
                 "pyyaml", "pytest", "spikingjelly", "submitit"):
        assert name in pins, f"{name} must be pinned in requirements.txt"
    # every line is an exact pin: one source of truth, no ranges
    for line in sync_environment.pins():
        assert "==" in line and not any(op in line for op in (">", "<", "~=", "!=")), line


def _make(*args, timeout=60):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_make_rejects_unknown_profile_at_once():
    proc = _make("-n", "figures", "PROFILE=nonsense")
    assert proc.returncode != 0
    assert "PROFILE='nonsense' is not a profile" in proc.stderr
    for p in ("smoke", "quick", "paper"):
        assert p in proc.stderr


def test_make_figures_plans_one_target_per_notebook():
    proc = _make("-n", "figures", "PROFILE=smoke", "VENV=" + sys.prefix)
    assert proc.returncode == 0, proc.stderr
    notebooks = sorted((ROOT / "notebooks").rglob("*.ipynb"))
    assert notebooks
    for nb in notebooks:
        rel = nb.relative_to(ROOT / "notebooks")
        assert f"build/notebooks/smoke/{rel}" in proc.stdout


# ------------------------------------------------------------------ notebook parameters
from snnlab import nbrun  # noqa: E402
from snnlab.notebook import NotebookParameterError, check_type, pick, setup  # noqa: E402


def _write_nb(path: Path, params_src: str, profiles: dict | None = None):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params_src)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(T * 2)")]
    nbformat.write(nb, str(path))
    if profiles is not None:
        (path.parent / "profiles.yaml").write_text(yaml.safe_dump({path.name: profiles}))
    return path


def test_wrong_parameter_type_fails_with_the_value(tmp_path):
    nb = _write_nb(tmp_path / "x.ipynb", "profile = 'smoke'\nT = 4\nlr = 0.1\nseeds = [0, 1]\n")
    with pytest.raises(NotebookParameterError, match=r"'T' = 'abc' has type str; expected int"):
        nbrun.resolve_parameters(nb, "quick", {"T": "abc"})
    with pytest.raises(NotebookParameterError, match=r"element 1 is 'x'"):
        nbrun.resolve_parameters(nb, "quick", {"seeds": [0, "x"]})
    with pytest.raises(NotebookParameterError, match=r"unknown parameter 'Tt'"):
        nbrun.resolve_parameters(nb, "quick", {"Tt": 3})
    ok = nbrun.resolve_parameters(nb, "quick", {"lr": 1, "T": 8})
    assert ok == {"lr": 1.0, "T": 8, "profile": "quick"} and isinstance(ok["lr"], float)


def test_profile_overrides_come_from_yaml_and_are_checked(tmp_path):
    nb = _write_nb(tmp_path / "x.ipynb", "profile = 'smoke'\nT = 4\n", {"quick": {"T": 16}, "paper": {"T": "x"}})
    assert nbrun.resolve_parameters(nb, "quick") == {"T": 16, "profile": "quick"}
    assert nbrun.resolve_parameters(nb, "smoke") == {"profile": "smoke"}
    with pytest.raises(NotebookParameterError, match="'T' = 'x'"):
        nbrun.resolve_parameters(nb, "paper")
    with pytest.raises(NotebookParameterError, match="valid profiles: smoke, quick, paper"):
        nbrun.resolve_parameters(nb, "nonsense")


def test_nbrun_cli_fails_at_once_on_bad_parameter(tmp_path, capsys):
    nb = _write_nb(tmp_path / "x.ipynb", "profile = 'smoke'\nT = 4\n")
    assert nbrun.main([str(nb), "--profile", "quick", "-p", "T=abc"]) == 2
    err = capsys.readouterr().err
    assert "'T' = 'abc'" in err and "expected int" in err
    assert nbrun.main(["--check-profile", "bogus"]) == 2
    assert "profile='bogus' is not a profile" in capsys.readouterr().err


def test_check_type_and_pick():
    assert check_type("x", 3, 1.0) == 3.0
    with pytest.raises(NotebookParameterError):
        check_type("flag", 1, True)
    with pytest.raises(NotebookParameterError):
        check_type("n", True, 1)
    assert pick("paper", smoke=1, quick=2) == 2
    assert pick("smoke", smoke=1, quick=2) == 1


def test_setup_validates_choices_and_positive(capsys):
    nb = setup("t", "smoke", {"surrogate": "rectangle", "widths": [0.5, 1.0]},
               choices={"surrogate": ["rectangle", "sigmoid"]}, positive=["widths"])
    assert nb.profile == "smoke"
    assert "profile smoke" in capsys.readouterr().out
    with pytest.raises(NotebookParameterError, match=r"'surrogate': 'box' is not valid; valid values: \['rectangle', 'sigmoid'\]"):
        setup("t", "smoke", {"surrogate": "box"}, choices={"surrogate": ["rectangle", "sigmoid"]}, quiet=True)
    with pytest.raises(NotebookParameterError, match=r"'widths': -1.0 must be a number > 0"):
        setup("t", "smoke", {"widths": [1.0, -1.0]}, positive=["widths"], quiet=True)
    with pytest.raises(NotebookParameterError, match="not a profile"):
        setup("t", "fast", {}, quiet=True)


def test_save_figure_results_and_index(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from snnlab import nbindex

    monkeypatch.setenv("SNNLAB_FIGURES", str(tmp_path / "figures"))
    monkeypatch.setenv("SNNLAB_BUILD", str(tmp_path / "build"))
    nb = setup("demo", "quick", {"T": 4}, quiet=True)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 2])
    df = pd.DataFrame({"t": [0, 1], "v": [1.0, 2.0]})
    nb.save_figure(fig, "curve", data=df, caption="A line", config={"T": 4})
    out = tmp_path / "figures" / "demo"
    for ext in ("png", "pdf", "csv", "json"):
        assert (out / f"curve.{ext}").stat().st_size > 0
    assert pd.read_csv(out / "curve.csv").equals(df)
    meta = json.loads((out / "curve.json").read_text())
    assert meta["profile"] == "quick" and meta["caption"] == "A line" and meta["config"] == {"T": 4}
    nb.results(spikes=3)
    res = nb.results(rate=0.25)
    assert res["spikes"] == 3 and res["rate"] == 0.25 and res["profile"] == "quick"
    # a run in another profile replaces, never mixes
    nb2 = setup("demo", "smoke", {}, quiet=True)
    assert "spikes" not in nb2.results(rate=0.5)
    with pytest.raises(ValueError, match="plotted data"):
        nb.save_figure(fig, "nodata", data=None, caption="x")
    assert nbindex.main([]) == 0
    html = (tmp_path / "build" / "index.html").read_text()
    assert "A line" in html and "profile: quick" in html and "curve.png" in html


# ------------------------------------------------------------------ profiles defined once; the paper dry run
def test_makefile_profiles_are_the_config_profiles():
    from snnlab.config import PROFILES

    line = next(l for l in (ROOT / "Makefile").read_text().splitlines() if l.startswith("PROFILES"))
    assert line.split(":=", 1)[1].split() == list(PROFILES)
    from snnlab import notebook

    assert notebook.PROFILES is PROFILES and nbrun.PROFILES is PROFILES


def test_make_paper_dryrun_uses_fake_data_and_its_own_folders():
    proc = _make("-n", "figures", "PROFILE=paper-dryrun", "VENV=" + sys.prefix)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"-m snnlab.papers.common --write-fake-data {ROOT}/build/paper-dryrun/data" in out
    assert "build/notebooks/paper-dryrun/clif/05_neuron_comparison.ipynb" in out
    assert "-m snnlab.nbindex --profile paper-dryrun" in out
    env = _make("-n", "-p", "figures", "PROFILE=paper-dryrun", "VENV=" + sys.prefix).stdout
    for var, sub in (("SNNLAB_DATA", "data"), ("SNNLAB_RUNS", "runs"), ("SNNLAB_FIGURES", "figures")):
        assert f"{var} := {ROOT}/build/paper-dryrun/{sub}" in env, var


def test_paper_dryrun_takes_the_paper_overrides_updated_by_its_own(tmp_path):
    nb = _write_nb(tmp_path / "x.ipynb", "profile = 'smoke'\nT = 4\nseeds = [0]\n",
                   {"paper": {"T": 16, "seeds": [1, 2, 3]}, "paper-dryrun": {"seeds": [1]}})
    assert nbrun.resolve_parameters(nb, "paper-dryrun") == {"T": 16, "seeds": [1], "profile": "paper-dryrun"}
    nb2 = _write_nb(tmp_path / "y.ipynb", "profile = 'smoke'\nT = 4\n", {"paper": {"T": 16}})
    assert nbrun.resolve_parameters(nb2, "paper-dryrun") == {"T": 16, "profile": "paper-dryrun"}
    assert pick("paper-dryrun", smoke=1, paper=3) == 3 and pick("paper-dryrun", paper=3, paper_dryrun=4) == 4


def test_dry_run_figures_are_stamped_and_kept_apart(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from snnlab import nbindex

    monkeypatch.setenv("SNNLAB_FIGURES", str(tmp_path / "figures"))
    monkeypatch.setenv("SNNLAB_BUILD", str(tmp_path / "build"))
    nb = setup("demo", "paper-dryrun", {}, quiet=True)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 2])
    nb.save_figure(fig, "curve", data=pd.DataFrame({"t": [0, 1]}), caption="A line")
    out = tmp_path / "figures" / "paper-dryrun" / "demo"
    meta = json.loads((out / "curve.json").read_text())
    assert meta["dry_run"] is True and meta["caption"].startswith("[DRY RUN") and meta["profile"] == "paper-dryrun"
    texts = [t.get_text() for t in fig.texts]
    assert any("DRY RUN" in t for t in texts) and any(t.startswith("DRY RUN") for t in texts)
    assert "dry_run" in nb.results(acc=0.1) and not (tmp_path / "figures" / "demo").exists()
    assert nbindex.main(["--profile", "paper-dryrun"]) == 0
    html = (tmp_path / "build" / "paper-dryrun" / "index.html").read_text()
    assert "curve.png" in html and "DRY RUN (profile paper-dryrun)" in html
    assert nbindex.main([]) == 0                                       # the real index does not show it
    assert "curve.png" not in (tmp_path / "build" / "index.html").read_text()
