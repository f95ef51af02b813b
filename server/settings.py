"""Server settings: environment variables with the ``OTT_`` prefix, plus an optional TOML file."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

APP_NAME = "ott-lowband"


def default_data_dir() -> Path:
    """Where the embedded databases, keys and sample media live when nothing else is said."""
    return Path(platformdirs.user_data_dir(APP_NAME))


class Settings(BaseSettings):
    """Every knob of the server. Read from ``OTT_*`` variables; see ``load_settings`` for TOML."""

    model_config = SettingsConfigDict(env_prefix="OTT_", extra="forbid", validate_default=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    data_dir: Path = Field(default_factory=default_data_dir)
    media_dir: Path | None = None
    public_base_url: str | None = None

    database_url: str | None = None
    redis_url: str | None = None
    mongo_url: str | None = None
    redis_namespace: str = "ott"
    db_pool_min: int = Field(default=1, ge=0)
    db_pool_max: int = Field(default=10, ge=1)

    smtp_url: str | None = None
    mail_from: str = "OTT Lowband <no-reply@ott-lowband.local>"
    require_verified_email: bool = False

    jwt_private_key: str | None = None
    jwt_public_key: str | None = None
    jwt_issuer: str = APP_NAME
    access_token_ttl_s: int = Field(default=15 * 60, ge=1)
    refresh_token_ttl_s: int = Field(default=7 * 24 * 3600, ge=1)
    refresh_grace_s: float = Field(default=10.0, ge=0)  # a refresh token used again this soon: same pair
    password_reset_ttl_s: int = Field(default=3600, ge=1)
    email_verify_ttl_s: int = Field(default=48 * 3600, ge=1)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    lockout_attempts: int = Field(default=5, ge=1)
    lockout_s: int = Field(default=15 * 60, ge=1)
    rate_limits_enabled: bool = True
    #: path pattern (exact, or prefix ending in ``*``) → (max requests, window seconds); spec §8.6
    rate_limits: dict[str, tuple[int, int]] = Field(default_factory=lambda: {
        "/api/v1/auth/login": (5, 15 * 60),
        "/api/v1/auth/register": (3, 3600),
        "/api/v1/catalog/*": (100, 60),
        "/api/v1/stream/*": (50, 60),
        "/api/v1/cms/*": (200, 60),
        "/api/v1/*": (100, 60),
    })

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["http://localhost:8080"])
    country_header: str = "X-Country-Code"
    #: CIDRs of the proxies whose X-Forwarded-For and country header are believed (server/proxies.py)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])
    default_country: str = "IN"
    url_signing_secret: str | None = None
    signed_url_ttl_s: int = Field(default=3600, ge=1)
    #: When set, a rendition's / audio track's URLs carry link tokens nginx checks itself (secure_link,
    #: deploy/nginx.conf, the same value there); unset: HMAC tokens only (server/streaming/signing.py).
    #: Letters, digits, ``_-`` only: it is pasted into nginx's config (e.g. ``openssl rand -hex 32``).
    media_link_secret: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{16,256}$")
    #: When set (e.g. "/protected-media/"), checked media requests are answered with an empty body and
    #: ``X-Accel-Redirect: <prefix><asset>/<file>`` so a fronting nginx sends the file (docker-compose.yml).
    media_accel_redirect: str | None = Field(default=None, pattern=r"^/([A-Za-z0-9._-]+/)+$")
    catalog_trending_interval_s: int = Field(default=300, ge=0)  # 0 = no background recompute
    cms_publish_interval_s: float = Field(default=30.0, ge=0)  # scheduled-publish check; 0 = off
    cms_upload_max_bytes: int = Field(default=8 * 1024**3, ge=1024)  # one video upload
    cms_import_max_bytes: int = Field(default=5 * 1024**2, ge=1024)  # one CSV import
    cms_job_concurrency: int = Field(default=1, ge=1, le=16)  # packaging jobs at once per process
    analytics_avod_cpm_paise: int = Field(default=15000, ge=0)  # AVOD revenue per 1000 ad impressions

    # business: payments (Razorpay-style webhooks), recommendations, ads
    payment_webhook_secret: str | None = None  # else <data_dir>/payment_webhook_secret (made once)
    payment_key_id: str = "rzp_test_ottlowband"
    billing_sweep_interval_s: int = Field(default=600, ge=0)  # renewals/expiry sweep; 0 = off
    recs_timeout_s: float = Field(default=2.0, ge=0)
    recs_cache_ttl_s: int = Field(default=900, ge=1)
    ads_enabled: bool = True
    ads_timeout_s: float = Field(default=1.0, ge=0)

    log_level: str = "INFO"
    log_json: bool = True
    client_max_size: int = Field(default=1024 * 1024, ge=1024)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.startswith("["):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.startswith("["):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            for item in value:
                ipaddress.ip_network(str(item).strip(), strict=False)  # ValueError names the bad entry
        return value

    @property
    def resolved_media_dir(self) -> Path:
        """The media directory: ``media_dir`` if set, else ``<data_dir>/media``."""
        return self.media_dir or self.data_dir / "media"

    @property
    def uses_embedded_postgres(self) -> bool:
        """True when no external PostgreSQL URL was given."""
        return not self.database_url

    @property
    def uses_embedded_redis(self) -> bool:
        """True when no external Redis URL was given."""
        return not self.redis_url


def load_settings(toml_path: Path | None = None, **overrides: Any) -> Settings:
    """Build settings: TOML file values, then ``OTT_*`` environment, then explicit overrides.

    The TOML file is ``toml_path`` or ``$OTT_CONFIG``; keys are the field names without prefix.
    """
    path = toml_path or (Path(os.environ["OTT_CONFIG"]) if os.environ.get("OTT_CONFIG") else None)
    file_values: dict[str, Any] = {}
    if path is not None:
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ValueError(f"cannot read settings file {path}: {err}") from err
    env_names = {f"OTT_{name.upper()}" for name in Settings.model_fields}
    from_env = {k for k in env_names if k in os.environ}
    # Environment wins over the file: drop file keys that the environment sets.
    merged = {k: v for k, v in file_values.items() if f"OTT_{k.upper()}" not in from_env}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**merged)
