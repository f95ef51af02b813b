"""Signed media URLs (spec §8.5): HMAC-SHA256 tokens bound to a session, viewer, asset, path prefix and expiry.

A media URL is ``/media/s/<session_id>/<token>/<path inside the asset>``. The token is
``<payload>.<signature>``, both base64url without padding:

- payload: ``1␟<user_id>␟<asset_id>␟<scope>␟<expires>`` (␟ = U+001F);
- signature: the first 16 bytes of HMAC-SHA256(secret, ``ott-media␟<session_id>␟<payload fields>``).

``scope`` is a path prefix inside the asset root ("" covers the whole asset, ``video/720p/``
one rendition, ``master.m3u8`` one file). The session id is part of the signed message but not
of the payload, so a token moved to another session's URL fails verification.

**Link tokens** (only with a link secret, ``OTT_MEDIA_LINK_SECRET``): the token of a rendition's or
audio track's directory can instead be one nginx checks itself (``secure_link``, deploy/nginx.conf),
without asking the app: ``<md5>~<expires>~<user_id>~<asset_id>``, where ``md5`` is base64url (no
padding) of MD5(``ott-link|<session_id>|<user_id>|<asset_id>|<directory>|<expires>|<link secret>``)
and ``directory`` is the requested file's directory (``video/720p/``): the URL's own path is the
scope. nginx's ``secure_link`` offers MD5 only, so the link secret is a separate key from the HMAC
secret; the app verifies link tokens too (the same URLs work without nginx).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from server.secret_files import load_or_create, random_secret

log = logging.getLogger(__name__)

VERSION = "1"
SEP = "\x1f"
SIGNATURE_BYTES = 16
SECRET_FILE = "url_signing_secret"  # noqa: S105 - a file name, not a secret
LINK_SEP = "~"
_MD5_B64 = re.compile(r"^[A-Za-z0-9_-]{22}$")
_B64URL = re.compile(r"[A-Za-z0-9_-]+\Z")
_LINK_FIELD = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_LINK_SCOPE = re.compile(r"^(?:video|audio)/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}/$")


class SignatureError(Exception):
    """A media token is malformed, forged, expired or used outside what it grants."""


@dataclass(frozen=True, slots=True)
class Grant:
    """What a token allows: one session of one viewer, one asset, a path prefix, until ``expires``."""

    session_id: str
    user_id: str
    asset_id: str
    scope: str
    expires: int

    def covers(self, path: str) -> bool:
        """Whether ``path`` (relative to the asset root) lies under this grant's prefix."""
        return path.startswith(self.scope)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64URL.match(text):
        raise SignatureError("token is not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as err:
        raise SignatureError("token is not base64url") from err
    if _b64(data) != text:  # one canonical spelling only: unused trailing bits may not vary
        raise SignatureError("token is not canonical base64url")
    return data


class UrlSigner:
    """Issues and verifies media tokens with one secret."""

    def __init__(self, *, secret: bytes, link_secret: bytes | None = None) -> None:
        """Use ``secret`` (at least 16 bytes) for every signature; with ``link_secret`` (at least 16 bytes)
        also issue and accept link tokens (module docstring)."""
        if len(secret) < 16:
            raise ValueError("the URL signing secret must be at least 16 bytes")
        if link_secret is not None and len(link_secret) < 16:
            raise ValueError("the media link secret must be at least 16 bytes")
        self._secret = secret
        self._link_secret = link_secret

    @property
    def issues_links(self) -> bool:
        """Whether this signer has a link secret (directories get nginx-checkable link tokens)."""
        return self._link_secret is not None

    def _link_md5(self, *, session_id: str, user_id: str, asset_id: str, directory: str, expires: int) -> str:
        assert self._link_secret is not None
        message = "|".join(["ott-link", session_id, user_id, asset_id, directory, str(expires)]).encode("utf-8")
        return _b64(hashlib.md5(message + b"|" + self._link_secret).digest())  # noqa: S324 - secure_link is MD5

    def link_token(self, grant: Grant) -> str:
        """A link token for ``grant``, whose scope must be one rendition's or audio track's directory."""
        if self._link_secret is None:
            raise ValueError("no media link secret configured")
        if not _LINK_SCOPE.match(grant.scope):
            raise ValueError(f"a link token covers one video/audio directory, not {grant.scope!r}")
        for value in (grant.session_id, grant.user_id, grant.asset_id):
            if not _LINK_FIELD.match(value):
                raise ValueError(f"link token fields must be plain names: {value[:40]!r}")
        md5 = self._link_md5(session_id=grant.session_id, user_id=grant.user_id, asset_id=grant.asset_id,
                             directory=grant.scope, expires=int(grant.expires))
        return LINK_SEP.join([md5, str(int(grant.expires)), grant.user_id, grant.asset_id])

    def directory_token(self, grant: Grant) -> str:
        """The token for a rendition's or audio track's directory: a link token when this signer issues
        them and the names fit one (plain names, a ``video/<name>/`` or ``audio/<name>/`` scope), else the
        HMAC token (such a URL is checked by the app, through nginx or not)."""
        fits = (_LINK_SCOPE.match(grant.scope) is not None
                and all(_LINK_FIELD.match(v) for v in (grant.session_id, grant.user_id, grant.asset_id)))
        return self.link_token(grant) if self._link_secret is not None and fits else self.token(grant)

    def _verify_link(self, *, session_id: str, token: str, path: str, now: float) -> Grant:
        if self._link_secret is None:
            raise SignatureError("link tokens are not accepted here")
        fields = token.split(LINK_SEP)
        if (len(fields) != 4 or not _MD5_B64.match(fields[0]) or not fields[1].isascii() or not fields[1].isdigit()
                or len(fields[1]) > 12):
            raise SignatureError("link token has the wrong shape")
        md5, expires_text, user_id, asset_id = fields
        directory = path.rpartition("/")[0] + "/"
        if not (_LINK_FIELD.match(user_id) and _LINK_FIELD.match(asset_id) and _LINK_SCOPE.match(directory)):
            raise SignatureError("link token does not cover this path")
        expires = int(expires_text)
        expected = self._link_md5(session_id=session_id, user_id=user_id, asset_id=asset_id, directory=directory,
                                  expires=expires)
        if not hmac.compare_digest(md5, expected):
            raise SignatureError("token signature does not match")
        if now >= expires:
            raise SignatureError("token has expired")
        return Grant(session_id=session_id, user_id=user_id, asset_id=asset_id, scope=directory, expires=expires)

    def _mac(self, *, session_id: str, fields: list[str]) -> bytes:
        message = SEP.join(["ott-media", session_id, *fields]).encode("utf-8")
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]

    def token(self, grant: Grant) -> str:
        """The token for ``grant``."""
        fields = [VERSION, grant.user_id, grant.asset_id, grant.scope, str(int(grant.expires))]
        for value in (grant.session_id, *fields):
            if SEP in value or "\x00" in value:
                raise ValueError("token fields may not contain control separators")
        payload = SEP.join(fields).encode("utf-8")
        return f"{_b64(payload)}.{_b64(self._mac(session_id=grant.session_id, fields=fields))}"

    def verify(self, *, session_id: str, token: str, path: str, now: float) -> Grant:
        """The grant of ``token`` if it is genuine, unexpired, for ``session_id`` and covers ``path``.

        Raises SignatureError otherwise (the caller answers 403).
        """
        if LINK_SEP in token:
            return self._verify_link(session_id=session_id, token=token, path=path, now=now)
        payload_b64, dot, sig_b64 = token.partition(".")
        if not dot:
            raise SignatureError("token has no signature")
        try:
            fields = _unb64(payload_b64).decode("utf-8").split(SEP)
        except UnicodeDecodeError as err:
            raise SignatureError("token payload is not text") from err
        if len(fields) != 5 or fields[0] != VERSION:
            raise SignatureError("token payload has the wrong shape")
        if not hmac.compare_digest(_unb64(sig_b64), self._mac(session_id=session_id, fields=fields)):
            raise SignatureError("token signature does not match")
        try:
            expires = int(fields[4])
        except ValueError as err:
            raise SignatureError("token expiry is not a number") from err
        grant = Grant(session_id=session_id, user_id=fields[1], asset_id=fields[2], scope=fields[3],
                      expires=expires)
        if now >= expires:
            raise SignatureError("token has expired")
        if not grant.covers(path):
            raise SignatureError("token does not cover this path")
        return grant


def load_link_secret(configured: str | None) -> bytes | None:
    """The media link secret (``OTT_MEDIA_LINK_SECRET``) as bytes, or None when link tokens are off."""
    return configured.encode("utf-8") if configured else None


def load_secret(*, configured: str | None, data_dir: Path) -> bytes:
    """The signing secret: the configured one, else ``<data_dir>/url_signing_secret`` (made once, 0600)."""
    if configured:
        return configured.encode("utf-8")
    return load_or_create(data_dir / SECRET_FILE, make=random_secret(nbytes=48)).strip()
