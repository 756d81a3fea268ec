"""The layers contract, over the package's import graph: routes → services → (backends, store) →
wire → base. A module imports its own layer and those below (routes reach the store and the
backends only through services); backends and store know nothing of each other; no import of
the package hides inside a function (the way cycles get dodged)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Lowest first. "composition" wires the layers together (app factory, CLI, middleware, test helpers).
BASE = {"errors", "ids", "config", "limits", "datafiles", "hosts", "redaction", "logs", "__init__"}
RANK = {"base": 0, "wire": 1, "store": 2, "backends": 2, "services": 3, "routes": 4, "composition": 5}
COMPOSITION = {"main", "cli", "__main__", "middleware", "connections", "testing"}
# Function-local imports allowed, each for a reason that is not a cycle.
LAZY = {
    ("testing/pytest_plugin.py", "responses_mock.testing.server"): "a pytest plugin loads in every pytest run "
    "of a user's project: the server is imported only when its fixture is used",
}


def layer_of(parts: tuple[str, ...]) -> str:
    head = parts[0].removesuffix(".py")
    if head in COMPOSITION:
        return "composition"
    if head in BASE:
        return "base"
    return head


def imports(path: Path):
    tree = ast.parse(path.read_text())
    local = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "responses_mock":  # from the package: each name
            for alias in node.names:
                yield f"responses_mock.{alias.name}", id(node) in local, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, id(node) in local, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in local, node.lineno


def package_imports():
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(APP)
        for name, local, line in imports(path):
            if name.startswith("responses_mock."):
                yield rel, name.split(".")[1:], local, line


def test_every_folder_is_a_known_layer():
    for path in APP.rglob("*.py"):
        assert layer_of(path.relative_to(APP).parts) in RANK, path


def test_no_module_imports_a_layer_above_its_own():
    wrong = []
    for rel, target, _, line in package_imports():
        top = target[0]
        if len(target) == 1 and not (APP / top).is_dir():  # a module at the root, or a name of __init__
            top = top + ".py" if (APP / f"{top}.py").exists() else "__init__.py"
        mine, theirs = layer_of(rel.parts), layer_of((top,))
        skips = mine == "routes" and theirs in ("store", "backends")  # routes reach them through services
        if RANK[theirs] > RANK[mine] or skips or (mine != theirs and {mine, theirs} == {"store", "backends"}):
            wrong.append(f"{rel}:{line} ({mine}) imports responses_mock.{'.'.join(target)} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_no_function_local_import_of_the_package():
    hidden = [f"{rel}:{line} imports responses_mock.{'.'.join(target)}"
              for rel, target, local, line in package_imports()
              if local and (str(rel), "responses_mock." + ".".join(target)) not in LAZY]
    assert not hidden, "\n".join(hidden)
