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
    "argparse", "asyncio", "win32session.__main__", "win32session._selftest",
    "win32session._doctor", "win32session._streams", "win32session._tracker",
    "win32session._presence", "win32session._mirror", "win32session._activity",
    "win32session._service_manager", "win32session._service_command",
}


def test_the_audit_service_module_loads_nothing_the_service_does_not_run() -> None:
    loaded = loaded_by("import win32session._audit")
    assert "win32session._audit" in loaded  # the check saw the import
    assert loaded & _NOT_FOR_THE_SERVICE == set()


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
    assert loaded & {"logging", "typing", "ctypes", "asyncio", "dataclasses", "json",
                     "argparse", "win32session._events", "win32session._pump"} == set()
