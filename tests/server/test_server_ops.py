"""Ops endpoints, error format and middlewares, on both backends."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.app import create_app
from tests.conftest import make_settings


async def test_health_is_ok(api: TestClient) -> None:
    resp = await api.get("/health")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}


async def test_ready_checks_both_stores(api: TestClient) -> None:
    resp = await api.get("/ready")
    assert resp.status == 200
    assert await resp.json() == {"status": "ready", "postgres": True, "redis": True}


async def test_ready_reports_redis_down(aiohttp_client, tmp_path: Path,  # type: ignore[no-untyped-def]
                                        store_urls: tuple[str, str]) -> None:
    settings = make_settings(tmp_path, database_url=store_urls[0], redis_url="redis://127.0.0.1:1/0")
    client = await aiohttp_client(create_app(settings))
    resp = await client.get("/ready")
    assert resp.status == 503
    body = await resp.json()
    assert body["redis"] is False and body["postgres"] is True
    metrics = await (await client.get("/metrics")).text()
    assert 'ott_redis_errors_total{operation="ping"} 1.0' in metrics


async def test_unknown_route_is_problem_json_404(api: TestClient) -> None:
    resp = await api.get("/no/such/thing")
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"
    body = await resp.json()
    assert body["status"] == 404 and body["type"] == "/problems/not-found" and body["title"]


async def test_wrong_method_is_problem_json_405(api: TestClient) -> None:
    resp = await api.post("/health")
    assert resp.status == 405
    assert resp.content_type == "application/problem+json"
    assert "GET" in resp.headers["Allow"]


async def test_request_id_is_echoed_or_made(api: TestClient) -> None:
    resp = await api.get("/health", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["X-Request-ID"] == "abc-123"
    resp = await api.get("/health", headers={"X-Request-ID": "bad id with spaces\u00e9"})
    assert resp.headers["X-Request-ID"] != "bad id with spaces\u00e9"
    assert len(resp.headers["X-Request-ID"]) == 32


async def test_access_log_line_cannot_be_forged_through_the_path(api: TestClient,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="server.access"):
        resp = await api.get("/api/v1/nope%0A2024-01-01%20INFO%20server.access:%20GET%20/admin%20200")
    assert resp.status == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "server.access"]
    assert lines and all("\n" not in line and "\r" not in line for line in lines)
    assert "/api/v1/nope%0A2024" in lines[-1]


async def test_security_headers_on_success_and_error(api: TestClient) -> None:
    for path in ("/health", "/missing"):
        resp = await api.get(path)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert resp.headers["X-Frame-Options"] == "DENY"


async def test_cors_allows_listed_origin_only(api: TestClient) -> None:
    pre = {"Origin": "http://allowed.example", "Access-Control-Request-Method": "GET"}
    resp = await api.options("/health", headers=pre)
    assert resp.status == 204
    assert resp.headers["Access-Control-Allow-Origin"] == "http://allowed.example"
    resp = await api.options("/health", headers={**pre, "Origin": "http://evil.example"})
    assert resp.status == 403
    assert "Access-Control-Allow-Origin" not in resp.headers
    assert resp.content_type == "application/problem+json" and (await resp.json())["status"] == 403
    resp = await api.get("/health", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers


async def test_metrics_count_requests_by_route(api: TestClient) -> None:
    await api.get("/health")
    await api.get("/nowhere")
    text = await (await api.get("/metrics")).text()
    assert 'ott_http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
    assert 'status="404"' in text
    assert "ott_http_request_duration_seconds_bucket" in text
    assert "ott_db_pool_size" in text


async def test_openapi_lists_every_route(api: TestClient) -> None:
    doc = await (await api.get("/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    declared = {(s.method.lower(), re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", s.path)) for s in api.app[keys.ROUTES]}
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert declared == documented
    registered = {(r.method.lower(), r.resource.canonical) for r in api.app.router.routes()
                  if r.resource is not None and r.method != "HEAD"}
    assert registered <= documented


def test_default_password_cost_is_12() -> None:
    from server.auth.passwords import hash_password_sync
    from server.settings import Settings

    rounds = Settings(_env_file=None).bcrypt_rounds  # type: ignore[call-arg]
    assert rounds == 12
    assert hash_password_sync("Sup3r-secret!", rounds=rounds).startswith("$2b$12$")
