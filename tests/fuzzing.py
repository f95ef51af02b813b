"""Schemathesis over the live OpenAPI document: a real server, an admin token and real ids.

Shared by the suite's bounded fuzz test (``tests/server/test_server_fuzz.py``) and the long run
(``benchmarks/fuzz.py``). :class:`LiveServer` runs the app on 127.0.0.1 in a thread of its own
(schemathesis calls it through ``requests``); :func:`seed_objects` makes the objects whose ids the path
parameters take (a published movie with packaged media, a show with a season and an episode, a
draft, a profile, an ad, a playback session, a victim account for role changes and logout);
:func:`fuzz` draws cases per operation, positive and negative, and runs each check on every answer,
counting passes and failures per check instead of stopping at the first.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server import keys
from server.app import create_app
from server.settings import Settings

T = TypeVar("T")
PASSWORD = "Sup3r-secret!"
#: The checks the suite asserts; the benchmark also counts the two conformance checks after them.
REQUIRED_CHECKS: dict[str, Callable[..., Any]] = {
    "not_a_server_error": not_a_server_error,
    "response_schema_conformance": response_schema_conformance,
}
#: Body and query fields that name a seeded object; about half the cases get the real id.
BODY_ID_FIELDS = frozenset({"profile_id", "content_id", "session_id", "ad_id", "episode_id"})
EXTRA_CHECKS: dict[str, Callable[..., Any]] = {
    "status_code_conformance": status_code_conformance,
    "content_type_conformance": content_type_conformance,
}


class LiveServer:
    """The app served on 127.0.0.1:<free port> by an event loop in a background thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.app = create_app(settings)
        self._runner = web.AppRunner(self.app, access_log=None)
        self._thread = threading.Thread(target=self.loop.run_forever, name="fuzz-server", daemon=True)
        self.base_url = ""

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        """Run ``coro`` on the server's loop and wait for its result."""
        fut: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return fut.result(timeout)

    def start(self) -> None:
        """Start the loop and the site; ``base_url`` is set when this returns."""
        self._thread.start()

        async def up() -> str:
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            host, port = self._runner.addresses[0][:2]
            return f"http://{host}:{port}"

        self.base_url = self.run(up())

    def stop(self) -> None:
        """Stop serving, close the stores and the loop."""
        self.run(self._runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def sql(self, query: str, *args: Any) -> Any:
        """``fetchval`` on the app's own pool."""
        return self.run(self.app[keys.DB].fetchval(query, *args))


@contextmanager
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """A started :class:`LiveServer`, stopped on exit."""
    server = LiveServer(settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Seeded:
    """What the fuzzer calls with: the admin's headers, ids per path parameter, per-operation headers."""

    admin_headers: dict[str, str]
    path_ids: dict[str, str]
    headers_for: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)


def _ok(resp: requests.Response, status: int) -> Any:
    assert resp.status_code == status, (resp.request.method, resp.url, resp.status_code, resp.text[:500])
    return resp.json() if resp.content else None


def _account(server: LiveServer, http: requests.Session, role: str | None = None) -> dict[str, Any]:
    email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
    body = _ok(http.post(f"{server.base_url}/api/v1/auth/register", json={"email": email, "password": PASSWORD}), 201)
    if role:
        server.sql("UPDATE users SET roles = array_append(roles, $2), email_verified_at = now() WHERE id = $1::uuid",
                   body["user_id"], role)
    return dict(body)


def seed_objects(server: LiveServer, *, asset_id: str, asset_seconds: float) -> Seeded:
    """Make the objects the path parameters point at; return the admin's headers and the ids."""
    base = f"{server.base_url}/api/v1"
    http = requests.Session()
    admin = _account(server, http, "admin")
    h = {"Authorization": f"Bearer {admin['access_token']}"}
    victim = _account(server, http)
    movie = server.sql(
        "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, asset_id,"
        " asset_duration_s, published_at) VALUES ('movie', 'Fuzz card', 'U', 'published', 'free', $1, $2, now())"
        " RETURNING id::text", asset_id, asset_seconds)
    show = _ok(http.post(f"{base}/cms/content", headers=h, json={"type": "tv_show", "title": "Fuzz show"}), 201)
    season = _ok(http.post(f"{base}/cms/content/{show['id']}/seasons", headers=h,
                           json={"season_number": 1, "title": "Season 1"}), 201)
    _ok(http.post(f"{base}/cms/content/{show['id']}/seasons/{season['id']}/episodes", headers=h,
                  json={"episode_number": 1, "title": "Pilot", "asset_id": asset_id}), 201)
    for action in ("submit-review", "approve", "publish"):
        _ok(http.post(f"{base}/cms/content/{show['id']}/{action}", headers=h, json={}), 200)
    ad = _ok(http.post(f"{base}/ads/inventory", headers=h,
                       json={"title": "Fuzz ad", "asset_id": asset_id, "duration_seconds": 5}), 201)
    profile = _ok(http.post(f"{base}/auth/profiles", headers=h, json={"name": "Fuzzed"}), 201)
    started = _ok(http.post(f"{base}/stream/playback/start", headers=h,
                            json={"profile_id": profile["id"], "content_id": movie, "device_type": "web"}), 200)
    ids = {"content_id": movie, "season_number": "1", "season_id": season["id"], "profile_id": profile["id"],
           "user_id": victim["user_id"], "ad_id": ad["id"], "session_id": started["session_id"],
           "a": "1", "b": "2", "n": "1"}
    victim_headers = {"Authorization": f"Bearer {victim['access_token']}"}
    return Seeded(admin_headers=h, path_ids=ids, headers_for={("POST", "/api/v1/auth/logout"): victim_headers,
                                                                 ("DELETE", "/api/v1/account"): victim_headers})


@dataclass
class Tally:
    """Counts of one fuzz run."""

    requests: int = 0
    checks: Counter[tuple[str, str]] = field(default_factory=Counter)   # (check, "passed"|"failed") → n
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    unsatisfiable: list[str] = field(default_factory=list)   # operations with no case of a mode
    seconds: float = 0.0

    def failed(self, check: str) -> int:
        """How many answers failed ``check``."""
        return self.checks[(check, "failed")]

    def table(self) -> str:
        """Counts per check as a Markdown table."""
        names = sorted({c for c, _ in self.checks})
        rows = [f"| {c} | {self.checks[(c, 'passed')]} | {self.checks[(c, 'failed')]} |" for c in names]
        return "\n".join(["| check | passed | failed |", "|---|---|---|", *rows])


def _ordered(schema: Any) -> list[Any]:
    ops = [r.ok() for r in schema.get_all_operations()]
    # Destructive calls last, so the real ids stay valid for as long as possible.
    return sorted(ops, key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))


def fuzz(server: LiveServer, seeded: Seeded, *, examples: int, negative_examples: int, seed_value: int = 0,
         checks: dict[str, Callable[..., Any]] | None = None, keep: int = 20,
         progress: Callable[[str, Tally], None] | None = None) -> Tally:
    """Draw ``examples`` positive and ``negative_examples`` negative cases per operation; run every check.

    Path parameters take the seeded real ids (generated ones where no id is known, and for half the
    cases of each operation so "not found" paths are fuzzed too); so do about half of the body and
    query fields named like one (``profile_id``, ``content_id``...). Each answer goes through every check;
    the first ``keep`` failures are kept as "METHOD path -> status: message" lines.
    """
    wanted = checks or REQUIRED_CHECKS
    doc = requests.get(f"{server.base_url}/api/v1/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(doc)
    http = requests.Session()
    tally = Tally()
    rng = random.Random(seed_value)
    started = time.monotonic()
    for op in _ordered(schema):
        names = [p.name for p in op.path_parameters]
        real = {n: seeded.path_ids[n] for n in names if n in seeded.path_ids}
        headers = seeded.headers_for.get((op.method.upper(), op.path), seeded.admin_headers)
        for mode, count in ((GenerationMode.POSITIVE, examples), (GenerationMode.NEGATIVE, negative_examples)):
            if count <= 0:
                continue
            strategies = [op.as_strategy(generation_mode=mode)]
            if real:
                strategies.append(op.as_strategy(generation_mode=mode, path_parameters=real))
            _run_cases(op, st.one_of(*strategies), count=count, seed_value=seed_value, http=http,
                       base_url=server.base_url, headers=headers, wanted=wanted, tally=tally, keep=keep,
                       seeded_ids=seeded.path_ids, rng=rng)
        if progress is not None:
            progress(f"{op.method.upper()} {op.path}", tally)
    tally.seconds = time.monotonic() - started
    return tally


def _real_ids(case: Any, ids: dict[str, str], rng: random.Random) -> None:
    """Put a real id into about half of the body/query fields named like a path parameter (profile_id...)."""
    for part in (case.body, case.query):
        if isinstance(part, dict):
            for name in BODY_ID_FIELDS & part.keys():
                if name in ids and rng.random() < 0.5:
                    part[name] = ids[name]


def _run_cases(op: Any, strategy: Any, *, count: int, seed_value: int, http: requests.Session, base_url: str,
               headers: dict[str, str], wanted: dict[str, Callable[..., Any]], tally: Tally, keep: int,
               seeded_ids: dict[str, str], rng: random.Random) -> None:
    @settings(max_examples=count, deadline=None, database=None, derandomize=False, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=strategy)
    def one(case: Any) -> None:
        _real_ids(case, seeded_ids, rng)
        try:
            response = case.call(base_url=base_url, session=http, headers=headers, timeout=30)
        except requests.RequestException as err:
            tally.checks[("transport", "failed")] += 1
            if len(tally.failures) < keep:
                tally.failures.append(f"{op.method.upper()} {case.formatted_path}: {err}")
            return
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        for name, check in wanted.items():
            try:
                case.validate_response(response, checks=[check])
            except Exception as err:
                tally.checks[(name, "failed")] += 1
                if len(tally.failures) < keep:
                    first = str(err).strip().splitlines()[:3]
                    tally.failures.append(f"{op.method.upper()} {case.formatted_path} -> {response.status_code}"
                                          f" [{name}] {' / '.join(first)}")
            else:
                tally.checks[(name, "passed")] += 1

    try:
        seed(seed_value)(one)()
    except Unsatisfiable:  # nothing to make invalid (e.g. no parameters at all in negative mode)
        tally.unsatisfiable.append(f"{op.method.upper()} {op.path}")
