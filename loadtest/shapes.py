"""Locust load shapes built from the stage data in `loadtest.stages`: ramp, steady, spike, network storm."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from locust import LoadTestShape

from loadtest.stages import RAMP, SPIKE, STEADY, STORM, Stage, stage_at

DEFAULT_RUN_S = 60.0


class StagedShape(LoadTestShape):
    """A shape driven by `stages`; reads -u, -r and -t (``use_common_options``)."""

    abstract = True
    use_common_options = True
    stages: ClassVar[tuple[Stage, ...]] = STEADY

    def current_stages(self) -> Sequence[Stage]:
        """The stage data in use."""
        return self.stages

    def _options(self) -> tuple[float, int, float]:
        opts: Any = self.runner.environment.parsed_options if self.runner else None
        run_s = float(getattr(opts, "run_time", None) or DEFAULT_RUN_S)
        users = int(getattr(opts, "num_users", None) or 1)
        rate = float(getattr(opts, "spawn_rate", None) or 1.0)
        return run_s, users, rate

    def tick(self) -> tuple[int, float] | None:
        """(users, spawn rate) now, or None when the run is over."""
        run_s, users, rate = self._options()
        stage = stage_at(self.current_stages(), self.get_run_time() / run_s)
        if stage is None:
            return None
        return max(1, round(stage.users * users)), max(0.1, stage.spawn * rate)


class Steady(StagedShape):
    """All users for the whole run."""

    stages = STEADY


class Ramp(StagedShape):
    """A staircase to all users over 80 % of the run, then hold."""

    stages = RAMP


class Spike(StagedShape):
    """A quarter of the users, a sudden spike to all of them (5× spawn rate), back to a quarter."""

    stages = SPIKE


class NetworkStorm(StagedShape):
    """All users; their links go 4g → 2g → 4g in thirds of the run."""

    stages = STORM


SHAPES: dict[str, type[StagedShape]] = {"steady": Steady, "ramp": Ramp, "spike": Spike, "storm": NetworkStorm}
