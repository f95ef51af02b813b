"""One constructor for every rule the evaluator knows: the project's and the baselines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from media.abr.base import RULES
from media.abr.baselines import BASELINES, BaselineController
from media.abr.controller import AbrController

#: Every rule name `make_controller` accepts: the project's rules, then the baselines.
ALL_RULES: tuple[str, ...] = RULES + BASELINES


def make_controller(
    rule: str, ladder_kbps: Sequence[float], *, segment_s: float = 2.0, **overrides: Any
) -> AbrController | BaselineController:
    """A fresh controller for `rule` (a name from `ALL_RULES`) over `ladder_kbps`;
    `overrides` patch the project's rules' `AbrConfig` (ignored by the baselines)."""
    if rule in BASELINES:
        return BaselineController(ladder_kbps, rule=rule, segment_s=segment_s)
    if rule in RULES:
        return AbrController(ladder_kbps, rule=rule, segment_s=segment_s, **overrides)
    raise ValueError(f"unknown ABR rule {rule!r}; expected one of {ALL_RULES}")
