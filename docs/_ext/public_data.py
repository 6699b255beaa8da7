"""Docs for the package's public constants and type aliases.

A constant or alias has no docstring of its own: autodoc would show its
type's (``int``'s), and it reads ``#:`` comments only in the module named in
the directive, ``win32session``, while the comment sits where the name is
defined. This finds that comment in whichever module of the package defines
the name (the source is parsed, not imported), so the layout may change
freely; a name with no such comment shows only what its page says.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.typing import ExtensionMetadata

import win32session

PACKAGE = "win32session"


@cache
def attribute_docs() -> dict[str, list[str]]:
    """Module-level ``#:`` comments of every module of the package, by name."""
    root = Path(win32session.__file__).resolve().parent
    docs: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        modname = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        analyzer = ModuleAnalyzer.for_file(str(path), modname)
        for (namespace, name), lines in analyzer.find_attr_docs().items():
            if namespace == "" and name in win32session.__all__:
                docs.setdefault(name, list(lines))
    return docs


def process(app: Sphinx, what: str, name: str, obj: Any, options: Any,
            lines: list[str]) -> None:
    parts = name.split(".")
    if what not in ("data", "attribute") or len(parts) != 2 or parts[0] != PACKAGE:
        return
    lines[:] = list(attribute_docs().get(parts[1], []))


def setup(app: Sphinx) -> ExtensionMetadata:
    app.connect("autodoc-process-docstring", process)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
