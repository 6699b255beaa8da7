"""Docs for the package's public constants, type aliases and enums.

A constant or alias has no docstring of its own: autodoc would show its
type's (``int``'s), and it reads ``#:`` comments only in the module named in
the directive, ``win32session``, while the comment sits where the name is
defined. This finds that comment in whichever module of the package defines
the name (the source is parsed, not imported), so the layout may change
freely; a name with no such comment shows only what its page says.

An enum member's meaning is its own ``__doc__`` (the package's enums give
each member one), which autodoc does not read for attributes; and an enum
class shows no signature (``Enum``'s functional-API call is not how these
are used).
"""

from __future__ import annotations

import enum
import inspect
from functools import cache
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.ext.autodoc import AttributeDocumenter
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docstrings import prepare_docstring
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


def own_doc(member: object) -> str | None:
    """An enum member's own ``__doc__``, or None when it only has its class's."""
    if isinstance(member, enum.Enum):
        doc = member.__doc__
        if doc and doc != type(member).__doc__:
            return doc
    return None


class EnumMemberDocumenter(AttributeDocumenter):
    """An enum member, with its own ``__doc__`` as its text (autodoc reads an
    attribute's docstring only from a ``#:`` comment)."""

    objtype = "enummember"
    directivetype = "attribute"
    priority = AttributeDocumenter.priority + 1

    @classmethod
    def can_document_member(cls, member: Any, membername: str, isattr: bool,
                            parent: Any) -> bool:
        return own_doc(member) is not None

    def get_doc(self) -> list[list[str]] | None:
        # self.object may be what the class's __dict__ holds (a descriptor on
        # newer Pythons); the member is what the class gives.
        doc = own_doc(getattr(self.parent, self.objpath[-1], None))
        if doc is None:
            return super().get_doc()
        return [prepare_docstring(inspect.cleandoc(doc))]


def process(app: Sphinx, what: str, name: str, obj: Any, options: Any,
            lines: list[str]) -> None:
    parts = name.split(".")
    if what not in ("data", "attribute") or len(parts) != 2 or parts[0] != PACKAGE:
        return
    lines[:] = list(attribute_docs().get(parts[1], []))


def no_enum_signature(app: Sphinx, what: str, name: str, obj: Any, options: Any,
                      signature: str | None,
                      return_annotation: str | None) -> tuple[str, str] | None:
    if what == "class" and isinstance(obj, type) and issubclass(obj, enum.Enum):
        return "", ""
    return None


def setup(app: Sphinx) -> ExtensionMetadata:
    app.setup_extension("sphinx.ext.autodoc")
    app.add_autodocumenter(EnumMemberDocumenter)
    app.connect("autodoc-process-docstring", process)
    app.connect("autodoc-process-signature", no_enum_signature)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
