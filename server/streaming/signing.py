"""Signed media URLs (spec §8.5): HMAC-SHA256 tokens bound to a session, viewer, asset, path prefix and expiry.

A media URL is ``/media/s/<session_id>/<token>/<path inside the asset>``. The token is
``<payload>.<signature>``, both base64url without padding:

- payload: ``1␟<user_id>␟<asset_id>␟<scope>␟<expires>`` (␟ = U+001F);
- signature: the first 16 bytes of HMAC-SHA256(secret, ``ott-media␟<session_id>␟<payload fields>``).

``scope`` is a path prefix inside the asset root ("" covers the whole asset, ``video/720p/``
one rendition, ``master.m3u8`` one file). The session id is part of the signed message but not
of the payload, so a token moved to another session's URL fails verification.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from dataclasses import dataclass
from pathlib import Path

from server.secret_files import load_or_create, random_secret

log = logging.getLogger(__name__)

VERSION = "1"
SEP = "\x1f"
SIGNATURE_BYTES = 16
SECRET_FILE = "url_signing_secret"  # noqa: S105 - a file name, not a secret


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
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
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

    def __init__(self, *, secret: bytes) -> None:
        """Use ``secret`` (at least 16 bytes) for every signature."""
        if len(secret) < 16:
            raise ValueError("the URL signing secret must be at least 16 bytes")
        self._secret = secret

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


def load_secret(*, configured: str | None, data_dir: Path) -> bytes:
    """The signing secret: the configured one, else ``<data_dir>/url_signing_secret`` (made once, 0600)."""
    if configured:
        return configured.encode("utf-8")
    return load_or_create(data_dir / SECRET_FILE, make=random_secret(nbytes=48)).strip()
