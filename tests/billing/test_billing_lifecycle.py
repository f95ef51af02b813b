"""Subscription lifecycle over the API with the gateway's webhooks: subscribe, pay, upgrade,
downgrade at renewal, cancel with access to the period end, expiry, history and invoices."""

from __future__ import annotations

import uuid
from datetime import timedelta

from aiohttp.test_utils import TestClient

from server import keys
from server.billing.sweep import create_renewal_orders, expire_lapsed
from tests.billing.conftest import my_sub, pay, subscribe
from tests.helpers import auth, default_profile, register


async def test_plans_are_the_spec_prices_in_paise(api: TestClient) -> None:
    resp = await api.get("/api/v1/subscriptions/plans")
    assert resp.status == 200
    plans = {p["id"]: p for p in (await resp.json())["plans"]}
    assert {k: p["price_paise"] for k, p in plans.items()} == {"monthly": 29_900, "quarterly": 79_900,
                                                               "annual": 299_900}
    assert plans["annual"]["price_display"] == "₹2,999.00"
    assert plans["quarterly"]["discount_percent"] == 11 and plans["annual"]["discount_percent"] == 17
    assert {p["tier"] for p in plans.values()} == {"premium"}


async def test_subscribe_then_captured_payment_makes_the_account_premium(api: TestClient) -> None:
    user = await register(api)
    token = user["access_token"]
    assert (await my_sub(api, token))["tier"] == "free"
    order = await subscribe(api, token, "monthly")
    assert order["amount_paise"] == 29_900 and order["status"] == "created" and order["order_id"].startswith("order_")
    assert (await my_sub(api, token))["subscription"] is None, "nothing changes before the payment"
    answer = await pay(api, order)
    assert answer["status"] == "processed"
    me = await my_sub(api, token)
    sub = me["subscription"]
    assert me["tier"] == "premium" and sub["plan_id"] == "monthly" and sub["status"] == "active"
    assert sub["auto_renew"] is True and me["access_until"] == sub["end_date"]
    db = api.app[keys.DB]
    months = await db.fetchval("SELECT extract(month FROM age(end_date, start_date)) FROM subscriptions")
    assert months == 1
    history = await (await api.get("/api/v1/subscriptions/payments", headers=auth(token))).json()
    assert [(p["status"], p["amount_paise"], p["purpose"]) for p in history["payments"]] == [
        ("captured", 29_900, "new")]
    invoices = (await (await api.get("/api/v1/subscriptions/invoices", headers=auth(token))).json())["invoices"]
    assert len(invoices) == 1 and invoices[0]["amount_paise"] == 29_900 and invoices[0]["number"].startswith("INV-")
    one = await api.get(f"/api/v1/subscriptions/invoices/{invoices[0]['id']}", headers=auth(token))
    assert one.status == 200 and (await one.json())["period_end"] == sub["end_date"]
    other = await register(api)
    assert (await api.get(f"/api/v1/subscriptions/invoices/{invoices[0]['id']}",
                          headers=auth(other["access_token"]))).status == 404
    again = await api.post("/api/v1/subscriptions/subscribe", json={"plan_id": "annual"}, headers=auth(token))
    assert again.status == 409


async def test_tier_change_takes_effect_at_once_for_playback(api: TestClient) -> None:
    user = await register(api)
    token = user["access_token"]
    profile = await default_profile(api, token)
    content_id = await api.app[keys.DB].fetchval(
        "INSERT INTO content (type, title, workflow_state, tier_requirement, asset_id, asset_duration_s)"
        " VALUES ('movie', 'Premium Film', 'published', 'premium', 'testcard-10s', 10) RETURNING id::text")
    start = {"profile_id": profile["id"], "content_id": content_id}
    before = await api.post("/api/v1/stream/playback/start", json=start, headers=auth(token))
    assert before.status == 403 and (await before.json())["type"] == "/problems/upgrade-required"
    await pay(api, await subscribe(api, token, "quarterly"))
    after = await api.post("/api/v1/stream/playback/start", json=start, headers=auth(token))
    body = await after.json()
    assert after.status == 200, body
    assert body["ads"] == []


async def test_upgrade_is_prorated_and_immediate(api: TestClient) -> None:
    user = await register(api)
    token = user["access_token"]
    await pay(api, await subscribe(api, token, "monthly"))
    db = api.app[keys.DB]
    # Half of the month already used: move the period back by half its length.
    await db.execute("UPDATE subscriptions SET start_date = start_date - (end_date - start_date) / 2,"
                     " end_date = end_date - (end_date - start_date) / 2")
    resp = await api.post("/api/v1/subscriptions/change-plan", json={"plan_id": "annual"}, headers=auth(token))
    body = await resp.json()
    assert resp.status == 200 and body["kind"] == "upgrade", body
    order = body["order"]
    assert 14_900 <= order["credit_paise"] <= 15_000, order
    assert order["amount_paise"] == 299_900 - order["credit_paise"]
    await pay(api, order)
    me = await my_sub(api, token)
    assert me["subscription"]["plan_id"] == "annual" and me["tier"] == "premium"
    statuses = sorted(r["status"] for r in await db.fetch("SELECT status FROM subscriptions"))
    assert statuses == ["active", "superseded"]
    invoices = (await (await api.get("/api/v1/subscriptions/invoices", headers=auth(token))).json())["invoices"]
    assert invoices[0]["credit_paise"] == order["credit_paise"] and invoices[0]["description"].endswith("(upgrade)")


async def test_downgrade_applies_at_the_renewal(api: TestClient) -> None:
    user = await register(api)
    token = user["access_token"]
    await pay(api, await subscribe(api, token, "annual"))
    resp = await api.post("/api/v1/subscriptions/change-plan", json={"plan_id": "monthly"}, headers=auth(token))
    body = await resp.json()
    assert resp.status == 200 and body["kind"] == "downgrade" and body["order"] is None
    assert body["subscription"]["plan_id"] == "annual" and body["subscription"]["pending_plan_id"] == "monthly"
    db = api.app[keys.DB]
    end_before = await db.fetchval("SELECT end_date FROM subscriptions")
    assert await create_renewal_orders(db) == [], "not due yet"
    made = await create_renewal_orders(db, lead=timedelta(days=400))
    assert len(made) == 1
    assert await create_renewal_orders(db, lead=timedelta(days=400)) == [], "one renewal order per period"
    order = await db.fetchrow("SELECT id, plan_type, amount_paise FROM payment_orders WHERE id = $1", made[0])
    assert order["plan_type"] == "monthly" and order["amount_paise"] == 29_900
    await pay(api, {"order_id": order["id"], "amount_paise": order["amount_paise"]})
    sub = (await my_sub(api, token))["subscription"]
    assert sub["plan_id"] == "monthly" and sub["pending_plan_id"] is None
    months = await db.fetchval("SELECT extract(month FROM age(end_date, $1::timestamptz)) FROM subscriptions",
                               end_before)
    assert months == 1


async def test_cancel_keeps_access_until_the_period_ends_then_expires(api: TestClient) -> None:
    user = await register(api)
    token = user["access_token"]
    await pay(api, await subscribe(api, token, "monthly"))
    resp = await api.post("/api/v1/subscriptions/cancel", headers=auth(token))
    cancelled = await resp.json()
    assert resp.status == 200 and cancelled["status"] == "cancelled" and cancelled["auto_renew"] is False
    me = await my_sub(api, token)
    assert me["tier"] == "premium" and me["access_until"] == cancelled["end_date"]
    assert (await api.post("/api/v1/subscriptions/cancel", headers=auth(token))).status == 409
    db = api.app[keys.DB]
    assert await create_renewal_orders(db, lead=timedelta(days=400)) == [], "a cancelled plan is not renewed"
    # Undo with auto-renew, cancel again, then let the period end.
    undo = await api.put("/api/v1/subscriptions/auto-renew", json={"auto_renew": True}, headers=auth(token))
    assert undo.status == 200 and (await undo.json())["status"] == "active"
    assert (await api.post("/api/v1/subscriptions/cancel", headers=auth(token))).status == 200
    await db.execute("UPDATE subscriptions SET start_date = now() - interval '40 days', end_date = now() - interval"
                     " '1 second'")
    await db.execute("UPDATE users SET subscription_expires_at = now() - interval '1 second'")
    assert (await my_sub(api, token))["tier"] == "free", "expiry alone ends premium, before any sweep"
    assert await expire_lapsed(db) == 1
    assert await db.fetchval("SELECT status FROM subscriptions") == "expired"
    assert await db.fetchval("SELECT subscription_tier FROM users WHERE id = $1::uuid", user["user_id"]) == "free"
    # Subscribing again works once the old one is over.
    await pay(api, await subscribe(api, token, "monthly"))
    assert (await my_sub(api, token))["tier"] == "premium"


async def test_failed_payment_is_in_the_history_and_changes_no_tier(api: TestClient) -> None:
    user = await register(api)
    token = user["access_token"]
    order = await subscribe(api, token, "monthly")
    answer = await pay(api, order, captured=False)
    assert answer["status"] == "processed"
    assert (await my_sub(api, token))["tier"] == "free"
    history = (await (await api.get("/api/v1/subscriptions/payments", headers=auth(token))).json())["payments"]
    assert [p["status"] for p in history] == ["failed"] and history[0]["error_description"]
    assert (await (await api.get("/api/v1/subscriptions/invoices", headers=auth(token))).json())["invoices"] == []


async def test_wrong_amount_is_rejected(api: TestClient) -> None:
    user = await register(api)
    order = await subscribe(api, user["access_token"], "annual")
    answer = await pay(api, order, amount=100)
    assert answer["status"] == "rejected"
    assert (await my_sub(api, user["access_token"]))["tier"] == "free"


async def test_auto_renew_flag(api: TestClient) -> None:
    user = await register(api)
    token = user["access_token"]
    none = await api.put("/api/v1/subscriptions/auto-renew", json={"auto_renew": False}, headers=auth(token))
    assert none.status == 404
    await pay(api, await subscribe(api, token, "monthly", auto_renew=False))
    assert (await my_sub(api, token))["subscription"]["auto_renew"] is False
    assert await create_renewal_orders(api.app[keys.DB], lead=timedelta(days=400)) == []
    on = await api.put("/api/v1/subscriptions/auto-renew", json={"auto_renew": True}, headers=auth(token))
    assert on.status == 200 and (await on.json())["auto_renew"] is True


async def test_garbage_is_answered_with_problems(api: TestClient) -> None:
    token = (await register(api))["access_token"]
    h = auth(token)
    cases = [
        ("POST", "/api/v1/subscriptions/subscribe", {"json": {"plan_id": "weekly"}}, 422),
        ("POST", "/api/v1/subscriptions/subscribe", {"json": {"plan_id": "monthly", "x": 1}}, 422),
        ("POST", "/api/v1/subscriptions/subscribe", {"json": ["monthly"]}, 422),
        ("POST", "/api/v1/subscriptions/subscribe", {"data": b"{not json", "headers": {"Content-Type":
                                                                                       "application/json"}}, 400),
        ("POST", "/api/v1/subscriptions/change-plan", {"json": {"plan_id": "annual"}}, 409),
        ("POST", "/api/v1/subscriptions/cancel", {}, 409),
        ("PUT", "/api/v1/subscriptions/auto-renew", {"json": {"auto_renew": "maybe"}}, 422),
        ("GET", "/api/v1/subscriptions/invoices/not-a-uuid", {}, 404),
        ("GET", f"/api/v1/subscriptions/invoices/{uuid.uuid4()}", {}, 404),
        ("GET", "/api/v1/subscriptions/payments?limit=0", {}, 422),
        ("GET", "/api/v1/subscriptions/invoices?offset=-3", {}, 422),
    ]
    for method, path, kwargs, status in cases:
        headers = {**h, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        resp = await api.request(method, path, headers=headers, **kwargs)
        assert resp.status == status, (method, path, await resp.text())
        assert resp.content_type == "application/problem+json"
    for path in ("/api/v1/subscriptions/me", "/api/v1/subscriptions/invoices"):
        assert (await api.get(path)).status == 401


async def test_a_captured_payment_mails_a_confirmation_once(api: TestClient) -> None:
    user = await register(api)
    order = await subscribe(api, user["access_token"], "annual")
    event = await pay(api, order)
    assert event["status"] == "processed"
    db = api.app[keys.DB]
    mails = await db.fetch("SELECT to_address, subject, body FROM mail_outbox WHERE kind = 'payment_confirmation'")
    invoice = await db.fetchval("SELECT number FROM invoices")
    assert len(mails) == 1 and mails[0]["to_address"] == user["email"]
    assert "Premium Annual" in mails[0]["subject"] and invoice in mails[0]["body"] and "₹2,999" in mails[0]["body"]
