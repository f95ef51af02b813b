"""Where ads go in a title and which: pure rules, no I/O (spec §2.3, FR-AD-002).

Breaks: a pre-roll; mid-rolls every ``midroll_every_s`` (15 min) for content longer than
``midroll_min_content_s`` (30 min); an optional post-roll. Each hour of content time holds at most
``max_per_hour`` ads (4): every break of that hour gets one ad, and what is left of the hour's
budget grows the pre-roll into a pod (at most ``pod_max`` ads). Ads are taken by priority, no ad
more than ``per_session_cap`` (2) times per session nor beyond its remaining impressions, and no
ad twice in one pod.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

BreakKind = Literal["pre-roll", "mid-roll", "post-roll"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible ad: its priority and how many more impressions it may have (None = no cap)."""

    id: str
    duration_s: float
    priority: int
    remaining: int | None = None


@dataclass(slots=True)
class AdBreakPlan:
    """One break: where (seconds into the content), what kind, and its pod of ad ids in order."""

    kind: BreakKind
    offset_s: float
    ads: list[str] = field(default_factory=list)


def break_offsets(*, content_s: float, midroll_every_s: float = 900.0, midroll_min_content_s: float = 1800.0,
                  postroll: bool = True) -> list[tuple[BreakKind, float]]:
    """The breaks of a title of ``content_s`` seconds, in play order."""
    out: list[tuple[BreakKind, float]] = [("pre-roll", 0.0)]
    if content_s > midroll_min_content_s:
        at = midroll_every_s
        while at < content_s - 60.0:  # no mid-roll in the last minute: that is the post-roll's place
            out.append(("mid-roll", at))
            at += midroll_every_s
    if postroll and content_s > 0:
        out.append(("post-roll", float(content_s)))
    return out


def _pod_sizes(breaks: list[tuple[BreakKind, float]], *, max_per_hour: int, pod_max: int) -> list[int]:
    by_hour: dict[int, list[int]] = defaultdict(list)
    for i, (_, offset) in enumerate(breaks):
        by_hour[int(offset // 3600)].append(i)
    sizes = [0] * len(breaks)
    for members in by_hour.values():
        budget = max_per_hour
        for i in members:
            if budget > 0:
                sizes[i], budget = 1, budget - 1
        for i in members:  # what is left grows the earliest breaks (the pre-roll first) into pods
            while budget > 0 and 0 < sizes[i] < pod_max:
                sizes[i], budget = sizes[i] + 1, budget - 1
    return sizes


def plan_breaks(*, content_s: float, candidates: Sequence[Candidate], max_per_hour: int = 4, per_session_cap: int = 2,
                pod_max: int = 2, midroll_every_s: float = 900.0, midroll_min_content_s: float = 1800.0,
                postroll: bool = True) -> list[AdBreakPlan]:
    """The session's ad breaks with their pods; breaks that got no ad are left out."""
    breaks = break_offsets(content_s=content_s, midroll_every_s=midroll_every_s,
                           midroll_min_content_s=midroll_min_content_s, postroll=postroll)
    sizes = _pod_sizes(breaks, max_per_hour=max_per_hour, pod_max=pod_max)
    ranked = sorted(candidates, key=lambda c: (-c.priority, c.id))
    used: Counter[str] = Counter()
    plans: list[AdBreakPlan] = []
    for (kind, offset), size in zip(breaks, sizes, strict=True):
        pod: list[str] = []
        for _ in range(size):
            pick = next((c for c in ranked if c.id not in pod and used[c.id] < per_session_cap
                         and (c.remaining is None or used[c.id] < c.remaining)), None)
            if pick is None:
                break
            pod.append(pick.id)
            used[pick.id] += 1
        if pod:
            plans.append(AdBreakPlan(kind=kind, offset_s=offset, ads=pod))
    return plans
