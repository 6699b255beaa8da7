"""Each example, run as a real program in a console of its own (Windows, or
Windows CPython under Wine): its window is found by class name, events are
posted to it as Windows would send them, what it prints is checked, and a
Ctrl+C stops it."""

from __future__ import annotations

import json
import os
import pathlib
import re
import sys

import pytest
from support import Child, find_notifier_window, post, under_wine

from win32session import SessionNotificationMsg, current_session_id

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


@pytest.mark.skipif(sys.platform != "win32", reason="runs a Windows program")
def test_print_events() -> None:
    child, hwnd = start("print_events.py")
    child.expect("listening (NOTIFY_FOR_THIS_SESSION); Ctrl+C to stop")
    session = current_session_id()
    for code in (M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK, 0x42):
        post(hwnd, code, session)
    post(hwnd, M.WTS_SESSION_LOCK, session + 1)  # not this session: not shown
    assert child.expect("WTS_SESSION_LOCK").rstrip().endswith(f"(session {session})")
    child.expect("WTS_SESSION_UNLOCK")
    child.expect("unknown code 0x42")
    stop_with_ctrl_c(child, "stopped")
    assert len(child.stdout) == 5  # listening, three events, stopped


@pytest.mark.skipif(sys.platform != "win32", reason="runs a Windows program")
def test_print_events_all_sessions() -> None:
    child, hwnd = start("print_events.py", "--all-sessions")
    child.expect("listening (NOTIFY_FOR_ALL_SESSIONS)")
    post(hwnd, M.WTS_REMOTE_CONNECT, 7)
    assert child.expect("WTS_REMOTE_CONNECT").rstrip().endswith("(session 7)")
    stop_with_ctrl_c(child, "stopped")


@pytest.mark.skipif(sys.platform != "win32", reason="runs a Windows program")
def test_audit_log(tmp_path: pathlib.Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text('{"earlier": "line"}\n', encoding="utf-8")
    child, hwnd = start("audit_log.py", str(log))
    child.expect(f"auditing every session into {log}")
    post(hwnd, M.WTS_SESSION_LOGON, 5)
    post(hwnd, M.WTS_REMOTE_DISCONNECT, 6)
    child.expect("WTS_SESSION_LOGON session 5")
    child.expect("WTS_REMOTE_DISCONNECT session 6")
    stop_with_ctrl_c(child, "stopped")  # Ctrl+C ends its blocking for loop
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"earlier": "line"}'  # appended, never truncated
    records = [json.loads(line) for line in lines[1:]]
    assert [(r["event"], r["session_id"]) for r in records] == [
        ("WTS_SESSION_LOGON", 5), ("WTS_REMOTE_DISCONNECT", 6)]
    assert all((r["user"], r["domain"]) == (USER, DOMAIN) for r in records)


@pytest.mark.skipif(sys.platform != "win32", reason="runs a Windows program")
def test_run_when_locked() -> None:
    child, hwnd = start("run_when_locked.py")
    child.expect("waiting for this session to lock")
    session = current_session_id()
    post(hwnd, M.WTS_SESSION_LOCK, session)
    child.expect("locked")
    child.expect("job running from chunk 0")
    child.expect("1000 chunks done")  # it really works while locked
    post(hwnd, M.WTS_SESSION_UNLOCK, session)
    child.expect("unlocked")
    paused_at = int(re.findall(r"after (\d+) chunks", child.expect("job paused"))[0])
    assert paused_at >= 1000
    post(hwnd, M.WTS_SESSION_LOCK, session + 1)  # another session's lock: ignored
    post(hwnd, M.WTS_SESSION_LOCK, session)
    resumed = child.expect("job running")
    assert resumed.strip() == f"job running from chunk {paused_at}"  # no work while paused
    assert "locked" in child.stdout[-2] and "unlocked" not in child.stdout[-2]
    stop_with_ctrl_c(child, "stopped after")


@pytest.mark.skipif(sys.platform != "win32", reason="runs a Windows program")
def test_async_events() -> None:
    child, hwnd = start("async_events.py")
    child.expect("watching every session; Ctrl+C to stop")
    post(hwnd, M.WTS_SESSION_LOCK, 3)
    post(hwnd, 0x42, 4)
    line = child.expect("WTS_SESSION_LOCK").rstrip()
    assert line == f"WTS_SESSION_LOCK session 3 {DOMAIN}\\{USER}"
    child.expect("unknown code 0x42 session 4")
    stop_with_ctrl_c(child, "stopped")
