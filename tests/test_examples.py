"""Each example, run as a real program in a console of its own (Windows, or
Windows CPython under Wine): its window is found by class name, events are
posted to it as Windows would send them, what it prints is checked, and a
Ctrl+C stops it."""

from __future__ import annotations

import os
import pathlib
import sys

import pytest
from support import Child, find_notifier_window, post, under_wine

from win32session import SessionNotificationMsg

pytestmark = pytest.mark.windows

M = SessionNotificationMsg
EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
USER = os.environ.get("USERNAME", "")
DOMAIN = os.environ.get("USERDOMAIN", "")


def start(name: str, *args: str) -> tuple[Child, int]:
    """Runs examples/``name`` and returns it with its notifier's window."""
    child = Child(str(EXAMPLES / name), *args)
    return child, find_notifier_window(child.process.pid)


def stop_with_ctrl_c(child: Child, last_line: str) -> None:
    child.ctrl_c()
    child.expect(last_line)
    assert child.wait() == 0, child.output()
    assert "Traceback" not in "".join(child.stderr), child.output()


@pytest.mark.skipif(sys.platform != "win32", reason="runs a Windows program")
def test_users_online() -> None:
    child, hwnd = start("users_online.py")
    first = int(child.expect("online; Ctrl+C to stop").split()[0])
    if under_wine():
        assert first == 0  # Wine lists no sessions
    # Wine names the same user for any session id it is asked about (on
    # Windows, the tracker would ignore a logon to a session that does not exist).
    post(hwnd, M.WTS_SESSION_LOGON, 9002)
    line = child.expect("logged on")
    assert f"{DOMAIN}\\{USER} (session 9002): {first + 1} user" in line
    post(hwnd, M.WTS_SESSION_LOGON, 9003)
    assert f"(session 9003): {first + 2} users online" in child.expect("logged on")
    post(hwnd, M.WTS_SESSION_LOGON, 9003)  # a duplicate: no line
    post(hwnd, M.WTS_SESSION_LOGOFF, 9002)
    line = child.expect("logged off")
    assert f"{DOMAIN}\\{USER} (session 9002): {first + 1} user" in line
    stop_with_ctrl_c(child, "stopped")
    assert sum("(session 9003)" in line for line in child.stdout) == 1  # counted once
