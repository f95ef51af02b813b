"""CMS HTTP handlers: video upload (streamed to disk, packaged by a background job) and job status."""

from __future__ import annotations

from aiohttp import web

from server import keys
from server.auth import audit
from server.cms import service, store, taxonomy
from server.cms.csv_import import import_rows, parse_csv
from server.cms.jobs import fetch_job
from server.cms.models import ImportOut, JobOut
from server.cms.uploads import VIDEO_TYPES, check_video_type, read_capped, receive
from server.cms.workflow import EDITORS, STAFF
from server.errors import BadRequest, Conflict, UnsupportedMediaType, ValidationFailed
from server.routing import ApiRouter, json_response, principal

router = ApiRouter(tag="cms")


@router.route("POST", "/api/v1/cms/content/{content_id}/video", summary="Upload a video; packaged in the background",
              response=JobOut, status=202, roles=EDITORS, errors=(400, 401, 403, 404, 409, 413, 415),
              raw_body=True, content_types=VIDEO_TYPES)
async def upload_video(request: web.Request) -> web.Response:
    """202 with the queued job (poll ``/cms/jobs/{id}``); 413 too large; 415 not a video type."""
    who = principal(request)
    app = request.app
    db = app[keys.DB]
    row = await store.fetch_content(db, content_id=request.match_info["content_id"])
    service.check_may_edit(row=row, who=who)
    if row["type"] == "tv_show":
        raise Conflict("a show plays its episodes: give each episode a packaged asset_id instead")
    ctype = check_video_type(request)
    settings = app[keys.SETTINGS]
    source, size = await receive(request, directory=settings.data_dir / "uploads",
                                 max_bytes=settings.cms_upload_max_bytes)
    cid = str(row["id"])
    try:
        async with db.acquire() as conn, conn.transaction():
            job_id = await app[keys.JOB_RUNNER].create(conn, content_id=cid, author_id=who.user_id, size=size,
                                              content_type=ctype)
            await audit.record(conn, action="cms.content.upload_video", actor_id=who.user_id,
                               target_type="content", target_id=cid, details={"job_id": job_id, "bytes": size},
                               request_id=request.get("request_id"))
    except BaseException:
        source.unlink(missing_ok=True)
        raise
    app[keys.JOB_RUNNER].start(job_id=job_id, content_id=cid, source=source, author_id=who.user_id)
    return json_response(await fetch_job(db, job_id), status=202,
                         headers={"Location": f"/api/v1/cms/jobs/{job_id}"})


@router.route("GET", "/api/v1/cms/jobs/{job_id}", summary="A packaging job's state and progress", response=JobOut,
              roles=STAFF, errors=(401, 403, 404))
async def get_job(request: web.Request) -> web.Response:
    """200 with state queued/running/succeeded/failed, progress 0-100 and the error if it failed."""
    return json_response(await fetch_job(request.app[keys.DB], request.match_info["job_id"]))


@router.route("POST", "/api/v1/cms/import", summary="Import title metadata from CSV (all-or-nothing)",
              response=ImportOut, roles=EDITORS, errors=(400, 401, 403, 404, 409, 413, 415, 422),
              raw_body=True, content_types=("text/csv",))
async def import_csv(request: web.Request) -> web.Response:
    """200 with the created and updated ids; 422 with every row/column error and nothing written."""
    if request.content_type != "text/csv":
        raise UnsupportedMediaType(f"send text/csv, not {request.content_type or 'nothing'}")
    limit = request.app[keys.SETTINGS].cms_import_max_bytes
    raw = await read_capped(request, max_bytes=limit)
    try:
        text = raw.decode(request.charset or "utf-8").removeprefix("\ufeff")
    except (UnicodeDecodeError, LookupError) as err:
        raise BadRequest(f"the CSV is not valid {request.charset or 'utf-8'} text") from err
    who = principal(request)
    db = request.app[keys.DB]
    genres = await taxonomy.genre_ids_by_slug(db)
    rows, errors = parse_csv(text, genre_ids=genres)
    if errors:
        raise ValidationFailed(f"{len(errors)} problems in the CSV; nothing was imported", errors=errors)
    async with db.acquire() as conn, conn.transaction():
        created, updated = await import_rows(conn, rows=rows, who=who, request_id=request.get("request_id"))
    return json_response(ImportOut(created=created, updated=updated))
