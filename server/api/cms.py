"""The CMS area (spec §3.5, §6.6): titles, workflow, versions, bulk edits, uploads and CSV import.

The handlers live in ``cms_content`` (titles, seasons, genres, people), ``cms_media`` (uploads,
jobs, CSV import) and ``cms_workflow`` (transitions, versions, audit, bulk); this module is their one
``router`` in that order. The domain logic is in ``server.cms``.
"""

from __future__ import annotations

from aiohttp import web

from server.api import cms_content, cms_media, cms_workflow
from server.cms.jobs import runner_ctx
from server.cms.scheduler import publish_ctx
from server.routing import ApiRouter

__all__ = ["router", "setup"]

router = ApiRouter(tag="cms")
router.include(cms_content.router, cms_media.router, cms_workflow.router)


def setup(app: web.Application) -> None:
    """Run the scheduled-publish task and the packaging job runner with the app."""
    app.cleanup_ctx.append(publish_ctx)
    app.cleanup_ctx.append(runner_ctx)
