"""The ``cli-reference`` directive: the command line's reference, walked
from its argparse parser, so that no option is ever retyped.

Each command (``win32session``, ``win32session watch``, ``win32session
service install``...) becomes a ``std:command`` object, in the inventory
(``objects.inv``) and the index, with its usage, its description and its
options as ``option`` entries.
"""

from __future__ import annotations

import argparse
import functools
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles
from sphinx.util.typing import ExtensionMetadata

#: The width usage lines are wrapped to, whatever the terminal building them.
WIDTH = 88


def cli_parser() -> argparse.ArgumentParser:
    """The command line's parser. The one place the docs import a private
    name: repoint it here when the command line moves."""
    from win32session._cli.parser import build_parser

    return build_parser()


def _escape(text: str) -> str:
    """Text as reST shows it verbatim: no emphasis, no roles, no references."""
    return re.sub(r"([\\`*_|<>\[\]])", r"\\\1", text)


def _help(action: argparse.Action, parser: argparse.ArgumentParser) -> str:
    """An action's help with argparse's %-placeholders filled in, as --help has it."""
    text = action.help or ""
    return text % dict(vars(action), prog=parser.prog) if "%" in text else text


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """(name, help, parser) of each subcommand, in the parser's order."""
    found: list[tuple[str, str, argparse.ArgumentParser]] = []
    # argparse has no public walk of its subparsers: the action and its
    # _choices_actions (which carry each subcommand's help) are the only way.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found.append((name, helps.get(name, ""), sub))
    return found


def command_lines(parser: argparse.ArgumentParser, level: int = 0) -> list[str]:
    """reST for one command and, after it, each of its subcommands."""
    parser.formatter_class = functools.partial(argparse.HelpFormatter, width=WIDTH)
    usage = parser.format_usage().removeprefix("usage: ").strip()
    lines = [f".. command:: {parser.prog}", ""]
    if parser.description:
        lines += [f"   {_escape(parser.description)}", ""]
    lines += ["   .. code-block:: text", ""]
    lines += [f"      usage: {line}" if i == 0 else f"      {line}"
              for i, line in enumerate(usage.splitlines())]
    lines += ["", f"   .. program:: {parser.prog}", ""]
    for action in parser._actions:
        if not action.option_strings:
            continue
        takes_value = action.nargs != 0
        metavar = action.metavar or action.dest.upper()
        spelled = ", ".join(f"{option} {metavar}" if takes_value else option
                            for option in action.option_strings)
        lines += [f"   .. option:: {spelled}", ""]
        text = _help(action, parser)
        if text:
            lines += [f"      {_escape(text)}", ""]
    subcommands = _subcommands(parser)
    if subcommands:
        lines += ["   Commands:", ""]
        for _name, text, sub in subcommands:
            lines += [f"   - :command:`{sub.prog}`: {_escape(text)}"]
        lines += [""]
    if parser.epilog:
        lines += [f"   {_escape(parser.epilog)}", ""]
    for _name, _text, sub in subcommands:
        lines += command_lines(sub, level + 1)
    return lines


class CliReference(SphinxDirective):
    """``.. cli-reference::``: every command of the parser, and its options.
    It writes reST, so use it from a reST context (MyST: ``{eval-rst}``)."""

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        content = StringList(command_lines(cli_parser()), source="cli_reference")
        nested_parse_with_titles(self.state, content, container)
        return list(container.children)


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_object_type("command", "command", indextemplate="pair: %s; command")
    app.add_directive("cli-reference", CliReference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
