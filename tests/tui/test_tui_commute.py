"""End-to-end (#15): the long sample title under the ``commute`` schedule (4g 30 s → 2g 20 s → 3g 30 s → 4g),
driven with Textual's pilot against the real server, real headless mpv and the in-process shaping proxy.

The schedule starts once playback is steady on 4g (a full buffer). The switch log shows a switch down while
2g lasts and a switch up after it, and playback never stalls under the schedule. Only the order of events
is asserted: every wait is on a condition, bounded by ticks, never by time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.player.controller import FULL_BUFFER_S
from tui.player.stats import Switch

from .conftest import CLIP_SECONDS, ThreadedServer, make_account, make_app
from .helpers import (
    LONG_S,
    SIZE,
    choose_network,
    first_free_movie,
    log_in,
    make_long,
    play,
    screen_text,
    settle,
    wait_for,
)

pytestmark = pytest.mark.slow


def rank(name: str) -> int:
    """144p → 144 (renditions compare by height)."""
    return int(name.rstrip("p"))


async def test_long_title_under_commute_switches_down_for_2g_and_up_after_without_a_stall(
        tmp_path: Path, server: ThreadedServer) -> None:
    account = make_account(server)
    movie = first_free_movie(server, account)
    make_long(server, movie["id"])
    app = make_app(server.url, tmp_path, network_profile="4g")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        player = await play(pilot, app, movie)
        await wait_for(pilot, lambda: player.duration_s > LONG_S - CLIP_SECONDS)

        # the schedule starts once playback is steady on 4g (a full buffer): what is measured is the schedule
        await wait_for(pilot, lambda: player.stats.buffer_s >= FULL_BUFFER_S, tries=2400)
        stalls_before = player.stats.stalls  # only ever seen on a machine starved of CPU, right after the start
        await choose_network(pilot, app, "commute")
        proxy = app.shaper.proxy
        assert proxy is not None
        # when the schedule's 2g step begins, on the clock the switch log uses
        two_g_at = time.time() - (time.monotonic() - proxy.schedule_started) + (proxy.schedule.steps[0].duration_s or 0)

        timeline: list[str] = []
        t0 = time.monotonic()

        def app_probe() -> str:
            return f"{player.abr.probed_kbps:.0f}" if player.abr and player.abr.probed_kbps else "-"

        def note() -> None:
            st = player.stats
            line = (f"{st.network_step or st.network_profile} · {st.rendition} · pos {player.position_s:.0f} s · "
                    f"probe {app_probe()} · "
                    f"buffer {st.buffer_s:.1f} s · estimate {st.estimate_kbps:.0f} · stalls {st.stalls} · "
                    f"switches {len(st.switches)}")
            if not timeline or not timeline[-1].endswith(line):
                timeline.append(f"{time.monotonic() - t0:6.1f} s  {line}")

        def switched(after: float, down: bool) -> Switch | None:
            note()
            for s in player.stats.switches:
                if s.at >= after and (rank(s.to) < rank(s.frm)) == down:
                    return s
            return None

        async def until(what: str, predicate: Callable[[], object]) -> None:
            try:  # bounded by ticks (≥ 150 s), under pytest-timeout's 300 s: a failure shows the timeline
                await wait_for(pilot, predicate, tries=1500, step=0.1)
            except AssertionError:
                raise AssertionError(f"{what} never happened:\n" + "\n".join(timeline[-40:])) from None

        # 4g for 30 s, then 2g: the controller must step down while the link is slow
        await until("a switch down after 2g began", lambda: switched(two_g_at, down=True) is not None)
        down = switched(two_g_at, down=True)
        assert down is not None and down.at < two_g_at + (proxy.schedule.steps[1].duration_s or 0), \
            f"the switch down came after the 2g step: {down.line()}"
        # then 3g and 4g: back up, and the higher rendition reaches the screen
        await until("a switch up after the switch down", lambda: switched(down.at, down=False) is not None)
        up = switched(down.at, down=False)
        assert up is not None and up.at > down.at
        await until(f"{up.to} on screen", lambda: up.to in player.stats.rendition)
        await settle(pilot, stable_frames=1)
        text = screen_text(app)
        (tmp_path / "player-commute.txt").write_text(text, encoding="utf-8")
        (tmp_path / "timeline.txt").write_text("\n".join(timeline), encoding="utf-8")
        print(text)
        print("\n".join(s.line() for s in player.stats.switches))

        assert player.position_s < LONG_S - 1, "the title ended before the schedule was through"
        assert player.stats.stalls == stalls_before, \
            f"{player.stats.stalls - stalls_before} stall(s) under commute:\n" + "\n".join(timeline)
        assert f"{up.frm}→{up.to}" in text
