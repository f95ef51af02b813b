"""The gateway webhook: signature over the raw body, exactly-once per event id, bad bodies."""

from __future__ import annotations

import asyncio
import json

from aiohttp.test_utils import TestClient

from server import keys
from server.billing.signature import sign_body, verify_signature
from server.billing.simulate import payment_event
from tests.billing.conftest import SECRET, my_sub, post_signed, subscribe
from tests.helpers import register


async def _counts(api: TestClient) -> tuple[int, int, int, int]:
    db = api.app[keys.DB]
    row = await db.fetchrow(
        "SELECT (SELECT count(*) FROM payments) AS p, (SELECT count(*) FROM invoices) AS i,"
        " (SELECT count(*) FROM subscriptions) AS s, (SELECT count(*) FROM payment_webhook_events) AS e")
    return row["p"], row["i"], row["s"], row["e"]


def test_signature_is_hex_hmac_sha256_of_the_raw_body() -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert sign_body(secret=b"Jefe", body=b"what do ya want for nothing?") == expected
    assert verify_signature(secret=b"Jefe", body=b"what do ya want for nothing?", signature=expected.upper())
    assert not verify_signature(secret=b"Jefe", body=b"what do ya want for nothing!", signature=expected)
    assert not verify_signature(secret=b"Jefe", body=b"x", signature=None)


async def test_bad_signatures_are_400_and_change_nothing(api: TestClient) -> None:
    user = await register(api)
    order = await subscribe(api, user["access_token"])
    event_id, body = payment_event(order_id=order["order_id"], amount_paise=order["amount_paise"])
    good = sign_body(secret=SECRET.encode(), body=body)
    tampered = body.replace(b'"upi"', b'"card"')
    attempts = [
        (body, None, "wrong-secret"),           # signed with another secret
        (body, "", None),                       # empty signature header
        (body, "zz" * 32, None),                # not even hex
        (tampered, good, None),                 # body changed after signing
    ]
    for raw, signature, secret in attempts:
        status, problem = await post_signed(api, raw, event_id=event_id, signature=signature,
                                            secret=secret or SECRET)
        assert status == 400, problem
        assert problem["type"] == "/problems/bad-request"
    resp = await api.post("/api/v1/payments/webhook", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 400 and resp.content_type == "application/problem+json"
    assert await _counts(api) == (0, 0, 0, 0)
    assert (await my_sub(api, user["access_token"]))["tier"] == "free"
    # The same event correctly signed is then applied (a rejected attempt did not burn its id).
    status, answer = await post_signed(api, body, event_id=event_id)
    assert status == 200 and answer["status"] == "processed"


async def test_replayed_event_is_processed_once(api: TestClient) -> None:
    user = await register(api)
    order = await subscribe(api, user["access_token"])
    event_id, body = payment_event(order_id=order["order_id"], amount_paise=order["amount_paise"])
    answers = [await post_signed(api, body, event_id=event_id) for _ in range(3)]
    assert [a[1]["status"] for a in answers] == ["processed", "duplicate", "duplicate"]
    end = (await my_sub(api, user["access_token"]))["subscription"]["end_date"]
    assert await _counts(api) == (1, 1, 1, 1)
    # The same payment under a new event id (a gateway re-send) is also applied only once.
    payment_id = json.loads(body)["payload"]["payment"]["entity"]["id"]
    event2, body2 = payment_event(order_id=order["order_id"], amount_paise=order["amount_paise"],
                                  payment_id=payment_id)
    status, answer = await post_signed(api, body2, event_id=event2)
    assert status == 200 and answer["status"] in ("duplicate", "ignored")
    assert (await my_sub(api, user["access_token"]))["subscription"]["end_date"] == end
    assert (await _counts(api))[:3] == (1, 1, 1)


async def test_concurrent_duplicate_deliveries_apply_once(api: TestClient) -> None:
    user = await register(api)
    order = await subscribe(api, user["access_token"])
    event_id, body = payment_event(order_id=order["order_id"], amount_paise=order["amount_paise"])
    results = await asyncio.gather(*(post_signed(api, body, event_id=event_id) for _ in range(5)))
    statuses = sorted(r[1]["status"] for r in results)
    assert all(r[0] == 200 for r in results)
    assert statuses == ["duplicate"] * 4 + ["processed"]
    assert await _counts(api) == (1, 1, 1, 1)


async def test_signed_but_malformed_events_are_400(api: TestClient) -> None:
    bodies = [
        b"not json at all",
        b"[1, 2, 3]",
        json.dumps({"event": "payment.captured", "payload": {}}).encode(),
        json.dumps({"event": "payment.captured", "payload": {"payment": {"entity": {"id": "pay_1"}}}}).encode(),
        json.dumps({"event": "payment.captured", "payload": {"payment": {"entity": {
            "id": "pay_1", "order_id": "order_x", "amount": -5, "currency": "INR"}}}}).encode(),
        json.dumps({"payload": {}}).encode(),
    ]
    for body in bodies:
        status, problem = await post_signed(api, body, event_id="evt_bad")
        assert status == 400, (body, problem)
    status, problem = await post_signed(api, json.dumps({"event": "order.paid"}).encode(), event_id=None)
    assert status == 400, "an event without an id cannot be deduplicated"
    assert await _counts(api) == (0, 0, 0, 0)


async def test_unknown_events_and_orders_are_acknowledged(api: TestClient) -> None:
    status, answer = await post_signed(api, json.dumps({"event": "refund.created", "payload": {}}).encode(),
                                       event_id="evt_refund")
    assert status == 200 and answer["status"] == "ignored"
    _, body = payment_event(order_id="order_unknown", amount_paise=100)
    status, answer = await post_signed(api, body, event_id="evt_unknown_order")
    assert status == 200 and answer["status"] == "ignored"
    assert (await _counts(api))[:3] == (0, 0, 0)
