"""Sphinx configuration for win32session's documentation site.

Built offline by ``scripts/check.py`` (``sphinx-build -W -n``: warnings are
errors, every cross-reference must resolve) and by ``tests/test_docs.py``.
No intersphinx: standard-library targets are resolved by ``_ext/stdlib_refs``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The package from this tree (not an installed copy), and the local extensions.
sys.path[:0] = [str(ROOT), str(HERE / "_ext")]

import win32session  # noqa: E402  (after the path is set)

project = "win32session"
author = "win32session contributors"
copyright = "win32session contributors"
version = release = win32session.__version__

extensions = [
    "sphinx.ext.autodoc",
    "myst_parser",
    "architecture",
    "cli_reference",
    "public_data",
    "stdlib_refs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
# Every cross-reference must resolve (-n); the default role is a literal, so a
# single backquote in a docstring is code, never a guess.
nitpicky = True
default_role = "literal"

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True}
# Class docstrings hold the constructor's story; __init__ adds nothing.
autoclass_content = "class"

html_theme = "furo"
html_title = f"win32session {release}"
html_static_path: list[str] = []
# Offline, reproducible pages: no "last updated" stamps, no search of sources.
html_last_updated_fmt = None
html_copy_source = False

# Names that exist only for the type checker: private TypeVars (``_C``,
# ``_H``...) and the private enum bases, which autodoc shows in signatures
# but no page documents; and ``Kind``, the alias of what ``subscribe`` takes
# (a TYPE_CHECKING-only union, spelled out in each method's docstring).
nitpick_ignore_regex = [
    ("py:(class|obj)", r"(win32session\.[\w.]+\.)?_[A-Za-z]\w*"),
    ("py:class", r"Kind"),
]
smartquotes = False  # commands and options keep their "--" and quotes
