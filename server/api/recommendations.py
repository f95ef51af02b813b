"""Recommendations (spec §6.5, FR-PR-003): personalised, similar titles, and like/dislike feedback.

A failure or timeout of the recommender (``recs_timeout_s``) never reaches the caller: it is
answered with trending titles, ``reason: "Trending now"`` and ``degraded: true`` (NFR-REL-003).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from server import keys
from server.account import store as account_store
from server.auth.viewer import Viewer, load_viewer
from server.catalog.availability import parse_uuid, visible_content
from server.http_cache import cached_json
from server.keys import ACTIVITY_STORE
from server.recs import cache, engine
from server.recs import store as recs_store
from server.recs.fallback import trending_items
from server.recs.models import (
    FeedbackIn,
    FeedbackOut,
    PersonalizedOut,
    PersonalizedQuery,
    Recommendation,
    SimilarItem,
    SimilarOut,
    SimilarQuery,
)
from server.recs.scoring import Scored, Title
from server.routing import ApiRouter, json_response

log = logging.getLogger(__name__)
router = ApiRouter(tag="recommendations")


async def _ranked(request: web.Request, *, viewer: Viewer) -> list[Recommendation]:
    app = request.app
    settings = app[keys.SETTINGS]
    store = app[ACTIVITY_STORE]
    assert viewer.profile is not None
    stamp = await cache.fingerprint(store, viewer=viewer)
    items = await cache.read(app[keys.REDIS], namespace=settings.redis_namespace, profile_id=viewer.profile.id,
                             stamp=stamp)
    titles = None
    if items is None:
        items, titles = await engine.recommend(app[keys.DB], store, viewer=viewer)
        await cache.write(app[keys.REDIS], namespace=settings.redis_namespace, profile_id=viewer.profile.id,
                          stamp=stamp, items=items, ttl_s=settings.recs_cache_ttl_s)
    return await _describe(request, items=items, titles=titles)


async def _describe(request: web.Request, *, items: list[Scored], titles: dict[str, Title] | None,
                    ) -> list[Recommendation]:
    if titles is None:
        info = await recs_store.title_facts(request.app[keys.DB], content_ids=[i.content_id for i in items])
    else:
        info = {k: (t.title, t.poster_url, t.type) for k, t in titles.items()}
    return [Recommendation(content_id=i.content_id, title=info[i.content_id][0], poster_url=info[i.content_id][1],
                           type=info[i.content_id][2], score=i.score, reason=i.reason)
            for i in items if i.content_id in info]


@router.route("GET", "/api/v1/recommendations/personalized", summary="Personalised recommendations of a profile",
              query=PersonalizedQuery, response=PersonalizedOut, errors=(401, 404, 422),
              headers=("country", "If-None-Match"))
async def personalized(request: web.Request, *, query: PersonalizedQuery) -> web.Response:
    """200 with titles and reasons; trending with ``degraded: true`` when the recommender fails."""
    viewer = await load_viewer(request, str(query.profile_id))
    if await account_store.recs_opt_out(request.app[keys.DB], user_id=viewer.user_id):  # right to object
        trending = await trending_items(request.app, viewer=viewer, limit=query.limit)
        return cached_json(request, PersonalizedOut(recommendations=[Recommendation(**f) for f in trending],
                                                    personalized=False), no_cache=True)
    try:
        async with asyncio.timeout(request.app[keys.SETTINGS].recs_timeout_s):
            items = await _ranked(request, viewer=viewer)
    except Exception as err:  # any failure degrades, by design (NFR-REL-003)
        log.warning("recommender failed (%s: %s); answering trending", type(err).__name__, err)
        fallback = await trending_items(request.app, viewer=viewer, limit=query.limit)
        return cached_json(request, PersonalizedOut(recommendations=[Recommendation(**f) for f in fallback],
                                                    degraded=True), no_cache=True)
    return cached_json(request, PersonalizedOut(recommendations=items[:query.limit]), no_cache=True)


@router.route("GET", "/api/v1/recommendations/similar/{content_id}", summary="Titles similar to one title",
              query=SimilarQuery, response=SimilarOut, errors=(401, 404, 422),
              headers=("country",))
async def similar(request: web.Request, *, query: SimilarQuery) -> web.Response:
    """200 with ``similarity_score`` per title; 404 when the title is unknown or not visible."""
    viewer = await load_viewer(request, str(query.profile_id) if query.profile_id else None)
    db = request.app[keys.DB]
    row = await visible_content(db, viewer=viewer, content_id=request.match_info["content_id"])
    content_id = str(row["id"])
    try:
        async with asyncio.timeout(request.app[keys.SETTINGS].recs_timeout_s):
            ranked, titles = await engine.similar_to(db, request.app[ACTIVITY_STORE], viewer=viewer,
                                                     content_id=content_id, limit=query.limit)
    except Exception as err:  # degrade instead of failing
        log.warning("similar-titles failed (%s: %s); answering trending", type(err).__name__, err)
        fallback = await trending_items(request.app, viewer=viewer, limit=query.limit, exclude={content_id})
        return json_response(SimilarOut(similar=[
            SimilarItem(content_id=f["content_id"], title=f["title"], poster_url=f["poster_url"], type=f["type"],
                        similarity_score=0.0) for f in fallback], degraded=True))
    return json_response(SimilarOut(similar=[
        SimilarItem(content_id=cid, title=titles[cid].title, poster_url=titles[cid].poster_url, type=titles[cid].type,
                    similarity_score=score) for cid, score in ranked]))


@router.route("POST", "/api/v1/recommendations/feedback", summary="Like or dislike a title (dislikes are excluded)",
              body=FeedbackIn, response=FeedbackOut, errors=(401, 404, 422),
              headers=("country",))
async def feedback(request: web.Request, *, body: FeedbackIn) -> web.Response:
    """200; the profile's cached recommendations are recomputed on the next read."""
    viewer = await load_viewer(request, str(body.profile_id))
    db = request.app[keys.DB]
    await visible_content(db, viewer=viewer, content_id=str(body.content_id))
    content_id = parse_uuid(str(body.content_id), what="content")
    assert viewer.profile is not None
    await recs_store.record_feedback(db, profile_id=viewer.profile.id, content_id=content_id, signal=body.signal)
    await cache.invalidate(request.app[keys.REDIS], namespace=request.app[keys.SETTINGS].redis_namespace,
                           profile_id=viewer.profile.id)
    return json_response(FeedbackOut(profile_id=viewer.profile.id, content_id=content_id, signal=body.signal))
