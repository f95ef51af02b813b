"""`Browser`: home trays, filtered browsing, search (English and Hindi), details, watchlist.

Task weights follow a typical OTT session: the home screen and browsing most, search and details
next, watchlist changes least. Templated URLs are grouped with ``name=``.
"""

from __future__ import annotations

import random
from urllib.parse import urlencode

from locust import between, task

from loadtest.users.base import API, OttUser

#: Words that occur in the seeded catalog's titles, descriptions and cast (server/catalog/wordlists.py).
SEARCH_EN = ("river", "monsoon", "journey", "night", "love", "dream", "storm", "mumbai", "delhi", "pyaar",
             "safar", "dosti", "zindagi", "toofan")
SEARCH_HI = ("नदी", "मानसून", "सफ़र", "रात", "दोस्ती", "प्यार", "सपना", "तूफ़ान", "मुंबई", "दिल्ली")
SORTS = ("trending", "recent", "a-z", "release_date")
TYPES = ("movie", "tv_show", "sports")


class Browser(OttUser):
    """A viewer looking for something to watch."""

    weight = 1
    wait_time = between(1, 5)
    seen: list[str]
    genres: list[str]

    def on_start(self) -> None:
        """Log in, then load the genre list once."""
        super().on_start()
        self.seen = []
        reply = self.call("GET", f"{API}/catalog/genres?profile_id={self.profile_id}", name=f"{API}/catalog/genres")
        self.genres = [g["slug"] for g in reply.json().get("genres", [])] if reply.ok else []

    def _remember(self, items: list[dict]) -> None:
        self.seen = ([i["id"] for i in items if "id" in i] + self.seen)[:50]

    @task(10)
    def home(self) -> None:
        """Home screen trays: trending, recently added, continue watching."""
        reply = self.call("GET", f"{API}/catalog/trending?profile_id={self.profile_id}&limit=20",
                          name=f"{API}/catalog/trending")
        if reply.ok:
            self._remember(reply.json().get("trending", []))
        reply = self.call("GET", f"{API}/catalog/content?sort=recent&limit=20&profile_id={self.profile_id}",
                          name=f"{API}/catalog/content?[filters]")
        if reply.ok:
            self._remember(reply.json().get("content", []))
        self.call("GET", f"{API}/activity/continue-watching?profile_id={self.profile_id}",
                  name=f"{API}/activity/continue-watching")

    @task(8)
    def browse(self) -> None:
        """A filtered, sorted page of the catalog."""
        query: dict[str, object] = {"sort": random.choice(SORTS), "page": random.randint(1, 3), "limit": 20,
                                    "profile_id": self.profile_id}
        if self.genres and random.random() < 0.6:
            query["genre"] = random.choice(self.genres)
        if random.random() < 0.5:
            query["type"] = random.choice(TYPES)
        if random.random() < 0.3:
            query["language"] = random.choice(("en", "hi"))
        reply = self.call("GET", f"{API}/catalog/content?{urlencode(query)}", name=f"{API}/catalog/content?[filters]")
        if reply.ok:
            self._remember(reply.json().get("content", []))

    @task(5)
    def search(self) -> None:
        """Search in English (two thirds) or Hindi."""
        term = random.choice(SEARCH_EN) if random.random() < 2 / 3 else random.choice(SEARCH_HI)
        query = urlencode({"q": term, "profile_id": self.profile_id})
        reply = self.call("GET", f"{API}/catalog/search?{query}", name=f"{API}/catalog/search?q=[term]")
        if reply.ok:
            self._remember(reply.json().get("results", []))

    @task(6)
    def details(self) -> None:
        """A title's details (and its first season for a show)."""
        if not self.seen:
            return
        content_id = random.choice(self.seen)
        reply = self.call("GET", f"{API}/catalog/content/{content_id}?profile_id={self.profile_id}",
                          name=f"{API}/catalog/content/[id]")
        if reply.ok and reply.json().get("seasons"):
            number = reply.json()["seasons"][0]["season_number"]
            self.call("GET", f"{API}/catalog/content/{content_id}/seasons/{number}?profile_id={self.profile_id}",
                      name=f"{API}/catalog/content/[id]/seasons/[n]")

    @task(3)
    def watchlist(self) -> None:
        """Add a seen title to the watchlist, read the list, sometimes remove one."""
        if not self.seen:
            return
        content_id = random.choice(self.seen)
        self.call("POST", f"{API}/activity/watchlist", json={"profile_id": self.profile_id, "content_id": content_id},
                  name=f"{API}/activity/watchlist")
        self.call("GET", f"{API}/activity/watchlist?profile_id={self.profile_id}", name=f"{API}/activity/watchlist")
        if random.random() < 0.3:
            self.call("DELETE", f"{API}/activity/watchlist/{content_id}?profile_id={self.profile_id}",
                      name=f"{API}/activity/watchlist/[id]")
