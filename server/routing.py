"""Declarative routes: each states its models, auth and roles; the wrapper validates and checks.

A handler is declared once with :class:`ApiRouter`; the same declaration feeds request
validation, the role check, and the OpenAPI document (``server.openapi``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ValidationError

from server import keys
from server.errors import (
    BadRequest,
    Forbidden,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
    pydantic_errors,
)
from server.input_guard import check_path_params, check_storable

Role = Literal["user", "creator", "reviewer", "publisher", "analyst", "admin"]
ALL_ROLES: tuple[Role, ...] = ("user", "creator", "reviewer", "publisher", "analyst", "admin")
AuthMode = Literal["none", "optional", "required"]
Handler = Callable[..., Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the verified claims of an access token, and the account as read with them."""

    user_id: str
    email: str
    roles: frozenset[str]
    token_id: str
    expires_at: int
    email_verified: bool = False
    #: The account's effective subscription tier (a premium subscription past its expiry is free).
    tier: Literal["free", "premium"] = "free"

    def has_any(self, roles: Iterable[str]) -> bool:
        """True when the caller holds at least one of ``roles`` (admin holds all)."""
        wanted = set(roles)
        return "admin" in self.roles or bool(self.roles & wanted)


@dataclass(slots=True)
class RouteSpec:
    """One endpoint: method, path and everything the wrapper and OpenAPI need to know."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: AuthMode = "required"
    roles: tuple[str, ...] = ()
    error_statuses: tuple[int, ...] = ()
    content_types: tuple[str, ...] = ("application/json",)
    raw_body: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    #: Request headers the handler reads, by the names ``server.openapi.HEADERS`` documents.
    headers: tuple[str, ...] = ()
    #: Further success answers besides ``status`` (e.g. 200 "already there" next to 201), with their model.
    also: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    #: Media type(s) of the success body when it is not JSON (e.g. "application/xml").
    media_type: str | tuple[str, ...] = "application/json"


def principal(request: web.Request) -> Principal:
    """The authenticated caller of a route declared with ``auth="required"``."""
    value = request.get("principal")
    if value is None:
        raise Unauthorized("this endpoint needs a valid access token")
    return value


def optional_principal(request: web.Request) -> Principal | None:
    """The caller if a valid token was sent, else None."""
    return request.get("principal")


async def authenticate(request: web.Request) -> Principal | None:
    """Run the app's authenticator (installed by ``server.auth``) on the request, if any."""
    authenticator = request.config_dict.get(keys.AUTHENTICATOR)
    if authenticator is None:
        return None
    return await authenticator(request)


async def parse_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    """Read a JSON body and validate it with ``model`` (400/413/415/422 on failure; 400 when the client closed
    its connection before the body was read: its doing, not the database's)."""
    ctype = request.content_type
    if request.body_exists and ctype not in ("application/json", "application/merge-patch+json"):
        raise UnsupportedMediaType(f"send the body as application/json, not {ctype or 'nothing'}")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as err:
        limit = request.app[keys.SETTINGS].client_max_size
        raise PayloadTooLarge(f"the body is larger than the {limit} bytes allowed") from err
    except ConnectionResetError as err:  # aiohttp fails the read once the client has closed the connection
        raise BadRequest("the connection closed before the body was read") from err
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except RecursionError as err:
            raise BadRequest("the body is not valid JSON: nested too deeply") from err
        except ValueError as err:  # JSONDecodeError, UnicodeDecodeError, integers over the digit limit
            raise BadRequest(f"the body is not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise ValidationFailed("the body must be a JSON object",
                               errors=[{"field": None, "message": "expected an object", "type": "type"}])
    check_storable(data, location="body")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ValidationFailed(errors=pydantic_errors(err)) from err


def query_names(model: type[BaseModel]) -> set[str]:
    """The query parameter names ``model`` accepts (aliases where a field has one)."""
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        if info.alias is None or model.model_config.get("populate_by_name"):
            names.add(name)
    return names


def reject_unknown_query(request: web.Request, allowed: set[str]) -> None:
    """422 naming every query parameter the endpoint does not take."""
    unknown = sorted(set(request.query) - allowed)
    if unknown:
        raise ValidationFailed(
            f"unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
            errors=[{"field": name, "message": "this endpoint does not take this parameter", "type": "extra_forbidden"}
                    for name in unknown])


def parse_query(request: web.Request, model: type[BaseModel]) -> BaseModel:
    """Validate the query string with ``model`` (unknown parameters are 422); repeated keys become
    lists where the model wants."""
    reject_unknown_query(request, query_names(model))
    data: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        annotation = model.model_fields.get(key)
        wants_list = annotation is not None and "list" in str(annotation.annotation)
        data[key] = values if wants_list else values[-1]
    check_storable(data, location="query")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ValidationFailed(errors=pydantic_errors(err)) from err


def json_response(payload: BaseModel | dict[str, Any] | list[Any], *, status: int = 200,
                  headers: dict[str, str] | None = None) -> web.Response:
    """Serialise a model or plain data as JSON."""
    if isinstance(payload, BaseModel):
        text = payload.model_dump_json()
    else:
        text = json.dumps(payload, default=str, ensure_ascii=False)
    return web.Response(text=text, status=status, content_type="application/json", headers=headers)


def _wrap(spec: RouteSpec) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        request["route_spec"] = spec
        if spec.auth != "none":
            who = await authenticate(request)
            if who is None and spec.auth == "required":
                raise Unauthorized("this endpoint needs a valid access token")
            request["principal"] = who
        if spec.roles:
            who = principal(request)
            if not who.has_any(spec.roles):
                raise Forbidden(f"needs one of the roles: {', '.join(spec.roles)}")
        check_path_params(request.match_info)
        kwargs: dict[str, Any] = {}
        if spec.query is not None:
            kwargs["query"] = parse_query(request, spec.query)
        elif spec.path.startswith("/api/"):
            reject_unknown_query(request, set())
        if spec.body is not None:
            kwargs["body"] = await parse_body(request, spec.body)
        return await spec.handler(request, **kwargs)

    endpoint.__name__ = spec.handler.__name__
    endpoint.__doc__ = spec.handler.__doc__
    endpoint.route_spec = spec  # type: ignore[attr-defined]  # read by matched_spec (middlewares)
    return endpoint


def matched_spec(request: web.Request) -> RouteSpec | None:
    """The declaration of the route ``request`` matched, for middlewares (None if not declared here)."""
    spec = getattr(request.match_info.handler, "route_spec", None)
    return spec if isinstance(spec, RouteSpec) else None


class ApiRouter:
    """Collects declared routes of one area; ``install`` adds them to an application."""

    def __init__(self, *, tag: str) -> None:
        self.tag = tag
        self.specs: list[RouteSpec] = []

    def route(self, method: str, path: str, *, summary: str, body: type[BaseModel] | None = None,
              query: type[BaseModel] | None = None, response: type[BaseModel] | None = None,
              status: int = 200, auth: AuthMode = "required", roles: Iterable[str] = (),
              errors: Iterable[int] = (), raw_body: bool = False,
              content_types: Iterable[str] = ("application/json",), headers: Iterable[str] = (),
              also: dict[int, type[BaseModel] | None] | None = None,
              media_type: str | tuple[str, ...] = "application/json") -> Callable[[Handler], Handler]:
        """Declare a handler ``async def h(request, *, body=..., query=...)`` for METHOD PATH.

        ``headers`` names the request headers the handler reads (documented in OpenAPI), ``also``
        further success statuses with their models, ``media_type`` a non-JSON success body.
        """

        def register(handler: Handler) -> Handler:
            self.specs.append(RouteSpec(
                method=method.upper(), path=path, handler=handler, summary=summary, tag=self.tag,
                body=body, query=query, response=response, status=status, auth=auth,
                roles=tuple(roles), error_statuses=tuple(errors), raw_body=raw_body,
                content_types=tuple(content_types), headers=tuple(headers), also=dict(also or {}),
                media_type=media_type,
            ))
            return handler

        return register

    def include(self, *others: ApiRouter) -> None:
        """Take over the routes declared on ``others``, in order (one area split over several modules)."""
        for other in others:
            self.specs.extend(other.specs)

    def install(self, app: web.Application) -> None:
        """Add every declared route to ``app`` and record it for OpenAPI and the RBAC table."""
        for spec in self.specs:
            app.router.add_route(spec.method, spec.path, _wrap(spec), name=f"{self.tag}:{spec.handler.__name__}")
            app[keys.ROUTES].append(spec)
