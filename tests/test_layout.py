"""The package's layout draws its layers, and the imports keep to them.

Read from the source with ``ast`` (nothing is imported), so it runs anywhere.
Each package or top-level module sits on one layer; a module imports only
from its own package or from lower layers, so the folders read bottom-up:
declarations and value types, questions answered at once, event sources, the
notifier, what is built on the notifier, and the command line, which nothing
in the library imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "win32session"

#: Bottom to top. A name is the first part below ``win32session``.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"_codes", "_platform", "_log", "_win32"}),
    frozenset({"_events"}),
    frozenset({"_queries"}),
    frozenset({"_sources"}),
    frozenset({"_notifier"}),
    frozenset({"_service", "_trackers", "_csharp"}),
    frozenset({"_cli"}),
)
#: The public face: ``__init__`` names everything (lazily), ``__main__``
#: starts the command line. Everything may take ``__version__`` from it.
FACES = frozenset({"__init__", "__main__"})


def rank(part: str) -> int:
    for level, names in enumerate(LAYERS):
        if part in names:
            return level
    raise AssertionError(f"win32session.{part} is on no layer: add it to LAYERS")


def modules() -> dict[str, Path]:
    """Each module's dotted name below the package, ``__init__`` for packages'."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path) -> list[tuple[str, int]]:
    """What ``name`` imports from inside the package (at any depth of the
    code: a lazy import counts), as dotted names below the package."""
    here = name.split(".")[:-1]  # the package the module is in
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[: len(here) - (node.level - 1)]
            target = [*base, *(node.module.split(".") if node.module else [])]
            if node.module:
                found.append((".".join(target), node.lineno))
            else:
                found += [(".".join([*target, alias.name]), node.lineno) for alias in node.names]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            absolute = ([a.name for a in node.names] if isinstance(node, ast.Import)
                        else [node.module or ""])
            for module in absolute:
                if module.startswith("win32session."):
                    found.append((module.removeprefix("win32session."), node.lineno))
    return found


def test_every_import_goes_down_or_stays_in_its_package() -> None:
    offences = []
    for name, path in modules().items():
        top = name.split(".")[0]
        if top in FACES:
            continue
        for target, line in imports(name, path):
            other = target.split(".")[0]
            if other in ("", "__version__", top):
                continue
            if rank(other) >= rank(top):
                offences.append(f"{name}:{line} imports {target}")
    assert offences == []


def test_the_service_host_never_loads_service_management() -> None:
    """As Go's svc and svc/mgr: the host runs inside the service's process,
    management (the command line's ``scm``) outside it."""
    for name, path in modules().items():
        if name.startswith("_service"):
            assert all(not t.startswith("_cli") for t, _ in imports(name, path)), name


@pytest.mark.parametrize("name", sorted(modules()))
def test_each_module_says_what_it_is(name: str) -> None:
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree)
    assert docstring, f"win32session.{name} has no docstring"
    if name.endswith("__init__") and name != "__init__":
        # A package's __init__ says what the package holds, and loads nothing:
        # importing one module of a layer must not load its neighbours.
        assert [n for n in tree.body if not isinstance(n, ast.Expr)] == [], name


def test_no_module_keeps_a_name_that_misleads() -> None:
    """"Console" here means the console session: Ctrl+C handling is
    ``ctrl_c``; the command line the service control manager runs is
    ``image_path``; the two trackers have matched names."""
    names = set(modules())
    assert not {n for n in names if n.rsplit(".", 1)[-1] in {
        "_console", "console", "_service_command", "_mirror", "_tracker"}}
    assert {"_trackers.session", "_trackers.presence"} <= names
