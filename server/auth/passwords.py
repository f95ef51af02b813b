"""Password policy (spec §7.4) and bcrypt hashing off the event loop."""

from __future__ import annotations

import asyncio
import re

import bcrypt

MIN_LENGTH = 8
MAX_BYTES = 72  # bcrypt ignores everything past 72 bytes: refuse rather than silently truncate

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("at least one uppercase letter", re.compile(r"[A-Z]")),
    ("at least one lowercase letter", re.compile(r"[a-z]")),
    ("at least one number", re.compile(r"[0-9]")),
    ("at least one special character", re.compile(r"[^A-Za-z0-9]")),
)


def password_problems(password: str) -> list[str]:
    """Every policy rule ``password`` breaks, in words (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"at least {MIN_LENGTH} characters")
    if len(password.encode("utf-8")) > MAX_BYTES:
        problems.append(f"at most {MAX_BYTES} bytes")
    problems += [text for text, rule in _RULES if not rule.search(password)]
    return problems


def hash_password_sync(password: str, *, rounds: int) -> str:
    """bcrypt hash with ``rounds`` cost (blocking: call through ``hash_password``)."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


async def hash_password(password: str, *, rounds: int) -> str:
    """bcrypt hash computed in a worker thread so the event loop keeps serving."""
    return await asyncio.to_thread(hash_password_sync, password, rounds=rounds)


async def verify_password(password: str, hashed: str) -> bool:
    """Constant-time bcrypt check in a worker thread."""
    def check() -> bool:
        try:
            return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
        except ValueError:
            return False

    return await asyncio.to_thread(check)


_DUMMY_HASHES: dict[int, str] = {}


async def dummy_hash(*, rounds: int) -> str:
    """A valid hash at the configured cost, checked when the email is unknown.

    Same cost as real accounts' hashes, so timing does not tell whether an account exists; made
    once per cost (in a worker thread) rather than at import.
    """
    hashed = _DUMMY_HASHES.get(rounds)
    if hashed is None:
        hashed = _DUMMY_HASHES.setdefault(rounds, await hash_password("Dummy-password-1!", rounds=rounds))
    return hashed
