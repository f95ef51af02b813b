"""CSV import: every row validated, row/column errors reported, all-or-nothing."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from tests.cms.conftest import call, new_draft

IMPORT = "/api/v1/cms/import"


async def _import(api: TestClient, headers: dict[str, str], text: str, *, status: int) -> dict[str, Any]:
    return await call(api, "POST", IMPORT, headers={**headers, "Content-Type": "text/csv"}, status=status,
                      data=text.encode())


@pytest.fixture
async def genres(api: TestClient, staff: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Two genres by slug."""
    out = {}
    for name in ("Drama", "Sci Fi"):
        body = await call(api, "POST", "/api/v1/cms/genres", headers=staff["admin"]["headers"], status=201,
                          json={"name": name, "slug": name.lower().replace(" ", "-")})
        out[body["slug"]] = body["id"]
    return out


async def test_import_creates_and_updates(api: TestClient, staff: dict[str, dict[str, Any]],
                                          genres: dict[str, str]) -> None:
    creator = staff["creator"]["headers"]
    existing = await new_draft(api, creator, title="Old name")
    text = (
        "id,type,title,title_hi,year,maturity_rating,tier_requirement,languages,genres,available_from\n"
        ",movie,Rain Song,बारिश का गीत,2019,U,premium,hi|en,drama|sci-fi,2030-01-01T00:00:00Z\n"
        ",sports,Final Over,,2024,U/A,free,,,\n"
        f"{existing['id']},,New name,,,A,,,drama,\n"
    )
    out = await _import(api, creator, text, status=200)
    assert len(out["created"]) == 2 and out["updated"] == [existing["id"]]
    db = api.app[keys.DB]
    row = await db.fetchrow("SELECT * FROM content WHERE id = $1::uuid", out["created"][0])
    assert (row["title"], row["title_hi"], row["year"], row["tier_requirement"], row["languages"]) == (
        "Rain Song", "बारिश का गीत", 2019, "premium", ["hi", "en"])
    assert row["workflow_state"] == "draft" and str(row["created_by"]) == staff["creator"]["user_id"]
    linked = await db.fetchval("SELECT count(*) FROM content_genres WHERE content_id = $1::uuid", row["id"])
    assert linked == 2
    updated = await call(api, "GET", f"/api/v1/cms/content/{existing['id']}", headers=creator, status=200)
    assert updated["fields"]["title"] == "New name" and updated["fields"]["maturity_rating"] == "A"
    assert updated["genres"] == [genres["drama"]] and updated["version"] == 2


async def test_import_reports_every_row_and_column_error(api: TestClient, staff: dict[str, dict[str, Any]],
                                                         genres: dict[str, str]) -> None:
    text = (
        "type,title,year,maturity_rating,genres,available_from,available_until\n"
        "movie,Good one,2019,U,drama,,\n"
        "film,Bad type,2019,U,,,\n"
        "movie,,1500,X,,,\n"
        "movie,Bad genre,,U,horror,,\n"
        "movie,Bad window,,U,,2030-01-02T00:00:00Z,2030-01-01T00:00:00Z\n"
        "movie,Too many,,U,,,,extra\n"
    )
    body = await _import(api, staff["creator"]["headers"], text, status=422)
    where = sorted((e["row"], e["column"]) for e in body["errors"])
    assert where == [(3, "type"), (4, "maturity_rating"), (4, "title"), (4, "year"), (5, "genres"), (6, None),
                     (7, None)]
    assert await api.app[keys.DB].fetchval("SELECT count(*) FROM content") == 0


async def test_import_is_all_or_nothing_at_write_time(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    others = await new_draft(api, staff["admin"]["headers"], title="Admin's")
    text = f"id,type,title\n,movie,Fresh\n{others['id']},,Hijack\n"
    body = await _import(api, staff["creator"]["headers"], text, status=403)
    assert body["status"] == 403
    titles = [r["title"] for r in await api.app[keys.DB].fetch("SELECT title FROM content")]
    assert titles == ["Admin's"]


@pytest.mark.parametrize(("text", "status"), [
    ("", 422), ("type,title\n", 422), ("colour,title\nred,x\n", 422), ("type,type,title\nmovie,movie,x\n", 422),
    ("title\nonly title\n", 422), ("id,title\nnot-an-id,x\n", 422),
])
async def test_import_rejects_bad_files(api: TestClient, staff: dict[str, dict[str, Any]], text: str,
                                        status: int) -> None:
    body = await _import(api, staff["creator"]["headers"], text, status=status)
    assert body["errors"]


async def test_import_checks_type_encoding_and_size(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    headers = staff["creator"]["headers"]
    wrong = await api.post(IMPORT, data=b"type,title\nmovie,x\n", headers={**headers, "Content-Type": "text/plain"})
    assert wrong.status == 415
    latin = await api.post(IMPORT, data=b"type,title\nmovie,\xff\xfe\n", headers={**headers,
                                                                                "Content-Type": "text/csv"})
    assert latin.status == 400
    huge = "type,title\n" + "movie,x\n" * 1_000_000
    big = await api.post(IMPORT, data=huge.encode(), headers={**headers, "Content-Type": "text/csv"})
    assert big.status == 413
