"""The RS256 key pair: taken from settings (PEM) or generated once into ``<data_dir>/keys/``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from server.secret_files import load_or_create
from server.settings import Settings

log = logging.getLogger(__name__)

PRIVATE_NAME = "jwt_private.pem"
PUBLIC_NAME = "jwt_public.pem"


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """PEM-encoded RSA private and public keys used to sign and verify JWTs."""

    private_pem: bytes
    public_pem: bytes


def generate_keys() -> SigningKeys:
    """A fresh 2048-bit RSA key pair."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    return SigningKeys(private_pem=private_pem, public_pem=public_pem)


def _public_from_private(private_pem: bytes) -> bytes:
    try:
        key = serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError) as err:
        raise ValueError(f"the JWT private key is not a usable PEM key: {err}") from err
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the JWT private key must be an RSA key (RS256)")
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def load_or_create_keys(*, settings: Settings) -> SigningKeys:
    """Keys from ``jwt_private_key``/``jwt_public_key``, else from the key dir, else newly made there."""
    if settings.jwt_private_key:
        private_pem = settings.jwt_private_key.encode("ascii")
        public_pem = (settings.jwt_public_key.encode("ascii") if settings.jwt_public_key
                      else _public_from_private(private_pem))
        return SigningKeys(private_pem=private_pem, public_pem=public_pem)
    key_dir = settings.data_dir / "keys"
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    # made atomically: processes starting together on a fresh data dir all end up with one key
    private_pem = load_or_create(key_dir / PRIVATE_NAME, make=lambda: generate_keys().private_pem)
    public_pem = _public_from_private(private_pem)
    public_path = key_dir / PUBLIC_NAME
    if not public_path.exists():
        public_path.write_bytes(public_pem)  # for operators; the server derives it from the private key
    return SigningKeys(private_pem=private_pem, public_pem=public_pem)
