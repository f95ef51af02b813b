"""One module per API area; each exposes ``router`` (an ApiRouter) and optionally ``setup(app)``."""

from server.api import ops

AREAS = (ops,)
