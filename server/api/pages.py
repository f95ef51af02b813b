"""The pages the mailed links open: confirm an email address, choose a new password.

The verification and reset mails link to ``/verify-email?token=`` and ``/reset-password?token=``.
A GET only shows a form (mail scanners that prefetch links must not spend the single-use token);
submitting it runs the same code as ``POST /api/v1/auth/verify-email`` and
``POST /api/v1/auth/password-reset/confirm`` and answers a short HTML page.
"""

from __future__ import annotations

from html import escape

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from server.api.auth import password_reset_confirm, verify_email
from server.auth.models import PasswordResetConfirmIn, TokenIn
from server.errors import DomainError
from server.routing import ApiRouter

router = ApiRouter(tag="pages")
FORM = "application/x-www-form-urlencoded"
HTML = "text/html"


class TokenQuery(BaseModel):
    """The token from the mailed link."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=512)


def _page(title: str, body: str, *, status: int = 200) -> web.Response:
    text = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f"<body><h1>{escape(title)}</h1>{body}</body></html>")
    return web.Response(text=text, status=status, content_type=HTML,
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _failed(err: DomainError, title: str) -> web.Response:
    return _page(title, f"<p>{escape(err.detail)}</p>", status=err.status)


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_type != FORM:
        raise web.HTTPUnsupportedMediaType(text=f"send the form as {FORM}")
    data = await request.post()
    return {k: v for k, v in data.items() if isinstance(v, str)}


@router.route("GET", "/verify-email", summary="Page of the mailed verification link", query=TokenQuery,
              auth="none", errors=(422,), media_type=HTML)
async def verify_email_page(request: web.Request, *, query: TokenQuery) -> web.Response:
    """A page with one button that confirms the address (the token is spent only on submit)."""
    token = escape(query.token, quote=True)
    return _page("Confirm your email address",
                 f'<form method="post" action="/verify-email"><input type="hidden" name="token" value="{token}">'
                 '<button type="submit">Confirm my email address</button></form>')


@router.route("POST", "/verify-email", summary="Confirm the address from the verification page", auth="none",
              raw_body=True, content_types=(FORM,), errors=(400, 410, 415, 422), media_type=HTML)
async def verify_email_submit(request: web.Request) -> web.Response:
    """200 page when the address is confirmed; 400/410 page for an unknown, expired or used token."""
    form = await _form(request)
    try:
        await verify_email(request, body=TokenIn(token=form.get("token", "")[:512] or "-"))
    except DomainError as err:
        return _failed(err, "The link did not work")
    return _page("Email address confirmed", "<p>Thank you. You can close this page and log in.</p>")


@router.route("GET", "/reset-password", summary="Page of the mailed password-reset link", query=TokenQuery,
              auth="none", errors=(422,), media_type=HTML)
async def reset_password_page(request: web.Request, *, query: TokenQuery) -> web.Response:
    """A form for the new password (8+ characters with upper, lower, digit and special)."""
    token = escape(query.token, quote=True)
    return _page("Choose a new password",
                 f'<form method="post" action="/reset-password"><input type="hidden" name="token" value="{token}">'
                 '<label>New password <input type="password" name="password" minlength="8" required '
                 'autocomplete="new-password"></label> <button type="submit">Set password</button></form>')


@router.route("POST", "/reset-password", summary="Set the new password from the reset page", auth="none",
              raw_body=True, content_types=(FORM,), errors=(400, 410, 415, 422), media_type=HTML)
async def reset_password_submit(request: web.Request) -> web.Response:
    """200 page when the password is set (every login ends); 400/410/422 page otherwise."""
    form = await _form(request)
    try:
        body = PasswordResetConfirmIn(token=form.get("token", "")[:512] or "-",
                                      password=form.get("password", "")[:256] or "-")
        await password_reset_confirm(request, body=body)
    except DomainError as err:
        return _failed(err, "The password was not changed")
    return _page("Password changed", "<p>Your new password is set; every device was logged out. Log in again.</p>")
