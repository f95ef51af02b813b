"""Ads, the account screen (payments) and the Recommended tray against the real server and real headless mpv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList, Static

from server import keys
from server.billing.secret import webhook_secret
from server.billing.simulate import simulate
from tui.app import OttApp
from tui.screens.account import AccountScreen
from tui.screens.home import HomeScreen
from tui.screens.player import PlayerScreen
from tui.widgets.ad_overlay import AdOverlay
from tui.widgets.tray import Tray

from .conftest import Account, ThreadedServer, free_port, make_account, make_app
from .helpers import SIZE, log_in, on_screen, wait_for

pytestmark = pytest.mark.slow
SKIP_AFTER_S = 5


def make_admin(server: ThreadedServer) -> Account:
    """An account with the admin role (set in the database, as ``ott-server grant-role`` does)."""
    admin = make_account(server)
    assert server.app is not None
    db = server.app[keys.DB]
    server.call(db.execute("UPDATE users SET roles = array_append(roles, 'admin') WHERE id = $1::uuid",
                           admin.user_id))
    return admin


@pytest.fixture
def ad(server: ThreadedServer) -> dict[str, Any]:
    """One skippable ad (skip after 5 s) whose creative is the packaged 8 s sample clip."""
    admin = make_admin(server)
    return server.post("/api/v1/ads/inventory", {
        "title": "Chai Time", "advertiser": "Chai Co", "asset_id": "testcard-10s", "duration_seconds": 8,
        "skippable": True, "skip_after_seconds": SKIP_AFTER_S, "click_url": "https://example.com/chai",
        "priority": 50}, token=admin.access_token)


def free_movie(server: ThreadedServer, account: Account) -> dict[str, Any]:
    """A free-tier movie of the seeded catalog."""
    items = server.get("/api/v1/catalog/content?type=movie&tier=free&sort=a-z&limit=5",
                       token=account.access_token)["content"]
    return dict(items[0])


def ad_events(server: ThreadedServer, session_id: str) -> list[dict[str, Any]]:
    """The tracking rows the server stored for a playback session's ads."""
    assert server.app is not None
    rows = server.call(server.app[keys.DB].fetch(
        "SELECT type, payload FROM engagement_events WHERE session_id = $1::uuid AND payload->>'source' = 'ad' "
        "ORDER BY id", session_id))
    return [{"type": r["type"], **r["payload"]} for r in rows]


async def play(pilot: Any, app: OttApp, movie: dict[str, Any]) -> PlayerScreen:
    """Open the player on ``movie``."""
    await app.push_screen(PlayerScreen(content_id=movie["id"], title=movie["title"]))
    await wait_for(pilot, lambda: on_screen(app, PlayerScreen))
    player = app.screen
    assert isinstance(player, PlayerScreen)
    return player


async def test_free_viewer_sees_pre_roll_cannot_seek_skips_after_5s_and_tracking_is_stored(
        tmp_path: Path, server: ThreadedServer, ad: dict[str, Any]) -> None:
    account = make_account(server)
    movie = free_movie(server, account)
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        player = await play(pilot, app, movie)
        await wait_for(pilot, lambda: player.ad is not None and player.ad.started, tries=2400)
        assert player.ad is not None
        assert player.ad.creative.ad_id == ad["id"] and player.ad.creative.skippable
        overlay = player.query_one(AdOverlay)
        assert overlay.active
        text = str(overlay.render())
        assert f"Ad 1 of {player.ad.count}" in text and "s left" in text and "Skip in" in text
        assert player.first_frame_at is None  # the content has not started under the ad

        # no seeking (nor speed changes) during the ad: the ad keeps playing where it was
        assert player.mpv is not None
        before = float(player.mpv.prop("time-pos", 0) or 0)
        await pilot.press("right", "right", "s")
        await pilot.pause(0.3)
        assert player.ad is not None and player.ad.creative.ad_id == ad["id"]
        assert float(player.mpv.prop("time-pos", 0) or 0) < before + SKIP_AFTER_S
        assert float(player.mpv.prop("speed", 1.0)) == 1.0
        assert player.tracker is not None and not any(e["type"] == "seek" for e in player.tracker.pending)

        # skipping is refused before 5 s of the ad have played ...
        if not player.ad.can_skip:
            await pilot.press("k")
            assert player.ad is not None and player.ad.creative.ad_id == ad["id"]
        # ... and allowed after them
        await wait_for(pilot, lambda: player.ad is not None and player.ad.can_skip, tries=2400)
        await wait_for(pilot, lambda: "Press k to skip" in str(overlay.render()), tries=100)
        session_id = player.tracker.ids["session_id"]
        await pilot.press("k")
        assert player.ad is None and not overlay.active
        await wait_for(pilot, lambda: player.stats.stream_start_ms is not None, tries=2400)
        assert player.ads is not None and player.ads.played == [ad["id"]]

        wanted = {"impression", "start", "firstQuartile", "midpoint", "skip"}
        await wait_for(pilot, lambda: wanted <= {e["event"] for e in ad_events(server, session_id)}, tries=200)
        events = ad_events(server, session_id)
        assert all(e["ad_id"] == ad["id"] for e in events)
        assert {"ad_start", "ad_quartile", "ad_skip"} <= {e["type"] for e in events}
        assert "complete" not in {e["event"] for e in events}
        listed = server.get(f"/api/v1/ads/inventory/{ad['id']}", token=make_admin(server).access_token)
        assert listed["current_impressions"] == 1
        await pilot.press("escape")


async def test_premium_viewer_gets_no_ads(tmp_path: Path, server: ThreadedServer, ad: dict[str, Any]) -> None:
    account = make_account(server)
    movie = free_movie(server, account)
    paid = await simulate(base_url=server.url, secret=webhook_secret(settings=server.settings),
                          token=account.access_token, plan_id="monthly")
    assert paid[0].status == 200
    assert server.get("/api/v1/subscriptions/me", token=account.access_token)["tier"] == "premium"
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        player = await play(pilot, app, movie)
        await wait_for(pilot, lambda: player.stats.stream_start_ms is not None, tries=2400)
        assert player.ads is not None and player.ads.played == [] and player.ad is None
        assert not player.query_one(AdOverlay).active
        assert player.tracker is not None
        assert ad_events(server, player.tracker.ids["session_id"]) == []
        await pilot.press("escape")


async def test_account_shows_plans_order_and_premium_after_payment_and_home_recommends(
        tmp_path: Path, server: ThreadedServer) -> None:
    account = make_account(server)
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        home = app.screen
        assert isinstance(home, HomeScreen)
        tray = home.query_one("#tray-recommended", Tray)
        await wait_for(pilot, lambda: bool(tray.items))
        assert tray.display and all(i.get("reason") for i in tray.items)
        first = str(home.query_one("#list-recommended", OptionList).get_option_at_index(0).prompt)
        assert tray.items[0]["reason"] in first

        await pilot.press("a")
        await wait_for(pilot, lambda: on_screen(app, AccountScreen) and app.screen.data.plans)  # type: ignore[attr-defined]
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        assert screen.tier == "free"
        plans = screen.query_one("#plans", OptionList)
        assert plans.option_count == 3
        assert "Premium Monthly" in str(plans.get_option_at_index(0).prompt)
        assert "FREE" in str(screen.query_one("#account-info", Static).render())

        plans.highlighted = 0
        await pilot.press("u")
        await wait_for(pilot, lambda: screen.order is not None)
        assert screen.order is not None
        order_text = str(screen.query_one("#order", Static).render())
        assert screen.order["order_id"] in order_text and "ott-server payments simulate" in order_text
        assert f"--amount {screen.order['amount_paise']}" in order_text

        paid = await simulate(base_url=server.url, secret=webhook_secret(settings=server.settings),
                              order_id=screen.order["order_id"], amount_paise=screen.order["amount_paise"])
        assert paid[0].status == 200
        await wait_for(pilot, lambda: screen.tier == "premium", tries=400)
        await wait_for(pilot, lambda: "PREMIUM" in str(screen.query_one("#account-info", Static).render()))
        assert "auto-renew on" in str(screen.query_one("#account-info", Static).render())

        await pilot.press("t")  # auto-renew off
        await wait_for(pilot, lambda: "auto-renew off" in str(screen.query_one("#account-info", Static).render()))
        await wait_for(pilot, lambda: "Premium Monthly" in str(screen.query_one("#invoices", Static).render())
                       or "monthly" in str(screen.query_one("#invoices", Static).render()).lower())


async def test_degraded_recommendations_still_render_as_trending(tmp_path: Path, server_settings: Any) -> None:
    srv = ThreadedServer(server_settings.model_copy(update={"recs_timeout_s": 0.0}), port=free_port())
    srv.start()
    try:
        account = make_account(srv)
        app = make_app(srv.url, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await log_in(pilot, app, email=account.email)
            tray = app.screen.query_one("#tray-recommended", Tray)
            await wait_for(pilot, lambda: bool(tray.items))
            assert tray.display and "trending" in tray.title
            assert all(i["reason"] == "Trending now" for i in tray.items)
    finally:
        srv.close()
