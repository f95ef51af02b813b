"""The CMS workflow (spec FR-CMS-002): which action moves which state to which, and who may do it.

Pure data and one function: no I/O. The API checks the caller's roles on the route; this table
decides whether the action is legal from the content's current state (409 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from server.errors import Conflict

State = Literal["draft", "pending_review", "approved", "published", "archived"]
Action = Literal["submit", "approve", "reject", "publish", "archive", "unarchive"]
STATES: tuple[State, ...] = ("draft", "pending_review", "approved", "published", "archived")


@dataclass(frozen=True, slots=True)
class Transition:
    """An action: the states it may start from, where it leads and the roles that may take it."""

    action: Action
    sources: frozenset[str]
    target: State | None  # None: decided at run time (unarchive returns to the pre-archive state)
    roles: tuple[str, ...]


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition("submit", frozenset({"draft"}), "pending_review", ("creator", "admin")),
    "approve": Transition("approve", frozenset({"pending_review"}), "approved", ("reviewer", "admin")),
    "reject": Transition("reject", frozenset({"pending_review"}), "draft", ("reviewer", "admin")),
    "publish": Transition("publish", frozenset({"approved"}), "published", ("publisher", "admin")),
    "archive": Transition("archive", frozenset(STATES) - {"archived"}, "archived", ("admin",)),
    "unarchive": Transition("unarchive", frozenset({"archived"}), None, ("admin",)),
}


def next_state(*, action: str, current: str, archived_from: str | None = None) -> str:
    """The state after ``action`` from ``current``; Conflict (409) when the move is illegal."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValueError(f"unknown workflow action {action!r}")
    if current not in transition.sources:
        allowed = ", ".join(sorted(transition.sources))
        raise Conflict(f"cannot {action} content in state {current} (allowed from: {allowed})",
                       extra={"workflow_state": current, "action": action})
    if transition.target is not None:
        return transition.target
    return archived_from if archived_from in STATES and archived_from != "archived" else "draft"


#: Who works in the CMS (spec §8.2); analysts only read analytics.
STAFF = ("creator", "reviewer", "publisher", "admin")
#: Who may create and edit titles.
EDITORS = ("creator", "admin")
