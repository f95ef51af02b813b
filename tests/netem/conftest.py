"""Fixtures for the netem tests: a local blob server and the shared real traces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from netem_profiles.measure import start_blob_server

TRACES_DIR = Path("/work/shared/traces")


@pytest.fixture
async def blob_port() -> AsyncIterator[int]:
    """Port of a loopback server answering `<n>\\n` with n bytes."""
    server = await start_blob_server()
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()


@pytest.fixture
def traces_dir() -> Path:
    """Directory of the real Mahimahi traces (skip when absent)."""
    if not TRACES_DIR.is_dir():
        pytest.skip(f"real traces not available: {TRACES_DIR} is missing")
    return TRACES_DIR
