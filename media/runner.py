"""The one place that runs ffmpeg/ffprobe: asyncio subprocesses, never a shell."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from media.errors import FFmpegError, InputError

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float], None]


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


async def run_ffmpeg(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    on_progress: ProgressCallback | None = None,
    binary: str = "ffmpeg",
) -> None:
    """Run ``ffmpeg ARGS`` (ARGS without the binary); report ``-progress pipe:1`` seconds done.

    Raises FFmpegError with the tail of stderr when ffmpeg fails.
    """
    log.debug("running %s %s (cwd=%s)", binary, " ".join(args), cwd)
    try:
        proc = await asyncio.create_subprocess_exec(
            binary,
            *args,
            cwd=os.fspath(cwd) if cwd else None,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError as err:
        raise FFmpegError(f"{binary} is not installed") from err
    assert proc.stdout is not None and proc.stderr is not None

    async def read_progress() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            key, _, value = raw.decode(errors="replace").strip().partition("=")
            if key == "out_time_us" and on_progress is not None:
                try:
                    on_progress(max(0.0, int(value) / 1_000_000))
                except ValueError:
                    continue

    stderr_task = asyncio.ensure_future(proc.stderr.read())
    try:
        await read_progress()
        rc = await proc.wait()
    except asyncio.CancelledError:
        proc.kill()
        await proc.wait()
        raise
    stderr = (await stderr_task).decode(errors="replace")
    if rc != 0:
        raise FFmpegError(f"{binary} failed (exit {rc}): {_tail(stderr, 3)}", returncode=rc, stderr=stderr)


async def run_capture(args: Sequence[str], *, binary: str = "ffprobe") -> str:
    """Run ``BINARY ARGS`` and return stdout; FFmpegError on a non-zero exit."""
    try:
        proc = await asyncio.create_subprocess_exec(
            binary,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError as err:
        raise FFmpegError(f"{binary} is not installed") from err
    out, err_bytes = await proc.communicate()
    if proc.returncode != 0:
        stderr = err_bytes.decode(errors="replace")
        raise FFmpegError(
            f"{binary} failed: {_tail(stderr, 2)}", returncode=proc.returncode, stderr=stderr
        )
    return out.decode(errors="replace")


async def run_tool(args: Sequence[str], *, binary: str) -> None:
    """Run a helper tool (e.g. espeak-ng) and raise InputError if it is missing or fails."""
    try:
        proc = await asyncio.create_subprocess_exec(
            binary,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError as err:
        raise InputError(f"{binary} is not installed") from err
    _, err_bytes = await proc.communicate()
    if proc.returncode != 0:
        raise FFmpegError(f"{binary} failed: {_tail(err_bytes.decode(errors='replace'), 2)}")
