"""The ``architecture`` directive: the package's layout, read from its source.

It walks ``win32session/`` with :mod:`ast` (nothing is imported), and lists
each package and module with the first line of its docstring, nested as the
folders are. The layout is the code's: move a module and the page follows.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

#: A reST role in a docstring's first line (":class:`Notifier`"), shown as
#: the literal it names.
_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?([^`]+)`")


def first_line(path: Path) -> str:
    """The summary line of a module's docstring (its first sentence, which
    may be wrapped over lines), or "" when it has none."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    doc = ast.get_docstring(tree)
    if not doc:
        return ""
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    in_literal = False
    for index, char in enumerate(paragraph):
        if char == "`":
            in_literal = not in_literal
        elif (char in ".?!" and not in_literal
              and (index + 1 == len(paragraph) or paragraph[index + 1] == " ")):
            return paragraph[: index + 1]
    return paragraph


def _line_nodes(text: str) -> list[nodes.Node]:
    """The line as text, with ``literals`` and role targets as code."""
    parts: list[nodes.Node] = []
    text = _ROLE.sub(lambda m: f"``{m.group(1)}``", text)
    for index, piece in enumerate(re.split(r"``?([^`]+)``?", text)):
        if piece:
            parts.append(nodes.literal(piece, piece) if index % 2 else nodes.Text(piece))
    return parts


def package_tree(folder: Path, name: str) -> nodes.bullet_list:
    """One bullet per module of ``folder`` (the package ``name``), its
    subpackages nested, each with its docstring's first line."""
    items = nodes.bullet_list()
    entries: list[tuple[str, Path]] = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() and (path / "__init__.py").is_file():
            entries.append((f"{name}.{path.name}", path))
        elif path.suffix == ".py" and path.name != "__init__.py":
            entries.append((f"{name}.{path.stem}", path))
    for dotted, path in entries:
        item = nodes.list_item()
        para = nodes.paragraph()
        source = path / "__init__.py" if path.is_dir() else path
        para += nodes.literal(dotted, dotted + ("/" if path.is_dir() else ""))
        line = first_line(source)
        if line:
            para += nodes.Text(": ")
            para.extend(_line_nodes(line))
        item += para
        if path.is_dir():
            item += package_tree(path, dotted)
        items += item
    return items


class Architecture(SphinxDirective):
    """``.. architecture:: PATH``: the package at PATH (relative to the docs
    folder's parent), as a nested list."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        root = Path(self.env.srcdir).parent
        folder = (root / self.arguments[0]).resolve()
        init = folder / "__init__.py"
        self.env.note_dependency(str(init))
        for path in folder.rglob("*.py"):
            self.env.note_dependency(str(path))
        head = nodes.paragraph()
        head += nodes.literal(folder.name, folder.name + "/")
        line = first_line(init)
        if line:
            head += nodes.Text(": ")
            head.extend(_line_nodes(line))
        return [head, package_tree(folder, folder.name)]


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_directive("architecture", Architecture)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
