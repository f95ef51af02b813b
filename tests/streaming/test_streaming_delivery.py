"""The delivery estimate (server/streaming/delivery.py): pure, over request logs a player would produce."""

from __future__ import annotations

from server.streaming.delivery import Request, delivery_estimate, delivery_samples, is_fill, rtt_from_log


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
