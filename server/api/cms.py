"""The CMS area (spec §3.5, §6.6): titles, workflow, versions, bulk edits, uploads and CSV import."""

from __future__ import annotations

from aiohttp import web

from server.cms import http_content, http_media, http_workflow  # noqa: F401  (they declare their routes on the router)
from server.cms.jobs import runner_ctx
from server.cms.router import router
from server.cms.scheduler import publish_ctx

__all__ = ["router", "setup"]


def setup(app: web.Application) -> None:
    """Run the scheduled-publish task and the packaging job runner with the app."""
    app.cleanup_ctx.append(publish_ctx)
    app.cleanup_ctx.append(runner_ctx)
