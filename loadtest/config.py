"""Mixes (network profile shares + user class weights), targets files, and duration strings."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from netem_profiles import ProfileError, Schedule, load_schedule

PACKAGE_DIR = Path(__file__).parent
MIXES_DIR = PACKAGE_DIR / "mixes"
DEFAULT_TARGETS = PACKAGE_DIR / "targets.toml"
USER_CLASSES = ("Viewer", "Browser", "AdViewer", "Editor")
#: User-class weights of a mix without a ``[users]`` table (Editors are rare: one CMS team per ~20 users).
DEFAULT_USERS = {"Viewer": 12.0, "Browser": 4.0, "AdViewer": 3.0, "Editor": 1.0}

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?!s))?\s*(?:(\d+(?:\.\d+)?)s?)?\s*$")


class ConfigError(ValueError):
    """A mix, targets file or option that cannot be used (the message says which and why)."""


def parse_duration(text: str) -> float:
    """Seconds in ``"90"``, ``"90s"``, ``"2m"``, ``"1m30s"`` or ``"1h"``; > 0."""
    m = _DURATION.match(str(text))
    if not m or not any(m.groups()):
        raise ConfigError(f"not a duration: {text!r} (examples: 20s, 2m, 1m30s, 1h)")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0 or not math.isfinite(total):
        raise ConfigError(f"duration must be > 0: {text!r}")
    return total


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror or err}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from err


def _pydantic_message(err: ValidationError, *, origin: str) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top)"
    return f"{origin}: {where}: {first['msg']}"


class _MixModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str = ""
    networks: dict[str, float] = Field(min_length=1)
    users: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_USERS))

    @field_validator("networks", "users")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        if any(w < 0 or not math.isfinite(w) for w in value.values()):
            raise ValueError("weights must be finite and >= 0")
        if sum(value.values()) <= 0:
            raise ValueError("at least one weight must be > 0")
        return value

    @field_validator("users")
    @classmethod
    def _known_users(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(USER_CLASSES))
        if unknown:
            raise ValueError(f"unknown user classes {unknown}; known: {list(USER_CLASSES)}")
        return value


@dataclass(frozen=True, slots=True)
class Mix:
    """Which networks viewers are on (name → weight) and how many of each user class (weights)."""

    name: str
    description: str
    networks: dict[str, float]
    users: dict[str, float]

    def schedule(self, network: str) -> Schedule:
        """The netem schedule of one network entry (a profile becomes a one-step schedule)."""
        return load_schedule(network)

    def user_weight(self, cls_name: str) -> int:
        """Locust ``weight`` of a user class (0 when the mix leaves it out)."""
        return round(self.users.get(cls_name, 0.0))


def mix_path(name_or_path: str) -> Path:
    """A mix file: a shipped mix name (``india``) or a path to a TOML file."""
    looks_like_path = "/" in name_or_path or name_or_path.endswith(".toml")
    return Path(name_or_path).expanduser() if looks_like_path else MIXES_DIR / f"{name_or_path}.toml"


def list_mixes() -> list[str]:
    """Names of the shipped mixes."""
    return sorted(p.stem for p in MIXES_DIR.glob("*.toml"))


def load_mix(name_or_path: str) -> Mix:
    """Load and check a mix: every network must be a netem profile, schedule or trace."""
    path = mix_path(name_or_path)
    if not path.is_file():
        raise ConfigError(f"no mix {name_or_path!r} (shipped: {', '.join(list_mixes())}; or give a .toml path)")
    try:
        model = _MixModel.model_validate(_read_toml(path))
    except ValidationError as err:
        raise ConfigError(_pydantic_message(err, origin=str(path))) from err
    networks: dict[str, float] = {}
    for network, weight in model.networks.items():
        try:
            load_schedule(network)
        except (ProfileError, OSError) as err:
            raise ConfigError(f"{path}: networks.{network}: {err}") from err
        if weight > 0:
            networks[network] = weight
    users = {k: v for k, v in model.users.items() if v > 0}
    return Mix(name=model.name or path.stem, description=model.description, networks=networks, users=users)


class NetworkPicker:
    """Deterministic smooth weighted round-robin over a mix's networks (nginx's algorithm).

    A handful of users already covers every network in proportion (random picks would not), and
    each process (local worker) follows the same sequence from its own ``offset``.
    """

    def __init__(self, weights: dict[str, float], *, offset: int = 0) -> None:
        """Cycle over ``weights`` (name → weight > 0), skipping the first ``offset`` picks."""
        if not weights:
            raise ConfigError("no networks to pick from")
        self.weights = dict(weights)
        self.current = dict.fromkeys(weights, 0.0)
        for _ in range(max(0, offset) % 1000):
            self.next()

    def next(self) -> str:
        """The next network."""
        total = sum(self.weights.values())
        for name, weight in self.weights.items():
            self.current[name] += weight
        best = max(self.current, key=lambda n: self.current[n])
        self.current[best] -= total
        return best


class TargetModel(BaseModel):
    """One target: a summary figure (``metric`` + ``stat``) that must not exceed ``max``."""

    model_config = ConfigDict(extra="forbid")

    name: str
    metric: str = Field(pattern=r"^(api|media|all|ads|cms|stream_start|bitrate_switch|rebuffer|avg_bitrate|ad_start)$")
    stat: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    max: float | None = None
    min: float | None = None
    profiles: list[str] | None = Field(default=None, description="per-profile metrics: which profiles (None: all)")
    require_data: bool = True
    source: str = ""


class _TargetsModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    target: list[TargetModel] = Field(min_length=1)


PER_PROFILE_METRICS = ("stream_start", "bitrate_switch", "rebuffer", "avg_bitrate", "ad_start")


def load_targets(path: Path) -> list[TargetModel]:
    """The ``[[target]]`` tables of a targets file (each needs ``max`` or ``min``)."""
    try:
        model = _TargetsModel.model_validate(_read_toml(path))
    except ValidationError as err:
        raise ConfigError(_pydantic_message(err, origin=str(path))) from err
    for t in model.target:
        if t.max is None and t.min is None:
            raise ConfigError(f"{path}: target {t.name!r}: give max or min")
        if t.profiles is not None and t.metric not in PER_PROFILE_METRICS:
            raise ConfigError(f"{path}: target {t.name!r}: profiles only apply to {', '.join(PER_PROFILE_METRICS)}")
    return model.target
