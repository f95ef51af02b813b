"""OTT Lowband locustfile: imports the users, the hooks and the one shape chosen by ``--ott-shape``.

    locust -f loadtest/locustfile.py --headless --host http://127.0.0.1:8080 -u 20 -r 2 -t 2m \\
        --ott-mix india --ott-shape ramp

(``ott-load run`` does this for you and writes the report.) Never import mpv here: libmpv hangs in
a process where gevent is imported (DESIGN.md §4).
"""

from __future__ import annotations

from collections.abc import Sequence

from loadtest import hooks
from loadtest.shapes import SHAPES, Stage, StagedShape
from loadtest.users import AdViewer, Browser, Editor, Viewer

__all__ = ["AdViewer", "Browser", "ChosenShape", "Editor", "Viewer"]


class ChosenShape(StagedShape):
    """The stages of the shape named by ``--ott-shape`` (steady, ramp, spike, storm)."""

    def current_stages(self) -> Sequence[Stage]:
        """Stage data of the chosen shape."""
        opts = hooks.options(self.runner.environment) if self.runner else None
        name = getattr(opts, "ott_shape", "steady") or "steady"
        return SHAPES[name].stages
