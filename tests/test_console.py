"""Real console processes: Ctrl+C during run().

Each child is a real Windows CPython process in a console of its own; the test
finds its message-only window by class name, posts events to it as Windows
would, reads what it prints, and presses Ctrl+C in its console.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from support import Child, find_notifier_window, post

from win32session import SessionNotificationMsg

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

M = SessionNotificationMsg

RUN_UNTIL_CTRL_C = textwrap.dedent(
    """
    import sys
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
        print("KeyboardInterrupt", ",".join(calls),
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
        # Nothing else is sent: Ctrl+C alone must end run(), or this fails
        # after expect's timeout. How fast it ends is for the benchmarks.
        line = child.expect("KeyboardInterrupt").split()
    finally:
        code = child.wait()
    assert line[1:] == [
        "WTSUnRegisterSessionNotification,DestroyWindow,UnregisterClassW",
        "window-gone",
        "False",
    ], child.output()
    assert code == 0, child.output()
    assert "Traceback" not in "".join(child.stderr)


CTRL_C_AFTER_AN_ABANDONED_FOR = textwrap.dedent(
    """
    import sys, time
    from win32session import Notifier, NotifyType, _console, _winapi

    def first_event(notifier):
        events = notifier.iter_events()
        _winapi.PostMessageW(notifier.hwnd, 0x2B1, 7, 5)  # WTS_SESSION_LOCK, session 5
        for event in events:  # left half-way, as careless code does
            return event

    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS)
    notifier.start()
    event = first_event(notifier)
    kept = notifier.iter_events()  # held, never iterated
    notifier.stop()
    print("stopped", int(event.reason), len(_console._interrupt_handlers), flush=True)
    try:
        time.sleep(60)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
        sys.exit(0)
    print("no KeyboardInterrupt in 60 s", flush=True)
    sys.exit(3)
    """
)


def test_ctrl_c_raises_keyboardinterrupt_again_after_an_abandoned_for_and_stop(
    tmp_path: Path,
) -> None:
    script = tmp_path / "ctrl_c_after_an_abandoned_for.py"
    script.write_text(CTRL_C_AFTER_AN_ABANDONED_FOR, encoding="utf-8")
    child = Child(str(script))
    try:
        assert child.expect("stopped").split() == ["stopped", "7", "0"], child.output()
        child.ctrl_c()
        child.expect("KeyboardInterrupt")
    finally:
        code = child.wait()
    assert code == 0, child.output()
