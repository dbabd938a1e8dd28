"""Execute a notebook headlessly with papermill at a named profile.

    python -m snnlab.nbrun notebooks/ilif/02_gamma_theory.ipynb --profile quick [-p T=8 -p seeds=[0,1]]
    python -m snnlab.nbrun --check-profile quick

The profile's parameter overrides come from ``profiles.yaml`` beside the notebook::

    02_gamma_theory.ipynb:
      quick: {T: 8, seeds: [0, 1, 2]}
      paper: {T: 32}
      paper-dryrun: {seeds: [0]}     # optional: the dry run takes the paper overrides, updated by its own

``-p key=value`` values are parsed by ``snnlab.config.parse_value``, the parser of ``python -m snnlab train
--set`` (``-p lr=1e-3`` is the float 0.001 in both).

Every override (from the YAML or ``-p``) is checked against the type of the parameter's default in the
notebook's ``parameters`` cell before anything runs, so a bad value fails at once with a message naming it.
The executed notebook goes to ``build/notebooks/<profile>/<path>.ipynb`` (plus an HTML rendering) with the
environment (torch, CUDA, device, snnlab revision) in its metadata under ``snnlab``.

Threads: under ``make -jN`` (read from ``MAKEFLAGS``) the notebook's kernel gets ``cpus // N`` threads (at least
1) through ``OMP_NUM_THREADS``, unless that is already set: N notebooks then share the machine instead of each
starting an OpenMP team as large as the machine, whose barriers wait on threads descheduled by the other
notebooks (measured on 2 cores beside a busy process: CLIF notebook 01's network simulations take 39 s with 2
threads and 29 s with 1; under ``make -j2 figures`` that cell took 196 s, against 18 s alone).
"""
from __future__ import annotations

import argparse
import ast
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from snnlab.config import PROFILES
from snnlab.config import parse_assignments as _parse_assignments
from snnlab.notebook import NotebookParameterError, check_profile, check_type
from snnlab.paths import build_dir, repo_root
from snnlab.reproducibility import env_info

__all__ = ["notebook_parameters", "profile_overrides", "resolve_parameters", "make_jobs", "slot_threads", "execute",
           "main"]


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The ``parameters`` cell's names and default values (evaluated literals)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise NotebookParameterError(f"{path}: expected exactly one code cell tagged 'parameters', found {len(cells)}")
    params: dict[str, Any] = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                params[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError as exc:
                raise NotebookParameterError(
                    f"{path}: parameter {node.targets[0].id!r} must be a literal (number, string, list, dict), "
                    f"got {ast.unparse(node.value)!r}") from exc
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            params[node.target.id] = ast.literal_eval(node.value)
    if "profile" not in params:
        raise NotebookParameterError(f"{path}: the parameters cell must define profile = 'smoke'")
    return params


def profile_overrides(path: Path, profile: str) -> dict[str, Any]:
    """Overrides for ``profile`` from ``profiles.yaml`` beside the notebook (empty when none).

    ``paper-dryrun`` takes the ``paper`` overrides, updated key by key by its own entry when the notebook has one
    (the dry run executes the paper code paths; a notebook cuts its paper grid there if it needs to)."""
    check_profile(profile)
    spec = path.parent / "profiles.yaml"
    if not spec.exists():
        return {}
    table = yaml.safe_load(spec.read_text()) or {}
    if not isinstance(table, dict):
        raise NotebookParameterError(f"{spec}: expected a mapping notebook-file -> profile -> parameters")
    entry = table.get(path.name, {}) or {}
    unknown = set(entry) - set(PROFILES)
    if unknown:
        raise NotebookParameterError(f"{spec}: {path.name} names unknown profiles {sorted(unknown)}; valid: {PROFILES}")
    if profile == "paper-dryrun":
        return {**dict(entry.get("paper") or {}), **dict(entry.get("paper-dryrun") or {})}
    return dict(entry.get(profile) or {})


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """``-p key=value`` items, parsed like ``python -m snnlab train --set`` (``snnlab.config.parse_assignments``)."""
    try:
        return _parse_assignments(items, option="-p")
    except ValueError as exc:
        raise NotebookParameterError(str(exc)) from None


def resolve_parameters(path: Path, profile: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Profile overrides + ``extra``, type-checked against the notebook's defaults."""
    defaults = notebook_parameters(path)
    values = {**profile_overrides(path, profile), **(extra or {})}
    if "profile" in values and values["profile"] != profile:
        raise NotebookParameterError(
            f"{path.name}: profile={values['profile']!r} given as a parameter conflicts with the run's profile "
            f"{profile!r}; choose the profile with --profile {values['profile']} (make: PROFILE=...), not -p")
    checked = {}
    for name, value in values.items():
        if name not in defaults:
            raise NotebookParameterError(
                f"{path.name}: unknown parameter {name!r}; the notebook's parameters are {sorted(defaults)}")
        checked[name] = check_type(name, value, defaults[name])
    checked["profile"] = profile
    return checked


def default_output(path: Path, profile: str) -> Path:
    """``build/notebooks/<profile>/<path under notebooks/>``; a notebook elsewhere needs an explicit --out."""
    base = (repo_root() / "notebooks").resolve()
    try:
        rel = Path(path).resolve().relative_to(base)
    except ValueError:
        raise NotebookParameterError(f"{path} is not under {base}, so it has no default output path; give one "
                                     "with --out OUT.ipynb") from None
    return build_dir() / "notebooks" / profile / rel


def make_jobs(makeflags: str | None) -> int | None:
    """The job count of the ``make`` that runs us, from its ``MAKEFLAGS`` (``-j2``, ``-j 2``, ``--jobs=2``;
    ``-j`` alone is unlimited: 0); None when make runs one job at a time or did not start us."""
    words = (makeflags or "").split()
    jobs = None
    for i, w in enumerate(words):
        if w == "--jobs" or w.startswith("--jobs="):
            value = w.partition("=")[2] or (words[i + 1] if i + 1 < len(words) and words[i + 1].isdigit() else "")
        elif re.fullmatch(r"-j\d*", w):
            value = w[2:] or (words[i + 1] if i + 1 < len(words) and words[i + 1].isdigit() else "")
        else:
            continue
        jobs = int(value) if value else 0
    return None if jobs == 1 else jobs


def _cpus() -> int:
    """The CPUs this process may run on (its affinity mask, e.g. a container's or taskset's), else all of them."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def slot_threads(makeflags: str | None, cpus: int | None) -> int | None:
    """Threads for one notebook when ``make`` runs several jobs: ``cpus // jobs`` (at least 1; 1 for ``-j``
    without a limit); None when make runs one job at a time (torch's default: every core)."""
    jobs = make_jobs(makeflags)
    if jobs is None:
        return None
    return 1 if jobs == 0 else max(1, (cpus or 1) // jobs)


def execute(path: Path, profile: str, out: Path | None = None, extra: dict | None = None,
            kernel: str | None = None, html: bool = True) -> Path:
    import nbformat
    import papermill as pm

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"notebook {path} does not exist")
    params = resolve_parameters(path, profile, extra)
    out = Path(out) if out else default_output(path, profile)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        rel = str(path.resolve().relative_to(repo_root()))
    except ValueError:
        rel = str(path)
    os.environ["SNNLAB_NOTEBOOK"] = rel
    if profile == "paper-dryrun":  # the dry run reads fake datasets only, never the real ones
        os.environ["SNNLAB_DATA"] = str(_dryrun_data())
    os.environ.setdefault("MPLBACKEND", "Agg")
    threads = slot_threads(os.environ.get("MAKEFLAGS"), _cpus())
    if threads is not None and "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = str(threads)
    tmp = out.with_name(f".running.{out.name}")
    print(f"[nbrun] {rel} profile={profile} threads={os.environ.get('OMP_NUM_THREADS', 'all')} -> {out}", flush=True)
    try:
        pm.execute_notebook(str(path), str(tmp), parameters=params, kernel_name=kernel or _kernel_name(),
                            progress_bar=sys.stderr.isatty(), cwd=str(path.parent), log_output=False)
    except BaseException:
        if tmp.exists():
            failed = out.with_name(out.stem + ".failed.ipynb")
            os.replace(tmp, failed)
            print(f"[nbrun] FAILED: the partially executed notebook is {failed}", file=sys.stderr)
        raise
    nb = nbformat.read(str(tmp), as_version=4)
    nb.metadata["snnlab"] = {"profile": profile, "parameters": params, "source": rel, **env_info()}
    nbformat.write(nb, str(tmp))
    if html:  # the HTML goes in place first: the .ipynb (make's target) appears only when both are complete
        from nbconvert import HTMLExporter

        from snnlab.fileio import atomic_write_text

        body, _ = HTMLExporter().from_notebook_node(nb)
        atomic_write_text(out.with_suffix(".html"), body)
    os.replace(tmp, out)
    return out


def _dryrun_data() -> Path:
    """``SNNLAB_DATA`` when it already holds the fake datasets (the Makefile writes them), else the default
    dry-run data folder, written if missing (``snnlab.papers.common.ensure_fake_data``)."""
    from snnlab.papers.common import FAKE_DATA_STAMP, ensure_fake_data

    given = os.environ.get("SNNLAB_DATA")
    if given and (Path(given) / FAKE_DATA_STAMP).is_file():
        return Path(given)
    return ensure_fake_data()


def _kernel_name() -> str:
    """The 'snnlab' kernel registered by the Makefile, else the kernel of this interpreter."""
    from jupyter_client.kernelspec import KernelSpecManager

    return "snnlab" if "snnlab" in KernelSpecManager().find_kernel_specs() else "python3"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m snnlab.nbrun", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebook", nargs="*", type=Path)
    ap.add_argument("--profile", default="smoke")
    ap.add_argument("--out", type=Path, help="output notebook (one input notebook only)")
    ap.add_argument("-p", "--param", action="append", default=[], help="key=value (YAML value)")
    ap.add_argument("--kernel", default=None)
    ap.add_argument("--no-html", action="store_true")
    ap.add_argument("--check-profile", metavar="PROFILE", help="only check that PROFILE is valid")
    args = ap.parse_args(argv)
    try:
        if args.check_profile is not None:
            check_profile(args.check_profile)
            return 0
        check_profile(args.profile)
        extra = parse_assignments(args.param)
        if args.out and len(args.notebook) != 1:
            raise NotebookParameterError("--out needs exactly one notebook")
        for nb in args.notebook:  # validate everything before running anything
            resolve_parameters(nb, args.profile, extra)
            if args.out is None:
                default_output(nb, args.profile)
        for nb in args.notebook:
            execute(nb, args.profile, args.out, extra, kernel=args.kernel, html=not args.no_html)
    except NotebookParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
