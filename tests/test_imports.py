"""What an import loads, in a fresh interpreter: the start-up costs that the
benchmarks measure (benchmarks/README.md) stay down only while nobody adds an
import to a path that never uses it. Each test runs one import in a new
process and checks the modules it added to ``sys.modules``; time is never
measured here (benchmarks/bench.py does that)."""

from __future__ import annotations

import subprocess
import sys

import pytest

_CHILD = """
import sys
before = set(sys.modules)
{statement}
print("\\n".join(sorted(set(sys.modules) - before)))
"""


def loaded_by(statement: str) -> set[str]:
    """The modules that ``statement`` adds to ``sys.modules`` in a fresh
    interpreter (this one: under Wine, the Windows CPython)."""
    result = subprocess.run(
        [sys.executable, "-c", _CHILD.format(statement=statement)],
        capture_output=True, text=True, timeout=120, check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


#: Modules the command line alone uses, and library parts the audit service
#: never runs. The service control manager starts ``win32session service
#: run`` for every boot; each of these would be paid for at each start.
_NOT_FOR_THE_SERVICE = {
    "asyncio", "win32session._cli.selftest", "win32session._cli.doctor",
    "win32session._cli.watch", "win32session._cli.commands",
    "win32session._notifier.streams", "win32session._trackers.session",
    "win32session._trackers.presence", "win32session._csharp",
    "win32session._queries.activity", "win32session._cli.scm",
    "win32session._cli.audit.image_path",
}

#: What each command's module may not load: the other commands' parts.
_COMMANDS = {
    "watch": {"win32session._cli.service", "win32session._cli.commands",
              "win32session._cli.doctor", "win32session._cli.selftest",
              "win32session._cli.audit.service", "win32session._cli.scm", "asyncio"},
    "commands": {"win32session._cli.service", "win32session._cli.watch",
                 "win32session._cli.doctor", "win32session._cli.audit.service",
                 "win32session._cli.scm", "win32session._notifier.notifier", "asyncio"},
    "service": {"win32session._cli.watch", "win32session._cli.commands",
                "win32session._cli.doctor", "win32session._cli.selftest",
                "win32session._cli.audit.service", "win32session._cli.scm",
                "win32session._notifier.notifier", "asyncio"},
}


def _real(names: set[str]) -> set[str]:
    """``names``, each checked to be a module that exists: a module renamed
    away must not make a test of what is never loaded pass unseen."""
    import importlib.util

    for name in names:
        if name.startswith("win32session."):
            assert importlib.util.find_spec(name) is not None, f"no module {name}"
    return names


def test_the_audit_service_module_loads_nothing_the_service_does_not_run() -> None:
    loaded = loaded_by("import win32session._cli.audit.service")
    assert "win32session._cli.audit.service" in loaded  # the check saw the import
    assert loaded & _real(_NOT_FOR_THE_SERVICE) == set()


@pytest.mark.parametrize("command", sorted(_COMMANDS))
def test_the_command_line_loads_one_command_at_a_time(command: str) -> None:
    # What ``main`` imports before it dispatches, then one command's module
    # (``service`` loads the audit service or the service manager only for
    # the action that needs it).
    module = f"win32session._cli.{command}"
    loaded = loaded_by(f"import win32session._cli.main, {module}")
    assert module in loaded
    assert loaded & _real(_COMMANDS[command]) == set()


@pytest.mark.parametrize("statement", [
    "from win32session import Notifier, NotifyType",
    "import win32session",
])
def test_importing_the_notifier_loads_what_only_a_start_or_a_log_needs_later(
    statement: str,
) -> None:
    # The package's lazy loading (PEP 562): the import figure of the
    # benchmarks is this import.
    loaded = loaded_by(statement)
    assert "win32session" in loaded
    assert loaded & _real({"logging", "typing", "ctypes", "asyncio", "dataclasses", "json",
                           "argparse", "win32session._events",
                           "win32session._notifier.pump"}) == set()


def test_the_service_control_managers_command_line_loads_no_parser() -> None:
    # ``service run --name NAME --output FILE`` is read without argparse:
    # every start of the audit service would pay for it and its help
    # formatter (shutil, and with it bz2 and lzma).
    loaded = loaded_by(
        "from win32session._cli.main import _service_run\n"
        "assert _service_run(['service', 'run', '--name', 'x', '--output', 'x.jsonl'])\n"
        "import win32session._cli.service, win32session._cli.audit.service")
    assert "win32session._cli.audit.service" in loaded
    assert loaded & _real({"argparse", "shutil", "win32session._cli.parser"}) == set()
