"""Keep committed notebooks diff-friendly and nbval-checkable.

    python -m snnlab.nbclean notebooks/**/*.ipynb          # strip in place
    python -m snnlab.nbclean --check notebooks/**/*.ipynb  # exit 1 if a notebook is not clean
    python -m snnlab.nbclean --refresh notebooks/x.ipynb    # execute at the defaults, keep checked outputs

Policy (see README, "Contributing"): a committed notebook keeps outputs only in the cells marked
``# NBVAL_CHECK_OUTPUT`` (deterministic numbers that nbval compares in ``make test``; they carry a stable
execution count, their position among code cells, which nbval needs); every other output, every other
execution count and volatile metadata are removed. ``--refresh`` re-executes the notebook at its
default (smoke) parameters, in a scratch output folder, and stores the fresh outputs of the checked cells.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

MARK = "NBVAL_CHECK_OUTPUT"
KEEP_METADATA = {"kernelspec", "language_info"}


def is_checked(cell) -> bool:
    return cell.cell_type == "code" and MARK in cell.source


def clean(nb) -> bool:
    """Strip ``nb`` in place; return True if anything changed."""
    changed = False
    for key in list(nb.metadata):
        if key not in KEEP_METADATA:
            del nb.metadata[key]
            changed = True
    if "language_info" in nb.metadata:
        li = nb.metadata["language_info"]
        if li.get("version"):
            li.pop("version")
            changed = True
    ordinal = 0
    for cell in nb.cells:
        for key in list(cell.get("metadata", {})):
            if key not in ("tags",):
                del cell.metadata[key]
                changed = True
        if cell.cell_type != "code":
            continue
        ordinal += 1
        keep = is_checked(cell)
        # nbval skips comparing a cell without an execution count: checked cells get a stable one (their
        # position among code cells), every other cell none.
        count = ordinal if keep else None
        if cell.get("execution_count") != count:
            cell.execution_count = count
            changed = True
        new_outputs = []
        for out in cell.outputs if keep else []:
            if out.get("output_type") == "execute_result" and out.get("execution_count") != count:
                out["execution_count"] = count
                changed = True
            new_outputs.append(out)
        if new_outputs != cell.outputs:
            cell.outputs = new_outputs
            changed = True
    return changed


def problems(nb) -> list[str]:
    """Why a committed notebook is not clean (empty when it is)."""
    found = []
    import copy

    if clean(copy.deepcopy(nb)):
        found.append("has outputs outside '# NBVAL_CHECK_OUTPUT' cells, execution counts or volatile metadata "
                     "(run: python -m snnlab.nbclean <notebook>)")
    for i, cell in enumerate(nb.cells):
        if is_checked(cell) and not cell.outputs:
            found.append(f"cell {i} is marked {MARK} but has no stored output, so nbval would compare nothing "
                         "(run: python -m snnlab.nbclean --refresh <notebook>)")
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        found.append(f"needs exactly one cell tagged 'parameters' (has {len(tagged)})")
    return found


def refresh(path: Path) -> None:
    """Execute at the default parameters into a scratch folder and keep the checked outputs."""
    import nbformat
    import papermill as pm

    from snnlab.nbrun import _kernel_name

    with tempfile.TemporaryDirectory() as tmp:
        env = {"SNNLAB_FIGURES": f"{tmp}/figures", "SNNLAB_RUNS": f"{tmp}/runs"}
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        os.environ["SNNLAB_NOTEBOOK"] = str(path)
        try:
            out = Path(tmp) / path.name
            pm.execute_notebook(str(path), str(out), kernel_name=_kernel_name(), cwd=str(path.parent),
                                progress_bar=False)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        executed = nbformat.read(str(out), as_version=4)
    original = nbformat.read(str(path), as_version=4)
    # papermill may have added an injected-parameters cell: match cells by source
    by_source = {c.source: c for c in executed.cells if c.cell_type == "code"}
    for cell in original.cells:
        if is_checked(cell):
            cell.outputs = by_source[cell.source].outputs
    clean(original)
    nbformat.write(original, str(path))


def main(argv: list[str] | None = None) -> int:
    import nbformat

    ap = argparse.ArgumentParser(prog="python -m snnlab.nbclean", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--refresh", action="store_true")
    args = ap.parse_args(argv)
    bad = 0
    for path in args.notebooks:
        if args.refresh:
            refresh(path)
            print(f"refreshed {path}")
            continue
        nb = nbformat.read(str(path), as_version=4)
        if args.check:
            for p in problems(nb):
                print(f"{path}: {p}")
                bad += 1
        elif clean(nb):
            nbformat.write(nb, str(path))
            print(f"cleaned {path}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
