"""Authentication: password policy and hashing, JWTs, refresh families, lockout, rate limits.

Other areas need only ``require_verified`` / ``require_verified_if_configured`` (before
playback) and, for tests, ``tests/helpers.py``; the Principal itself comes from
``server.routing.principal(request)``.
"""

from server.auth.authenticator import authenticate_request, require_verified, require_verified_if_configured

__all__ = ["authenticate_request", "require_verified", "require_verified_if_configured"]
