"""Packaging jobs: package an uploaded source with ``media`` and attach the renditions to the title.

A job row (``cms_jobs``) records state (queued → running → succeeded | failed), progress 0–100
and the error. The title only changes when packaging succeeded, in one transaction: a failed job
leaves it with its previous asset and renditions, still playable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
from aiohttp import web

from media import Asset, MediaError, package_asset
from server import keys
from server.auth import audit
from server.cms import store
from server.cms.models import JobOut
from server.errors import NotFound

log = logging.getLogger(__name__)

#: progress shares of the packaging phases (the rest is attaching)
_PHASES = {"encode": (0, 85), "dash": (85, 95), "done": (95, 95)}


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][^/\\\s'\":]+){2,}[/\\]?")


def public_error(err: Exception) -> str:
    """The first line of a packaging error without any server file path (at most 500 characters)."""
    text = str(err).strip()
    first = text.splitlines()[0] if text else type(err).__name__
    return _PATH.sub("<upload>", first)[:500]


class JobRunner:
    """Runs packaging jobs in the background, at most ``concurrency`` at a time."""

    def __init__(self, *, pool: asyncpg.Pool, media_dir: Path, concurrency: int) -> None:
        self.pool = pool
        self.media_dir = media_dir
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    async def create(self, conn: asyncpg.Connection, *, content_id: str, author_id: str, size: int,
                     content_type: str) -> str:
        """Insert a queued job row inside the caller's transaction; its id."""
        job_id = str(uuid.uuid4())
        await conn.execute(
            "INSERT INTO cms_jobs (id, content_id, source_bytes, source_content_type, created_by)"
            " VALUES ($1::uuid, $2::uuid, $3, $4, $5::uuid)", job_id, content_id, size, content_type, author_id)
        return job_id

    def start(self, *, job_id: str, content_id: str, source: Path, author_id: str | None) -> None:
        """Run the job in the background (after its row is committed)."""
        task = asyncio.create_task(self._run(job_id=job_id, content_id=content_id, source=source,
                                             author_id=author_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Cancel running jobs (they are marked failed) and wait for them."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _set(self, job_id: str, sql: str, *args: object) -> None:
        await self.pool.execute(f"UPDATE cms_jobs SET {sql}, updated_at = now() WHERE id = $1::uuid",  # noqa: S608
                                job_id, *args)

    def _progress_cb(self, job_id: str) -> tuple[Callable[[str, float, float], None], set[asyncio.Task[None]]]:
        pending: set[asyncio.Task[None]] = set()
        last = [-1]

        def progress(phase: str, done: float, total: float) -> None:
            lo, hi = _PHASES.get(phase, (0, 95))
            pct = int(lo + (hi - lo) * (done / total if total > 0 else 1.0))
            if pct <= last[0]:
                return
            last[0] = pct
            task = asyncio.get_running_loop().create_task(self._set(
                job_id, "progress = greatest(progress, $2), phase = $3", pct, phase))
            pending.add(task)
            task.add_done_callback(pending.discard)

        return progress, pending

    async def _run(self, *, job_id: str, content_id: str, source: Path, author_id: str | None) -> None:
        asset_id = f"cms-{content_id[:8]}-{job_id[:8]}"
        try:
            async with self._slots:
                await self._set(job_id, "state = 'running', phase = 'probe', asset_id = $2", asset_id)
                progress, pending = self._progress_cb(job_id)
                self.media_dir.mkdir(parents=True, exist_ok=True)
                title = await self.pool.fetchval("SELECT title FROM content WHERE id = $1::uuid", content_id)
                asset = await package_asset(source, self.media_dir / asset_id, asset_id=asset_id, title=title,
                                            progress=progress)
                if pending:
                    await asyncio.gather(*pending, return_exceptions=True)
                await self._attach(job_id=job_id, content_id=content_id, asset=asset, author_id=author_id)
        except asyncio.CancelledError:
            await asyncio.shield(self._fail(job_id, "the server stopped before the job finished"))
            raise
        except (MediaError, OSError) as err:
            await self._fail(job_id, public_error(err))
        except (asyncpg.PostgresError, ValueError) as err:
            log.exception("packaging job %s failed", job_id)
            await self._fail(job_id, f"could not attach the renditions: {err}"[:500])
        finally:
            await asyncio.to_thread(source.unlink, missing_ok=True)

    async def _fail(self, job_id: str, error: str) -> None:
        log.warning("packaging job failed", extra={"job_id": job_id, "error": error})
        with contextlib.suppress(asyncpg.PostgresError, OSError):
            await self._set(job_id, "state = 'failed', error = $2, finished_at = now()", error)

    async def _attach(self, *, job_id: str, content_id: str, asset: Asset, author_id: str | None) -> None:
        """Point the title at the new asset and replace its variant rows, versioned and audited."""
        base = f"/media/{asset.asset_id}"
        dash = f"{base}/{asset.dash.mpd}" if asset.dash is not None else None
        async with self.pool.acquire() as conn, conn.transaction():
            await store.fetch_content(conn, content_id=content_id, lock=True)
            images = asset.images
            await conn.execute(
                "UPDATE content SET asset_id = $2, asset_duration_s = $3, duration_minutes = $4,"
                # artwork an editor set elsewhere is kept; our own (an earlier upload's) is replaced
                " poster_url = CASE WHEN poster_url IS NULL OR poster_url LIKE '/media/%' THEN $5 ELSE poster_url END,"
                " thumbnail_url = CASE WHEN thumbnail_url IS NULL OR thumbnail_url LIKE '/media/%' THEN $6"
                " ELSE thumbnail_url END WHERE id = $1::uuid",
                content_id, asset.asset_id, asset.duration, max(1, round(asset.duration / 60)),
                f"{base}/{images.poster}" if images else None, f"{base}/{images.thumbnail}" if images else None)
            await conn.execute("DELETE FROM video_variants WHERE content_id = $1::uuid", content_id)
            await conn.executemany(
                "INSERT INTO video_variants (content_id, quality, hls_url, dash_url, bitrate_kbps, file_size_mb)"
                " VALUES ($1::uuid, $2, $3, $4, $5, $6)",
                [(content_id, r.name, f"{base}/{r.playlist}", dash, r.target_kbps,
                  round(sum(s.bytes for s in r.segments) / 1e6, 2)) for r in asset.renditions])
            version = await store.record_version(conn, content_id=content_id, action="attach_video",
                                                 author_id=author_id)
            await audit.record(conn, action="cms.content.attach_video", actor_id=author_id, target_type="content",
                               target_id=content_id, details={"job_id": job_id, "asset_id": asset.asset_id,
                                                              "renditions": [r.name for r in asset.renditions],
                                                              "version": version})
            await conn.execute("UPDATE cms_jobs SET state = 'succeeded', progress = 100, phase = 'done',"
                               " finished_at = now(), updated_at = now() WHERE id = $1::uuid", job_id)
        log.info("packaging job succeeded", extra={"job_id": job_id, "asset_id": asset.asset_id})


async def fetch_job(db: store.Db, job_id: str) -> JobOut:
    """The job ``job_id`` as the API shows it; 404 for an unknown or malformed id."""
    jid = store.parse_id(job_id, what="job")
    row = await db.fetchrow("SELECT * FROM cms_jobs WHERE id = $1::uuid", jid)
    if row is None:
        raise NotFound(f"no job {jid}")
    return JobOut(id=str(row["id"]), content_id=str(row["content_id"]), state=row["state"], progress=row["progress"],
                  phase=row["phase"], error=row["error"], asset_id=row["asset_id"], source_bytes=row["source_bytes"],
                  created_at=row["created_at"].isoformat(), updated_at=row["updated_at"].isoformat(),
                  finished_at=row["finished_at"].isoformat() if row["finished_at"] else None)


async def runner_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: own the job runner for the app's lifetime."""
    settings = app[keys.SETTINGS]
    app[keys.JOB_RUNNER] = JobRunner(pool=app[keys.DB], media_dir=settings.resolved_media_dir,
                            concurrency=settings.cms_job_concurrency)
    try:
        yield
    finally:
        await app[keys.JOB_RUNNER].close()
