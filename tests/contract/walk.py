"""A client that checks every answer against the live OpenAPI document.

``Walk.call`` sends a request to a path template with real ids, asserts the status is one the
document lists for that operation, and validates a 2xx body (JSON against its schema, any other
media type against the declared ones). It records each operation it saw answer 2xx, so a test
can assert that the walk covered the whole document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from aiohttp.test_utils import TestClient
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.contract.generated import round_trip

DOC_URI = "urn:ott:openapi"


@dataclass
class Answer:
    """One checked answer."""

    status: int
    body: Any
    headers: dict[str, str]
    raw: bytes


@dataclass
class Walk:
    """Calls operations of the live document and validates what they answer."""

    api: TestClient
    doc: dict[str, Any]
    covered: set[tuple[str, str]] = field(default_factory=set)
    client: ModuleType | None = None
    """Models generated from the document (tests.contract.generated): every JSON 2xx body must round-trip."""
    round_trips: int = 0

    def __post_init__(self) -> None:
        resource = Resource.from_contents(self.doc, default_specification=DRAFT202012)
        self._registry: Registry = Registry().with_resource(DOC_URI, resource)

    def operations(self) -> set[tuple[str, str]]:
        """Every (METHOD, template) the document lists."""
        return {(m.upper(), p) for p, ops in self.doc["paths"].items() for m in ops}

    def _pointer(self, *parts: str) -> str:
        escaped = [p.replace("~", "~0").replace("/", "~1") for p in parts]
        return f"{DOC_URI}#/" + "/".join(escaped)

    async def call(self, method: str, template: str, *, path: dict[str, str] | None = None,
                   expect: int | None = None, **kwargs: Any) -> Answer:
        """Send METHOD template (with ``path`` filled in) and check the answer against the document."""
        method = method.upper()
        op = self.doc["paths"].get(template, {}).get(method.lower())
        assert op is not None, f"{method} {template} is not in the document"
        url = re.sub(r"\{([^}]+)\}", lambda m: str((path or {})[m[1]]), template)
        resp = await self.api.request(method, url, **kwargs)
        raw = await resp.read()
        ctype = resp.content_type
        body: Any = None
        if ctype.endswith("json") and raw:
            body = await resp.json(content_type=None)
        where = f"{method} {url} -> {resp.status}"
        if expect is not None:
            assert resp.status == expect, f"{where}: {raw[:500]!r}"
        documented = op["responses"].get(str(resp.status))
        assert documented is not None, f"{where} is not documented (documented: {sorted(op['responses'])})"
        if 200 <= resp.status < 300:
            self.covered.add((method, template))
            content = documented.get("content")
            if not content:
                assert not raw, f"{where}: documented without a body but answered {raw[:200]!r}"
            else:
                assert ctype in content, f"{where}: {ctype} is not one of {sorted(content)}"
                if ctype == "application/json":
                    schema = {"$ref": self._pointer("paths", template, method.lower(), "responses",
                                                    str(resp.status), "content", ctype, "schema")}
                    validator = Draft202012Validator(schema, registry=self._registry, format_checker=FormatChecker())
                    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
                    assert not errors, f"{where}: " + "; ".join(
                        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
                    ref = content[ctype].get("schema", {}).get("$ref")
                    if self.client is not None and ref:
                        mismatch = round_trip(self.client, ref, body)
                        assert mismatch is None, f"{where}: generated client: {mismatch}"
                        self.round_trips += 1
        return Answer(status=resp.status, body=body, headers=dict(resp.headers), raw=raw)
