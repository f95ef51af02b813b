"""OpenAPI 3.1 document generated from the declared routes and their pydantic models."""

from __future__ import annotations

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


def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def build_openapi(specs: list[RouteSpec], *, title: str = "OTT Lowband API",
                  version: str = "1.0.0") -> dict[str, Any]:
    """Assemble the OpenAPI 3.1 document for ``specs``."""
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"Problem": _PROBLEM}
    for spec in specs:
        path = _PARAM.sub(lambda m: "{" + m[1] + "}", spec.path)
        op: dict[str, Any] = {
            "summary": spec.summary,
            "operationId": f"{spec.tag}_{spec.handler.__name__}",
            "tags": [spec.tag],
            "parameters": [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                           for n in _PARAM.findall(spec.path)],
            "responses": {},
        }
        if spec.query is not None:
            op["parameters"] += _query_parameters(spec.query)
        if spec.body is not None:
            op["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _schema_ref(spec.body, components)}}}
        elif spec.raw_body:
            op["requestBody"] = {"required": True, "content": {
                ct: {"schema": {"type": "string", "format": "binary"}} for ct in spec.content_types}}
        ok: dict[str, Any] = {"description": "Success"}
        if spec.response is not None:
            ok["content"] = {"application/json": {"schema": _schema_ref(spec.response, components)}}
        op["responses"][str(spec.status)] = ok
        problem = {"description": "Problem", "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        statuses = set(spec.error_statuses)
        if spec.body is not None or spec.query is not None:
            statuses |= {400, 422}
        if spec.auth == "required":
            statuses.add(401)
            op["security"] = [{"bearer": []}]
        if spec.roles:
            statuses.add(403)
            op["x-roles"] = list(spec.roles)
        for status in sorted(statuses):
            op["responses"][str(status)] = problem
        paths.setdefault(path, {})[spec.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }
