"""CSV bulk import of title metadata: every row validated first, then all rows written or none.

Columns (header row, any order; unknown columns are an error): ``id`` (optional: update that
title instead of creating one), the content fields of ``ContentPatch``, list fields separated by
``|`` (``languages``, ``subtitle_languages``, ``geo_restriction``, ``genres`` as genre slugs).
An empty cell means "not given".
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from pydantic import ValidationError

from server.cms import service
from server.cms.models import CONTENT_FIELDS, ContentCreate, ContentPatch
from server.errors import ValidationFailed
from server.input_guard import ERROR_TYPE, find_unstorable
from server.routing import Principal

log = logging.getLogger(__name__)

LIST_COLUMNS = frozenset({"languages", "subtitle_languages", "geo_restriction", "genres"})
COLUMNS = frozenset({"id", "genres", *CONTENT_FIELDS})
MAX_ROWS = 5000


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One valid row: its line, the title to update (None = create) and the validated fields."""

    line: int
    content_id: str | None
    patch: ContentPatch


def _error(line: int, column: str | None, message: str, kind: str = "value_error") -> dict[str, Any]:
    where = f"row {line}" + (f", column {column}" if column else "")
    return {"field": where, "row": line, "column": column, "message": message, "type": kind}


def _cells(row: dict[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in row.items():
        value = (raw or "").strip()
        if not value:
            continue
        out[key] = [v.strip() for v in value.split("|") if v.strip()] if key in LIST_COLUMNS else value
    return out


def parse_csv(text: str, *, genre_ids: dict[str, str]) -> tuple[list[ParsedRow], list[dict[str, Any]]]:
    """Validate every row; (rows, errors). ``genre_ids`` maps genre slug → id. Lines count from 1 (the header)."""
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="__extra__")
    header = reader.fieldnames or []
    errors = [_error(1, c, "unknown column") for c in header if c not in COLUMNS]
    if not header:
        errors.append(_error(1, None, "the file has no header row"))
    elif "id" not in header and not {"type", "title"} <= set(header):
        errors.append(_error(1, None, "without an id column, type and title columns are required"))
    if len(set(header)) != len(header):
        errors.append(_error(1, None, "a column repeats"))
    if errors:
        return [], errors
    rows: list[ParsedRow] = []
    for n, row in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            errors.append(_error(n, None, f"at most {MAX_ROWS} rows per import"))
            break
        if row.get("__extra__"):
            errors.append(_error(n, None, "more cells than columns"))
            continue
        cells = _cells({k: v for k, v in row.items() if k != "__extra__"})
        if not cells:
            continue
        if (bad := find_unstorable(cells)) is not None:
            errors.append(_error(n, bad[0].split(".")[0], bad[1], ERROR_TYPE))
            continue
        content_id = cells.pop("id", None)
        if content_id is not None:
            try:
                content_id = str(uuid.UUID(content_id))
            except ValueError:
                errors.append(_error(n, "id", "not a content id"))
                continue
        slugs = cells.pop("genres", None)
        if slugs is not None:
            unknown = [s for s in slugs if s not in genre_ids]
            if unknown:
                errors.append(_error(n, "genres", f"unknown genre slugs: {', '.join(unknown)}"))
                continue
            cells["genres"] = [genre_ids[s] for s in slugs]
        model = ContentPatch if content_id else ContentCreate
        try:
            patch = model.model_validate(cells)
        except ValidationError as err:
            for e in err.errors():
                column = str(e["loc"][0]) if e["loc"] else None
                errors.append(_error(n, column, e["msg"], e["type"]))
            continue
        rows.append(ParsedRow(line=n, content_id=content_id, patch=patch))
    if not rows and not errors:
        errors.append(_error(2, None, "the file has no data rows"))
    return rows, errors


async def import_rows(conn: asyncpg.Connection, *, rows: list[ParsedRow], who: Principal,
                      request_id: str | None) -> tuple[list[str], list[str]]:
    """Write every row inside the caller's transaction; (created ids, updated ids)."""
    created, updated = [], []
    for row in rows:
        try:
            if row.content_id is None:
                assert isinstance(row.patch, ContentCreate)
                cid, _ = await service.create(conn, body=row.patch, who=who, request_id=request_id, action="import")
                created.append(cid)
            else:
                await service.update(conn, content_id=row.content_id, patch=row.patch, who=who, request_id=request_id,
                                     action="import")
                updated.append(row.content_id)
        except ValidationFailed as err:
            raise ValidationFailed(f"row {row.line}: {err.detail}; nothing was imported",
                                   errors=[_error(row.line, e.get("field"), e.get("message", "")) for e in err.errors]
                                   or [_error(row.line, None, err.detail)]) from err
    return created, updated
