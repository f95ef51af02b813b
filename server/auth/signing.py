"""The RS256 key pair: taken from settings (PEM) or generated once into ``<data_dir>/keys/``."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

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


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def load_or_create_keys(*, settings: Settings) -> SigningKeys:
    """Keys from ``jwt_private_key``/``jwt_public_key``, else from the key dir, else newly made there."""
    if settings.jwt_private_key:
        private_pem = settings.jwt_private_key.encode("ascii")
        public_pem = (settings.jwt_public_key.encode("ascii") if settings.jwt_public_key
                      else _public_from_private(private_pem))
        return SigningKeys(private_pem=private_pem, public_pem=public_pem)
    key_dir = settings.data_dir / "keys"
    private_path, public_path = key_dir / PRIVATE_NAME, key_dir / PUBLIC_NAME
    if private_path.exists():
        private_pem = private_path.read_bytes()
        return SigningKeys(private_pem=private_pem, public_pem=_public_from_private(private_pem))
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys = generate_keys()
    try:
        _write_private(private_path, keys.private_pem)
    except FileExistsError:  # another process won the race: use its key
        private_pem = private_path.read_bytes()
        return SigningKeys(private_pem=private_pem, public_pem=_public_from_private(private_pem))
    public_path.write_bytes(keys.public_pem)
    log.info("generated a JWT signing key pair", extra={"key_dir": str(key_dir)})
    return keys
