"""The TUI's settings file: TOML in the user config dir (server, network profile, keymap, languages, quality)."""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

log = logging.getLogger(__name__)

APP_NAME = "ott-lowband"
CONFIG_FILE = "tui.toml"
QUALITIES = ("auto", "108p", "144p", "360p", "480p", "720p", "1080p")
Quality = Literal["auto", "108p", "144p", "360p", "480p", "720p", "1080p"]


class ConfigError(ValueError):
    """The config file cannot be read or is invalid."""


def config_dir() -> Path:
    """Where ``tui.toml`` lives: ``$OTT_TUI_CONFIG_DIR`` or the platform's user config dir."""
    env = os.environ.get("OTT_TUI_CONFIG_DIR")
    return Path(env) if env else Path(platformdirs.user_config_dir(APP_NAME))


def cache_dir() -> Path:
    """The HTTP cache directory: ``$OTT_TUI_CACHE_DIR`` or the platform's user cache dir."""
    env = os.environ.get("OTT_TUI_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir(APP_NAME)) / "tui-http"


class TuiConfig(BaseModel):
    """Everything the user can set; unknown keys are refused so typos surface."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    server_url: str = "http://127.0.0.1:8080"
    network_profile: str = Field(default="off", description="netem profile for the player's traffic, or 'off'")
    shape_api: bool = Field(default=False, description="also send API traffic through the shaping proxy")
    audio_language: Literal["en", "hi"] = "en"
    subtitle_language: Literal["off", "en", "hi"] = "off"
    preferred_quality: Quality = "auto"
    vo: Literal["auto", "null", "tct", "gpu"] = "auto"
    images: bool = Field(default=False, description="fetch images (off: image-free for low bandwidth)")
    request_timeout_s: float = Field(default=20.0, gt=0, le=300)
    keymap: dict[str, str] = Field(default_factory=dict, description="binding id → key(s), e.g. player.stats = 'I'")

    @field_validator("server_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("server_url must start with http:// or https://")
        return value


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def dumps(config: TuiConfig) -> str:
    """The config as TOML text (flat keys, then a ``[keymap]`` table)."""
    data = config.model_dump()
    keymap = data.pop("keymap")
    lines = ["# ott-tui settings (see README.md, section 'ott-tui — the terminal client')"]
    lines += [f"{name} = {_toml_value(value)}" for name, value in data.items()]
    lines += ["", "[keymap]"]
    lines += [f'"{name}" = {_toml_value(keys)}' for name, keys in sorted(keymap.items())]
    return "\n".join(lines) + "\n"


def load_config(*, path: Path | None = None) -> TuiConfig:
    """Read the config file (defaults when it does not exist); ConfigError when it is unreadable or invalid."""
    target = path or config_dir() / CONFIG_FILE
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return TuiConfig()
    except OSError as err:
        raise ConfigError(f"cannot read {target}: {err}") from err
    try:
        return TuiConfig(**tomllib.loads(text))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{target} is not valid TOML: {err}") from err
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise ConfigError(f"{target}: {problems}") from err


def save_config(config: TuiConfig, *, path: Path | None = None) -> Path:
    """Write the config file atomically and return its path."""
    target = path or config_dir() / CONFIG_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(dumps(config), encoding="utf-8")
    tmp.replace(target)
    return target
