"""The CMS area (spec §3.5, §6.6): titles, workflow, versions, bulk edits, uploads and CSV import.

The handlers live in ``cms_content`` (titles, seasons, genres, people), ``cms_media`` (uploads,
jobs, CSV import) and ``cms_workflow`` (transitions, versions, audit, bulk); this module is their one
``router`` in that order. The domain logic is in ``server.cms``.
"""

from __future__ import annotations

from server.api import cms_content, cms_media, cms_workflow
from server.routing import ApiRouter

__all__ = ["router"]

router = ApiRouter(tag="cms")
router.include(cms_content.router, cms_media.router, cms_workflow.router)
