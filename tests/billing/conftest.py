"""Billing fixtures: a known webhook secret, no background sweep, and a signed-webhook helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.billing.signature import EVENT_ID_HEADER, SIGNATURE_HEADER, sign_body
from server.billing.simulate import payment_event
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import auth, register

SECRET = "whsec-test-billing"


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """The selected backend with a fixed webhook secret, cheap bcrypt and the sweep off (tests run it)."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4,
                         payment_webhook_secret=SECRET, billing_sweep_interval_s=0)


async def post_signed(api: TestClient, body: bytes, *, event_id: str | None, secret: str = SECRET,
                      signature: str | None = None) -> tuple[int, dict[str, Any]]:
    """POST a raw webhook body signed with ``secret`` (or the given signature)."""
    headers = {"Content-Type": "application/json",
               SIGNATURE_HEADER: signature if signature is not None else sign_body(secret=secret.encode(), body=body)}
    if event_id is not None:
        headers[EVENT_ID_HEADER] = event_id
    resp = await api.post("/api/v1/payments/webhook", data=body, headers=headers)
    return resp.status, await resp.json()


async def pay(api: TestClient, order: dict[str, Any], *, captured: bool = True, amount: int | None = None,
              payment_id: str | None = None) -> dict[str, Any]:
    """Deliver a signed payment event for ``order``; assert 200 and return the answer."""
    event_id, body = payment_event(order_id=order["order_id"], amount_paise=order["amount_paise"]
                                   if amount is None else amount, captured=captured, payment_id=payment_id)
    status, answer = await post_signed(api, body, event_id=event_id)
    assert status == 200, answer
    return answer


async def subscriber(api: TestClient) -> dict[str, Any]:
    """A registered account (the register body)."""
    return await register(api)


async def subscribe(api: TestClient, token: str, plan_id: str = "monthly", **extra: Any) -> dict[str, Any]:
    """Create the order for ``plan_id``; assert 201."""
    resp = await api.post("/api/v1/subscriptions/subscribe", json={"plan_id": plan_id, **extra}, headers=auth(token))
    body: dict[str, Any] = await resp.json()
    assert resp.status == 201, body
    return body


async def my_sub(api: TestClient, token: str) -> dict[str, Any]:
    """GET /subscriptions/me."""
    resp = await api.get("/api/v1/subscriptions/me", headers=auth(token))
    body: dict[str, Any] = await resp.json()
    assert resp.status == 200, body
    return body
