"""The in-process shaping proxy (netem_profiles) in front of the server, switchable at run time."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from netem_profiles import ProfileError, Schedule, list_profiles, list_schedules, load_schedule
from netem_profiles.proxy import ProxyError, ShapingProxy

log = logging.getLogger(__name__)

OFF = "off"


class ShaperError(RuntimeError):
    """The profile is unknown or the proxy cannot start."""


def available_profiles() -> list[str]:
    """``off``, every packaged netem profile name, then every packaged schedule name."""
    return [OFF, *list_profiles(), *list_schedules()]


@dataclass(frozen=True, slots=True)
class NetworkChoice:
    """One entry of the network picker: a profile (fixed rate) or a schedule (a timeline of profiles)."""

    name: str
    kind: Literal["off", "profile", "schedule"]
    summary: str
    down_kbps: float = 0.0


def _rate(kbps: float) -> str:
    return f"{kbps / 1000:g} Mbit/s" if kbps >= 1000 else f"{kbps:g} kbit/s"


def describe(schedule: Schedule) -> str:
    """``240 kbit/s · RTT 840 ms`` for a profile; ``4g 30 s → 2g 20 s → 3g 30 s → 4g`` for a schedule."""
    if len(schedule.steps) == 1:
        p = schedule.steps[0].profile
        loss = f" · loss {p.loss_pct:g} %" if p.loss_pct else ""
        return f"{_rate(p.down_kbps)} · RTT {p.rtt_ms:g} ms{loss}"
    steps = " → ".join(f"{s.profile.name}" + (f" {s.duration_s:g} s" if s.duration_s else "")
                       for s in schedule.steps)
    return steps + (" (loops)" if schedule.loop else "")


def network_choices() -> list[NetworkChoice]:
    """``off``, the profiles slowest first, then the schedules: what the network picker lists."""
    profiles = []
    for name in list_profiles():
        schedule = load_schedule(name)
        profiles.append(NetworkChoice(name, "profile", describe(schedule), schedule.steps[0].profile.down_kbps))
    profiles.sort(key=lambda c: (c.down_kbps, c.name))
    schedules = [NetworkChoice(name, "schedule", describe(load_schedule(name))) for name in list_schedules()]
    return [NetworkChoice(OFF, "off", "no shaping: straight to the server"), *profiles, *schedules]


class NetworkShaper:
    """Owns at most one ShapingProxy forwarding to the server's host and port."""

    def __init__(self, *, server_url: str) -> None:
        """Shape traffic to ``server_url`` (http only: the proxy is plain TCP)."""
        self.server_url = server_url.rstrip("/")
        self.proxy: ShapingProxy | None = None
        self.profile_name = OFF

    @property
    def active(self) -> bool:
        """Whether traffic is being shaped."""
        return self.proxy is not None

    def _upstream(self) -> tuple[str, int]:
        parts = urlsplit(self.server_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ShaperError("shaping needs an http:// server URL")
        return parts.hostname, parts.port or 80

    async def apply(self, name: str) -> None:
        """Switch to profile ``name`` (``off`` stops shaping); live connections follow the new profile."""
        if name == OFF:
            await self.stop()
            return
        try:
            load_schedule(name)
        except ProfileError as err:
            raise ShaperError(str(err)) from err
        if self.proxy is None:
            proxy = ShapingProxy(name, listen=("127.0.0.1", 0), upstream=self._upstream())
            try:
                await proxy.start()
            except ProxyError as err:
                raise ShaperError(str(err)) from err
            self.proxy = proxy
        else:
            await self.proxy.set_profile(name)
        self.profile_name = name

    async def stop(self) -> None:
        """Stop the proxy (traffic goes straight to the server)."""
        if self.proxy is not None:
            await self.proxy.stop()
        self.proxy = None
        self.profile_name = OFF

    def base_url(self) -> str:
        """Where to send requests: the proxy when shaping, else the server."""
        if self.proxy is None:
            return self.server_url
        return f"http://127.0.0.1:{self.proxy.port}"

    def rewrite(self, url: str) -> str:
        """``url`` (on the server) redirected through the proxy when shaping; other URLs unchanged."""
        if self.proxy is None or not url.startswith(("http://", "https://")):
            return url
        parts = urlsplit(url)
        return urlunsplit(("http", f"127.0.0.1:{self.proxy.port}", parts.path, parts.query, parts.fragment))

    def down_bytes(self) -> int:
        """Bytes delivered downstream by the proxy so far (0 when not shaping)."""
        if self.proxy is None:
            return 0
        return int(self.proxy.stats()["down"].get("bytes", 0))

    def schedule_position(self) -> str:
        """Where a running schedule is: ``step 2/4 2g · 12 s left`` (empty for a fixed profile or off)."""
        proxy = self.proxy
        if proxy is None or len(proxy.schedule.steps) < 2:
            return ""
        schedule = proxy.schedule
        elapsed = time.monotonic() - proxy.schedule_started
        index, _, _ = schedule.step_at(elapsed)
        step = schedule.steps[index]
        change = schedule.next_change_after(elapsed)
        left = f" · {change - elapsed:.0f} s left" if change is not None else " · until the end"
        return f"step {index + 1}/{len(schedule.steps)} {step.profile.name}{left}"

    def stats(self) -> dict[str, Any] | None:
        """The proxy's stats, or None when not shaping."""
        return self.proxy.stats() if self.proxy is not None else None
