"""Every consumer of the ABR rules decides with `DEFAULT_RULE` unless told otherwise."""

from __future__ import annotations

from loadtest.player import PlayerConfig
from media.abr import DEFAULT_RULE, RULES, AbrConfig, AbrController
from tui.payloads import Quality
from tui.player.abr_loop import AbrLoop


def test_default_rule_is_a_rule_and_everyone_uses_it() -> None:
    assert DEFAULT_RULE in RULES
    assert AbrConfig().rule == DEFAULT_RULE
    assert AbrController([300.0, 1000.0]).rule == DEFAULT_RULE
    assert PlayerConfig().rule == DEFAULT_RULE  # Locust's simulated viewers
    qualities = [Quality(quality="360p", bitrate_kbps=800), Quality(quality="720p", bitrate_kbps=2500)]
    assert AbrLoop(qualities=qualities, start="360p").controller.rule == DEFAULT_RULE  # the TUI
