"""Async client of the OTT Lowband API on one aiohttp session.

Compressed bodies (br/gzip), ETag revalidation with a small on-disk cache (also used when the
server cannot be reached), one silent token refresh on a 401, timeouts, and typed errors
(:mod:`tui.errors`) that tell the user the next step.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tui.cache import HttpCache, cache_key
from tui.errors import ApiError, BadResponse, NotAllowed, RequestTimedOut, ServerUnreachable, SessionExpired
from tui.payloads import Completion, Manifest, PlaybackSession, PositionAck

log = logging.getLogger(__name__)

USER_AGENT = "ott-tui/0.1"
Params = dict[str, Any]


@dataclass(slots=True)
class Tokens:
    """The current login: tokens and who they belong to."""

    access_token: str
    refresh_token: str
    user_id: str = ""
    email: str = ""


@dataclass(slots=True)
class TrafficStats:
    """What this client has sent over the wire so far (response bytes as received, headers estimated)."""

    requests: int = 0
    bytes_received: int = 0
    not_modified: int = 0
    served_from_cache: int = 0
    refreshes: int = 0

    def add(self, *, nbytes: int) -> None:
        """Count one response of ``nbytes``."""
        self.requests += 1
        self.bytes_received += nbytes


def _clean(params: Params | None) -> Params:
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in (params or {}).items()
            if v is not None and v != ""}


def _wire_size(resp: aiohttp.ClientResponse, body: bytes) -> int:
    headers = sum(len(k) + len(v) + 4 for k, v in resp.raw_headers) + 20
    length = resp.headers.get("Content-Length")
    try:
        return headers + (int(length) if length is not None else len(body))
    except ValueError:
        return headers + len(body)


class ApiClient:
    """One server, one login. Methods return decoded JSON (dicts) or raise :class:`tui.errors.ApiError`."""

    def __init__(self, *, base_url: str, cache: HttpCache | None = None, timeout_s: float = 20.0,
                 on_tokens: Callable[[Tokens | None], None] | None = None) -> None:
        """Talk to ``base_url``; ``on_tokens`` hears about every new token pair (and None on logout)."""
        self.base_url = base_url.rstrip("/")
        self.cache = cache
        self.timeout_s = timeout_s
        self.tokens: Tokens | None = None
        self.on_tokens = on_tokens
        self.stats = TrafficStats()
        self.offline = False
        self._session: aiohttp.ClientSession | None = None
        self._refresh_lock = asyncio.Lock()

    # ------------------------------------------------------------------ lifecycle
    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s, sock_connect=min(self.timeout_s, 10)),
                headers={"Accept-Encoding": "br, gzip", "Accept": "application/json", "User-Agent": USER_AGENT},
                connector=aiohttp.TCPConnector(limit=6))
        return self._session

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def set_base_url(self, base_url: str) -> None:
        """Point the client at another server (the login is forgotten)."""
        self.base_url = base_url.rstrip("/")
        self.set_tokens(None)

    def set_tokens(self, tokens: Tokens | None) -> None:
        """Install (or forget) the login."""
        self.tokens = tokens
        if self.on_tokens is not None:
            self.on_tokens(tokens)

    # ------------------------------------------------------------------ core
    async def request(self, method: str, path: str, *, params: Params | None = None, json: Any = None,
                      auth: bool = True, cacheable: bool = False) -> Any:
        """Send one request and return the decoded JSON body (None for 204); raise ApiError on failure."""
        query = _clean(params)
        url = self.base_url + path + (("?" + urlencode(query)) if query else "")
        key = cache_key(method, url, self.tokens.user_id if self.tokens and auth else "") if cacheable else ""
        cached = self.cache.get(key) if (self.cache is not None and cacheable) else None
        for attempt in (1, 2):
            headers: dict[str, str] = {}
            token = self.tokens.access_token if (auth and self.tokens) else None
            if token:
                headers["Authorization"] = f"Bearer {token}"
            if cached is not None and cached.etag:
                headers["If-None-Match"] = cached.etag
            try:
                status, body, etag = await self._send(method, url, path=path, headers=headers, json=json)
            except ServerUnreachable:
                if cached is not None:
                    self.offline = True
                    self.stats.served_from_cache += 1
                    return cached.body
                raise
            self.offline = False
            if status == 304 and cached is not None:
                self.stats.not_modified += 1
                return cached.body
            if status == 401 and auth and attempt == 1 and self.tokens is not None:
                await self._refresh(used_token=token)
                continue
            if status >= 400:
                raise self._problem(status, body)
            if cacheable and self.cache is not None and status == 200:
                self.cache.put(key, etag=etag, body=body)
            return body
        raise SessionExpired("your login has expired", status=401)  # pragma: no cover - loop always returns

    async def _send(self, method: str, url: str, *, path: str, headers: dict[str, str],
                    json: Any) -> tuple[int, Any, str]:
        try:
            async with self._http().request(method, url, headers=headers, json=json) as resp:
                raw = await resp.read()
                self.stats.add(nbytes=_wire_size(resp, raw))
                ctype = resp.headers.get("Content-Type", "")
                body: Any = None
                if raw and "json" in ctype:
                    try:
                        import json as jsonlib

                        body = jsonlib.loads(raw)
                    except ValueError as err:
                        raise BadResponse("the server sent malformed JSON", status=resp.status) from err
                elif raw and resp.status < 400 and resp.status != 304:
                    raise BadResponse(f"unexpected {ctype or 'untyped'} answer", status=resp.status)
                return resp.status, body, resp.headers.get("ETag", "")
        except TimeoutError as err:
            raise RequestTimedOut("the server did not answer in time", detail=f"{method} {path}") from err
        except aiohttp.ClientConnectionError as err:
            raise ServerUnreachable("cannot reach the server", detail=f"{self.base_url}: {err}") from err
        except aiohttp.ClientError as err:
            raise ServerUnreachable("the connection failed", detail=str(err)) from err

    @staticmethod
    def _problem(status: int, body: Any) -> ApiError:
        data = body if isinstance(body, dict) else {}
        title = str(data.get("title") or f"HTTP {status}")
        detail = str(data.get("detail") or "")
        errors = data.get("errors") if isinstance(data.get("errors"), list) else None
        code = str(data.get("code") or data.get("type") or "")
        cls: type[ApiError] = ApiError
        if status == 401:
            cls = SessionExpired
        elif status == 403:
            cls = NotAllowed
        return cls(title, status=status, detail=detail, errors=errors, code=code)

    async def _refresh(self, *, used_token: str | None) -> None:
        """Rotate the refresh token once (other callers wait and reuse the result)."""
        async with self._refresh_lock:
            if self.tokens is None:
                raise SessionExpired("you are logged out", status=401)
            if used_token is not None and self.tokens.access_token != used_token:
                return  # someone refreshed while we waited
            url = self.base_url + "/api/v1/auth/refresh"
            status, body, _ = await self._send("POST", url, path="/api/v1/auth/refresh", headers={},
                                               json={"refresh_token": self.tokens.refresh_token})
            if status != 200 or not isinstance(body, dict):
                self.set_tokens(None)
                raise SessionExpired("your login has expired", status=401, detail="please log in again")
            self.stats.refreshes += 1
            self.set_tokens(Tokens(access_token=body["access_token"], refresh_token=body["refresh_token"],
                                   user_id=self.tokens.user_id, email=self.tokens.email))
            log.info("access token refreshed")

    # ------------------------------------------------------------------ ops / auth
    async def health(self) -> dict[str, Any]:
        """GET /health (no auth): is the server there?"""
        started = time.monotonic()
        body = await self.request("GET", "/health", auth=False)
        log.debug("health in %.0f ms", (time.monotonic() - started) * 1000)
        return body if isinstance(body, dict) else {}

    def _login(self, body: dict[str, Any]) -> dict[str, Any]:
        self.set_tokens(Tokens(access_token=body["access_token"], refresh_token=body["refresh_token"],
                               user_id=body.get("user_id", ""), email=body.get("email", "")))
        return body

    async def register(self, *, email: str, password: str, language: str = "en") -> dict[str, Any]:
        """Create an account; the client is logged in afterwards."""
        body = await self.request("POST", "/api/v1/auth/register", auth=False,
                                  json={"email": email, "password": password, "language": language})
        return self._login(body)

    async def login(self, *, email: str, password: str) -> dict[str, Any]:
        """Log in; the client keeps the tokens."""
        body = await self.request("POST", "/api/v1/auth/login", auth=False, json={"email": email, "password": password})
        return self._login(body)

    async def logout(self) -> None:
        """Log out: the server ends every login of the account (spec §6.1); errors are ignored (the tokens are
        forgotten anyway)."""
        try:
            if self.tokens is not None:
                await self.request("POST", "/api/v1/auth/logout", json={})
        except ApiError as err:
            log.info("logout: %s", err)
        finally:
            self.set_tokens(None)

    async def me(self) -> dict[str, Any]:
        """The account: email, tier, roles, verification."""
        return await self.request("GET", "/api/v1/auth/me")

    async def verify_email(self, *, token: str) -> dict[str, Any]:
        """Confirm the email address with the mailed token."""
        return await self.request("POST", "/api/v1/auth/verify-email", auth=False,
                                  json={"token": token})

    async def resend_verification(self) -> None:
        """Ask for a new verification mail."""
        await self.request("POST", "/api/v1/auth/resend-verification", json={})

    async def password_reset_request(self, *, email: str) -> None:
        """Ask for a password-reset mail (always accepted)."""
        await self.request("POST", "/api/v1/auth/password-reset/request", auth=False, json={"email": email})

    async def password_reset_confirm(self, *, token: str, password: str) -> None:
        """Set a new password with the mailed token."""
        await self.request("POST", "/api/v1/auth/password-reset/confirm", auth=False,
                           json={"token": token, "password": password})

    # ------------------------------------------------------------------ profiles
    async def profiles(self) -> list[dict[str, Any]]:
        """The account's profiles."""
        body = await self.request("GET", "/api/v1/auth/profiles", cacheable=True)
        return list(body.get("profiles", []))

    async def create_profile(self, **fields: Any) -> dict[str, Any]:
        """Create a profile (name, maturity_rating, language_preference, is_kids_profile, avatar_url...)."""
        return await self.request("POST", "/api/v1/auth/profiles", json=fields)

    async def update_profile(self, profile_id: str, **fields: Any) -> dict[str, Any]:
        """Change some fields of a profile."""
        return await self.request("PATCH", f"/api/v1/auth/profiles/{profile_id}",
                                  json=fields)

    async def delete_profile(self, profile_id: str) -> None:
        """Delete a profile."""
        await self.request("DELETE", f"/api/v1/auth/profiles/{profile_id}")

    # ------------------------------------------------------------------ catalog
    async def content(self, *, profile_id: str | None, **filters: Any) -> dict[str, Any]:
        """A page of the catalog (filters: type, genre, language, tier, year, maturity, sort, page, limit)."""
        return await self.request("GET", "/api/v1/catalog/content", cacheable=True,
                                  params={"profile_id": profile_id, **filters})

    async def details(self, content_id: str, *, profile_id: str | None) -> dict[str, Any]:
        """One title with seasons, cast and crew."""
        return await self.request("GET", f"/api/v1/catalog/content/{content_id}",
                                  cacheable=True, params={"profile_id": profile_id})

    async def season(self, content_id: str, number: int, *, profile_id: str | None) -> dict[str, Any]:
        """The episodes of season ``number``."""
        return await self.request(
            "GET", f"/api/v1/catalog/content/{content_id}/seasons/{number}", cacheable=True,
            params={"profile_id": profile_id})

    async def search(self, q: str, *, profile_id: str | None, type_: str | None = None,
                     limit: int = 20) -> dict[str, Any]:
        """Search titles, cast and genres."""
        return await self.request("GET", "/api/v1/catalog/search", cacheable=True,
                                  params={"q": q, "type": type_, "limit": limit, "profile_id": profile_id})

    async def genres(self, *, profile_id: str | None = None) -> list[dict[str, Any]]:
        """Every genre with its title count."""
        body = await self.request("GET", "/api/v1/catalog/genres", cacheable=True, params={"profile_id": profile_id})
        return list(body.get("genres", []))

    async def trending(self, *, profile_id: str | None, limit: int = 10) -> list[dict[str, Any]]:
        """Trending titles."""
        body = await self.request("GET", "/api/v1/catalog/trending", cacheable=True,
                                  params={"profile_id": profile_id, "limit": limit})
        return list(body.get("trending", []))

    async def recommendations(self, *, profile_id: str, limit: int = 10) -> dict[str, Any] | None:
        """Personalised recommendations (``recommendations`` with ``reason``, ``degraded``), or None when the
        server has no such endpoint."""
        try:
            body = await self.request("GET", "/api/v1/recommendations/personalized", cacheable=True,
                                      params={"profile_id": profile_id, "limit": limit})
        except ApiError as err:
            if err.status in (404, 405):
                return None
            raise
        data = body if isinstance(body, dict) else {}
        return {"recommendations": list(data.get("recommendations") or []), "degraded": bool(data.get("degraded"))}

    # ------------------------------------------------------------------ subscriptions
    async def plans(self) -> list[dict[str, Any]]:
        """The subscription plans with prices."""
        body = await self.request("GET", "/api/v1/subscriptions/plans", auth=False, cacheable=True)
        return list(body.get("plans", []))

    async def my_subscription(self) -> dict[str, Any]:
        """The effective tier, access end and current subscription (null on the free tier)."""
        return await self.request("GET", "/api/v1/subscriptions/me")

    async def invoices(self, *, limit: int = 5) -> list[dict[str, Any]]:
        """My invoices, newest first."""
        body = await self.request("GET", "/api/v1/subscriptions/invoices", params={"limit": limit})
        return list(body.get("invoices", []))

    async def subscribe(self, *, plan_id: str, auto_renew: bool = True) -> dict[str, Any]:
        """Create the gateway order for a plan (the subscription starts when the payment is captured)."""
        return await self.request("POST", "/api/v1/subscriptions/subscribe",
                                  json={"plan_id": plan_id, "auto_renew": auto_renew})

    async def change_plan(self, *, plan_id: str) -> dict[str, Any]:
        """Upgrade (answers the order to pay) or downgrade (at renewal) the current subscription."""
        return await self.request("POST", "/api/v1/subscriptions/change-plan", json={"plan_id": plan_id})

    async def cancel_subscription(self) -> dict[str, Any]:
        """Cancel: no renewal, access until the period ends."""
        return await self.request("POST", "/api/v1/subscriptions/cancel", json={})

    async def set_auto_renew(self, *, auto_renew: bool) -> dict[str, Any]:
        """Turn auto-renewal on (also undoes a cancellation) or off."""
        return await self.request("PUT", "/api/v1/subscriptions/auto-renew", json={"auto_renew": auto_renew})

    # ------------------------------------------------------------------ ads
    async def vmap(self, *, session_id: str) -> bytes:
        """The VMAP document of a playback session's ad breaks."""
        return await self.get_bytes("/api/v1/ads/vmap", params={"session_id": session_id})

    async def beacon(self, url: str) -> None:
        """Fire one ad tracking URL (absolute, unauthenticated); failures raise ApiError."""
        await self.fetch_bytes(url)

    async def get_bytes(self, path: str, *, params: Params | None = None) -> bytes:
        """GET a non-JSON document of the API (authenticated, one silent refresh on 401)."""
        query = _clean(params)
        url = self.base_url + path + (("?" + urlencode(query)) if query else "")
        for attempt in (1, 2):
            token = self.tokens.access_token if self.tokens else None
            headers = {"Accept": "*/*", **({"Authorization": f"Bearer {token}"} if token else {})}
            try:
                async with self._http().get(url, headers=headers) as resp:
                    data = await resp.read()
                    self.stats.add(nbytes=_wire_size(resp, data))
                    status, ctype = resp.status, resp.headers.get("Content-Type", "")
            except TimeoutError as err:
                raise RequestTimedOut("the server did not answer in time", detail=f"GET {path}") from err
            except aiohttp.ClientError as err:
                raise ServerUnreachable("cannot reach the server", detail=str(err)) from err
            if status == 401 and attempt == 1 and self.tokens is not None:
                await self._refresh(used_token=token)
                continue
            if status >= 400:
                import json as jsonlib

                try:
                    body = jsonlib.loads(data) if "json" in ctype else None
                except ValueError:
                    body = None
                raise self._problem(status, body)
            return data
        raise SessionExpired("your login has expired", status=401)  # pragma: no cover - loop always returns

    # ------------------------------------------------------------------ activity
    async def continue_watching(self, *, profile_id: str) -> list[dict[str, Any]]:
        """Unfinished titles with progress, most recent first."""
        body = await self.request("GET", "/api/v1/activity/continue-watching", cacheable=True,
                                  params={"profile_id": profile_id})
        return list(body.get("items", []))

    async def watchlist(self, *, profile_id: str) -> list[dict[str, Any]]:
        """The profile's watchlist."""
        body = await self.request("GET", "/api/v1/activity/watchlist", cacheable=True,
                                  params={"profile_id": profile_id})
        return list(body.get("watchlist", []))

    async def watchlist_add(self, content_id: str, *, profile_id: str) -> None:
        """Put a title on the watchlist."""
        await self.request("POST", "/api/v1/activity/watchlist", json={"profile_id": profile_id,
                                                                      "content_id": content_id})

    async def watchlist_remove(self, content_id: str, *, profile_id: str) -> None:
        """Take a title off the watchlist."""
        await self.request("DELETE", f"/api/v1/activity/watchlist/{content_id}", params={"profile_id": profile_id})

    async def send_events(self, events: list[dict[str, Any]], *, profile_id: str) -> int:
        """Send a batch of engagement events; returns how many were accepted."""
        body = await self.request("POST", "/api/v1/activity/events", json={"profile_id": profile_id,
                                                                          "events": events})
        return int(body.get("accepted", 0)) if isinstance(body, dict) else 0

    # ------------------------------------------------------------------ playback / streaming
    async def playback_start(self, *, profile_id: str, content_id: str,
                             episode_id: str | None = None) -> PlaybackSession:
        """Open a playback session: session id, resume position, ads."""
        return PlaybackSession.of(await self.request(
            "POST", "/api/v1/stream/playback/start",
            json={"profile_id": profile_id, "content_id": content_id, "episode_id": episode_id, "device_type": "tui"}))

    async def playback_position(self, **report: Any) -> PositionAck:
        """Report the position (session_id, profile_id, content_id, episode_id, position/duration, quality, seq)."""
        return PositionAck.of(await self.request("PUT", "/api/v1/stream/playback/position", json=report))

    async def playback_complete(self, **report: Any) -> Completion:
        """Mark the title completed; the answer names the next episode, if any."""
        return Completion.of(await self.request("POST", "/api/v1/stream/playback/complete", json=report))

    async def manifest(self, content_id: str, *, profile_id: str, episode_id: str | None = None,
                       session_id: str | None = None, net: str | None = None) -> Manifest:
        """The manifest chosen for this viewer: qualities, tracks, steered URL, start rendition."""
        return Manifest.of(await self.request(
            "GET", f"/api/v1/stream/{content_id}/manifest",
            params={"profile_id": profile_id, "episode_id": episode_id, "session_id": session_id, "net": net}))

    async def set_rendition(self, session_id: str, rendition: str) -> dict[str, Any]:
        """Pin the steered rendition (or ``auto``)."""
        return await self.request("PUT", f"/api/v1/stream/sessions/{session_id}/rendition",
                                  json={"rendition": rendition})

    async def fetch_timed(self, url: str, max_bytes: int) -> tuple[int, float, float]:
        """GET the first ``max_bytes`` of an absolute (signed media) URL (a Range request, read no further);
        returns (bytes read, seconds to the first byte, seconds to the last byte), both from the request."""
        started = time.monotonic()
        first: float | None = None
        got = 0
        try:
            async with self._http().get(url, headers={"Accept": "*/*", "Range": f"bytes=0-{max_bytes - 1}"}) as resp:
                if resp.status >= 400:
                    raise ApiError(f"media request failed (HTTP {resp.status})", status=resp.status)
                async for chunk in resp.content.iter_any():
                    if first is None:
                        first = time.monotonic() - started
                    got += len(chunk)
                    if got >= max_bytes:
                        break
        except TimeoutError as err:
            raise RequestTimedOut("the media server did not answer in time") from err
        except aiohttp.ClientError as err:
            raise ServerUnreachable("cannot reach the media server", detail=str(err)) from err
        self.stats.add(nbytes=got)
        total = time.monotonic() - started
        return got, total if first is None else first, total

    async def fetch_bytes(self, url: str) -> tuple[bytes, float]:
        """GET an absolute (signed media) URL; returns the body and the seconds it took."""
        started = time.monotonic()
        try:
            async with self._http().get(url, headers={"Accept": "*/*"}) as resp:
                data = await resp.read()
                self.stats.add(nbytes=_wire_size(resp, data))
                if resp.status >= 400:
                    raise ApiError(f"media request failed (HTTP {resp.status})", status=resp.status)
        except TimeoutError as err:
            raise RequestTimedOut("the media server did not answer in time") from err
        except aiohttp.ClientError as err:
            raise ServerUnreachable("cannot reach the media server", detail=str(err)) from err
        return data, time.monotonic() - started
