"""The layer arrows, read from the source with `ast` (imports inside functions count too): who may import what,
and no import circle anywhere among the app's modules. Tests and benchmarks share helpers through harness/,
never by importing each other."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
#: layer → the project layers and third-party packages it may import (the standard library is always allowed)
ALLOWED = {
    "engine": {"engine", "numpy"},
    "viz": {"viz", "engine", "plotly", "numpy"},
    "ui": {"ui", "engine", "viz", "streamlit", "pandas", "numpy"},
    "pages": {"ui", "viz", "engine", "streamlit"},
    "app": {"ui", "streamlit"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


APP_FILES = [ROOT / "app.py", *[p for layer in ("engine", "viz", "ui", "pages") for p in (ROOT / layer).rglob("*.py")]]
MODULES = {_module_name(p) for p in APP_FILES}


def _imports(path: Path) -> set[str]:
    """Return the absolute names of every module path imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                module = f"{base}.{module}" if module else base
            # `from pkg import name` imports pkg.name when that is a module, else pkg itself
            found |= {f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names}
    return found


def _layer(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return "app" if rel == Path("app.py") else rel.parts[0]




@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_what_its_layer_may(path):
    layer = _layer(path)
    bad = sorted(name for name in _imports(path)
                 if name.split(".")[0] not in STDLIB and name.split(".")[0] not in ALLOWED[layer])
    assert not bad, f"{layer}/ may not import {bad}"


def _graph() -> dict[str, set[str]]:
    """Return module → the project modules it imports (a `from pkg import name` counts when name is a module)."""
    return {_module_name(p): {n for n in _imports(p) if n in MODULES and n != _module_name(p)} for p in APP_FILES}


def test_no_import_circles():
    graph = _graph()
    state: dict[str, str] = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = [*path[path.index(nxt):], nxt]
                pytest.fail("import circle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_circle_check_finds_a_circle(monkeypatch):
    """The check must be able to fail."""
    fake = {"ui.a": {"ui.b"}, "ui.b": {"ui.a"}}
    monkeypatch.setattr(sys.modules[__name__], "_graph", lambda: fake)
    with pytest.raises(pytest.fail.Exception, match="import circle"):
        test_no_import_circles()


def test_tests_and_benchmarks_do_not_import_each_other():
    for folder, forbidden in (("tests", "bench"), ("bench", "tests"), ("docs", "tests")):
        for path in (ROOT / folder).rglob("*.py"):
            bad = [n for n in _imports(path) if n.split(".")[0] == forbidden]
            assert not bad, f"{path.relative_to(ROOT)} imports {bad}: share it through harness/"
