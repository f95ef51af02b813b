"""CMS HTTP handlers: workflow transitions, versions (list, diff, restore) and the audit log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server import keys
from server.cms import history, service, store
from server.cms.bulk import BulkIn, BulkOut, run_bulk
from server.cms.models import (
    AuditOut,
    AuditQuery,
    ContentOut,
    DiffOut,
    EmptyIn,
    PublishIn,
    RejectIn,
    ReviewIn,
    TransitionOut,
    VersionsOut,
)
from server.cms.workflow import EDITORS, STAFF, TRANSITIONS
from server.errors import NotFound
from server.routing import ApiRouter, json_response, principal

router = ApiRouter(tag="cms")
_ID = "/api/v1/cms/content/{content_id}"


async def _transition(request: web.Request, *, action: str, comments: str | None = None,
                      publish_at: Any = None) -> web.Response:
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        out = await service.transition(conn, content_id=request.match_info["content_id"], action=action,
                                       who=principal(request), comments=comments, publish_at=publish_at,
                                       request_id=request.get("request_id"))
    return json_response(out)


@router.route("POST", f"{_ID}/submit-review", summary="Submit a draft for review", body=EmptyIn,
              response=TransitionOut, roles=TRANSITIONS["submit"].roles, errors=(401, 403, 404, 409, 422))
async def submit_review(request: web.Request, *, body: EmptyIn) -> web.Response:
    """200 pending_review; 403 another creator's draft; 409 when not a draft."""
    return await _transition(request, action="submit")


@router.route("POST", f"{_ID}/approve", summary="Approve a title under review", body=ReviewIn,
              response=TransitionOut, roles=TRANSITIONS["approve"].roles, errors=(401, 403, 404, 409, 422))
async def approve(request: web.Request, *, body: ReviewIn) -> web.Response:
    """200 approved; 409 when not pending review."""
    return await _transition(request, action="approve", comments=body.comments)


@router.route("POST", f"{_ID}/reject", summary="Send a title under review back to draft, with comments",
              body=RejectIn, response=TransitionOut, roles=TRANSITIONS["reject"].roles,
              errors=(401, 403, 404, 409, 422))
async def reject(request: web.Request, *, body: RejectIn) -> web.Response:
    """200 draft with the reviewer's comments; 422 without comments; 409 when not pending review."""
    return await _transition(request, action="reject", comments=body.comments)


@router.route("POST", f"{_ID}/publish", summary="Publish an approved title now or at publish_at", body=PublishIn,
              response=TransitionOut, roles=TRANSITIONS["publish"].roles, errors=(401, 403, 404, 409, 422))
async def publish(request: web.Request, *, body: PublishIn) -> web.Response:
    """200 published (or still approved with ``publish_at`` set when it is in the future); 409 not approved."""
    return await _transition(request, action="publish", publish_at=body.publish_at)


@router.route("POST", f"{_ID}/archive", summary="Archive a title from any state", body=EmptyIn,
              response=TransitionOut, roles=TRANSITIONS["archive"].roles, errors=(401, 403, 404, 409, 422))
async def archive(request: web.Request, *, body: EmptyIn) -> web.Response:
    """200 archived; 409 when already archived."""
    return await _transition(request, action="archive")


@router.route("POST", f"{_ID}/unarchive", summary="Return an archived title to its previous state", body=EmptyIn,
              response=TransitionOut, roles=TRANSITIONS["unarchive"].roles, errors=(401, 403, 404, 409, 422))
async def unarchive(request: web.Request, *, body: EmptyIn) -> web.Response:
    """200 in the state it was archived from; 409 when not archived."""
    return await _transition(request, action="unarchive")


@router.route("GET", f"{_ID}/versions", summary="Every stored version of a title", response=VersionsOut,
              roles=STAFF, errors=(401, 403, 404))
async def versions(request: web.Request) -> web.Response:
    """200 with the versions, newest first (snapshots omitted; see the diff endpoint)."""
    async with request.app[keys.DB].acquire() as conn:
        out = await history.versions(conn, content_id=request.match_info["content_id"])
    return json_response(out)


def _version_number(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise NotFound(f"no version {raw[:32]}")
    return int(raw)


@router.route("GET", f"{_ID}/versions/{{a}}/diff/{{b}}", summary="Field-level diff between two versions",
              response=DiffOut, roles=STAFF, errors=(401, 403, 404))
async def diff(request: web.Request) -> web.Response:
    """200 with each field that differs from version a to version b; 404 unknown title or version."""
    a, b = _version_number(request.match_info["a"]), _version_number(request.match_info["b"])
    async with request.app[keys.DB].acquire() as conn:
        out = await history.diff(conn, content_id=request.match_info["content_id"], a=a, b=b)
    return json_response(out)


@router.route("POST", f"{_ID}/versions/{{n}}/restore", summary="Restore a version's fields, genres and cast",
              body=EmptyIn, response=ContentOut, roles=(*EDITORS, "publisher"), errors=(401, 403, 404, 409, 422))
async def restore(request: web.Request, *, body: EmptyIn) -> web.Response:
    """200 with the title at a new version equal in metadata to version n (workflow state unchanged): a
    publisher or admin rolls back a published title live; a creator restores their own drafts."""
    n = _version_number(request.match_info["n"])
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        await service.restore(conn, content_id=request.match_info["content_id"], version=n, who=principal(request),
                              request_id=request.get("request_id"))
        out = await store.content_out(conn, content_id=request.match_info["content_id"])
    return json_response(out)


@router.route("GET", "/api/v1/cms/audit", summary="CMS audit log: who did what, when", query=AuditQuery,
              response=AuditOut, roles=("reviewer", "publisher", "admin"), errors=(401, 403, 422))
async def audit_log(request: web.Request, *, query: AuditQuery) -> web.Response:
    """200 with CMS audit entries (newest first), optionally of one title or one actor."""
    return json_response(await history.audit_page(request.app[keys.DB], query=query))


@router.route("POST", "/api/v1/cms/bulk", summary="Bulk genres, availability, tier or (un)archive (all-or-nothing)",
              body=BulkIn, response=BulkOut, roles=("admin",), errors=(401, 403, 409, 422))
async def bulk(request: web.Request, *, body: BulkIn) -> web.Response:
    """200 when every title changed; any bad id (422) or illegal transition (409) changes nothing."""
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        out = await run_bulk(conn, body=body, who=principal(request), request_id=request.get("request_id"))
    return json_response(out)
