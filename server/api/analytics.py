"""The analytics area (spec FR-CMS-006): per-title and platform figures over a date range."""

from __future__ import annotations

import logging

from aiohttp import web

from server import keys
from server.analytics import figures, top_titles
from server.analytics.models import ContentAnalyticsOut, OverviewOut, RangeQuery
from server.cms.store import fetch_content
from server.routing import ApiRouter, json_response

log = logging.getLogger(__name__)
router = ApiRouter(tag="analytics")
ROLES = ("analyst", "admin")


@router.route("GET", "/api/v1/analytics/content/{content_id}", summary="A title's viewing, QoE and revenue figures",
              query=RangeQuery, response=ContentAnalyticsOut, roles=ROLES, errors=(401, 403, 404, 422))
async def content_analytics(request: web.Request, *, query: RangeQuery) -> web.Response:
    """200 with views, watch time, completion, devices, countries, stream start, rebuffering, revenue."""
    db = request.app[keys.DB]
    row = await fetch_content(db, content_id=request.match_info["content_id"])
    cpm = request.app[keys.SETTINGS].analytics_avod_cpm_paise
    out = await figures(db, since=query.since, until=query.until, content_id=str(row["id"]), cpm_paise=cpm)
    return json_response(ContentAnalyticsOut(content_id=str(row["id"]), title=row["title"], since=query.since,
                                             until=query.until, figures=out))


@router.route("GET", "/api/v1/analytics/overview", summary="Platform figures and the most viewed titles",
              query=RangeQuery, response=OverviewOut, roles=ROLES, errors=(401, 403, 422))
async def overview(request: web.Request, *, query: RangeQuery) -> web.Response:
    """200 with the figures over every title and the top titles by views."""
    db = request.app[keys.DB]
    cpm = request.app[keys.SETTINGS].analytics_avod_cpm_paise
    out = await figures(db, since=query.since, until=query.until, content_id=None, cpm_paise=cpm)
    top = await top_titles(db, since=query.since, until=query.until, limit=query.top)
    return json_response(OverviewOut(since=query.since, until=query.until, figures=out, top_titles=top))
