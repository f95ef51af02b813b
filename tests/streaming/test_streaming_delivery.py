"""The delivery estimate (server/streaming/delivery.py): pure, over request logs a player would produce."""

from __future__ import annotations

from server.streaming.delivery import (
    Request,
    delivery_estimate,
    delivery_gaps,
    delivery_samples,
    is_fill,
    paced_floor,
    rtt_from_log,
    session_rtt,
)
from server.streaming.throughput import MAX_REQUESTS, estimate_of


def filling_log(*, kbps: float, rtt_s: float, sizes: list[int], media_s: float = 2.0,
                playlist_bytes: int = 1_500) -> list[Request]:
    """A player fetching a playlist then segments back to back on a ``kbps`` link with ``rtt_s``."""
    t = 100.0
    log = [Request(at=t, nbytes=playlist_bytes)]
    t += rtt_s + playlist_bytes * 8 / (kbps * 1000)
    for size in sizes:
        log.append(Request(at=t, nbytes=size, media_s=media_s))
        t += rtt_s + size * 8 / (kbps * 1000)
    log.append(Request(at=t, nbytes=0))  # the next request closes the last gap
    return log


def test_back_to_back_fills_measure_the_link_on_every_profile() -> None:
    for kbps, rtt, size in ((280, 0.8, 20_000), (1_600, 0.3, 60_000), (9_000, 0.17, 400_000)):
        log = filling_log(kbps=kbps, rtt_s=rtt, sizes=[size] * 6)
        found = delivery_estimate(log)
        assert found is not None
        est, samples = found
        assert samples == 6
        assert 0.9 * kbps <= est <= 1.1 * kbps, (kbps, est)
        assert abs((rtt_from_log(log) or 0) - rtt) < 0.1


def test_a_player_waiting_on_a_full_buffer_is_not_a_measurement() -> None:
    log = filling_log(kbps=9_000, rtt_s=0.17, sizes=[400_000] * 3)
    t = log[-1].at
    for _ in range(5):  # steady state: one 2 s segment every 2 s, whatever the link
        log.insert(-1, Request(at=t, nbytes=400_000, media_s=2.0))
        t += 2.0
    log[-1] = Request(at=t, nbytes=0)
    est, samples = delivery_estimate(log) or (0.0, 0)
    assert samples == 3  # only the fills count
    assert est > 0.9 * 9_000


def test_slow_fills_count_and_pauses_do_not() -> None:
    assert is_fill(5.0, 2.0)  # a segment took longer than it plays: the player was waiting for it
    assert not is_fill(2.0, 2.0)  # about one segment duration: maybe waiting on a full buffer
    assert not is_fill(300.0, 2.0)  # paused
    assert is_fill(0.5, 0.0)  # after a playlist: always a fill
    log = [Request(at=0, nbytes=1_000), Request(at=0.3, nbytes=20_000, media_s=2),
           Request(at=400, nbytes=20_000, media_s=2)]
    assert delivery_samples(log) == []


def test_tiny_or_unordered_logs() -> None:
    assert delivery_estimate([]) is None
    assert delivery_estimate([Request(at=1, nbytes=50_000, media_s=2)]) is None
    log = filling_log(kbps=1_600, rtt_s=0.3, sizes=[60_000] * 4)
    assert delivery_estimate(list(reversed(log))) == delivery_estimate(log)


def test_a_link_barely_above_the_bitrate_still_measures_while_the_buffer_grows() -> None:
    # 2g and 108p: 34 kB per 2 s segment, 280 kbit/s, 800 ms RTT: every gap is ~0.9 segment durations,
    # which alone could be a player waiting on a full buffer; its buffer is still under two segments.
    log = filling_log(kbps=280, rtt_s=0.8, sizes=[34_000] * 6)
    est, samples = delivery_estimate(log) or (0.0, 0)
    assert samples >= 4
    assert 0.75 * 280 <= est <= 1.25 * 280
    assert not is_fill(1.8, 2.0, buffer_s=4.5) and is_fill(1.8, 2.0, buffer_s=2.5)


def paced_log(*, kbps: float, rtt_s: float, size: int, fills: int, paced: int, media_s: float = 2.0,
              full_s: float = 8.0) -> list[Request]:
    """A steered player that fills ``fills`` segments back to back, then paces itself (one per ``media_s``) with
    its buffer at ``full_s``, each request carrying the server's model of its buffer."""
    log = filling_log(kbps=kbps, rtt_s=rtt_s, sizes=[size] * fills, media_s=media_s)
    t = log[-1].at
    log = [*log[:-1], Request(at=t, nbytes=size, media_s=media_s, buffer_s=media_s * fills - (t - log[1].at))]
    for _ in range(paced):
        t += media_s
        log.append(Request(at=t, nbytes=size, media_s=media_s, buffer_s=full_s))
    log.append(Request(at=t + media_s, nbytes=0, buffer_s=full_s))
    return log


def test_a_paced_player_with_a_modelled_buffer_keeps_its_fills_and_gives_a_floor() -> None:
    # 720p at 4g: 4 fills, then 15 paced gaps (the 40-entry log no longer starts at the session's start)
    log = paced_log(kbps=9_000, rtt_s=0.17, size=690_000, fills=4, paced=15)
    found = estimate_of(log[-40:])
    assert found is not None
    assert 0.9 * 9_000 <= found.kbps <= 1.1 * 9_000  # the paced gaps (~3 Mbit/s) are not read as the link
    assert found.floor_kbps is not None and abs(found.floor_kbps - 690_000 * 8 / 1000 / 1.83) < 50
    # without the modelled buffer, from a log starting mid-session, the replayed buffer reads paced gaps as fills
    bare = [Request(at=r.at, nbytes=r.nbytes, media_s=r.media_s) for r in log[-15:]]
    assert (delivery_estimate(bare) or (0.0, 0))[0] < 0.6 * 9_000


def test_a_floor_above_stale_fills_raises_the_estimate() -> None:
    # fills on 2g long ago, then 108p paced on a faster link: the link is at least what the pacing proves
    log = paced_log(kbps=280, rtt_s=0.8, size=34_000, fills=3, paced=6)
    t = log[-1].at
    log = log[:-1] + [Request(at=t + 2.0 * i, nbytes=300_000, media_s=2.0, buffer_s=8.0) for i in range(3)]
    log.append(Request(at=log[-1].at + 2.0, nbytes=0, buffer_s=8.0))
    found = estimate_of(log)
    assert found is not None and found.floor_kbps is not None
    assert found.kbps == found.floor_kbps > 1_000 and found.rates[0][0] == 300_000 and len(found.rates) == 1
    assert [g.fill for g in delivery_gaps(log)][-1] is False and paced_floor(delivery_gaps(log)) is not None


def test_a_long_gap_with_a_modelled_full_buffer_is_the_link() -> None:
    # a probe segment on a link slower than its rung: 3.8 s for 2 s of media while 7 s stay buffered
    assert is_fill(3.8, 2.0, buffer_s=7.0, modelled=True)
    assert not is_fill(3.8, 2.0, buffer_s=7.0)  # replayed from a log: not trusted
    assert not is_fill(2.1, 2.0, buffer_s=7.0, modelled=True)  # about a segment duration: pacing
    paced = [g for g in delivery_gaps(paced_log(kbps=9_000, rtt_s=0.17, size=690_000, fills=4, paced=3))
             if not g.fill]
    assert paced and all(g.keeps_up for g in paced)


def test_two_sessions_of_one_viewer_never_make_a_sample_between_them() -> None:
    """A restarted player: the old session's last 700 kB segment was answered just before the new session's
    playlist (the gap measures nothing of the link), then the new player fills at 9 Mbit/s."""
    old = [Request(at=99.0, nbytes=1_500, session="old"), Request(at=99.4, nbytes=700_000, media_s=2, session="old")]
    new = [Request(at=r.at, nbytes=r.nbytes, media_s=r.media_s, session="new")
           for r in filling_log(kbps=9_000, rtt_s=0.17, sizes=[700_000] * 3)]
    mixed = [*old, *new]
    assert [(g.at, g.nbytes) for g in delivery_gaps(mixed)] == [(g.at, g.nbytes) for g in delivery_gaps(new)]
    est, samples = delivery_estimate(mixed) or (0.0, 0)
    assert samples == 3
    assert 0.9 * 9_000 <= est <= 1.1 * 9_000
    # untagged (older) entries still pair up as before
    untagged = [Request(at=r.at, nbytes=r.nbytes, media_s=r.media_s) for r in mixed]
    assert len(delivery_gaps(untagged)) > len(delivery_gaps(mixed))


def test_request_log_entries_keep_their_session_and_read_back_older_ones() -> None:
    from server.streaming.throughput import parse_entry, request_entry

    tagged = parse_entry(request_entry(at=5.5, nbytes=700, media_s=2.0, new_connection=True, buffer_s=3.25,
                                       session="9f1c"))
    assert tagged == Request(at=5.5, nbytes=700, media_s=2.0, new_connection=True, buffer_s=3.25, session="9f1c")
    assert parse_entry(request_entry(at=1.0, nbytes=10, session="ab")).buffer_s is None
    assert parse_entry("1.0 10 0.000 0 2.000") == Request(at=1.0, nbytes=10, buffer_s=2.0)  # before the tag
    for bad in ("1.0 10 0.000 0 2.0 3.0", "1.0 10 0.000 0 s:", "1.0 ten 0 0"):
        try:
            parse_entry(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} parsed")


def test_a_kept_rtt_times_the_fills_once_the_playlist_left_the_window() -> None:
    # 4g: the playlist gap measured 170 ms; 45 segments later the 40-entry window holds only segments
    log = filling_log(kbps=9_000, rtt_s=0.17, sizes=[400_000] * 45)
    measured = rtt_from_log(log)
    window = log[-MAX_REQUESTS:]
    assert measured is not None and abs(measured - 0.17) < 0.01 and rtt_from_log(window) is None
    assert session_rtt(window, kept=measured) == measured
    assert session_rtt(log, kept=5.0) == measured  # a figure the log has wins
    kept, lost = estimate_of(window, rtt_s=session_rtt(window, kept=measured)), estimate_of(window)
    assert kept is not None and lost is not None
    assert 0.95 * 9_000 <= kept.kbps <= 1.05 * 9_000
    assert lost.kbps < 0.85 * 9_000  # without it every fill reads one RTT slow
