"""Database failures the error middleware must classify: a client's fault (4xx) or an outage (503).

A constraint or data error that slipped past the request models is still the client's input:
uniqueness and foreign keys are a 409, checks, NOT NULL, over-long or unencodable text a 422 —
never a 500 with a traceback. Only a failure to *reach* the database is a 503; any other
``OSError`` (a full disk, a missing file) is a genuine server error.
"""

from __future__ import annotations

import errno
import socket

import asyncpg
from aiohttp import web

from server.errors import Conflict, DomainError, ValidationFailed

CONNECTION_ERRNOS = frozenset({
    errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.ETIMEDOUT, errno.EHOSTUNREACH,
    errno.ENETUNREACH, errno.EPIPE, errno.ENOTCONN, errno.EADDRNOTAVAIL,
})
_DRIVER_CONNECTION_ERRORS = (
    asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError,
    asyncpg.ConnectionDoesNotExistError, asyncpg.exceptions.AdminShutdownError, asyncpg.exceptions.CrashShutdownError,
)


def is_unreachable(exc: BaseException) -> bool:
    """True when ``exc`` means the database (or a socket to it) cannot be reached right now."""
    if isinstance(exc, (*_DRIVER_CONNECTION_ERRORS, ConnectionError, TimeoutError, socket.gaierror)):
        return True
    if isinstance(exc, asyncpg.InternalClientError) and (_raised_in_pool_release(exc) or _interrupted(exc)):
        # A pooled connection broke mid-operation (the server restarted): the next query on it, or its
        # reset on release, finds it in a state it cannot leave ("another operation is in progress");
        # the pool terminates it.
        return True
    if isinstance(exc, OSError):
        if exc.errno in CONNECTION_ERRNOS or _raised_in_driver(exc):
            return True
        # asyncio's create_connection to several addresses (localhost → ::1 and 127.0.0.1) folds
        # the per-address failures into one errno-less OSError("Multiple exceptions: ...").
        return exc.errno is None and str(exc).startswith("Multiple exceptions")
    return False


def client_left(exc: BaseException, request: web.BaseRequest) -> bool:
    """Whether ``exc`` is aiohttp failing a read of the request's body because its client closed the connection
    (``ConnectionResetError("Connection lost")``, even when the bytes had arrived): the client's doing, not an
    unreachable database (:func:`is_unreachable` would take any ``ConnectionError`` for one)."""
    return (isinstance(exc, ConnectionResetError) and not _raised_in_driver(exc)
            and (request.transport is None or request.transport.is_closing()))


def _raised_in_driver(exc: BaseException) -> bool:
    """Whether ``exc`` came out of the database/cache driver (e.g. ENOENT on a missing unix socket)."""
    tb = exc.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(("asyncpg.", "redis.")):
            return True
        tb = tb.tb_next
    return False


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection is still inside an operation that was cut off."""
    return "another operation" in str(exc) and "in progress" in str(exc)


def _raised_in_pool_release(exc: BaseException) -> bool:
    """Whether ``exc`` came out of asyncpg's pool giving a connection back (its reset on release)."""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if str(frame.f_globals.get("__name__", "")) == "asyncpg.pool" and frame.f_code.co_name == "release":
            return True
        tb = tb.tb_next
    return False


def _field(err: asyncpg.PostgresError) -> str | None:
    return getattr(err, "column_name", None) or getattr(err, "constraint_name", None)


def client_error(exc: BaseException) -> DomainError | None:
    """The 409/422 a database error caused by the request's data maps to, or None if it is not one."""
    if isinstance(exc, UnicodeEncodeError):
        return ValidationFailed("the request holds text that cannot be stored", errors=[
            {"field": None, "message": "not valid Unicode text (a lone surrogate)", "type": "unstorable_text"}])
    if not isinstance(exc, asyncpg.PostgresError):
        return None
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, asyncpg.UniqueViolationError | asyncpg.ExclusionViolationError):
        return Conflict(f"conflicts with an existing record ({_field(exc) or 'unique constraint'})")
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return Conflict(f"refers to a record that does not exist or is still referenced ({_field(exc) or 'key'})")
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError | asyncpg.DataError):
        return ValidationFailed("the values cannot be stored", errors=[
            {"field": _field(exc), "message": first_line, "type": type(exc).__name__}])
    return None
