"""The webhook secret shared with the payment gateway: configured, else made once in the data dir."""

from __future__ import annotations

from server.secret_files import load_or_create, random_secret
from server.settings import Settings

SECRET_FILE = "payment_webhook_secret"  # noqa: S105 - a file name, not a secret


def webhook_secret(*, settings: Settings) -> bytes:
    """``payment_webhook_secret`` if set, else ``<data_dir>/payment_webhook_secret`` (created 0600 once)."""
    if settings.payment_webhook_secret:
        return settings.payment_webhook_secret.encode("utf-8")
    return load_or_create(settings.data_dir / SECRET_FILE, make=random_secret(nbytes=32)).strip()
