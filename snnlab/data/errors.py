"""Errors raised by the data layer: a dataset that is not on disk, and a file that cannot be parsed."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

__all__ = ["DatasetNotFoundError", "CorruptDatasetError", "missing_message"]


class DatasetNotFoundError(FileNotFoundError):
    """The files of a dataset are not where snnlab looks for them (never raised after a network call
    unless ``download=True`` was asked for)."""


class CorruptDatasetError(RuntimeError):
    """A dataset file exists but is truncated or corrupted; the message names the file."""


def missing_message(name: str, split: str, expected: Path | str, missing: Iterable[str], how: str,
                    searched: Iterable[Path | str] = ()) -> str:
    """One message that says where the files were expected, which are missing and how to get them."""
    missing = list(missing)
    lines = [f"dataset {name!r} ({split}) is not available offline.",
             f"  expected folder: {expected}",
             "  missing files: " + (", ".join(missing) if missing else "(none listed)")]
    searched = [str(s) for s in searched]
    if searched:
        lines.append("  also searched: " + ", ".join(searched))
    lines.append("  how to get it: " + how)
    return "\n".join(lines)
