"""`Editor`: a CMS team (creator, reviewer, publisher accounts) taking titles from draft to published.

The workflow task: the creator looks up genres, creates a draft (premium, so free-tier viewers of
the run never pick it to play), edits it, reads its versions and the diff, submits it for review;
the reviewer finds it in the review queue and approves it (or rejects it with comments, the creator
fixes and resubmits); the publisher publishes it; the creator polls the public catalog until the
title is visible. Every team runs one workflow right after logging in, then picks tasks by weight;
the other tasks read the review queue, the audit log and the creator's library.

Editors work from an office link: their requests are not paced. Figures: ``cms_workflow`` (the
time spent in the workflow's requests, think time excluded, ms) and ``cms_visible`` (publish
answered → title served by the public catalog, ms), both ``name="cms"``.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import between, task
from locust.exception import StopUser

from loadtest.hooks import next_staff
from loadtest.player import Reply
from loadtest.users.base import API, OttUser

log = logging.getLogger(__name__)

CMS = f"{API}/cms/content"
GENRE_TERMS = ("dr", "com", "act", "thr", "rom", "fam", "doc", "sp")
REJECT_RATE = 0.15
VISIBLE_WITHIN_S = 10.0


class Editor(OttUser):
    """Creator, reviewer and publisher of one seeded CMS team."""

    weight = 1
    wait_time = between(2, 8)
    think_s = (0.3, 1.5)  # between the steps of one workflow
    network = "cms"
    tokens: dict[str, str]
    busy_s: float = 0.0
    steps: int = 0

    # ------------------------------------------------------------------ plumbing
    def choose_network(self) -> None:
        """Editors sit on an office link: no pacing."""
        self.network, self.link = "cms", None

    def on_start(self) -> None:
        """Log in as the team's creator, reviewer and publisher; a user without a seeded team stops."""
        self.arrive()
        self.choose_network()
        team = next_staff(self.environment)
        if team is None:
            self.environment.events.request.fire(
                request_type="cms_setup", name="cms", response_time=0, response_length=0,
                exception=RuntimeError("no CMS staff accounts: run ott-load with --seed-accounts and an admin"),
                context={"network": "cms"})
            raise StopUser()
        self.tokens = {role: self.log_in(team[role]) for role in ("creator", "reviewer", "publisher")}
        self.token = self.tokens["creator"]
        self.profile_id = self.first_profile()
        self.workflow()  # a team starts its shift by taking one title through to published

    def act(self, role: str, method: str, url: str, *, name: str, json: Any = None) -> Reply:
        """One request as ``role``; its time counts towards the workflow in progress."""
        self.token = self.tokens[role]
        t0 = time.monotonic()
        try:
            return self.call(method, url, name=name, json=json)
        finally:
            self.busy_s += time.monotonic() - t0
            self.steps += 1

    def think(self) -> None:
        """A short pause between two steps of the workflow."""
        gevent.sleep(random.uniform(*self.think_s))

    def figure(self, kind: str, value_ms: float, extra: dict[str, Any], *, error: str | None = None) -> None:
        """A CMS figure as a Locust request event (``name="cms"``)."""
        self.environment.events.request.fire(
            request_type=kind, name="cms", response_time=value_ms, response_length=0,
            exception=RuntimeError(error) if error else None, context={"network": "cms", **extra})

    # ------------------------------------------------------------------ tasks
    @task(4)
    def workflow(self) -> None:
        """Draft → edits → versions/diff → review → (reject → fix →) approve → publish → visible."""
        self.busy_s, self.steps = 0.0, 0
        genres = self.act("creator", "GET", f"{API}/cms/genres?{urlencode({'q': random.choice(GENRE_TERMS)})}",
                          name=f"{API}/cms/genres?q=[term]")
        genre_ids = [g["id"] for g in genres.json().get("genres", [])][:2] if genres.ok else []
        tag = uuid.uuid4().hex[:8]
        draft = self.act("creator", "POST", CMS, name=CMS, json={
            "type": "movie", "title": f"Load test draft {tag}", "description": "Made by ott-load (Editor user).",
            "tier_requirement": "premium", "original_language": "hi", "languages": ["hi", "en"],
            "maturity_rating": "U/A", "year": 2024, "duration_minutes": 95, "genres": genre_ids})
        if not draft.ok:
            return
        cid = str(draft.json()["id"])
        self.think()
        for n in range(random.randint(1, 2)):
            self.act("creator", "PUT", f"{CMS}/{cid}", name=f"{CMS}/[id]",
                     json={"description": f"Edit {n + 1}: synopsis tightened.", "title_hi": f"लोड टेस्ट {tag}"})
            self.think()
        versions = self.act("creator", "GET", f"{CMS}/{cid}/versions", name=f"{CMS}/[id]/versions")
        latest = max((v["version"] for v in versions.json().get("versions", [])), default=1) if versions.ok else 1
        self.act("creator", "GET", f"{CMS}/{cid}/versions/1/diff/{latest}", name=f"{CMS}/[id]/versions/[a]/diff/[b]")
        rejected = self._review(cid)
        self.think()
        self.act("publisher", "GET", f"{CMS}?state=approved&limit=20", name=f"{CMS}?state=[state]")
        published = self.act("publisher", "POST", f"{CMS}/{cid}/publish", name=f"{CMS}/[id]/publish", json={})
        if not published.ok:
            return
        self.figure("cms_workflow", self.busy_s * 1000, {"steps": self.steps, "rejected": rejected})
        self._visible(cid)

    def _review(self, cid: str) -> bool:
        """Submit, then the reviewer approves (or rejects once; the creator fixes and resubmits); True if rejected."""
        self.act("creator", "POST", f"{CMS}/{cid}/submit-review", name=f"{CMS}/[id]/submit-review", json={})
        self.think()
        self.act("reviewer", "GET", f"{CMS}?state=pending_review&limit=20", name=f"{CMS}?state=[state]")
        self.act("reviewer", "GET", f"{CMS}/{cid}", name=f"{CMS}/[id]")
        rejected = random.random() < REJECT_RATE
        if rejected:
            self.act("reviewer", "POST", f"{CMS}/{cid}/reject", name=f"{CMS}/[id]/reject",
                     json={"comments": "Hindi title missing a matra; please fix."})
            self.think()
            self.act("creator", "PUT", f"{CMS}/{cid}", name=f"{CMS}/[id]", json={"title_hi": "लोड टेस्ट (सुधार)"})
            self.act("creator", "POST", f"{CMS}/{cid}/submit-review", name=f"{CMS}/[id]/submit-review", json={})
            self.think()
        self.act("reviewer", "POST", f"{CMS}/{cid}/approve", name=f"{CMS}/[id]/approve", json={"comments": "OK"})
        return rejected

    def _visible(self, cid: str) -> None:
        """Poll the public catalog (as the creator's profile) until it serves the published title."""
        t0 = time.monotonic()
        url = f"{API}/catalog/content/{cid}?profile_id={self.profile_id}"
        self.token = self.tokens["creator"]
        while True:
            with self.client.get(url, name=f"{API}/catalog/content/[id]", catch_response=True,
                                 headers={"Authorization": f"Bearer {self.token}"}) as resp:
                if resp.status_code == 404:
                    resp.success()  # not visible yet is an answer, not an error
                if resp.status_code == 200:
                    self.figure("cms_visible", (time.monotonic() - t0) * 1000, {})
                    return
            if time.monotonic() - t0 > VISIBLE_WITHIN_S:
                self.figure("cms_visible", (time.monotonic() - t0) * 1000, {},
                            error=f"published title not in the catalog after {VISIBLE_WITHIN_S:g} s")
                return
            gevent.sleep(0.5)

    @task(2)
    def review_queue(self) -> None:
        """The reviewer's queue and the audit log; the publisher's approved list."""
        self.act("reviewer", "GET", f"{CMS}?state=pending_review&limit=20", name=f"{CMS}?state=[state]")
        self.act("reviewer", "GET", f"{API}/cms/audit?limit=20", name=f"{API}/cms/audit")
        self.act("publisher", "GET", f"{CMS}?state=approved&limit=20", name=f"{CMS}?state=[state]")

    @task(2)
    def library(self) -> None:
        """The creator's own titles, a cast lookup and one title's version history."""
        mine = self.act("creator", "GET", f"{CMS}?mine=true&limit=20", name=f"{CMS}?mine=true")
        self.act("creator", "GET", f"{API}/cms/people?{urlencode({'q': random.choice('aeiou')})}",
                 name=f"{API}/cms/people?q=[term]")
        items = mine.json().get("content", []) if mine.ok else []
        if items:
            cid = random.choice(items)["id"]
            self.act("creator", "GET", f"{CMS}/{cid}/versions", name=f"{CMS}/[id]/versions")
