"""The documentation site: it builds, and its reference misses nothing public.

The site (docs/) is built as scripts/check.py builds it (``sphinx-build -W
-n``: a warning or an unresolved cross-reference fails), into a temporary
folder, and its inventory (``objects.inv``, read with
``sphinx.util.inventory``) must hold every name of ``win32session.__all__``,
as ``win32session.<Name>``, and every command of the command line. The JSON
Lines page is compared with the records the code writes.

Sphinx is a dev tool (scripts/requirements-dev.txt), not a test dependency of
the Windows legs, so these tests run on the native Linux leg only and skip on
Windows: one test at a time, never the module at collection, and without the
``windows`` mark, so the skip gate (--require-windows, conftest.py) is right
not to count them: they check no Windows behaviour. On Linux, a missing Sphinx
fails them instead of skipping.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import inspect
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import win32session
from win32session import (
    EndSessionFlags,
    PowerBroadcast,
    PowerEvent,
    PowerSetting,
    SessionEnding,
    SessionEndingEvent,
    SessionEvent,
    SessionInfo,
    SessionNotificationMsg,
    UserActivityPresence,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

pytestmark = pytest.mark.skipif(
    sys.platform == "win32",
    reason="the documentation is built on the native Linux leg, where the dev tools are",
)


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """The built site's objects.inv: each object type, with its names."""
    from sphinx.util.inventory import InventoryFile

    out = tmp_path_factory.mktemp("html")
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-W", "-n", "-b", "html", DOCS, out],
        capture_output=True, text=True, check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    with (out / "objects.inv").open("rb") as stream:
        loaded = InventoryFile.load(stream, "", lambda base, uri: uri)
    return {kind: set(names) for kind, names in loaded.items()}


def _cli_parser() -> argparse.ArgumentParser:
    """The parser, from the one place the docs import it."""
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        from cli_reference import cli_parser
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    return cli_parser()


def _commands(parser: argparse.ArgumentParser) -> Iterator[str]:
    """Each command's full name: ``win32session``, ``win32session watch``..."""
    yield parser.prog
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _commands(sub)


def test_every_public_name_is_in_the_reference(inventory: dict[str, set[str]]) -> None:
    documented = set().union(*(names for kind, names in inventory.items()
                               if kind.startswith("py:")))
    missing = [name for name in win32session.__all__
               if f"win32session.{name}" not in documented]
    assert not missing, f"not in the API reference (docs/reference/): {missing}"


def test_every_command_is_in_the_reference(inventory: dict[str, set[str]]) -> None:
    commands = list(_commands(_cli_parser()))
    assert "win32session service install" in commands  # the walk reaches nested commands
    missing = [command for command in commands
               if command not in inventory.get("std:command", set())]
    assert not missing, f"not in the command-line reference: {missing}"


def test_every_example_is_included_from_its_file() -> None:
    included = {match.group(1)
                for page in DOCS.rglob("*.md") if "_build" not in page.parts
                for match in re.finditer(r"```\{literalinclude\} \.\./\.\./examples/(\w+\.py)",
                                         page.read_text(encoding="utf-8"))}
    examples = {path.name for path in (ROOT / "examples").glob("*.py")}
    assert examples, "no examples found"
    assert included == examples, f"examples not on any page: {sorted(examples - included)}"


# --- The JSON Lines page against what the code writes. ---


def _record_writers() -> tuple[Callable[[Any], dict[str, Any]], Callable[[Any], dict[str, Any]]]:
    """``watch --json``'s record and the audit service's: the one place this
    test imports private names (repoint it when they move)."""
    from win32session._cli.audit.service import audit_record
    from win32session._cli.records import event_record

    return event_record, audit_record


def _page_tables() -> dict[str, list[set[str]]]:
    """Each ``## `kind``` section of docs/reference/jsonl.md: the keys of each
    of its tables (the first column's literals)."""
    tables: dict[str, list[set[str]]] = {}
    section = None
    for line in (DOCS / "reference" / "jsonl.md").read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"## `(\w+)`", line)
        if heading:
            section = heading.group(1)
            tables[section] = []
        if section is None:
            continue
        if line.startswith("| key |"):  # a table's header
            tables[section].append(set())
        row = re.match(r"\| `(\w+)` \|", line)
        if row:
            tables[section][-1].add(row.group(1))
    return tables


def _service_line_keys(module_file: str) -> set[str]:
    """The keys of the audit service's own lines (``"event": "service"``),
    read from the source of the module that writes them."""
    keys: set[str] = set()
    tree = ast.parse(Path(module_file).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict):
            continue
        literal = {key.value: value for key, value in zip(node.keys, node.values, strict=True)
                   if isinstance(key, ast.Constant) and isinstance(key.value, str)}
        event = literal.get("event")
        if isinstance(event, ast.Constant) and event.value == "service":
            keys |= set(literal)
    return keys


def test_the_json_lines_page_matches_the_records() -> None:
    event_record, audit_record = _record_writers()
    now = datetime.datetime.now(datetime.timezone.utc)
    session = SessionEvent(SessionNotificationMsg.WTS_SESSION_LOGON, 2, now,
                           info=SessionInfo(2, user_name="ann", domain="PC", client_name="HOST"))
    power = PowerEvent(PowerBroadcast.PBT_POWERSETTINGCHANGE, now,
                       setting=PowerSetting.GUID_SESSION_USER_PRESENCE,
                       value=UserActivityPresence.PowerUserPresent, initial=True)
    ending = SessionEndingEvent(SessionEnding.WM_QUERYENDSESSION, now,
                                EndSessionFlags.ENDSESSION_LOGOFF)
    tables = _page_tables()
    assert set(tables) == {"session", "power", "ending", "service"}

    assert [set(event_record(session)), set(audit_record(session)) - set(event_record(session))] \
        == tables["session"], "docs/reference/jsonl.md: the session tables (watch, then audit)"
    assert [set(event_record(power))] == tables["power"]
    assert [set(audit_record(power))] == tables["power"]
    assert [set(event_record(ending))] == tables["ending"]
    source = inspect.getsourcefile(audit_record)
    assert source is not None
    service = _service_line_keys(source)
    assert {"event", "state", "pid", "exit_code"} <= service  # the walk found both lines
    assert [service] == tables["service"]
