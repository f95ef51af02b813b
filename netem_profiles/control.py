"""Small aiohttp control API for a running `ShapingProxy`.

`GET /stats` → proxy statistics; `PUT /profile` with `{"profile": "<profile|schedule|path>"}`
switches live; `GET /profiles` → shipped profile and schedule names.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from netem_profiles.profiles import ProfileError, list_profiles
from netem_profiles.proxy import ProxyError, ShapingProxy
from netem_profiles.schedules import list_schedules

log = logging.getLogger(__name__)

PROXY_KEY = web.AppKey("proxy", ShapingProxy)


def _problem(status: int, title: str, detail: str) -> web.Response:
    """problem+json error response."""
    return web.json_response(
        {"status": status, "title": title, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


async def get_stats(request: web.Request) -> web.Response:
    """Current profile, connections, bytes, achieved rates and queueing delay."""
    return web.json_response(request.app[PROXY_KEY].stats())


async def get_profiles(request: web.Request) -> web.Response:
    """Shipped profile and schedule names."""
    return web.json_response({"profiles": list_profiles(), "schedules": list_schedules()})


async def put_profile(request: web.Request) -> web.Response:
    """Switch the proxy to another profile, schedule or trace file."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _problem(400, "Bad request", "body must be JSON like {\"profile\": \"3g\"}")
    name = body.get("profile") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        return _problem(400, "Bad request", "missing string field 'profile'")
    try:
        schedule = await request.app[PROXY_KEY].set_profile(name)
    except ProfileError as err:
        return _problem(400, "Unknown or invalid profile", str(err))
    return web.json_response({"schedule": schedule.name, "steps": len(schedule.steps)})


def create_control_app(*, proxy: ShapingProxy) -> web.Application:
    """The control application bound to `proxy`."""
    app = web.Application()
    app[PROXY_KEY] = proxy
    app.router.add_get("/stats", get_stats)
    app.router.add_get("/profiles", get_profiles)
    app.router.add_put("/profile", put_profile)
    return app


class ControlServer:
    """Runs the control app on host:port next to a proxy."""

    def __init__(self, *, proxy: ShapingProxy, listen: tuple[str, int]) -> None:
        self.listen = listen
        self.runner = web.AppRunner(create_control_app(proxy=proxy), access_log=None)
        self.port: int | None = None

    async def start(self) -> None:
        """Bind and serve; raise `ProxyError` if the address is unusable."""
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.listen[0], self.listen[1])
        try:
            await site.start()
        except OSError as err:
            await self.runner.cleanup()
            host, port = self.listen
            raise ProxyError(f"cannot listen on {host}:{port}: {err.strerror or err}") from err
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1]) if sockets else self.listen[1]
        log.info("control API on http://%s:%s", self.listen[0], self.port)

    async def stop(self) -> None:
        """Stop serving."""
        await self.runner.cleanup()
