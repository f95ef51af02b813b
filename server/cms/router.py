"""The CMS area's one router; the handler modules (``http_*``) declare their routes on it."""

from __future__ import annotations

from server.routing import ApiRouter

router = ApiRouter(tag="cms")

#: Who works in the CMS (spec §8.2); analysts only read analytics.
STAFF = ("creator", "reviewer", "publisher", "admin")
EDITORS = ("creator", "admin")
