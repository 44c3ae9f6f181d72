"""The rooms of ``app/`` and who may import whom (STYLE.md "Who may import whom", README "架构").

A small walk over the source (no import is executed): every ``import`` and ``from … import``
counts, also inside a function — a deferred import that dodges a circle is still a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Room → the rooms it may import (besides itself). A room missing here may import anything
# (``app`` — the factory — and ``web``, the app-level plumbing that wires them together).
MAY_IMPORT: dict[str, set[str]] = {
    "policy": set(),
    "models": {"policy"},
    "security": {"models", "policy"},
    "services": {"models", "policy", "security", "exports", "extensions", "notify"},
    "exports": {"policy"},
    # Delivery channels (企业微信, SMTP, SMS): adapters that receive plain messages, like exports.
    "notify": {"policy"},
    # Scheduled jobs: idempotent calls of services under a database lock; the commands run them.
    "jobs": {"services", "models", "policy", "security", "extensions"},
    "labels": {"models", "policy"},
    "extensions": set(),
    # The entry points: never each other (shared bits live in a base module of their own room).
    **{
        room: {"services", "security", "exports", "policy", "models", "extensions", "labels"}
        for room in ("views", "api", "public", "commands")
    },
}
# The CLI runs the jobs; 系统 → 定时任务 lists them and runs one.
MAY_IMPORT["commands"] = MAY_IMPORT["commands"] | {"jobs"}
MAY_IMPORT["views"] = MAY_IMPORT["views"] | {"jobs"}
#: Libraries the rules of the policy document never need (flask_babel for messages is fine).
POLICY_NEVER_LIBRARIES = {
    "flask",
    "flask_appbuilder",
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_wtf",
    "flask_limiter",
    "sqlalchemy",
    "werkzeug",
    "wtforms",
}
#: What only a screen does: services hand back data, the views build pages from it.
SERVICES_NEVER_FROM_FLASK = {"url_for", "flash", "render_template", "render_template_string", "redirect"}

# Edges tolerated for now (none). An exception must be named here with the reason; an entry
# that no longer occurs fails the test too, so the list can only shrink.
KNOWN: set[tuple[str, str]] = set()


# --------------------------------------------------------------------------------------
# The walk
# --------------------------------------------------------------------------------------
def app_modules(root: Path) -> dict[str, Path]:
    """``app.views.cases`` → its file, for every module under ``root/app``."""
    modules = {}
    for path in sorted((root / "app").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imported_names(module: str, path: Path) -> Iterator[tuple[str, str | None]]:
    """(absolute module, imported name or None) for every import statement of the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                yield base, alias.name


def import_graph(root: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module → the app modules it imports, module → the outside names it imports as
    ``library`` or ``library.name`` for ``from library import name``)."""
    modules = app_modules(root)

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    inside: dict[str, set[str]] = {m: set() for m in modules}
    outside: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for base, name in _imported_names(module, path):
            if base == "app" or base.startswith("app."):
                full = f"{base}.{name}" if name else base
                target = resolve(full) if full in modules or name is None else resolve(base)
                if target and target != module:
                    inside[module].add(target)
            else:
                outside[module].add(f"{base}.{name}" if name else base)
    return inside, outside


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def room(module: str) -> str:
    """``app.views.cases`` → ``views``; ``app.commands.export`` → ``commands``; ``app`` → ``app``."""
    parts = module.split(".")
    return "app" if len(parts) == 1 else parts[1]


def violations(inside: Mapping[str, set[str]], outside: Mapping[str, set[str]]) -> set[tuple[str, str]]:
    """Every (importer, imported) pair that breaks a rule of the table above."""
    found = set()
    for module, targets in inside.items():
        allowed = MAY_IMPORT.get(room(module))
        if allowed is None:
            continue
        for target in targets:
            if room(target) != room(module) and room(target) not in allowed:
                found.add((module, target))
    for module, names in outside.items():
        if room(module) == "policy":
            found |= {(module, n) for n in names if n.split(".")[0] in POLICY_NEVER_LIBRARIES}
        elif room(module) == "services":
            found |= {(module, n) for n in names if n in {f"flask.{f}" for f in SERVICES_NEVER_FROM_FLASK}}
    return found


def _explain(edges) -> str:
    return "\n".join(
        f"  {a} → {b}   ({room(a)} may import: {', '.join(sorted(MAY_IMPORT.get(room(a), ()))) or 'no app module'})"
        for a, b in sorted(edges)
    )


# --------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------
def test_no_import_circles_in_app():
    inside, _ = import_graph(ROOT)
    found = circles(inside)
    assert not found, (
        "Import circles in app/ (move the shared piece down into a module both may import):\n"
        + "\n".join(
            "  " + " ↔ ".join(c) + "\n" + "\n".join(f"      {m} → {sorted(t for t in inside[m] if t in c)}" for m in c)
            for c in found
        )
    )


def test_every_room_imports_only_what_style_allows():
    inside, outside = import_graph(ROOT)
    found = violations(inside, outside)
    new = found - KNOWN
    assert not new, "Imports against STYLE.md “Who may import whom” (README 架构):\n" + _explain(new)
    gone = KNOWN - found
    assert not gone, "These KNOWN edges are gone: remove them from KNOWN in this test:\n" + _explain(gone)


def test_the_walk_sees_circles_and_deferred_imports(tmp_path):
    """The checks cannot pass vacuously: a tiny tree with a deferred import that closes a
    circle and breaks two rules is caught."""
    files = {
        "app/__init__.py": "",
        "app/models/__init__.py": "from .agent import Agent\n",
        "app/models/agent.py": "class Agent:\n    def f(self):\n        from ..services.privacy import x\n",
        "app/services/__init__.py": "",
        "app/services/privacy.py": "from flask import url_for\nfrom ..models import Agent\nx = 1\n",
        "app/policy/__init__.py": "import sqlalchemy\nfrom flask_babel import lazy_gettext\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    inside, outside = import_graph(tmp_path)
    assert circles(inside) == [["app.models", "app.models.agent", "app.services.privacy"]]
    assert violations(inside, outside) == {
        ("app.models.agent", "app.services.privacy"),
        ("app.services.privacy", "flask.url_for"),
        ("app.policy", "sqlalchemy"),
    }
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
