"""Outgoing mail: rows in ``mail_outbox``, delivered over SMTP by a background sender.

Handlers only ``enqueue`` (inside their transaction). When ``OTT_SMTP_URL`` is set
(``smtp://host:port`` or ``smtps://user:pass@host:port``), each app process runs a sender that
claims pending rows with ``FOR UPDATE SKIP LOCKED`` (so several processes never send one mail
twice) and marks them sent, or records the error and retries later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import asyncpg
from aiohttp import web

from server import keys

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
POLL_S = 5.0
BATCH = 20


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    """Where and how to deliver: host, port, TLS and optional login."""

    host: str
    port: int
    ssl: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://[user:pass@]host[:port]`` (port 25) or ``smtps://...`` (port 465) → :class:`SmtpTarget`."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"OTT_SMTP_URL must look like smtp://host:port, not {url!r}")
    ssl = parts.scheme == "smtps"
    return SmtpTarget(host=parts.hostname, port=parts.port or (465 if ssl else 25), ssl=ssl,
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None)


async def enqueue(conn: asyncpg.Pool | asyncpg.Connection, *, to: str, subject: str, body: str, kind: str) -> int:
    """Queue one plain-text mail; returns its outbox id."""
    mail_id: int = await conn.fetchval(
        "INSERT INTO mail_outbox (to_address, subject, body, kind) VALUES ($1, $2, $3, $4) RETURNING id",
        to, subject, body, kind)
    return mail_id


def wake_sender(app: web.Application) -> None:
    """Tell this process's sender (if running) to look at the outbox now."""
    event = app.get(keys.MAIL_WAKEUP)
    if event is not None:
        event.set()


def _send_sync(target: SmtpTarget, message: EmailMessage) -> None:
    client: smtplib.SMTP = (smtplib.SMTP_SSL(target.host, target.port, timeout=10) if target.ssl
                            else smtplib.SMTP(target.host, target.port, timeout=10))
    with client:
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)


async def send_pending(pool: asyncpg.Pool, *, target: SmtpTarget, sender: str) -> int:
    """Deliver up to one batch of pending mail; returns how many were sent."""
    sent = 0
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "SELECT id, to_address, subject, body FROM mail_outbox WHERE sent_at IS NULL AND attempts < $1"
            " ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED", MAX_ATTEMPTS, BATCH)
        for row in rows:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = sender, row["to_address"], row["subject"]
            message.set_content(row["body"])
            try:
                await asyncio.to_thread(_send_sync, target, message)
            except (OSError, smtplib.SMTPException) as err:
                log.warning("mail %s to %s failed: %s", row["id"], row["to_address"], err)
                await conn.execute("UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                                   row["id"], str(err)[:1000])
                continue
            await conn.execute("UPDATE mail_outbox SET attempts = attempts + 1, sent_at = now(), last_error = NULL"
                               " WHERE id = $1", row["id"])
            sent += 1
    return sent


async def _run_sender(app: web.Application, target: SmtpTarget, event: asyncio.Event) -> None:
    settings = app[keys.SETTINGS]
    while True:
        try:
            while await send_pending(app[keys.DB], target=target, sender=settings.mail_from) == BATCH:
                pass
        except (OSError, asyncpg.PostgresError) as err:
            log.warning("mail sender pass failed: %s", err)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=POLL_S)
        event.clear()


async def sender_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: run the SMTP sender for the app's lifetime when ``smtp_url`` is set."""
    url = app[keys.SETTINGS].smtp_url
    if not url:
        yield
        return
    target = parse_smtp_url(url)
    event = asyncio.Event()
    app[keys.MAIL_WAKEUP] = event
    task = asyncio.create_task(_run_sender(app, target, event), name="mail-sender")
    event.set()
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
