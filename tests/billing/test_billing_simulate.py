"""``ott-server payments simulate`` against a running server: order, signed webhook, retries."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from server import keys
from server.__main__ import main
from server.billing.simulate import simulate
from tests.billing.conftest import SECRET, my_sub
from tests.helpers import register


async def test_simulate_subscribes_and_retries_are_duplicates(api: TestClient) -> None:
    user = await register(api)
    base = str(api.make_url("/"))
    deliveries = await simulate(base_url=base, secret=SECRET.encode(), token=user["access_token"], plan_id="annual",
                                deliveries=2)
    assert [d.body["status"] for d in deliveries] == ["processed", "duplicate"]
    me = await my_sub(api, user["access_token"])
    assert me["tier"] == "premium" and me["subscription"]["plan_id"] == "annual"


async def test_cli_simulate_pays_an_upgrade_and_a_failure(api: TestClient, capsys) -> None:  # type: ignore[no-untyped-def]
    user = await register(api)
    base = str(api.make_url("/"))
    common = ["payments", "simulate", "--url", base, "--secret", SECRET, "--token", user["access_token"]]
    assert await asyncio.to_thread(main, [*common, "--plan", "monthly", "--method", "card"]) == 0
    assert await asyncio.to_thread(main, [*common, "--plan", "quarterly", "--upgrade", "--fail"]) == 0
    assert await asyncio.to_thread(main, [*common, "--plan", "quarterly", "--upgrade"]) == 0
    out = capsys.readouterr().out
    assert out.count("HTTP 200 processed") == 3
    me = await my_sub(api, user["access_token"])
    assert me["subscription"]["plan_id"] == "quarterly" and me["subscription"]["payment_method"] == "upi"
    statuses = [r["status"] for r in await api.app[keys.DB].fetch("SELECT status FROM payments ORDER BY created_at")]
    assert statuses == ["captured", "failed", "captured"]
    bad = await asyncio.to_thread(main, [*common[:-2], "--token", user["access_token"], "--plan", "monthly"])
    assert bad == 2 and "409" in capsys.readouterr().err
    wrong_secret = ["payments", "simulate", "--url", base, "--secret", "nope", "--order-id", "order_x",
                    "--amount", "100"]
    assert await asyncio.to_thread(main, wrong_secret) == 2
