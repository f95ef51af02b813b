"""The steered player's buffer model (server/streaming/playerbuffer.py): pure."""

from __future__ import annotations

from server.streaming.playerbuffer import PlayerBuffer


def play(arrivals: list[tuple[int, float]], *, first_s: float = 1.0, seg_s: float = 2.0) -> PlayerBuffer:
    """The model after requests for ``(index, arrival)`` of a title with a ``first_s`` first segment."""
    model = PlayerBuffer()
    for index, at in arrivals:
        start = 0.0 if index == 1 else first_s + (index - 2) * seg_s
        end = first_s if index == 1 else start + seg_s
        model = model.arrive(index=index, start=start, end=end, now=at)
    return model


def test_a_segment_is_in_the_buffer_once_the_next_is_asked_for() -> None:
    model = play([(1, 100.0)])
    assert not model.started and model.level(105.0) == 0.0  # segment 1 may still be on its way
    model = play([(1, 100.0), (2, 100.5)])
    assert model.started and model.level(100.5) == 1.0  # segment 1 (1 s) is in; playback begins
    model = play([(1, 100.0), (2, 100.5), (3, 100.7)])
    assert abs(model.level(100.7) - 2.8) < 1e-9  # 1 + 2 s in, 0.2 s played


def test_a_paced_player_reads_as_a_full_buffer() -> None:
    # fills to 8 s, then one 2 s segment every 2 s: the level at each request stays near 8 s
    arrivals = [(1, 0.0), (2, 0.3), (3, 0.6), (4, 0.9), (5, 1.2), (6, 1.5)]
    arrivals += [(i, 1.5 + 2.0 * (i - 6)) for i in range(7, 30)]
    model = play(arrivals)
    assert 7.0 <= model.level(arrivals[-1][1]) <= 9.5


def test_a_stall_does_not_leave_the_model_empty_for_good() -> None:
    # the old model (media sent minus wall time) never recovers from a 14 s stall; this one refills
    arrivals = [(1, 0.0), (2, 0.2), (3, 0.4), (4, 0.6), (5, 0.8), (6, 22.0)]  # segment 5 took 21 s: a stall
    model = play(arrivals)
    assert model.level(22.0) == 2.0  # only segment 5 is in: the playhead waited at the end of segment 4
    arrivals += [(7, 22.5), (8, 23.0), (9, 23.5)]
    assert play(arrivals).level(23.5) > 4.0


def test_a_seek_or_a_retry() -> None:
    model = play([(1, 0.0), (2, 0.2), (3, 0.4), (40, 1.0)])
    assert not model.started and model.level(1.0) == 0.0  # a jump: nothing of the new position is in
    model = play([(1, 0.0), (2, 0.2), (3, 0.4), (3, 0.9)])
    assert model.started and abs(model.level(0.9) - 2.3) < 1e-9  # the same segment again adds nothing


def test_stored_as_json() -> None:
    model = play([(1, 0.0), (2, 0.2), (3, 0.4)])
    assert PlayerBuffer.loads(model.dumps()) == model
    assert PlayerBuffer.loads(None) is None and PlayerBuffer.loads("{") is None
    assert PlayerBuffer.loads('{"started": true}') is None
