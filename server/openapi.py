"""OpenAPI 3.1 document generated from the declared routes and their pydantic models."""

from __future__ import annotations

import inspect
import re
from typing import Any

from pydantic import BaseModel

from server.routing import RouteSpec

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")

_PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": ["string", "null"]}, "message": {"type": "string"},
            "type": {"type": ["string", "null"]}}}},
    },
}


#: Request headers a route may declare it reads (``RouteSpec.headers``); "country" is named by the settings.
HEADERS: dict[str, dict[str, Any]] = {
    "country": {"description": "viewer's ISO 3166-1 alpha-2 country, set by the trusted edge proxy",
                "schema": {"type": "string", "pattern": "^[A-Za-z]{2}$"}},
    "If-None-Match": {"description": "ETag of a copy the client holds; 304 when it is still current",
                      "schema": {"type": "string"}},
    "ECT": {"description": "client hint: effective connection type", "schema": {
        "type": "string", "enum": ["slow-2g", "2g", "3g", "4g"]}},
    "Downlink": {"description": "client hint: estimated downlink in Mbit/s", "schema": {"type": "number"}},
    "RTT": {"description": "client hint: estimated round-trip time in ms", "schema": {"type": "number"}},
    "Save-Data": {"description": "client hint: \"on\" asks for the lightest rendition",
                  "schema": {"type": "string"}},
    "X-Razorpay-Signature": {"description": "hex HMAC-SHA256 of the raw body with the webhook secret",
                             "schema": {"type": "string"}},
    "X-Razorpay-Event-Id": {"description": "gateway event id, for de-duplication", "schema": {"type": "string"}},
}
#: Shorthands for groups of headers.
HEADER_GROUPS: dict[str, tuple[str, ...]] = {
    "client-hints": ("ECT", "Downlink", "RTT", "Save-Data"),
    "webhook": ("X-Razorpay-Signature", "X-Razorpay-Event-Id"),
}
_REQUIRED_HEADERS = {"X-Razorpay-Signature"}
_INTEGER_PATH_PARAMS = {"season_number", "a", "b", "n"}


class ComponentCollision(ValueError):
    """Two different models would be documented under one component name."""


def _add_component(components: dict[str, Any], name: str, schema: dict[str, Any], owner: str) -> None:
    known = components.get(name)
    if known is not None and known != schema:
        raise ComponentCollision(f"two different schemas are named {name!r} (second from {owner})")
    components[name] = schema


def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    owner = f"{model.__module__}.{model.__qualname__}"
    for name, sub in schema.pop("$defs", {}).items():
        _add_component(components, name, sub, owner)
    _add_component(components, model.__name__, schema, owner)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    owner = f"{model.__module__}.{model.__qualname__}"
    for name, sub in schema.pop("$defs", {}).items():
        _add_component(components, name, sub, owner)
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        out.append(param)
    return out


def _path_parameter(name: str) -> dict[str, Any]:
    if name in _INTEGER_PATH_PARAMS:
        schema: dict[str, Any] = {"type": "integer", "minimum": 1}
    elif name == "asset_id":
        schema = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"}
    elif name.endswith("_id"):
        schema = {"type": "string", "format": "uuid"}
    else:
        schema = {"type": "string"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _header_parameters(names: tuple[str, ...], country_header: str) -> list[dict[str, Any]]:
    out = []
    for group in names:
        for name in HEADER_GROUPS.get(group, (group,)):
            doc = HEADERS[name]
            out.append({"name": country_header if name == "country" else name, "in": "header",
                        "required": name in _REQUIRED_HEADERS, **doc})
    return out


def _success(status: int, model: type[BaseModel] | None, media_type: str | tuple[str, ...],
             components: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": "Success"}
    types = (media_type,) if isinstance(media_type, str) else media_type
    if model is not None:
        answer["content"] = {t: {"schema": _schema_ref(model, components)} for t in types}
    elif types != ("application/json",):
        answer["content"] = {t: {"schema": {"type": "string"}} for t in types}
    elif status != 204:
        answer["content"] = {"application/json": {"schema": {"type": "object"}}}
    return answer


def _page_errors(media_type: str | tuple[str, ...]) -> dict[str, Any] | None:
    """For a route that answers a page (HTML), its own errors: the same page, or a problem from the framework."""
    types = (media_type,) if isinstance(media_type, str) else media_type
    if "text/html" not in types:
        return None
    return {"description": "The page with what went wrong, or a problem", "content": {
        "text/html": {"schema": {"type": "string"}},
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def build_openapi(specs: list[RouteSpec], *, title: str = "OTT Lowband API",
                  version: str = "1.0.0", country_header: str = "X-Country-Code") -> dict[str, Any]:
    """Assemble the OpenAPI 3.1 document for ``specs`` (ComponentCollision if two models share a name)."""
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"Problem": _PROBLEM}
    for spec in specs:
        path = _PARAM.sub(lambda m: "{" + m[1] + "}", spec.path)
        op: dict[str, Any] = {
            "summary": spec.summary,
            "description": inspect.getdoc(spec.handler) or spec.summary,
            "operationId": f"{spec.tag}_{spec.handler.__name__}",
            "tags": [spec.tag],
            "parameters": [_path_parameter(n) for n in _PARAM.findall(spec.path)],
            "responses": {},
        }
        if spec.query is not None:
            op["parameters"] += _query_parameters(spec.query, components)
        op["parameters"] += _header_parameters(spec.headers, country_header)
        if spec.body is not None:
            op["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _schema_ref(spec.body, components)}}}
        elif spec.raw_body:
            op["requestBody"] = {"required": True, "content": {
                ct: {"schema": {"type": "string", "format": "binary"}} for ct in spec.content_types}}
        op["responses"][str(spec.status)] = _success(spec.status, spec.response, spec.media_type, components)
        for status, model in spec.also.items():
            op["responses"][str(status)] = _success(status, model, spec.media_type, components)
        if "If-None-Match" in spec.headers:
            op["responses"]["304"] = {"description": "Not modified: the client's copy is current"}
        problem = {"description": "Problem", "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        statuses = set(spec.error_statuses)
        if spec.body is not None or spec.query is not None:
            statuses |= {400, 422}
        if spec.path.startswith("/api/"):
            statuses.add(422)  # unknown query parameters
        if spec.auth == "required":
            statuses.add(401)
            op["security"] = [{"bearer": []}]
        if spec.roles:
            statuses.add(403)
            op["x-roles"] = list(spec.roles)
        page = _page_errors(spec.media_type)
        for status in sorted(statuses):
            op["responses"][str(status)] = page if page and status in spec.error_statuses else problem
        paths.setdefault(path, {})[spec.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }
