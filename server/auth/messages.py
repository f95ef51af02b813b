"""The text of the mails the auth area sends."""

from __future__ import annotations

from urllib.parse import quote

from server.settings import Settings


def _link(settings: Settings, path: str, token: str) -> str:
    base = (settings.public_base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    return f"{base}{path}?token={quote(token)}"


def verification_mail(*, settings: Settings, token: str) -> tuple[str, str]:
    """(subject, body) of the email-verification mail."""
    hours = settings.email_verify_ttl_s // 3600
    body = (
        "Welcome to OTT Lowband.\n\n"
        f"Confirm your email address: {_link(settings, '/verify-email', token)}\n\n"
        f"or send this token to POST /api/v1/auth/verify-email:\n\ntoken: {token}\n\n"
        f"The token is valid for {hours} hours.\n"
    )
    return "Confirm your email address", body


def password_reset_mail(*, settings: Settings, token: str) -> tuple[str, str]:
    """(subject, body) of the password-reset mail."""
    minutes = settings.password_reset_ttl_s // 60
    body = (
        "Someone (hopefully you) asked to reset your OTT Lowband password.\n\n"
        f"Reset it here: {_link(settings, '/reset-password', token)}\n\n"
        f"or send this token with a new password to POST /api/v1/auth/password-reset/confirm:\n\n"
        f"token: {token}\n\nThe token is valid for {minutes} minutes and works once. "
        "If you did not ask for this, ignore this mail.\n"
    )
    return "Reset your password", body
