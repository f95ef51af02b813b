"""Ads (spec §3.6): inventory (admin), VMAP of a playback session, VAST of an ad, tracking beacons."""

from __future__ import annotations

import logging
import math
import uuid
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from server import keys
from server.ads import documents, inventory
from server.ads.media import ad_media
from server.ads.models import (
    AdFields,
    AdIn,
    AdListOut,
    AdListQuery,
    AdOut,
    SessionQuery,
    TrackOut,
    TrackQuery,
    VastQuery,
)
from server.ads.service import SessionPlan, load_plan
from server.ads.tracking import record
from server.auth import audit
from server.errors import NotFound, ValidationFailed
from server.listing import Pagination, pagination
from server.routing import ApiRouter, json_response, principal
from server.streaming.assets import AssetMissing

log = logging.getLogger(__name__)
router = ApiRouter(tag="ads")
XML = "application/xml"


def check_creative(app: web.Application, *, asset_id: str, duration_s: int) -> None:
    """422 unless ``asset_id`` is a packaged asset at least ``duration_s`` long (1 s of rounding allowed)."""
    try:
        asset = app[keys.STREAMING].assets.load(media_dir=app[keys.SETTINGS].resolved_media_dir, asset_id=asset_id)
    except AssetMissing as err:
        raise ValidationFailed(errors=[{"field": "asset_id", "type": "value_error",
                                        "message": f"no packaged asset {asset_id}: package the creative first"}]
                               ) from err
    if duration_s > math.ceil(asset.duration) + 1:
        raise ValidationFailed(errors=[{"field": "duration_seconds", "type": "value_error",
                                        "message": f"the creative {asset_id} plays {asset.duration:.1f} s"}])


def _ad_id(request: web.Request) -> str:
    raw = request.match_info["ad_id"]
    try:
        return str(uuid.UUID(raw))
    except ValueError as err:
        raise NotFound(f"no ad {raw}") from err


def _out(row: Any) -> AdOut:
    return AdOut(**{k: row[k] for k in AdOut.model_fields})


@router.route("POST", "/api/v1/ads/inventory", summary="Add an ad to the inventory", body=AdIn, response=AdOut,
              status=201, roles=("admin",), errors=(401, 403, 422))
async def create_ad(request: web.Request, *, body: AdIn) -> web.Response:
    """201 with the ad."""
    who = principal(request)
    check_creative(request.app, asset_id=body.asset_id, duration_s=body.duration_seconds)
    row = await inventory.create(request.app[keys.DB], ad=body, created_by=who.user_id)
    await audit.record(request.app[keys.DB], action="ads.create", actor_id=who.user_id, target_type="ad",
                       target_id=row["id"])
    return json_response(_out(row), status=201)


@router.route("GET", "/api/v1/ads/inventory", summary="List the ad inventory", query=AdListQuery, response=AdListOut,
              roles=("admin",), errors=(401, 403, 422))
async def list_ads(request: web.Request, *, query: AdListQuery) -> web.Response:
    """200 with a page of ads, highest priority first."""
    rows, total = await inventory.listing(request.app[keys.DB], active=query.active, limit=query.limit,
                                          offset=query.offset)
    return json_response(AdListOut(ads=[_out(r) for r in rows], pagination=Pagination(
        **pagination(page=query.page, limit=query.limit, total=total))))


@router.route("GET", "/api/v1/ads/inventory/{ad_id}", summary="One ad", response=AdOut, roles=("admin",),
              errors=(401, 403, 404))
async def get_ad(request: web.Request) -> web.Response:
    """200 with the ad; 404 when unknown."""
    return json_response(_out(await inventory.get(request.app[keys.DB], ad_id=_ad_id(request))))


@router.route("PATCH", "/api/v1/ads/inventory/{ad_id}", summary="Change an ad", body=AdFields, response=AdOut,
              roles=("admin",), errors=(401, 403, 404, 422))
async def update_ad(request: web.Request, *, body: AdFields) -> web.Response:
    """200 with the changed ad (only the fields sent change)."""
    ad_id = _ad_id(request)
    if {"asset_id", "duration_seconds"} & body.model_fields_set:
        current = await inventory.get(request.app[keys.DB], ad_id=ad_id)
        check_creative(request.app, asset_id=body.asset_id if "asset_id" in body.model_fields_set
                       else current["asset_id"], duration_s=body.duration_seconds
                       if "duration_seconds" in body.model_fields_set else current["duration_seconds"])
    row = await inventory.update(request.app[keys.DB], ad_id=ad_id, fields=body)
    await audit.record(request.app[keys.DB], action="ads.update", actor_id=principal(request).user_id,
                       target_type="ad", target_id=ad_id, details={"fields": sorted(body.model_fields_set)})
    return json_response(_out(row))


@router.route("DELETE", "/api/v1/ads/inventory/{ad_id}", summary="Remove an ad", status=204, roles=("admin",),
              errors=(401, 403, 404))
async def delete_ad(request: web.Request) -> web.Response:
    """204."""
    ad_id = _ad_id(request)
    await inventory.delete(request.app[keys.DB], ad_id=ad_id)
    await audit.record(request.app[keys.DB], action="ads.delete", actor_id=principal(request).user_id,
                       target_type="ad", target_id=ad_id)
    return web.Response(status=204)


def _base(request: web.Request) -> str:
    return (request.app[keys.SETTINGS].public_base_url or str(request.url.origin())).rstrip("/")


def _tracker(request: web.Request, session_id: str | None, showing: int | None = None) -> documents.Tracker:
    base = _base(request)

    def url(ad_id: str, event: str) -> str:
        query: dict[str, str] = {"ad_id": ad_id, "event": event}
        if session_id:
            query = {"session_id": session_id, **query}
        if showing is not None:
            query["showing"] = str(showing)
        return f"{base}/api/v1/ads/track?{urlencode(query)}"

    return url


async def _owned_plan(request: web.Request, session_id: str) -> SessionPlan:
    plan = await load_plan(request.app, session_id=session_id)
    if plan is None or plan.user_id != principal(request).user_id:
        raise NotFound(f"no playback session {session_id} with ads")
    return plan


async def _creative(request: web.Request, *, ad_id: str, ad: dict[str, Any], session_id: str | None
                    ) -> documents.Creative | None:
    media = await ad_media(request.app, base_url=_base(request), user_id=principal(request).user_id,
                           playback_session=session_id or "preview", ad_id=ad_id, asset_id=ad["asset_id"])
    if media is None:
        return None
    return documents.Creative(ad_id=ad_id, title=ad["title"], advertiser=ad["advertiser"],
                              duration_s=ad["duration_s"], media_url=media.url, width=media.width,
                              height=media.height, bitrate_kbps=media.bitrate_kbps, click_url=ad["click_url"],
                              skip_after_s=ad["skip_after_s"])


def _xml(root: Any) -> web.Response:
    return web.Response(body=documents.to_bytes(root), content_type=XML, charset="utf-8",
                        headers={"Cache-Control": "no-store"})


@router.route("GET", "/api/v1/ads/vmap", summary="VMAP 1.0 of a playback session's ad breaks", query=SessionQuery,
              errors=(401, 404, 422), media_type=XML)
async def vmap(request: web.Request, *, query: SessionQuery) -> web.Response:
    """200 VMAP XML (no breaks for premium viewers); 404 for an unknown or someone else's session."""
    session_id = str(query.session_id)
    plan = await _owned_plan(request, session_id)
    breaks = []
    for index, brk in enumerate(plan.breaks, start=1):
        creatives = [c for ad_id in brk["ads"]
                     if (c := await _creative(request, ad_id=ad_id, ad=plan.ads[ad_id], session_id=session_id))]
        breaks.append(documents.VmapBreak(kind=brk["kind"], offset_s=brk["offset_s"], index=index,
                                          creatives=creatives))
    return _xml(documents.vmap_element(breaks, tracker=_tracker(request, session_id),
                                       per_break=lambda index: _tracker(request, session_id, index)))


@router.route("GET", "/api/v1/ads/vast/{ad_id}", summary="VAST 4.2 of one ad", query=VastQuery,
              errors=(401, 404, 422), media_type=XML)
async def vast(request: web.Request, *, query: VastQuery) -> web.Response:
    """200 VAST XML; with ``session_id`` the ad must be planned in that session."""
    ad_id = _ad_id(request)
    session_id = str(query.session_id) if query.session_id else None
    if session_id is not None:
        plan = await _owned_plan(request, session_id)
        if ad_id not in plan.ads:
            raise NotFound(f"ad {ad_id} is not planned in session {session_id}")
        ad = plan.ads[ad_id]
    else:
        row = await inventory.get(request.app[keys.DB], ad_id=ad_id)
        ad = {"title": row["title"], "advertiser": row["advertiser"], "asset_id": row["asset_id"],
              "duration_s": float(row["duration_seconds"]), "click_url": row["click_url"],
              "skip_after_s": row["skip_after_seconds"] if row["skippable"] else None}
    creative = await _creative(request, ad_id=ad_id, ad=ad, session_id=session_id)
    if creative is None:
        raise NotFound(f"the creative of ad {ad_id} is not packaged")
    return _xml(documents.vast_element([creative], tracker=_tracker(request, session_id)))


@router.route("GET", "/api/v1/ads/track", summary="Ad tracking beacon (impression, quartiles, click, skip, error)",
              query=TrackQuery, response=TrackOut, auth="none", errors=(404, 422))
async def track(request: web.Request, *, query: TrackQuery) -> web.Response:
    """200 when recorded; 404 unless the ad is planned in that playback session."""
    session_id, ad_id = str(query.session_id), str(query.ad_id)
    plan = await load_plan(request.app, session_id=session_id)
    if plan is None or ad_id not in plan.ads:
        raise NotFound(f"ad {ad_id} is not planned in session {session_id}")
    counted = await record(request.app, plan=plan, ad_id=ad_id, event=query.event, code=query.code,
                           showing=query.showing)
    return json_response(TrackOut(recorded=True, counted=counted))
