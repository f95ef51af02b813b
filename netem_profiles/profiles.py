"""Network profiles: the `Profile` model and loading/validating `profiles/*.toml`."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

PROFILES_DIR = Path(__file__).parent / "profiles"
MAX_KBPS = 10_000_000.0


class ProfileError(ValueError):
    """A profile, schedule or trace could not be found or is invalid."""


class Profile(BaseModel):
    """One network condition: rates, round-trip time, jitter and loss.

    `trace`, when set, is a Mahimahi file whose delivery opportunities replace
    `down_kbps` as the downlink capacity (`down_kbps` is then the trace mean).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    down_kbps: float = Field(gt=0, le=MAX_KBPS)
    up_kbps: float = Field(gt=0, le=MAX_KBPS)
    rtt_ms: float = Field(ge=0, le=60_000)
    jitter_ms: float = Field(default=0, ge=0, le=60_000)
    loss_pct: float = Field(default=0, ge=0, lt=100)
    source: str = Field(min_length=1)
    description: str = ""
    trace: str | None = None

    def rate_bytes_per_s(self, *, direction: str = "down") -> float:
        """Link rate in bytes per second for `direction` ("down" or "up")."""
        kbps = self.down_kbps if direction == "down" else self.up_kbps
        return kbps * 1000.0 / 8.0


def format_validation_error(err: ValidationError, *, origin: str) -> str:
    """One readable line naming the file and every offending field."""
    parts = []
    for item in err.errors():
        field = ".".join(str(p) for p in item["loc"]) or "<root>"
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = "unknown field"
        parts.append(f"{field}: {msg}")
    return f"{origin}: " + "; ".join(parts)


def profile_from_mapping(data: dict[str, Any], *, origin: str, default_name: str) -> Profile:
    """Validate a mapping (e.g. parsed TOML) into a `Profile`, errors naming `origin`."""
    data = dict(data)
    data.setdefault("name", default_name)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as err:
        raise ProfileError(format_validation_error(err, origin=origin)) from err
    if profile.trace is not None:
        trace_path = Path(profile.trace).expanduser()
        if not trace_path.is_absolute() and origin.endswith(".toml"):
            trace_path = Path(origin).parent / trace_path
        if not trace_path.is_file():
            raise ProfileError(f"{origin}: trace: file not found: {trace_path}")
        profile = profile.model_copy(update={"trace": str(trace_path)})
    return profile


def read_toml(*, path: Path) -> dict[str, Any]:
    """Parse a TOML file, translating IO/syntax errors to `ProfileError`."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as err:
        raise ProfileError(f"{path}: file not found") from err
    except tomllib.TOMLDecodeError as err:
        raise ProfileError(f"{path}: invalid TOML: {err}") from err
    except OSError as err:
        raise ProfileError(f"{path}: cannot read: {err.strerror}") from err


def looks_like_path(name_or_path: str | Path) -> bool:
    """True when the argument names a file rather than a shipped profile/schedule."""
    text = str(name_or_path)
    return isinstance(name_or_path, Path) or "/" in text or text.endswith(".toml")


def list_profiles() -> list[str]:
    """Names of the shipped profiles, sorted."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a shipped profile by name, or any profile TOML file by path."""
    if isinstance(name_or_path, Profile):
        return name_or_path
    if looks_like_path(name_or_path):
        path = Path(name_or_path).expanduser()
    else:
        path = PROFILES_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            known = ", ".join(list_profiles())
            raise ProfileError(f"unknown profile {name_or_path!r} (known: {known})")
    data = read_toml(path=path)
    return profile_from_mapping(data, origin=str(path), default_name=path.stem)
