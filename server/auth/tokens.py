"""JWT access and refresh tokens (RS256 only): issuing and strict verification."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from server.auth.signing import SigningKeys

TokenType = Literal["access", "refresh"]
ALGORITHM = "RS256"
#: Tokens whose signature was verified, kept with their claims (oldest dropped first): a client sends the
#: same access token with every request until it expires, and PyJWT's RS256 check costs ~0.1 ms of CPU
#: (4-6 % of the server's samples at 400 users).
VERIFIED_CACHE_SIZE = 4096


class InvalidToken(Exception):
    """The token is malformed, tampered, expired, of the wrong type or issuer."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A signed token and the facts the issuer needs to store about it."""

    token: str
    jti: str
    expires_at: int


class TokenService:
    """Signs and verifies this deployment's JWTs."""

    def __init__(self, *, keys: SigningKeys, issuer: str, access_ttl_s: int, refresh_ttl_s: int,
                 clock: Callable[[], float] = time.time) -> None:
        """Sign with ``keys`` as ``issuer``; ``clock`` decides when a token verified before has expired."""
        self.keys = keys
        self.clock = clock
        self._verified: dict[str, dict[str, Any]] = {}
        self.issuer = issuer
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        # Parsed once: PyJWT given PEM bytes re-parses (and re-validates) the RSA key on every
        # call, which costs ~60 ms per signature on the event loop.
        private_key = serialization.load_pem_private_key(keys.private_pem, password=None)
        public_key = serialization.load_pem_public_key(keys.public_pem)
        if not isinstance(private_key, rsa.RSAPrivateKey) or not isinstance(public_key, rsa.RSAPublicKey):
            raise ValueError("the JWT keys must be RSA keys (RS256)")
        self._private_key = private_key
        self._public_key = public_key

    def _sign(self, claims: dict[str, Any], *, ttl_s: int) -> IssuedToken:
        now = int(time.time())
        jti = str(uuid.uuid4())
        payload = {**claims, "jti": jti, "iat": now, "exp": now + ttl_s, "iss": self.issuer}
        token = jwt.encode(payload, self._private_key, algorithm=ALGORITHM)
        return IssuedToken(token=token, jti=jti, expires_at=now + ttl_s)

    def issue_access(self, *, user_id: str, email: str, roles: list[str] | tuple[str, ...],
                     email_verified: bool, family_id: str) -> IssuedToken:
        """A short-lived access token: sub, email, roles, ev, fam, jti, iat, exp, iss, typ=access."""
        claims = {"sub": user_id, "email": email, "roles": sorted(roles), "ev": email_verified,
                  "fam": family_id, "typ": "access"}
        return self._sign(claims, ttl_s=self.access_ttl_s)

    def issue_refresh(self, *, user_id: str, family_id: str) -> IssuedToken:
        """A refresh token of login family ``family_id``: sub, fam, jti, iat, exp, iss, typ=refresh."""
        return self._sign({"sub": user_id, "fam": family_id, "typ": "refresh"}, ttl_s=self.refresh_ttl_s)

    def verify(self, token: str, *, typ: TokenType) -> dict[str, Any]:
        """The claims of a valid ``typ`` token; anything else raises :class:`InvalidToken`.

        Only RS256 with our public key is accepted, which rules out ``alg=none`` and the
        HS256-keyed-with-the-public-key confusion. A token verified before is not checked again, only
        its expiry (a changed byte makes another token).
        """
        claims = self._verified.get(token)
        if claims is None:
            claims = self._decode(token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = claims
        elif int(claims["exp"]) <= self.clock():
            del self._verified[token]
            raise InvalidToken("Signature has expired")
        if claims.get("typ") != typ:
            raise InvalidToken(f"expected a {typ} token")
        if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("jti"), str):
            raise InvalidToken("malformed subject or token id")
        return dict(claims)

    def _decode(self, token: str) -> dict[str, Any]:
        """PyJWT's full check: signature, algorithm, issuer, required claims, lifetime."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._public_key, algorithms=[ALGORITHM], issuer=self.issuer,
                options={"require": ["sub", "jti", "iat", "exp", "iss", "typ"]},
            )
        except jwt.PyJWTError as err:
            raise InvalidToken(str(err)) from err
        return claims
