"""Cross-references that no page of ours defines, resolved offline.

Two kinds, and only these; anything else stays a warning (an error under
``-W -n``):

- a ``py:`` target that names an object of the standard library
  (``threading.Thread``, ``asyncio.AbstractEventLoop``, ``int``) becomes a
  link to its page on docs.python.org, but only when the name is in
  :data:`sys.stdlib_module_names` (or ``builtins``) and the object really
  imports from there: a typo still fails the build;
- a ``py:class`` target that is a type alias of ours (``Callback``,
  ``Event``), documented as data, resolves to that data;
- a ``py:`` target spelled with a private module of the package
  (``win32session._mod.Name``, as autodoc writes an annotation's type)
  resolves to the public name ``win32session.Name`` when ``Name`` is in
  ``win32session.__all__``, so the pages never show where a name lives.
"""

from __future__ import annotations

import builtins
import importlib
import sys
from typing import Any

from docutils import nodes
from docutils.nodes import Element
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.typing import ExtensionMetadata

import win32session

PYTHON_DOCS = "https://docs.python.org/3/"
PACKAGE = "win32session"


def stdlib_url(target: str) -> str | None:
    """docs.python.org's address of ``target``, or None when it is not a
    standard-library object that imports."""
    parts = target.split(".")
    if len(parts) == 1:
        value = getattr(builtins, target, None)
        if value is None and target != "None":
            return None
        if target in ("None", "True", "False", "Ellipsis", "NotImplemented"):
            return f"{PYTHON_DOCS}library/constants.html#{target}"
        if isinstance(value, type) and issubclass(value, BaseException):
            return f"{PYTHON_DOCS}library/exceptions.html#{target}"
        return f"{PYTHON_DOCS}library/functions.html#{target}"
    if parts[0] not in sys.stdlib_module_names:
        return None
    # The longest prefix that imports is the module; the rest must be its attributes.
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                obj = getattr(obj, name)
        except AttributeError:
            return None
        return f"{PYTHON_DOCS}library/{module_name}.html#{target}"
    return None


def public_name(target: str) -> str | None:
    """``win32session.Name`` for ``win32session._private.Name``, when Name is public."""
    parts = target.split(".")
    if len(parts) < 3 or parts[0] != PACKAGE or not parts[1].startswith("_"):
        return None
    for index in range(2, len(parts)):
        if parts[index] in win32session.__all__:
            return ".".join([PACKAGE, *parts[index:]])
    return None


def resolve(app: Sphinx, env: BuildEnvironment, node: pending_xref,
            contnode: Element) -> Element | None:
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    domain = env.get_domain("py")
    public = public_name(target)
    if public is not None:
        return domain.resolve_xref(env, node.get("refdoc", ""), app.builder,
                                   node.get("reftype", "obj"), public, node, contnode)
    if node.get("reftype") == "class":
        # A type alias (Callback, Event) is documented as data; an annotation
        # names it as a class.
        found = domain.resolve_xref(env, node.get("refdoc", ""), app.builder, "data",
                                    target, node, contnode)
        if found is not None:
            return found
    url = stdlib_url(target)
    if url is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url,
                                reftitle=f"{target} (Python documentation)")
    reference += contnode
    return reference


def setup(app: Sphinx) -> ExtensionMetadata:
    app.connect("missing-reference", resolve)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
