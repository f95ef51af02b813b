"""One module per API area; each exposes ``router`` (an ApiRouter) and optionally ``setup(app)``."""

from server.api import activity, admin, auth, catalog, ops, playback, profiles, stream

AREAS = (ops, auth, profiles, admin, catalog, playback, activity, stream)
