"""Stage data of the load shapes (no Locust import: usable and testable anywhere).

Stages are fractions of the run (``-t``), of the user count (``-u``) and of the spawn rate
(``-r``), so one shape fits any size of run. The storm's stages also carry a network profile,
turned by `storm_schedule` into a netem schedule that starts with the test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netem_profiles import Schedule, ScheduleStep, load_profile

DEFAULT_RUN_S = 60.0


@dataclass(frozen=True, slots=True)
class Stage:
    """Until ``until`` × run time: ``users`` × -u users, spawned at ``spawn`` × -r; optional network."""

    until: float
    users: float
    spawn: float = 1.0
    network: str | None = None


def stage_at(stages: Sequence[Stage], fraction: float) -> Stage | None:
    """The stage in force at ``fraction`` of the run (None once the run is over)."""
    for stage in stages:
        if fraction < stage.until:
            return stage
    return None


def storm_schedule(stages: Sequence[Stage], *, run_s: float) -> Schedule:
    """The network timeline of ``stages`` (stages without a network keep the previous one)."""
    steps: list[ScheduleStep] = []
    start = 0.0
    current = "4g"
    for stage in stages:
        current = stage.network or current
        duration = max((stage.until - start) * run_s, 0.001)
        steps.append(ScheduleStep(load_profile(current), duration))
        start = stage.until
    last = steps[-1]
    steps[-1] = ScheduleStep(last.profile, None)  # hold the last network after the run
    return Schedule(name="storm-shape", steps=tuple(steps), loop=False,
                    description=" → ".join(s.profile.name for s in steps))


STEADY = (Stage(until=1.0, users=1.0),)
#: A staircase to all users over 80 % of the run, then hold.
RAMP = (Stage(0.2, 0.2), Stage(0.4, 0.4), Stage(0.6, 0.6), Stage(0.8, 0.8), Stage(1.0, 1.0))
#: A quarter of the users, a sudden spike to all of them (5× spawn rate), back to a quarter.
SPIKE = (Stage(0.3, 0.25), Stage(0.6, 1.0, spawn=5.0), Stage(1.0, 0.25, spawn=5.0))
#: All users; their links go 4g → 2g → 4g in thirds of the run.
STORM = (Stage(1 / 3, 1.0, network="4g"), Stage(2 / 3, 1.0, network="2g"), Stage(1.0, 1.0, network="4g"))
STAGES: dict[str, tuple[Stage, ...]] = {"steady": STEADY, "ramp": RAMP, "spike": SPIKE, "storm": STORM}
