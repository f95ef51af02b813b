"""Secrets kept in the data dir: read the file, else create it once (mode 0600), safely across processes."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def load_or_create(path: Path, *, make: Callable[[], bytes]) -> bytes:
    """The bytes of ``path``; if it does not exist, ``make()`` is written there first (0600) and returned.

    The file appears atomically with its whole content (written under a temporary name, then
    hard-linked into place), so processes starting together never read a half-written secret and
    all end up with the one that won.
    """
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(value)
    try:
        os.link(tmp, path)  # atomic: fails if another process made the file first
    except FileExistsError:
        value = path.read_bytes()
    else:
        log.info("generated %s", path)
    finally:
        tmp.unlink(missing_ok=True)
    return value


def random_secret(*, nbytes: int) -> Callable[[], bytes]:
    """A ``make`` for :func:`load_or_create`: a URL-safe random secret of ``nbytes`` bytes of entropy."""
    return lambda: secrets.token_urlsafe(nbytes).encode("ascii")
