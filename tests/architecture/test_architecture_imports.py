"""Structure rules (README §Architecture): one-way imports between packages, SQL-free handler leaves, one assembly.

Pure source parsing (``ast``): every ``import`` and ``from … import`` of every module, including imports
inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: package → the other top-level packages it may import (README §Architecture)
ALLOWED: dict[str, frozenset[str]] = {
    "server": frozenset({"media", "netem_profiles"}),
    "tui": frozenset({"media", "netem_profiles"}),
    "loadtest": frozenset({"media", "netem_profiles"}),
    "media": frozenset({"netem_profiles"}),
    "netem_profiles": frozenset(),
}


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_every_package_is_parsed() -> None:
    for package in ALLOWED:
        assert _modules(package), f"no modules found under {package}/"


def test_packages_import_one_way() -> None:
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in _modules(package):
            for line, module in _imports(path):
                top = module.split(".")[0]
                if top in ALLOWED and top != package and top not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "imports against the one-way rule:\n" + "\n".join(wrong)


def test_no_cycle_between_packages() -> None:
    # The allowed graph itself must stay acyclic (a depth-first walk from every package).
    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in ALLOWED[start])

    assert not [p for p in ALLOWED if reaches(p, p)]


def test_server_handlers_are_leaves() -> None:
    # Only the application assembly imports the HTTP handlers; areas never reach back into server.api.
    wrong = []
    for path in _modules("server"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("server/api/") or relative == "server/app.py":
            continue
        for line, module in _imports(path):
            if module == "server.api" or module.startswith("server.api."):
                wrong.append(f"{relative}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.IGNORECASE | re.DOTALL)


def test_server_handlers_hold_no_sql() -> None:
    # SQL lives in the areas' store modules; a handler calls them (README §Architecture).
    wrong = []
    for path in _modules("server/api"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    assert not wrong, "SQL in HTTP handlers:\n" + "\n".join(wrong)


def test_only_the_app_assembles() -> None:
    # server/app.py alone adds middlewares and cleanup contexts; server/keys.py alone makes AppKeys.
    wrong = []
    for path in _modules("server"):
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in ("cleanup_ctx", "middlewares", "on_startup")
                    and relative != "server/app.py"):
                wrong.append(f"{relative}:{node.lineno} touches app.{node.attr}")
            if (isinstance(node, ast.Attribute) and node.attr == "AppKey" and relative != "server/keys.py"):
                wrong.append(f"{relative}:{node.lineno} makes an AppKey")
        if relative.startswith("server/api/") and path.name != "__init__.py":
            defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
            if "setup" in defined:
                wrong.append(f"{relative} defines setup(): areas export only a router")
    assert not wrong, "\n".join(wrong)


def test_media_is_used_through_its_package_surface() -> None:
    # server, tui and loadtest import media's names from media/__init__.py, never from its submodules.
    wrong = []
    for package in ("server", "tui", "loadtest"):
        for path in _modules(package):
            for line, module in _imports(path):
                if module.startswith("media."):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "import these names from media (add them to media/__init__.py):\n" + "\n".join(wrong)
