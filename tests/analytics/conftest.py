"""Analytics fixtures: cheap bcrypt, scheduled publish off."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings
from tests.conftest import make_settings


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """Test settings with cheap bcrypt and a 20 000 paise AVOD CPM."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4,
                         cms_publish_interval_s=0, analytics_avod_cpm_paise=20_000)
