"""The in-process shaping proxy (netem_profiles) in front of the server, switchable at run time."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from netem_profiles import ProfileError, list_profiles, load_profile
from netem_profiles.proxy import ProxyError, ShapingProxy

log = logging.getLogger(__name__)

OFF = "off"


class ShaperError(RuntimeError):
    """The profile is unknown or the proxy cannot start."""


def available_profiles() -> list[str]:
    """``off`` plus every packaged netem profile name."""
    return [OFF, *list_profiles()]


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
            load_profile(name)
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

    def stats(self) -> dict[str, Any] | None:
        """The proxy's stats, or None when not shaping."""
        return self.proxy.stats() if self.proxy is not None else None
