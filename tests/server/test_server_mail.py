"""Mail delivery over SMTP to a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiosmtpd.controller import Controller

from server import keys
from server.app import create_app
from server.mail import enqueue, parse_smtp_url, send_pending
from tests.conftest import make_settings, truncate_all
from tests.helpers import register


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd hook name
        """Store the message."""
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 and its inbox."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


async def _wait_for(predicate: Any, *, attempts: int = 200) -> None:
    for _ in range(attempts):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def test_registration_mail_is_delivered_over_smtp(aiohttp_client, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                        store_urls: tuple[str, str],
                                                        smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    settings = make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4,
                             smtp_url=f"smtp://127.0.0.1:{port}")
    api: TestClient = await aiohttp_client(create_app(settings))
    await truncate_all(api.app[keys.DB])
    user = await register(api, email="mailme@example.com")

    def mine() -> list[Message]:  # the sender may first flush mail left in the outbox by earlier tests
        return [m for m in inbox.messages if m["To"] == "mailme@example.com"]

    async def delivered() -> bool:
        return bool(mine())

    await _wait_for(delivered)
    assert len(mine()) == 1
    message = mine()[0]
    assert message["To"] == "mailme@example.com"
    assert message["Subject"] == "Confirm your email address"
    assert "no-reply@ott-lowband.local" in message["From"]
    assert "/verify-email?token=" in message.get_payload(decode=True).decode()

    async def marked_sent() -> bool:
        return bool(await api.app[keys.DB].fetchval(
            "SELECT sent_at IS NOT NULL FROM mail_outbox WHERE to_address = $1", user["email"]))

    await _wait_for(marked_sent)
    row = await api.app[keys.DB].fetchrow("SELECT attempts, last_error FROM mail_outbox WHERE to_address = $1",
                                          user["email"])
    assert row["attempts"] == 1 and row["last_error"] is None


async def test_unreachable_smtp_records_the_error_and_retries_later(api: TestClient) -> None:
    db = api.app[keys.DB]
    await enqueue(db, to="x@example.com", subject="s", body="b", kind="test")
    target = parse_smtp_url(f"smtp://127.0.0.1:{_free_port()}")
    assert await send_pending(db, target=target, sender="me@example.com") == 0
    row = await db.fetchrow("SELECT sent_at, attempts, last_error FROM mail_outbox")
    assert row["sent_at"] is None and row["attempts"] == 1 and row["last_error"]


async def test_send_pending_delivers_each_mail_once(api: TestClient, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    db = api.app[keys.DB]
    for n in range(3):
        await enqueue(db, to=f"r{n}@example.com", subject=f"s{n}", body="hello", kind="test")
    target = parse_smtp_url(f"smtp://127.0.0.1:{port}")
    first, second = await asyncio.gather(send_pending(db, target=target, sender="me@example.com"),
                                         send_pending(db, target=target, sender="me@example.com"))
    assert first + second == 3
    assert sorted(m["To"] for m in inbox.messages) == ["r0@example.com", "r1@example.com", "r2@example.com"]
    assert await send_pending(db, target=target, sender="me@example.com") == 0


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, False, None, None)),
    ("smtp://mail.example", ("mail.example", 25, False, None, None)),
    ("smtps://u%40x:p%3Aw@mail.example", ("mail.example", 465, True, "u@x", "p:w")),
])
def test_parse_smtp_url(url: str, expected: tuple[object, ...]) -> None:
    t = parse_smtp_url(url)
    assert (t.host, t.port, t.ssl, t.username, t.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25"])
def test_parse_smtp_url_rejects_garbage(url: str) -> None:
    with pytest.raises(ValueError, match="smtp://"):
        parse_smtp_url(url)
