"""The layout keeps its promises: imports only go down the layers, no cycles, short modules and functions,
a test file for every module. docs/architecture.md draws the layers; this reads the code with `ast`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"
# Lower layers never import higher ones; packages on one layer do not import each other.
LAYERS = {
    "core": 0,
    "scenario": 1,
    "engine": 2,
    "report": 3,
    "run": 4,
    "plan": 5,
    "drill": 5,
    "forecast": 5,
    "feeds": 3,
    "watch": 6,
    "cli": 7,
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    out = {}
    for path in SIM.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every `sim` module imported anywhere in the file (inside functions too), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, name) for line, name in found if name == "sim" or name.startswith("sim.")]


MODULES = _modules()


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else None


def _deps(module: str) -> set[str]:
    return {name for _, name in _imports(MODULES[module]) if name in MODULES and name != module}


def test_every_package_has_a_layer():
    packages = {p.name for p in SIM.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down(module):
    here = _package(module)
    if here is None:  # sim/__init__.py (the version) and sim/__main__.py
        return
    for line, name in _imports(MODULES[module]):
        there = _package(name)
        if there is None or there == here:
            continue
        where = f"{MODULES[module].relative_to(ROOT)}:{line} imports {name}"
        assert LAYERS[there] < LAYERS[here], f"{where}: {there} is not below {here}"


def test_no_import_cycles():
    deps = {m: _deps(m) for m in MODULES}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(deps[m]):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(d) :] + [d]) if d in path else d)
            if d not in state:
                visit(d, path + [d])
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m, [m])


def _long_by_design() -> set[str]:
    """`path` or `path::function` entries of docs/architecture.md's "Long by design" list."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Long by design", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `([^`]+)`: \S", section, flags=re.M))


def test_modules_and_functions_are_short():
    allowed = _long_by_design()
    long = []
    for path in sorted(SIM.rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES and rel not in allowed:
            long.append(f"{rel}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES and f"{rel}::{node.name}" not in allowed:
                    long.append(f"{rel}:{node.lineno} {node.name}: {n} lines")
    assert not long, "over the limits without a reason in docs/architecture.md:\n" + "\n".join(long)


def test_long_by_design_entries_exist():
    for entry in _long_by_design():
        path, _, func = entry.partition("::")
        assert (ROOT / path).exists(), entry
        if func:
            assert f"def {func}(" in (ROOT / path).read_text(encoding="utf-8"), entry


def test_every_module_has_its_test_file():
    missing = []
    for module, path in MODULES.items():
        if path.name in ("__init__.py", "__main__.py"):
            continue
        rel = path.relative_to(SIM).with_suffix("")
        test = ROOT / "tests" / rel.parent / f"test_{rel.name}.py"
        if not test.exists():
            missing.append(f"{module}: {test.relative_to(ROOT)}")
    assert not missing, "modules without a test file:\n" + "\n".join(missing)


def test_tests_share_helpers_only_through_conftest():
    """A test file never imports another test file or conftest (fixtures carry shared helpers)."""
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                bad = [n for n in names if n.split(".")[-1].startswith("test_") or n.split(".")[0] == "conftest"]
                assert not bad, f"{path.relative_to(ROOT)}:{node.lineno} imports {bad}"
