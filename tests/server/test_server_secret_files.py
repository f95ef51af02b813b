"""The data-dir secret helper shared by JWT keys, URL signing and payment webhooks."""

from __future__ import annotations

import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from server.secret_files import load_or_create, random_secret


def test_created_once_0600_then_read_back(tmp_path: Path) -> None:
    path = tmp_path / "data" / "some_secret"
    made = []

    def make() -> bytes:
        made.append(1)
        return b"first-value"

    assert load_or_create(path, make=make) == b"first-value"
    assert load_or_create(path, make=lambda: b"other") == b"first-value"
    assert made == [1]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["some_secret"]  # no temporary file left


def test_racing_creators_all_get_the_one_that_won(tmp_path: Path) -> None:
    path = tmp_path / "raced"
    barrier = threading.Barrier(8, timeout=60)  # fails rather than hangs
    counter = iter(range(100))
    lock = threading.Lock()

    def make() -> bytes:
        with lock:
            n = next(counter)
        barrier.wait()  # every creator has generated its own value before any publishes it
        return f"value-{n}".encode()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: load_or_create(path, make=make), range(8)))
    assert len(set(results)) == 1 and results[0] == path.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["raced"]


def test_random_secret_is_url_safe_and_fresh_each_time() -> None:
    make = random_secret(nbytes=32)
    first, second = make(), make()
    assert first != second and len(first) >= 43
    assert set(first.decode()) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
