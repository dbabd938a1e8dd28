"""What a notebook calls: parameter checks, profiles, the environment banner, figures and results.

A notebook's ``parameters`` cell holds CI-sized defaults and ``profile = "smoke"``. ``make figures`` runs it
through :mod:`snnlab.nbrun`, which injects the overrides of the chosen profile (``notebooks/<topic>/profiles.yaml``)
and checks their types before any cell runs. Inside the notebook::

    nb = snnlab.notebook.setup("ilif", profile, dict(T=T, gammas=gammas), choices={"surrogate": SURROGATES})
    ...
    nb.save_figure(fig, "gamma_sweep", data=df, caption="Firing rate against γ", config=cfg)
    nb.results(firing_rate=..., accuracy=...)

Figures land in ``figures/<topic>/<name>.{png,pdf,csv,json}`` (the JSON sidecar holds the caption, the
profile, the notebook, the parameters and the configuration; ``build/index.html`` is built from it) and the
headline numbers in ``figures/<topic>/results.json``. The paper dry run (profile ``paper-dryrun``) writes to
``figures/paper-dryrun/<topic>/`` instead, every figure watermarked, captioned and sidecar-flagged as a dry run
and ``results.json`` carrying ``dry_run``.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from snnlab.config import PROFILE_HELP, PROFILES, profile_chain

DRYRUN_PROFILE = "paper-dryrun"
from snnlab.fileio import atomic_write_text, file_lock
from snnlab.paths import figures_dir, repo_root
from snnlab.reproducibility import env_info, seed_everything

__all__ = ["PROFILES", "NotebookParameterError", "Notebook", "setup", "pick", "check_type"]



class NotebookParameterError(ValueError):
    """A notebook parameter has a bad value: the message names it, the value and what is valid."""


def check_profile(profile: Any) -> str:
    if profile not in PROFILES:
        raise NotebookParameterError(
            f"profile={profile!r} is not a profile; valid profiles: {', '.join(PROFILES)} "
            f"({'; '.join(f'{k}: {v}' for k, v in PROFILE_HELP.items())})")
    return profile


def _type_name(value: Any) -> str:
    return type(value).__name__


def check_type(name: str, value: Any, default: Any) -> Any:
    """Check that ``value`` has the type of the parameter's ``default`` (ints are accepted for floats).

    Returns the value (an int given for a float parameter is converted). Raises
    :class:`NotebookParameterError` naming the parameter, the bad value and the expected type.
    """
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            value = float(value)
    elif isinstance(default, (list, tuple)):
        ok = isinstance(value, (list, tuple))
        if ok and default:
            kinds = {type(d) for d in default}
            for i, v in enumerate(value):
                if not any(_compatible(v, k) for k in kinds):
                    raise NotebookParameterError(
                        f"parameter {name!r}: element {i} is {v!r} ({_type_name(v)}); expected "
                        f"{' or '.join(sorted(k.__name__ for k in kinds))} like the default {default!r}")
    elif isinstance(default, dict):
        ok = isinstance(value, dict)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise NotebookParameterError(
            f"parameter {name!r} = {value!r} has type {_type_name(value)}; expected {_type_name(default)} "
            f"(the default is {default!r})")
    return value


def _compatible(v: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if kind is int:
        return isinstance(v, int) and not isinstance(v, bool)
    return isinstance(v, kind)


def pick(profile: str, **per_profile: Any) -> Any:
    """Choose a value by profile: ``pick(profile, smoke=2, quick=20, paper=300)``.

    A profile that is not given falls back along ``snnlab.config.profile_chain`` (paper-dryrun -> paper -> quick
    -> smoke). Keyword names use ``_`` for ``-`` (``paper_dryrun=...``).
    """
    check_profile(profile)
    per_profile = {k.replace("_", "-"): v for k, v in per_profile.items()}
    for p in profile_chain(profile):
        if p in per_profile:
            return per_profile[p]
    raise NotebookParameterError(f"pick(): no value for profile {profile!r} or a smaller one; got {sorted(per_profile)}")


def _jsonable(obj: Any) -> Any:
    """Turn dataclasses, numpy/torch scalars and tensors, paths and sets into JSON values."""
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        if hasattr(obj, "to_dict"):
            return _jsonable(obj.to_dict())
        return _jsonable(dataclasses.asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # numpy arrays/scalars, torch tensors
        return obj.tolist()
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return repr(obj)


@dataclass
class Notebook:
    """Handle returned by :func:`setup`; writes figures and results for one topic."""

    topic: str
    profile: str
    params: dict
    seed: int
    notebook: str
    env: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)

    @property
    def dry_run(self) -> bool:
        """The paper dry run (profile ``paper-dryrun``): fake data, one or two optimiser steps per run."""
        return self.profile == DRYRUN_PROFILE

    @property
    def out_dir(self) -> Path:
        """``figures_dir()/<topic>``; the dry run's figures go to ``figures_dir()/paper-dryrun/<topic>``."""
        return figures_dir() / DRYRUN_PROFILE / self.topic if self.dry_run else figures_dir() / self.topic

    def label(self) -> str:
        """Short provenance label stamped on every figure."""
        dry = "DRY RUN (fake data, 1-2 steps per run) · " if self.dry_run else ""
        return f"{dry}snnlab {self.env.get('snnlab_revision', '?')} · profile: {self.profile} · {self.notebook}"

    def save_figure(self, fig, name: str, data, caption: str, config: Any = None, dpi: int = 150) -> Path:
        """Save ``fig`` as PNG and PDF, ``data`` (a DataFrame or a dict of columns) as CSV, plus a JSON sidecar.

        The figure is stamped with the profile and the snnlab revision; the sidecar names the notebook, the
        parameters and the configuration that produced it.
        """
        import pandas as pd

        if not name or any(c in name for c in "/\\ "):
            raise ValueError(f"figure name {name!r} must be a non-empty file stem without '/', '\\' or spaces")
        if data is None:
            raise ValueError(f"figure {name!r}: pass the plotted data (a DataFrame) so it is kept as CSV beside the figure")
        df = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
        out = self.out_dir
        out.mkdir(parents=True, exist_ok=True)
        fig.text(0.995, -0.01, self.label(), ha="right", va="top", fontsize=6, color="0.45")
        if self.dry_run:  # no reader may take a dry-run figure for a result
            fig.text(0.5, 0.5, "DRY RUN: fake data, not a result", ha="center", va="center", rotation=25,
                     fontsize=28, color="red", alpha=0.25, transform=fig.transFigure, zorder=1000)
            caption = "[DRY RUN: fake data, 1-2 optimiser steps per run; not a result] " + caption
        fig.savefig(out / f"{name}.png", dpi=dpi, bbox_inches="tight")
        fig.savefig(out / f"{name}.pdf", bbox_inches="tight")
        df.to_csv(out / f"{name}.csv", index=False)
        meta = {
            "name": name, "topic": self.topic, "caption": caption, "profile": self.profile, "dry_run": self.dry_run,
            "notebook": self.notebook, "parameters": self.params, "config": config, "env": self.env,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "files": {"png": f"{name}.png", "pdf": f"{name}.pdf", "csv": f"{name}.csv"},
        }
        atomic_write_text(out / f"{name}.json", json.dumps(_jsonable(meta), indent=2, sort_keys=True))
        self.figures.append(name)
        return out / f"{name}.png"

    def results(self, **values: Any) -> dict:
        """Merge headline numbers into ``figures/<topic>/results.json`` (safe under ``make -j``)."""
        path = self.out_dir / "results.json"
        with file_lock(path.with_name(f".{path.name}.lock")):
            current = json.loads(path.read_text()) if path.exists() else {}
            if current.get("profile") not in (None, self.profile):
                current = {}  # results of another profile are replaced, never mixed
            current["profile"] = self.profile
            if self.dry_run:
                current["dry_run"] = "fake data, 1-2 optimiser steps per run: not a result"
            sources = current.setdefault("sources", {})
            for key, value in values.items():
                current[key] = _jsonable(value)
                sources[key] = self.notebook
            atomic_write_text(path, json.dumps(current, indent=2, sort_keys=True))
        return current


def setup(topic: str, profile: str, params: Mapping[str, Any] | None = None, *, seed: int = 0,
          choices: Mapping[str, Iterable[Any]] | None = None, positive: Iterable[str] = (),
          quiet: bool = False) -> Notebook:
    """Validate a notebook's parameters, seed everything, print the environment banner.

    ``choices`` maps a parameter to its valid values (a list-valued parameter is checked element-wise);
    ``positive`` names numeric parameters (or lists of numbers) that must be > 0. Raises
    :class:`NotebookParameterError` naming the bad value and the valid ones.
    """
    check_profile(profile)
    params = dict(params or {})
    for name, valid in (choices or {}).items():
        valid = list(valid)
        value = params.get(name)
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v not in valid:
                raise NotebookParameterError(f"parameter {name!r}: {v!r} is not valid; valid values: {valid}")
    for name in positive:
        value = params.get(name)
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not v > 0:
                raise NotebookParameterError(f"parameter {name!r}: {v!r} must be a number > 0")
    seed_everything(seed)
    env = env_info()
    nb_name = os.environ.get("SNNLAB_NOTEBOOK", "interactive")
    nb = Notebook(topic=topic, profile=profile, params=_jsonable(params), seed=seed, notebook=nb_name, env=env)
    if not quiet:
        print(f"snnlab {env['snnlab_revision']} | profile {profile} ({PROFILE_HELP[profile]})")
        print(f"torch {env['torch']} | cuda {env['cuda']} | device {env['device']} | threads {env['cpu_threads']}")
        print(f"notebook {nb_name} | figures -> {_display_path(nb.out_dir)}")
        if params:
            print("parameters: " + ", ".join(f"{k}={v!r}" for k, v in params.items()))
    return nb


def _display_path(p: Path) -> str:
    try:
        return str(p.relative_to(repo_root()))
    except ValueError:
        return str(p)
