"""The webhook secret shared with the payment gateway: configured, else made once in the data dir."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from server.settings import Settings

log = logging.getLogger(__name__)
SECRET_FILE = "payment_webhook_secret"  # noqa: S105 - a file name, not a secret


def webhook_secret(*, settings: Settings) -> bytes:
    """``payment_webhook_secret`` if set, else ``<data_dir>/payment_webhook_secret`` (created 0600 once)."""
    if settings.payment_webhook_secret:
        return settings.payment_webhook_secret.encode("utf-8")
    return _file_secret(data_dir=settings.data_dir)


def _file_secret(*, data_dir: Path) -> bytes:
    path = data_dir / SECRET_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32).encode("ascii")
    tmp = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(value)
    try:
        os.link(tmp, path)  # atomic: another process may have made it first
    except FileExistsError:
        value = path.read_bytes().strip()
    else:
        log.info("generated a payment webhook secret in %s", path)
    finally:
        tmp.unlink(missing_ok=True)
    return value
