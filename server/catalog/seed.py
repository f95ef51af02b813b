"""A deterministic, idempotent demo catalog: movies, shows with seasons/episodes, sports replays.

Every row gets a stable uuid5 id, so seeding twice upserts the same rows. Rows are built in
memory by :func:`build_catalog` (pure, seeded RNG) and written with COPY into temporary tables
followed by ``INSERT ... ON CONFLICT`` (:func:`seed_catalog`).
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from media import POSTER_FILE, THUMB_FILE
from server.catalog import wordlists as words

log = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("5b0c2f6e-7d1a-4c55-9a57-0f6f2d0c7a11")
# Packaged sample assets (media/samples.py) and their nominal durations in seconds.
SAMPLE_ASSETS: dict[str, float] = {"testcard-60s": 60.0, "testcard-30s": 30.0, "testcard-10s": 10.0,
                                   "testcard-7m": 420.0}
MOVIE_ASSET, SPORTS_ASSET, EPISODE_ASSETS = "testcard-60s", "testcard-30s", ("testcard-10s", "testcard-30s")
#: The long sample title (media.samples.LONG_ID) plays every LONG_EVERY-th movie (from the LONG_OFFSET-th).
LONG_ASSET, LONG_EVERY, LONG_OFFSET = "testcard-7m", 50, 7
LADDER: tuple[tuple[str, int], ...] = (("108p", 90), ("144p", 240), ("360p", 500), ("480p", 1000),
                                       ("720p", 2500), ("1080p", 5000))
LANG_LABELS = {"en": "English", "hi": "हिन्दी"}

CONTENT_COLUMNS = (
    "id", "type", "title", "title_hi", "description", "description_hi", "original_language", "languages",
    "subtitle_languages", "release_date", "year", "duration_minutes", "maturity_rating", "poster_url",
    "thumbnail_url", "trailer_url", "workflow_state", "tier_requirement", "geo_restriction", "available_from",
    "available_until", "asset_id", "asset_duration_s", "view_count", "popularity", "created_at", "updated_at",
    "published_at",
)
SEASON_COLUMNS = ("id", "content_id", "season_number", "title", "title_hi", "release_date")
EPISODE_COLUMNS = ("id", "season_id", "content_id", "episode_number", "title", "title_hi", "description",
                   "description_hi", "duration_minutes", "thumbnail_url", "air_date", "asset_id", "asset_duration_s")
TRACK_COLUMNS = ("id", "content_id", "language", "label", "url", "is_default")
VARIANT_COLUMNS = ("id", "content_id", "episode_id", "quality", "hls_url", "dash_url", "bitrate_kbps")


def stable_id(*parts: object) -> uuid.UUID:
    """A uuid5 derived from ``parts``: the same parts always give the same id."""
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What a seed run wrote."""

    genres: int
    people: int
    movies: int
    shows: int
    sports: int
    seasons: int
    episodes: int
    unpublished: int
    elapsed_s: float

    def line(self) -> str:
        """A one-line human summary."""
        return (f"seeded {self.movies + self.shows + self.sports} titles ({self.movies} movies, {self.shows} shows,"
                f" {self.sports} sports; {self.unpublished} unpublished), {self.seasons} seasons,"
                f" {self.episodes} episodes, {self.genres} genres, {self.people} people"
                f" in {self.elapsed_s:.2f} s")


@dataclass(slots=True)
class CatalogRows:
    """Every row of a generated catalog, ready for COPY."""

    genres: list[tuple[Any, ...]] = field(default_factory=list)
    people: list[tuple[Any, ...]] = field(default_factory=list)
    content: list[tuple[Any, ...]] = field(default_factory=list)
    seasons: list[tuple[Any, ...]] = field(default_factory=list)
    episodes: list[tuple[Any, ...]] = field(default_factory=list)
    content_genres: list[tuple[Any, ...]] = field(default_factory=list)
    content_people: list[tuple[Any, ...]] = field(default_factory=list)
    audio: list[tuple[Any, ...]] = field(default_factory=list)
    subtitles: list[tuple[Any, ...]] = field(default_factory=list)
    variants: list[tuple[Any, ...]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def asset_durations(media_dir: Path | None) -> dict[str, float]:
    """Durations of the sample assets: from ``<media_dir>/<id>/asset.json`` when present."""
    out = dict(SAMPLE_ASSETS)
    if media_dir is None:
        return out
    for asset_id in out:
        path = media_dir / asset_id / "asset.json"
        try:
            out[asset_id] = float(json.loads(path.read_text(encoding="utf-8"))["duration"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


class _Titles:
    """Unique English/Hindi title pairs from the word lists."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _candidate(self) -> tuple[str, str, str]:
        rng = self.rng
        if rng.random() < 0.6:
            (a, a_hi), (b, b_hi) = rng.sample(words.HINGLISH, 2)
            join, join_hi = rng.choice(words.HINGLISH_JOINS)
            en = " ".join(p for p in (a, join, b) if p)
            hi = " ".join(p for p in (a_hi, join_hi, b_hi) if p)
            return en, hi, "hi"
        (adj, adj_hi), (noun, noun_hi) = rng.choice(words.ADJECTIVES), rng.choice(words.NOUNS)
        return f"The {adj} {noun}", f"{adj_hi} {noun_hi}", "en"

    def next(self) -> tuple[str, str, str]:
        """A fresh (title, title_hi, original language); repeats get a sequel number."""
        en, hi, lang = self._candidate()
        n = 1
        base_en, base_hi = en, hi
        while en.lower() in self.used:
            n += 1
            en, hi = f"{base_en} {n}", f"{base_hi} {n}"
        self.used.add(en.lower())
        return en, hi, lang


def _description(rng: random.Random, title: str, title_hi: str) -> tuple[str, str]:
    (adj, adj_hi), (city, city_hi) = rng.choice(words.STORY_ADJECTIVES), rng.choice(words.CITIES)
    (noun, noun_hi) = rng.choice(words.NOUNS)
    en = f"A {adj} story of {noun.lower()} set in {city}. {title} follows its heroes through one unforgettable year."
    hi = f"{city_hi} में {noun_hi} की एक {adj_hi} कहानी। {title_hi} अपने नायकों के एक अविस्मरणीय साल की कहानी है।"
    return en, hi


def _people(rng: random.Random, count: int) -> list[tuple[uuid.UUID, str, str]]:
    combos = [(first, last) for first in words.FIRST_NAMES for last in words.LAST_NAMES]
    rng.shuffle(combos)
    chosen = combos[:count]
    chosen.sort(key=lambda fl: (fl[0][0], fl[1][0]))
    return [(stable_id("person", f"{f} {s}"), f"{f} {s}", f"{fh} {sh}") for (f, fh), (s, sh) in chosen]


def _choice_weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _media_urls(asset_id: str) -> tuple[str, str, None]:
    """Poster and thumbnail the packager wrote for the asset (served by server.api.images); no trailers exist."""
    base = f"/media/{asset_id}"
    return f"{base}/{POSTER_FILE}", f"{base}/{THUMB_FILE}", None


class _Builder:
    """Accumulates rows for one catalog build."""

    def __init__(self, *, seed: int, today: date, assets: dict[str, float]) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.now = datetime(today.year, today.month, today.day, tzinfo=UTC)
        self.assets = assets
        self.rows = CatalogRows()
        self.titles = _Titles(self.rng)
        self.genre_ids = {slug: stable_id("genre", slug) for slug, _, _ in words.GENRES}
        self.people = _people(self.rng, 220)
        self.unpublished = 0

    def genres(self) -> None:
        for order, (slug, name, name_hi) in enumerate(words.GENRES):
            self.rows.genres.append((self.genre_ids[slug], name, name_hi, slug, f"/static/genres/{slug}.svg", order))
        for pid, name, name_hi in self.people:
            self.rows.people.append((pid, name, name_hi))

    def _common(self, *, kind: str, key: int, tier_free_share: float) -> dict[str, Any]:
        rng = self.rng
        year = rng.randint(2010, 2025)
        release = date(year, rng.randint(1, 12), rng.randint(1, 28))
        roll = rng.random()
        available_from: datetime | None = self.now - timedelta(days=rng.randint(30, 900))
        available_until: datetime | None = None
        if roll < 0.04:  # coming soon
            available_from = self.now + timedelta(days=rng.randint(5, 90))
        elif roll < 0.08:  # window closed
            available_from = self.now - timedelta(days=rng.randint(400, 900))
            available_until = self.now - timedelta(days=rng.randint(1, 60))
        elif roll < 0.18:  # leaving later
            available_until = self.now + timedelta(days=rng.randint(10, 365))
        geo_roll = rng.random()
        geo = ["IN"] if geo_roll < 0.04 else (["US", "GB"] if geo_roll < 0.06 else None)
        state = "published"
        state_roll = rng.random()
        if state_roll < 0.02:
            state = "draft"
        elif state_roll < 0.03:
            state = "pending_review"
        popularity = round((rng.random() ** 2) * 100, 3)
        created = self.now - timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1439))
        lang_roll = rng.random()
        languages = ["en", "hi"] if lang_roll < 0.7 else (["hi"] if lang_roll < 0.85 else ["en"])
        rating = _choice_weighted(rng, (("U", 0.35), ("U/A", 0.45), ("A", 0.2)))
        if kind == "sports":
            rating = "U"
        return {
            "id": stable_id(kind, key), "year": year, "release_date": release, "available_from": available_from,
            "available_until": available_until, "geo": geo, "state": state, "popularity": popularity,
            "created_at": created, "languages": languages, "rating": rating,
            "tier": "free" if rng.random() < tier_free_share else "premium",
            "view_count": int(popularity * rng.randint(20, 400)),
        }

    def _content_row(self, c: dict[str, Any], *, kind: str, title: str, title_hi: str, lang: str,
                     duration_min: int, asset_id: str | None) -> None:
        desc, desc_hi = _description(self.rng, title, title_hi)
        media_asset = asset_id or EPISODE_ASSETS[0]
        poster, thumb, trailer = _media_urls(media_asset)
        published_at = c["available_from"] if c["state"] == "published" else None
        self.unpublished += c["state"] != "published"
        self.rows.content.append((
            c["id"], kind, title, title_hi, desc, desc_hi, lang, c["languages"], ["en", "hi"], c["release_date"],
            c["year"], duration_min, c["rating"], poster, thumb, trailer, c["state"], c["tier"], c["geo"],
            c["available_from"], c["available_until"], asset_id,
            self.assets.get(asset_id) if asset_id else None, c["view_count"], c["popularity"], c["created_at"],
            c["created_at"], published_at,
        ))
        for lang_code in c["languages"]:
            self.rows.audio.append((stable_id(c["id"], "audio", lang_code), c["id"], lang_code, LANG_LABELS[lang_code],
                                    f"/media/{media_asset}/audio/{lang_code}/index.m3u8", lang_code == lang))
        for lang_code in ("en", "hi"):
            self.rows.subtitles.append((stable_id(c["id"], "sub", lang_code), c["id"], lang_code,
                                        LANG_LABELS[lang_code], f"/media/{media_asset}/subs/{lang_code}.vtt", False))

    def _variants(self, *, content_id: uuid.UUID | None, episode_id: uuid.UUID | None, asset_id: str) -> None:
        owner = content_id or episode_id
        for quality, kbps in LADDER:
            self.rows.variants.append((stable_id(owner, "variant", quality), content_id, episode_id, quality,
                                       f"/media/{asset_id}/video/{quality}/index.m3u8",
                                       f"/media/{asset_id}/dash/manifest.mpd", kbps))

    def _links(self, content_id: uuid.UUID, *, genres: Sequence[str], cast: int, crew: bool) -> None:
        for slug in genres:
            self.rows.content_genres.append((content_id, self.genre_ids[slug]))
        if cast == 0:
            return
        picks = self.rng.sample(self.people, cast + (1 if crew else 0))
        for billing, (pid, _, _) in enumerate(picks[:cast], start=1):
            self.rows.content_people.append((content_id, pid, "actor", billing))
        if crew:
            self.rows.content_people.append((content_id, picks[-1][0], "director", 0))

    def _genre_slugs(self, *, exclude_sports: bool = True) -> list[str]:
        pool = [g[0] for g in words.GENRES if not (exclude_sports and g[0] == "sports")]
        return self.rng.sample(pool, self.rng.randint(1, 3))

    def movies(self, count: int) -> None:
        for i in range(count):
            title, title_hi, lang = self.titles.next()
            c = self._common(kind="movie", key=i, tier_free_share=2 / 3)
            minutes = self.rng.randint(85, 175)
            asset = MOVIE_ASSET
            if i % LONG_EVERY == LONG_OFFSET:  # a long title: its listed length is the media's
                asset = LONG_ASSET
                minutes = max(1, round(self.assets.get(LONG_ASSET, SAMPLE_ASSETS[LONG_ASSET]) / 60))
            self._content_row(c, kind="movie", title=title, title_hi=title_hi, lang=lang,
                              duration_min=minutes, asset_id=asset)
            self._variants(content_id=c["id"], episode_id=None, asset_id=asset)
            self._links(c["id"], genres=self._genre_slugs(), cast=self.rng.randint(3, 6), crew=True)

    def shows(self, count: int) -> None:
        rng = self.rng
        for i in range(count):
            title, title_hi, lang = self.titles.next()
            c = self._common(kind="tv_show", key=i, tier_free_share=0.5)
            self._content_row(c, kind="tv_show", title=title, title_hi=title_hi, lang=lang,
                              duration_min=0, asset_id=None)
            self._links(c["id"], genres=self._genre_slugs(), cast=rng.randint(3, 6), crew=True)
            total_minutes = 0
            for s in range(1, rng.randint(1, 3) + 1):
                sid = stable_id(c["id"], "season", s)
                s_release = date(min(c["year"] + s - 1, 2025), c["release_date"].month, c["release_date"].day)
                self.rows.seasons.append((sid, c["id"], s, f"Season {s}", f"सीज़न {s}", s_release))
                for e in range(1, rng.randint(6, 10) + 1):
                    eid = stable_id(sid, "episode", e)
                    asset = EPISODE_ASSETS[(s + e) % len(EPISODE_ASSETS)]
                    noun, noun_hi = rng.choice(words.NOUNS)
                    minutes = rng.randint(20, 55)
                    total_minutes += minutes
                    desc, desc_hi = _description(rng, noun, noun_hi)
                    self.rows.episodes.append((
                        eid, sid, c["id"], e, f"Episode {e}: The {noun}", f"एपिसोड {e}: {noun_hi}", desc, desc_hi,
                        minutes, f"/media/{asset}/{THUMB_FILE}", s_release + timedelta(days=7 * (e - 1)),
                        asset, self.assets.get(asset)))
                    self._variants(content_id=None, episode_id=eid, asset_id=asset)
            row = list(self.rows.content[-1])
            row[CONTENT_COLUMNS.index("duration_minutes")] = total_minutes
            self.rows.content[-1] = tuple(row)

    def sports(self, count: int) -> None:
        rng = self.rng
        made = 0
        seen: set[str] = set()
        while made < count:
            (sport, sport_hi), (stage, stage_hi) = rng.choice(words.SPORTS), rng.choice(words.SPORT_STAGES)
            (a, a_hi), (b, b_hi) = rng.sample(words.TEAMS, 2)
            c = self._common(kind="sports", key=made, tier_free_share=0.5)
            title = f"{sport} {stage}: {a} vs {b} {c['year']}"
            if title.lower() in seen:
                continue
            seen.add(title.lower())
            title_hi = f"{sport_hi} {stage_hi}: {a_hi} बनाम {b_hi} {c['year']}"
            self._content_row(c, kind="sports", title=title, title_hi=title_hi, lang="hi",
                              duration_min=rng.randint(60, 200), asset_id=SPORTS_ASSET)
            self._variants(content_id=c["id"], episode_id=None, asset_id=SPORTS_ASSET)
            self._links(c["id"], genres=["sports"], cast=0, crew=False)
            made += 1


def build_catalog(*, movies: int, shows: int, sports: int, seed: int, today: date,
                  assets: dict[str, float] | None = None) -> CatalogRows:
    """Generate every row of the demo catalog (pure: same arguments, same rows)."""
    builder = _Builder(seed=seed, today=today, assets=assets or dict(SAMPLE_ASSETS))
    builder.genres()
    builder.movies(movies)
    builder.shows(shows)
    builder.sports(sports)
    rows = builder.rows
    rows.counts = {"genres": len(rows.genres), "people": len(rows.people), "movies": movies, "shows": shows,
                   "sports": sports, "seasons": len(rows.seasons), "episodes": len(rows.episodes),
                   "unpublished": builder.unpublished}
    return rows


async def _upsert(conn: asyncpg.Connection, table: str, columns: Sequence[str], records: list[tuple[Any, ...]],
                  *, conflict: str, update: Sequence[str] = ()) -> None:
    """COPY ``records`` into a temporary twin of ``table``, then merge them in one statement."""
    if not records:
        return
    tmp = f"seed_{table}"
    await conn.execute(f"CREATE TEMP TABLE {tmp} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
    await conn.copy_records_to_table(tmp, records=records, columns=list(columns))
    cols = ", ".join(columns)
    action = ("DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in update)) if update else "DO NOTHING"
    await conn.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {tmp} ON CONFLICT {conflict} {action}")  # noqa: S608


async def seed_catalog(pool: asyncpg.Pool, *, movies: int = 400, shows: int = 100, sports: int = 40, seed: int = 42,
                       media_dir: Path | None = None, today: date | None = None) -> SeedSummary:
    """Write (or refresh) the demo catalog; safe to run any number of times."""
    started = time.perf_counter()
    rows = build_catalog(movies=movies, shows=shows, sports=sports, seed=seed,
                         today=today or datetime.now(UTC).date(), assets=asset_durations(media_dir))
    content_update = [c for c in CONTENT_COLUMNS if c not in ("id", "view_count", "created_at")]
    async with pool.acquire() as conn, conn.transaction():
        await _upsert(conn, "genres", ("id", "name", "name_hi", "slug", "icon_url", "sort_order"), rows.genres,
                      conflict="(id)", update=("name", "name_hi", "slug", "icon_url", "sort_order"))
        await _upsert(conn, "people", ("id", "name", "name_hi"), rows.people, conflict="(id)",
                      update=("name", "name_hi"))
        await _upsert(conn, "content", CONTENT_COLUMNS, rows.content, conflict="(id)", update=content_update)
        await _upsert(conn, "seasons", SEASON_COLUMNS, rows.seasons, conflict="(id)", update=SEASON_COLUMNS[3:])
        await _upsert(conn, "episodes", EPISODE_COLUMNS, rows.episodes, conflict="(id)", update=EPISODE_COLUMNS[4:])
        await _upsert(conn, "content_genres", ("content_id", "genre_id"), rows.content_genres,
                      conflict="(content_id, genre_id)")
        await _upsert(conn, "content_people", ("content_id", "person_id", "role", "billing"), rows.content_people,
                      conflict="(content_id, person_id, role)", update=("billing",))
        await _upsert(conn, "audio_tracks", TRACK_COLUMNS, rows.audio, conflict="(id)", update=TRACK_COLUMNS[3:])
        await _upsert(conn, "subtitles", TRACK_COLUMNS, rows.subtitles, conflict="(id)", update=TRACK_COLUMNS[3:])
        await _upsert(conn, "video_variants", VARIANT_COLUMNS, rows.variants, conflict="(id)",
                      update=VARIANT_COLUMNS[3:])
        await conn.execute("SELECT ott_refresh_content_search($1::uuid[])", [r[0] for r in rows.content])
    n = rows.counts
    summary = SeedSummary(genres=n["genres"], people=n["people"], movies=n["movies"], shows=n["shows"],
                          sports=n["sports"], seasons=n["seasons"], episodes=n["episodes"],
                          unpublished=n["unpublished"], elapsed_s=time.perf_counter() - started)
    log.info("catalog seeded", extra={"titles": movies + shows + sports, "episodes": n["episodes"],
                                      "elapsed_s": round(summary.elapsed_s, 3)})
    return summary
