"""The player's key table (spec FR-VP-003): every key has an id so it can be remapped."""

from __future__ import annotations

from textual.binding import Binding, BindingType

PLAYER_BINDINGS: list[BindingType] = [
    Binding("space", "pause", "Play/Pause", id="player.pause"),
    Binding("left", "seek(-10)", "-10 s", id="player.back10"),
    Binding("right", "seek(10)", "+10 s", id="player.fwd10"),
    Binding("up", "volume(10)", "Vol +", id="player.vol_up", show=False),
    Binding("down", "volume(-10)", "Vol -", id="player.vol_down", show=False),
    Binding("m", "mute", "Mute", id="player.mute", show=False),
    Binding("f", "fullscreen", "Full", id="player.fullscreen", show=False),
    Binding("c", "subtitles", "Subs", id="player.subtitles", show=False),
    Binding("a", "audio", "Audio", id="player.audio", show=False),
    Binding("q", "quality", "Quality", id="player.quality"),
    Binding("s", "speed", "Speed", id="player.speed", show=False),
    Binding("i", "stats", "Stats", id="player.stats"),
    Binding("t", "network", "Network", id="player.network"),
    Binding("n", "next_episode", "Next", id="player.next", show=False),
    Binding("k", "skip_ad", "Skip ad", id="player.skip_ad"),
    Binding("o", "ad_click", "Visit advertiser", id="player.ad_click", show=False),
    Binding("escape", "stop", "Back", id="player.stop"),
]
"""The player screen's bindings, in footer order; ``k`` and ``o`` only act while an ad plays."""

AD_ONLY_ACTIONS = ("skip_ad", "ad_click")
"""Actions that exist only while an ad plays."""
