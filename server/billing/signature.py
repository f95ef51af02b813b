"""Razorpay-style webhook signatures: hex HMAC-SHA256 of the raw request body."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Razorpay-Signature"
EVENT_ID_HEADER = "X-Razorpay-Event-Id"


def sign_body(*, secret: bytes, body: bytes) -> str:
    """The signature the gateway sends with ``body``."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(*, secret: bytes, body: bytes, signature: str | None) -> bool:
    """True when ``signature`` is the body's signature (constant-time comparison)."""
    if not signature:
        return False
    return hmac.compare_digest(sign_body(secret=secret, body=body), signature.strip().lower())
