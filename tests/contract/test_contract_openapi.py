"""The OpenAPI document is exact: valid for a standard linter, one schema per component name,
every operation described, path ids typed, the headers handlers read documented."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate
from pydantic import BaseModel

from server import keys
from server.openapi import ComponentCollision, build_openapi
from server.routing import ApiRouter


@pytest.fixture
def backend() -> str:
    """One backend is enough: the document does not depend on the stores."""
    return "system"


@pytest.fixture
async def doc(api: TestClient) -> dict[str, Any]:
    """The live document."""
    resp = await api.get("/api/v1/openapi.json")
    assert resp.status == 200
    body: dict[str, Any] = await resp.json()
    return body


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


async def test_the_live_document_passes_openapi_spec_validator(doc: dict[str, Any]) -> None:
    validate(doc)


def test_two_models_with_one_name_fail_the_build() -> None:
    def make(field: str) -> type[BaseModel]:
        return type("ThingOut", (BaseModel,), {"__annotations__": {field: str}})

    first, second = make("a"), make("b")
    router = ApiRouter(tag="t")

    async def one(request: Any) -> Any:
        """One."""

    async def two(request: Any) -> Any:
        """Two."""

    router.route("GET", "/one", summary="one", response=first)(one)
    router.route("GET", "/two", summary="two", response=second)(two)
    with pytest.raises(ComponentCollision, match="ThingOut"):
        build_openapi(router.specs)


async def test_register_and_login_are_documented_with_the_token_model(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for path, status in (("/api/v1/auth/register", "201"), ("/api/v1/auth/login", "200")):
        ref = doc["paths"][path]["post"]["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        model = schemas[ref.rsplit("/", 1)[1]]
        assert {"user_id", "access_token", "refresh_token"} <= set(model["required"])
    genres = doc["paths"]["/api/v1/catalog/genres"]["get"]["responses"]["200"]["content"]["application/json"]
    item = schemas[genres["schema"]["$ref"].rsplit("/", 1)[1]]["properties"]["genres"]["items"]["$ref"]
    assert {"icon_url", "content_count"} <= set(schemas[item.rsplit("/", 1)[1]]["properties"])


async def test_every_operation_is_described_and_its_path_ids_are_typed(doc: dict[str, Any]) -> None:
    for method, path, op in _operations(doc):
        assert op["description"].strip(), f"{method} {path} has no description"
        for param in op["parameters"]:
            if param["in"] == "path" and param["name"].endswith("_id") and param["name"] != "asset_id":
                assert param["schema"].get("format") == "uuid", f"{method} {path} {param['name']}"
            if param["in"] == "path" and param["name"] in ("season_number", "a", "b", "n"):
                assert param["schema"]["type"] == "integer"


async def test_headers_handlers_read_are_parameters(api: TestClient, doc: dict[str, Any]) -> None:
    country = api.app[keys.SETTINGS].country_header

    def headers(path: str, method: str = "get") -> set[str]:
        return {p["name"] for p in doc["paths"][path][method]["parameters"] if p["in"] == "header"}

    assert {country, "If-None-Match"} <= headers("/api/v1/catalog/content")
    assert {country, "ECT", "Downlink", "RTT", "Save-Data"} <= headers("/api/v1/stream/{content_id}/manifest")
    assert "X-Razorpay-Signature" in headers("/api/v1/payments/webhook", "post")
    cached = doc["paths"]["/api/v1/catalog/content"]["get"]["responses"]
    assert "304" in cached


async def test_xml_documents_and_idempotent_watchlist_add_are_declared(doc: dict[str, Any]) -> None:
    for path in ("/api/v1/ads/vmap", "/api/v1/ads/vast/{ad_id}"):
        assert list(doc["paths"][path]["get"]["responses"]["200"]["content"]) == ["application/xml"]
    answers = doc["paths"]["/api/v1/activity/watchlist"]["post"]["responses"]
    assert {"200", "201"} <= set(answers)
    for _, _, op in _operations(doc):
        assert re.fullmatch(r"[a-z_-]+_[a-z_]+", op["operationId"])
