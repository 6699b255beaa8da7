"""Real console processes: Ctrl+C during run(), and the command line.

Each child is a real Windows CPython process in a console of its own; the test
finds its message-only window by class name, posts events to it as Windows
would, reads what it prints, and presses Ctrl+C in its console.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support import Child, find_notifier_window, post, spawn

from win32session import SessionNotificationMsg

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

M = SessionNotificationMsg

RUN_UNTIL_CTRL_C = textwrap.dedent(
    """
    import sys, time
    from win32session import Notifier, NotifyType, _winapi

    calls = []
    for name in ("WTSUnRegisterSessionNotification", "DestroyWindow", "UnregisterClassW"):
        def wrapper(*args, _real=getattr(_winapi, name), _name=name):
            calls.append(_name)
            return _real(*args)
        setattr(_winapi, name, wrapper)

    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS)
    windows = []

    @notifier.on()
    def show(event):
        windows.append(notifier.hwnd)
        print("event", int(event.reason), event.session_id, flush=True)

    try:
        notifier.run()
    except KeyboardInterrupt:
        gone = not _winapi.IsWindow(windows[0])
        print("KeyboardInterrupt", repr(time.time()), ",".join(calls),
              "window-gone" if gone else "window-alive", notifier.running, flush=True)
        sys.exit(0)
    print("run() returned without KeyboardInterrupt", flush=True)
    sys.exit(3)
    """
)


def test_ctrl_c_ends_run_after_clean_teardown_with_keyboardinterrupt(tmp_path: Path) -> None:
    script = tmp_path / "run_until_ctrl_c.py"
    script.write_text(RUN_UNTIL_CTRL_C, encoding="utf-8")
    child = Child(str(script))
    try:
        hwnd = find_notifier_window(child.process.pid)
        post(hwnd, M.WTS_SESSION_LOCK, 5)
        child.expect("event 7 5")
        child.ctrl_c()
        pressed = time.time()
        line = child.expect("KeyboardInterrupt").split()
    finally:
        code = child.wait()
    assert line[2:] == [
        "WTSUnRegisterSessionNotification,DestroyWindow,UnregisterClassW",
        "window-gone",
        "False",
    ], child.output()
    # The helper that pressed Ctrl+C has exited by `pressed`; the child must
    # have finished its teardown within a second of that at the latest.
    assert float(line[1]) - pressed < 1.0
    assert code == 0, child.output()
    assert "Traceback" not in "".join(child.stderr)


def test_command_line_prints_events_until_ctrl_c() -> None:
    child = Child("-m", "win32session", "--all-sessions")
    try:
        hwnd = find_notifier_window(child.process.pid)
        post(hwnd, M.WTS_SESSION_LOCK, 5)
        post(hwnd, M.WTS_REMOTE_CONNECT, 0xFFFFFFFF)
        post(hwnd, 0x42, 1)
        lock = child.expect("WTS_SESSION_LOCK")
        remote = child.expect("WTS_REMOTE_CONNECT")
        unknown = child.expect("unknown code 0x42")
        child.ctrl_c()
    finally:
        code = child.wait()
    assert lock.rstrip().endswith("session 5")
    assert remote.rstrip().endswith("session 4294967295")
    assert unknown.rstrip().endswith("session 1")
    assert code == 0, child.output()
    assert "Traceback" not in "".join(child.stderr)
    assert "watching NOTIFY_FOR_ALL_SESSIONS" in "".join(child.stderr)


def test_selftest_passes() -> None:
    selftest = spawn(
        [sys.executable, "-m", "win32session", "--selftest"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    stdout, stderr = selftest.communicate(timeout=120)
    assert selftest.returncode == 0, stdout + stderr
    lines = stdout.splitlines()
    assert len(lines) == len(SessionNotificationMsg) + 2
    assert all(line.startswith("ok") for line in lines[:-1])
    assert "(unknown code)" in lines[-2]
    assert lines[-1].startswith(f"selftest passed: {len(SessionNotificationMsg) + 1} of")
