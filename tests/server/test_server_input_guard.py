"""The input guard (#16): text PostgreSQL cannot store, explicit nulls and over-long strings are a 422, never a 500.

Every input the outside tester found giving a 500 is replayed here: a NUL character in bodies (anonymous
login and password reset included) and in query strings, a lone surrogate in an activity event, explicit
nulls for NOT NULL ad fields and an over-long ``click_url``. The database's own constraint errors that can
still happen map to 409/422 problem+json, and none of these writes a traceback to the log.
"""

from __future__ import annotations

import errno
import json
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server import keys
from server.db_errors import client_error, is_unreachable
from server.errors import Conflict, ValidationFailed
from server.input_guard import find_unstorable, text_problem
from server.metrics import Metrics
from server.middlewares import error_middleware
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import auth, grant_role, new_viewer, register
from tests.streaming.conftest import ASSET_ID, MediaRoot, media_root  # noqa: F401 - shared fixture

NUL = "a\x00b"
SURROGATE = "a\ud800b"


async def admin_headers(api: TestClient) -> dict[str, str]:
    """A fresh account holding the admin role."""
    user = await register(api)
    await grant_role(api, user["user_id"], "admin")
    return auth(user["access_token"])


async def refused(resp: Any, field: str) -> dict[str, Any]:
    """Assert a 422 problem+json whose errors name ``field``; return the body."""
    body: dict[str, Any] = await resp.json(content_type=None)
    assert resp.status == 422, body
    assert resp.content_type == "application/problem+json"
    assert field in [e.get("field") for e in body.get("errors", [])], body
    return body


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing was logged with a traceback (and nothing at ERROR) while the requests ran."""
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [r.getMessage() for r in bad]


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str], media_root: MediaRoot) -> Settings:  # noqa: F811
    """The selected backend with the packaged test card (ads need a packaged creative)."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], media_dir=media_root.root)


def test_text_problem_names_nul_and_lone_surrogates() -> None:
    """NUL and lone surrogates are unstorable; ordinary and non-BMP text is fine."""
    assert text_problem("plain") is None
    assert text_problem("हिंदी 🎬") is None
    assert text_problem(NUL) is not None
    assert text_problem(SURROGATE) is not None
    assert find_unstorable({"a": [{"b": "ok"}, {"c": NUL}]}) == ("a.1.c", text_problem(NUL))
    assert find_unstorable({"ok": 1, NUL: 2})[0] == NUL  # type: ignore[index]


async def test_nul_in_anonymous_bodies_is_422(api: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    """Login and password-reset (no account needed) refuse a NUL with a 422 naming the field, no traceback."""
    caplog.set_level(logging.INFO)
    resp = await api.post("/api/v1/auth/login", json={"email": "x@example.com", "password": NUL})
    await refused(resp, "password")
    resp = await api.post("/api/v1/auth/login", json={"email": f"x{NUL}@example.com", "password": "whatever-1"})
    await refused(resp, "email")
    resp = await api.post("/api/v1/auth/password-reset/request", json={"email": f"{NUL}@example.com"})
    await refused(resp, "email")
    no_traceback(caplog)


async def test_nul_in_authenticated_bodies_is_422(api: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    """Profiles, CMS content/genres/people and the ad inventory refuse a NUL (body fields, nested ones too)."""
    caplog.set_level(logging.INFO)
    viewer = await new_viewer(api)
    resp = await api.patch(f"/api/v1/auth/profiles/{viewer.profile_id}", json={"name": NUL}, headers=viewer.headers)
    await refused(resp, "name")
    admin = await admin_headers(api)
    resp = await api.post("/api/v1/cms/content", json={"type": "movie", "title": NUL}, headers=admin)
    await refused(resp, "title")
    resp = await api.post("/api/v1/cms/content", json={"type": "movie", "title": "ok", "cast": [
        {"person_id": str(uuid.uuid4()), "character_name": NUL}]}, headers=admin)
    await refused(resp, "cast.0.character_name")
    resp = await api.post("/api/v1/cms/genres", json={"name": NUL, "slug": "nul-genre"}, headers=admin)
    await refused(resp, "name")
    resp = await api.post("/api/v1/cms/people", json={"name": NUL}, headers=admin)
    await refused(resp, "name")
    resp = await api.post("/api/v1/ads/inventory", json={"title": NUL, "asset_id": "ad1", "duration_seconds": 10},
                          headers=admin)
    await refused(resp, "title")
    no_traceback(caplog)


@pytest.mark.parametrize("path, name", [
    ("/api/v1/cms/content", "q"), ("/api/v1/cms/genres", "q"), ("/api/v1/cms/people", "q"),
    ("/api/v1/admin/users", "email"),
])
async def test_nul_in_query_strings_is_422(api: TestClient, caplog: pytest.LogCaptureFixture, path: str,
                                           name: str) -> None:
    """A ``%00`` in a query parameter is a 422 naming the parameter."""
    caplog.set_level(logging.INFO)
    admin = await admin_headers(api)
    resp = await api.get(f"{path}?{name}=a%00b", headers=admin)
    body = await refused(resp, name)
    assert body["errors"][0]["in"] == "query"
    no_traceback(caplog)


async def test_lone_surrogate_in_activity_event_is_422(api: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    r"""A ``\ud800`` escape in an event payload (valid JSON, invalid Unicode) is a 422 naming the field."""
    caplog.set_level(logging.INFO)
    viewer = await new_viewer(api)
    now = datetime.now(UTC).isoformat()
    event = {"type": "stall", "client_ts": now, "content_id": str(uuid.uuid4()),
             "payload": {"duration_ms": 5, "note": "x@y"}}
    raw = json.dumps({"profile_id": viewer.profile_id, "events": [event]}).replace("x@y", "x\\ud800y")
    resp = await api.post("/api/v1/activity/events", data=raw, headers={
        **viewer.headers, "Content-Type": "application/json"})
    await refused(resp, "events.0.payload.note")
    no_traceback(caplog)


@pytest.mark.parametrize("name", ["priority", "active", "skippable", "skip_after_seconds"])
async def test_explicit_null_for_not_null_ad_fields_is_422(api: TestClient, name: str) -> None:
    """``null`` for a NOT NULL column is refused by the model, on create and on update."""
    admin = await admin_headers(api)
    ad = {"title": "Ad", "asset_id": ASSET_ID, "duration_seconds": 5}
    resp = await api.post("/api/v1/ads/inventory", json={**ad, name: None}, headers=admin)
    await refused(resp, name)
    resp = await api.post("/api/v1/ads/inventory", json=ad, headers=admin)
    assert resp.status == 201, await resp.text()
    ad_id = (await resp.json())["id"]
    resp = await api.patch(f"/api/v1/ads/inventory/{ad_id}", json={name: None}, headers=admin)
    await refused(resp, name)


async def test_click_url_longer_than_its_column_is_422(api: TestClient) -> None:
    """``ads.click_url`` is VARCHAR(1000): 1,001 characters are a 422, 1,000 are stored."""
    admin = await admin_headers(api)
    resp = await api.post("/api/v1/ads/inventory", json={"title": "Ad", "asset_id": ASSET_ID, "duration_seconds": 5},
                          headers=admin)
    ad_id = (await resp.json())["id"]
    base = "https://ads.example/"
    resp = await api.patch(f"/api/v1/ads/inventory/{ad_id}", json={"click_url": base + "x" * (1001 - len(base))},
                           headers=admin)
    await refused(resp, "click_url")
    resp = await api.patch(f"/api/v1/ads/inventory/{ad_id}", json={"click_url": base + "x" * (1000 - len(base))},
                           headers=admin)
    assert resp.status == 200, await resp.text()


async def test_database_constraint_errors_map_to_409_and_422(api: TestClient) -> None:
    """Errors raised by the real database are classified as the client's: 409 for keys, 422 for data."""
    db = api.app[keys.DB]
    await db.execute("INSERT INTO genres (name, slug) VALUES ('Dup', 'dup')")
    caught: list[BaseException] = []
    for sql, *args in (("INSERT INTO genres (name, slug) VALUES ('Dup', 'dup')",),
                       ("SELECT $1::text", NUL),
                       ("INSERT INTO genres (name, slug) VALUES ($1, 'long')", "x" * 101),
                       ("INSERT INTO genres (name, slug) VALUES (NULL, 'null')",),
                       ("SELECT $1::text", SURROGATE)):
        with pytest.raises((asyncpg.PostgresError, UnicodeEncodeError)) as info:
            await db.execute(sql, *args)
        caught.append(info.value)
    kinds = [type(client_error(exc)) for exc in caught]
    assert kinds == [Conflict, ValidationFailed, ValidationFailed, ValidationFailed, ValidationFailed]


def test_only_connection_failures_are_unreachable() -> None:
    """A refused or reset connection is an outage; a full disk or a missing file is not."""
    assert is_unreachable(ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    assert is_unreachable(OSError("Multiple exceptions: [Errno 111] refused, [Errno 99] nope"))
    assert is_unreachable(OSError(errno.EHOSTUNREACH, "no route"))
    assert not is_unreachable(OSError(errno.ENOSPC, "No space left on device"))
    assert not is_unreachable(FileNotFoundError(errno.ENOENT, "missing"))
    assert not is_unreachable(PermissionError(errno.EACCES, "denied"))


def test_a_connection_broken_mid_operation_is_unreachable_only_on_its_release() -> None:
    """asyncpg's pool resets a connection on release; after a PostgreSQL restart that reset can fail with
    InternalClientError (seen in the restart fault test as a 500), and so can the next query on such a
    connection: an outage. Any other InternalClientError stays a defect (500)."""
    broken = "cannot switch to state 15; another operation (2) is in progress"
    pool_module: dict[str, Any] = {"__name__": "asyncpg.pool", "asyncpg": asyncpg, "broken": broken}
    exec("def release():\n    raise asyncpg.InternalClientError(broken)\n", pool_module)  # noqa: S102
    with pytest.raises(asyncpg.InternalClientError) as on_release:
        pool_module["release"]()
    assert is_unreachable(on_release.value)
    assert is_unreachable(asyncpg.InternalClientError(broken))  # the next query on such a connection too
    assert not is_unreachable(asyncpg.InternalClientError("unexpected codec state"))  # any other: a defect, 500


async def test_middleware_maps_only_connection_errors_to_503(aiohttp_client: Any) -> None:
    """The error middleware answers 503 for a refused connection but 500 for a disk error."""
    raised: dict[str, BaseException] = {
        "disk": OSError(errno.ENOSPC, "No space left on device"),
        "missing": FileNotFoundError(errno.ENOENT, "gone"),
        "refused": ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
    }

    async def boom(request: web.Request) -> web.Response:
        raise raised[request.match_info["what"]]

    app = web.Application(middlewares=[error_middleware])
    from prometheus_client import CollectorRegistry

    app[keys.METRICS] = Metrics.create(CollectorRegistry())
    app.router.add_get("/{what}", boom)
    client = await aiohttp_client(app)
    statuses = {name: (await client.get(f"/{name}")).status for name in raised}
    assert statuses == {"disk": 500, "missing": 500, "refused": 503}
