"""Re-export of :mod:`snnlab.config` (``RunConfig`` and the ``key=value`` parser live there, below the engine).

``from snnlab.experiments.config import RunConfig`` keeps working; new code imports from ``snnlab.config``.
"""
from __future__ import annotations

from snnlab.config import (HASHED_IF_SET, LOSS_NAMES, NOT_HASHED, OPTIMIZERS, PROFILES, SCHEDULES, RunConfig, parse_assignments,
                           parse_value)

__all__ = ["RunConfig", "NOT_HASHED", "HASHED_IF_SET", "PROFILES", "LOSS_NAMES", "OPTIMIZERS", "SCHEDULES", "parse_value",
           "parse_assignments"]
