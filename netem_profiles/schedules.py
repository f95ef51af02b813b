"""Schedules (timelines of profiles), loading `schedules/*.toml`, and `rate_source`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from netem_profiles.profiles import (
    Profile,
    ProfileError,
    format_validation_error,
    list_profiles,
    load_profile,
    looks_like_path,
    profile_from_mapping,
    read_toml,
)
from netem_profiles.traces import MahimahiTrace

log = logging.getLogger(__name__)

SCHEDULES_DIR = Path(__file__).parent / "schedules"
TRACE_SUFFIXES = (".down", ".up", ".trace")


@dataclass(frozen=True)
class ScheduleStep:
    """One step of a schedule; `duration_s=None` means "until the end of time"."""

    profile: Profile
    duration_s: float | None


@dataclass(frozen=True)
class Schedule:
    """A timeline of profiles; `loop=True` restarts after the last step."""

    name: str
    steps: tuple[ScheduleStep, ...]
    loop: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if not self.steps:
            raise ProfileError(f"schedule {self.name!r}: no steps")
        for i, step in enumerate(self.steps):
            last = i == len(self.steps) - 1
            if step.duration_s is None and (not last or self.loop):
                raise ProfileError(
                    f"schedule {self.name!r}: steps.{i}.duration_s: required "
                    "(only the last step of a non-looping schedule may be open-ended)"
                )
            if step.duration_s is not None and step.duration_s <= 0:
                raise ProfileError(f"schedule {self.name!r}: steps.{i}.duration_s: must be > 0")

    @classmethod
    def constant(cls, profile: Profile) -> Schedule:
        """A one-step schedule that holds `profile` forever."""
        return cls(name=profile.name, steps=(ScheduleStep(profile, None),), loop=False)

    @property
    def cycle_s(self) -> float | None:
        """Total duration of the timed steps (None when the last step is open-ended)."""
        if self.steps[-1].duration_s is None:
            return None
        return sum(s.duration_s or 0.0 for s in self.steps)

    def step_at(self, t_seconds: float) -> tuple[int, float, float]:
        """(step index, step start time, time into the step) at `t_seconds` since start."""
        t = max(0.0, t_seconds)
        cycle = self.cycle_s
        base = 0.0
        if self.loop and cycle:
            base = (t // cycle) * cycle
            t -= base
        start = 0.0
        for i, step in enumerate(self.steps):
            if step.duration_s is None or t < start + step.duration_s:
                return i, base + start, t - start
            start += step.duration_s
        # non-looping schedule past its end: hold the last step
        last = len(self.steps) - 1
        last_start = start - (self.steps[last].duration_s or 0.0)
        return last, base + last_start, t - last_start

    def profile_at(self, t_seconds: float) -> Profile:
        """The profile in force `t_seconds` after the schedule started."""
        return self.steps[self.step_at(t_seconds)[0]].profile

    def next_change_after(self, t_seconds: float) -> float | None:
        """Time of the next step boundary after `t_seconds` (None if there is none)."""
        index, start, _ = self.step_at(t_seconds)
        duration = self.steps[index].duration_s
        if duration is None or (not self.loop and index == len(self.steps) - 1):
            return None
        return start + duration

    def down_kbps_at(self, t: float) -> float:
        """Downlink rate (kbit/s) at `t`; trace steps give the capacity of the 100 ms around
        `t` (for display: transfers use `bytes_between` / `transfer_end`, which are exact)."""
        index, _, into = self.step_at(t)
        profile = self.steps[index].profile
        if profile.trace:
            return MahimahiTrace.load(profile.trace).capacity_kbps_at(into)
        return profile.down_kbps

    def bytes_between(self, t0: float, t1: float) -> float:
        """Bytes the downlink delivers in [t0, t1): trace steps packet by packet, as `mm-link`."""
        from netem_profiles.delivery import schedule_bytes_between

        return schedule_bytes_between(self, t0, t1)

    def transfer_end(self, start: float, nbytes: float) -> float:
        """When `nbytes` asked at `start` on an idle downlink have left it (inf: never)."""
        from netem_profiles.delivery import schedule_transfer_end

        return schedule_transfer_end(self, start, nbytes)

    def rtt_ms_at(self, t: float) -> float:
        """Round-trip time (ms) at `t`."""
        return self.profile_at(t).rtt_ms


class RateSource(Protocol):
    """What ABR evaluators and pacers need: link figures as a function of time (s)."""

    def down_kbps_at(self, t: float) -> float:
        """Downlink rate in kbit/s at `t` seconds."""
        ...

    def rtt_ms_at(self, t: float) -> float:
        """Round-trip time in ms at `t` seconds."""
        ...


class _StepModel(BaseModel):
    """TOML shape of one schedule step."""

    model_config = ConfigDict(extra="forbid")

    profile: str | None = None
    trace: str | None = None
    inline: dict[str, Any] | None = None
    rtt_ms: float | None = Field(default=None, ge=0)
    duration_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_source(self) -> _StepModel:
        given = [x for x in (self.profile, self.trace, self.inline) if x is not None]
        if len(given) != 1:
            raise ValueError("exactly one of profile, trace, inline is required")
        return self


class _ScheduleModel(BaseModel):
    """TOML shape of a schedule file."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str = ""
    loop: bool = False
    steps: list[_StepModel] = Field(min_length=1)


def list_schedules() -> list[str]:
    """Names of the shipped schedules, sorted."""
    return sorted(p.stem for p in SCHEDULES_DIR.glob("*.toml"))


def _step_profile(step: _StepModel, *, origin: Path, index: int) -> Profile:
    """Resolve a step's profile (shipped name, file path, trace or inline table)."""
    where = f"{origin}: steps.{index}"
    if step.inline is not None:
        return profile_from_mapping(step.inline, origin=str(origin), default_name=f"step{index}")
    if step.trace is not None:
        path = Path(step.trace).expanduser()
        if not path.is_absolute():
            path = origin.parent / path
        trace = MahimahiTrace.load(path)
        return trace.as_profile(rtt_ms=step.rtt_ms or 0.0)
    assert step.profile is not None
    name = step.profile
    if looks_like_path(name) and not Path(name).is_absolute():
        name = str(origin.parent / name)
    try:
        profile = load_profile(name)
    except ProfileError as err:
        raise ProfileError(f"{where}.profile: {err}") from err
    if step.rtt_ms is not None:
        profile = profile.model_copy(update={"rtt_ms": step.rtt_ms})
    return profile


def load_schedule_file(path: Path) -> Schedule:
    """Load a schedule TOML file; a file holding a plain profile becomes a one-step schedule."""
    data = read_toml(path=path)
    if "steps" not in data:
        profile = profile_from_mapping(data, origin=str(path), default_name=path.stem)
        return Schedule.constant(profile)
    try:
        model = _ScheduleModel.model_validate(data)
    except ValidationError as err:
        raise ProfileError(format_validation_error(err, origin=str(path))) from err
    steps = tuple(
        ScheduleStep(_step_profile(s, origin=path, index=i), s.duration_s)
        for i, s in enumerate(model.steps)
    )
    return Schedule(
        name=model.name or path.stem, steps=steps, loop=model.loop, description=model.description
    )


def is_trace_path(name_or_path: str | Path) -> bool:
    """True when the argument points at a Mahimahi trace file."""
    text = str(name_or_path)
    return text.endswith(TRACE_SUFFIXES) or (looks_like_path(name_or_path) and not text.endswith(".toml"))


def load_schedule(name_or_path: str | Path | Profile | Schedule, *, rtt_ms: float = 0.0) -> Schedule:
    """Load a schedule by name or path; profiles and Mahimahi traces become one-step schedules.

    Lookup order for a bare name: shipped schedules, then shipped profiles.
    `rtt_ms` is only used for trace files (a trace carries no delay).
    """
    if isinstance(name_or_path, Schedule):
        return name_or_path
    if isinstance(name_or_path, Profile):
        return Schedule.constant(name_or_path)
    if is_trace_path(name_or_path):
        return Schedule.constant(MahimahiTrace.load(name_or_path).as_profile(rtt_ms=rtt_ms))
    if looks_like_path(name_or_path):
        return load_schedule_file(Path(name_or_path).expanduser())
    name = str(name_or_path)
    if name in list_schedules():
        return load_schedule_file(SCHEDULES_DIR / f"{name}.toml")
    if name in list_profiles():
        return Schedule.constant(load_profile(name))
    known = ", ".join(list_profiles() + list_schedules())
    raise ProfileError(f"unknown profile or schedule {name!r} (known: {known})")


def rate_source(name_or_path: str | Path | Profile | Schedule, *, rtt_ms: float = 0.0) -> Schedule:
    """A time-varying rate source (`down_kbps_at(t)`, `rtt_ms_at(t)`) for any profile,
    schedule or Mahimahi trace. `t` is seconds since the source started."""
    return load_schedule(name_or_path, rtt_ms=rtt_ms)
