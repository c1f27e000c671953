"""The layers of `server/`: no import runs back up, and only the socket's layer knows uvicorn.

Every module of the package is read with `ast` (nothing is imported or run); each
import of `thaw.*`, absolute or relative, type-only or inside a function, is
resolved to the module it names and so to that module's layer. A folder of
`server/` is a layer; the top-level modules (`app.py`, `cli.py`, `backends.py`,
`logs.py`, `metrics.py`, ...) are the wiring, which may import anything.
The README's layout section says the same in words.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import ROOT

SERVER = ROOT / "server"
PACKAGE = "thaw"
WIRING = "wiring"
"""The top-level modules: the app assembled, the command line, the store and bus chosen, logs, metrics."""

_BELOW_ROOMS = frozenset({"shared", "domain", "content", "bus", "store"})
MAY_IMPORT: dict[str, frozenset[str]] = {
    "shared": frozenset(),  # game-agnostic helpers every layer but the domain may use; it uses no other
    "domain": frozenset(),  # the pure rules: nothing else of the package either
    "content": frozenset({"shared", "domain"}),
    "bus": frozenset({"shared", "domain"}),
    "store": frozenset({"shared", "domain", "bus"}),  # a store publishes through the bus; the bus knows no store
    "rooms": _BELOW_ROOMS,
    "transport": _BELOW_ROOMS | {"rooms"},
    "web": _BELOW_ROOMS | {"rooms", "transport"},
    "tools": frozenset({"shared", "domain", "content"}),  # clients: the deck format and the rules, never the server
}
"""Which other layers each layer may import (its own modules it always may)."""

ONLY_IN = {
    "uvicorn": frozenset({"transport"}),
    # Tools speak the public protocol as clients; the bench's floor is a bare websockets server.
    "websockets": frozenset({"transport", "tools"}),
}
"""Libraries only some layers may import."""


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # the importing module, dotted
    line: int
    target: str  # what it imports, dotted (`thaw.content.loader`, `uvicorn.server`)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVER).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def imports(path: Path) -> Iterator[Import]:
    """Every import of one module, relative ones resolved against its package."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (Import(module, node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            if node.module is None:  # `from .. import x`: x may be a module, so it names the target
                yield from (Import(module, node.lineno, f"{base}.{alias.name}") for alias in node.names)
            else:
                yield Import(module, node.lineno, base)


def layer(dotted: str) -> str:
    """The layer of a module of the package: its folder under `server/`, or the wiring."""
    parts = dotted.split(".")
    if len(parts) > 1 and (SERVER / parts[1]).is_dir():
        return parts[1]
    return WIRING


def modules() -> list[Path]:
    return sorted(p for p in SERVER.rglob("*.py") if "__pycache__" not in p.parts)


def _where(found: Import) -> str:
    return f"{found.module} (line {found.line})"


def test_every_folder_of_the_package_is_a_layer() -> None:
    folders = {layer(module_name(p)) for p in modules()} - {WIRING}
    assert folders == set(MAY_IMPORT), f"place each folder in MAY_IMPORT: {sorted(folders ^ set(MAY_IMPORT))}"


def test_no_import_runs_back_up() -> None:
    wrong = []
    for path in modules():
        for found in imports(path):
            if found.target.split(".")[0] != PACKAGE:
                continue
            here, there = layer(found.module), layer(found.target)
            if here in (WIRING, there) or there in MAY_IMPORT[here]:
                continue
            allowed = ", ".join(sorted(MAY_IMPORT[here])) or "no other layer"
            wrong.append(f"{_where(found)} imports {found.target} ({there}); {here} may import {allowed}")
    assert not wrong, "imports that run back up:\n" + "\n".join(wrong)


def test_only_the_transport_knows_the_server_libraries() -> None:
    wrong = []
    for path in modules():
        for found in imports(path):
            library = found.target.split(".")[0]
            if library in ONLY_IN and layer(found.module) not in ONLY_IN[library]:
                wrong.append(f"{_where(found)} imports {found.target}; only {', '.join(sorted(ONLY_IN[library]))}"
                             " may import " + library)
    assert not wrong, "\n".join(wrong)


def test_the_reader_resolves_what_each_import_names() -> None:
    routes = {found.target for found in imports(SERVER / "web" / "routes.py")}
    assert {"thaw.shared.i18n", "thaw.transport.runtime", "starlette.routing"} <= routes  # `from ..shared import i18n`
    bench = {found.target for found in imports(SERVER / "tools" / "bench" / "__init__.py")}
    assert "thaw.tools.bench.loadgen" in bench  # `from .loadgen import ...` in a package's own __init__.py
    assert [layer(name) for name in ("thaw.web.routes", "thaw.app", "thaw")] == ["web", WIRING, WIRING]


def test_the_readme_layout_names_every_layer_and_the_rule() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Layout\n(.+?)^## ", readme, re.M | re.S)
    assert section, "README.md has no Layout section"
    for name in MAY_IMPORT:
        assert re.search(rf"^  {name}/ ", section.group(1), re.M), f"the README's layout does not show {name}/"
    assert "tests/packaging/test_layers.py" in section.group(1)
