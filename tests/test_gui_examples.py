"""The GUI examples, each a real program under its toolkit (Tk, Qt, wx), its
notifier attached to the toolkit's own message loop.

Windows's part is simulated as tests/support.py says: lock and unlock are
posted to the example's notifier window (found by its class name), as the
session manager would post them, and suspend and resume sent. Each example
prints the thread its callback ran on; closing its window (``WM_CLOSE``, as
the title bar's close button sends) must end it with exit code 0.

A toolkit is not in the embeddable CPython: scripts/provision-wine installs
each where it runs under Wine (requirements-gui-py312.txt: wxPython and
PyQt5; requirements-tk-py311.txt: Tk for 3.11), and CI's native Windows
legs name theirs in W32S_GUI_TOOLKITS. These tests are marked ``toolkit``,
not ``windows``: they skip only on a Python where their toolkit is not
provisioned, and fail where it is provisioned but does not import.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys
import time
from typing import Any

import pytest
from support import Child, find_notifier_window, own_session, post, send_power, under_wine

from win32session import PowerBroadcast, SessionNotificationMsg

if sys.platform == "win32":
    from win32session._win32 import user32
else:
    user32: Any = None  # the tests that use it skip there

M = SessionNotificationMsg
ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
WM_CLOSE = 0x0010

#: toolkit -> (modules, any of which provides it; the requirement that
#: provisions it under Wine; its example; the example's window title)
TOOLKITS = {
    "tk": (("tkinter",), "tkinter-embed", "gui_tk.py", "win32session: Tk presence"),
    "qt": (("PySide6", "PyQt5"), "PyQt5", "gui_qt.py", "win32session: Qt presence"),
    "wx": (("wx",), "wxPython", "gui_wx.py", "win32session: wx lock indicator"),
}

pytestmark = [
    pytest.mark.skipif(sys.platform != "win32", reason="runs a Windows GUI program"),
]


def provisioned(toolkit: str) -> bool:
    """Whether this Python is meant to have ``toolkit``: under Wine, named in
    scripts/requirements-{gui,tk}-pyXY.txt for this version (what
    scripts/provision-wine installs); on Windows, in W32S_GUI_TOOLKITS."""
    if not under_wine():
        return toolkit in os.environ.get("W32S_GUI_TOOLKITS", "").split(",")
    requirement = TOOLKITS[toolkit][1].lower()
    version = f"py{sys.version_info[0]}{sys.version_info[1]}"
    for kind in ("gui", "tk"):
        path = ROOT / "scripts" / f"requirements-{kind}-{version}.txt"
        if path.exists():
            lines = path.read_text(encoding="utf-8").lower().splitlines()
            if any(line.split("==")[0].strip() == requirement for line in lines):
                return True
    return False


def need(toolkit: str) -> None:
    """Skips unless ``toolkit`` imports here; fails if it is provisioned and
    does not, so that a provisioned leg can never pass by skipping."""
    modules = TOOLKITS[toolkit][0]
    if any(importlib.util.find_spec(module) is not None for module in modules):
        return
    if provisioned(toolkit):
        pytest.fail(f"{toolkit} is provisioned for this Python but none of "
                    f"{', '.join(modules)} imports")
    pytest.skip(f"{toolkit} is not provisioned for Python "
                f"{sys.version_info[0]}.{sys.version_info[1]} (toolkit)")


def top_level_window(title: str, timeout: float = 60.0) -> int:
    """The top-level window called ``title`` (FindWindowExW)."""
    assert sys.platform == "win32"
    deadline = time.monotonic() + timeout
    while True:
        hwnd = user32.FindWindowExW(None, None, None, title)
        if hwnd:
            return int(hwnd)
        assert time.monotonic() < deadline, f"no window {title!r} after {timeout} s"
        time.sleep(0.05)  # another process is starting: there is nothing to wait on


def start(toolkit: str) -> tuple[Child, int]:
    """The toolkit's example, running, and its notifier's window."""
    need(toolkit)
    child = Child(str(EXAMPLES / TOOLKITS[toolkit][2]))
    return child, find_notifier_window(child.process.pid, timeout=60)


def close(child: Child, toolkit: str) -> None:
    """Closes the example's window as its close button would, and checks
    that it ends cleanly: its notifier detached, exit code 0."""
    assert sys.platform == "win32"
    user32.PostMessageW(top_level_window(TOOLKITS[toolkit][3]), WM_CLOSE, 0, 0)
    child.expect("stopped", timeout=60)
    assert child.wait(60) == 0, child.output()
    assert "Traceback" not in "".join(child.stderr), child.output()


GUI_THREAD = "[thread MainThread]"


def change(child: Child, wanted: str, unwanted: str = "") -> str:
    """The next line that says ``wanted`` (and not ``unwanted``), from the
    lines each callback prints: every one of them must say it ran on the GUI
    thread. On Windows, the power settings' first values come right after
    registration, each a line of its own, in no fixed place among these."""
    while True:
        line = child.expect("[thread ", timeout=60)
        assert GUI_THREAD in line, line
        if wanted in line and not (unwanted and unwanted in line):
            return line


@pytest.mark.toolkit
def test_tk_example_shows_lock_and_unlock_on_tk_thread() -> None:
    child, hwnd = start("tk")
    session = own_session()
    post(hwnd, M.WTS_SESSION_LOCK, session)
    assert change(child, "locked:").startswith("locked: away (locked")
    post(hwnd, M.WTS_SESSION_UNLOCK, session)
    assert not change(child, ": ", unwanted="locked").startswith("locked")
    close(child, "tk")


@pytest.mark.toolkit
def test_qt_example_shows_in_use_and_away_on_qt_thread() -> None:
    child, hwnd = start("qt")
    binding = child.expect("watching this session with", timeout=60).split()[4].rstrip(";")
    assert binding in ("PySide6", "PyQt5")
    session = own_session()
    post(hwnd, M.WTS_SESSION_LOCK, session)
    assert change(child, "locked").startswith("away: away (locked")
    post(hwnd, M.WTS_SESSION_UNLOCK, session)
    change(child, ": ", unwanted="locked")
    # Sent, not posted: handled inside Qt's GetMessageW, on its thread too.
    assert send_power(hwnd, PowerBroadcast.PBT_APMSUSPEND.code) == 1
    assert change(child, "asleep").startswith("away: away (")
    send_power(hwnd, PowerBroadcast.PBT_APMRESUMEAUTOMATIC.code)
    change(child, ": ", unwanted="asleep")
    close(child, "qt")


@pytest.mark.toolkit
def test_wx_example_shows_lock_and_unlock_on_wx_thread() -> None:
    child, hwnd = start("wx")
    child.expect("watching this session", timeout=60)
    session = own_session()
    post(hwnd, M.WTS_SESSION_LOCK, session)
    assert f" locked (session {session})" in change(child, " locked (session")
    post(hwnd, M.WTS_SESSION_UNLOCK, session)
    assert f" unlocked (session {session})" in change(child, " unlocked (session")
    close(child, "wx")


def test_a_provisioned_toolkit_that_does_not_import_fails_rather_than_skips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fake: no toolkit imports. Where this Python is meant to have one, its
    test must fail; elsewhere skip. Under Wine, 3.11 has Tk and 3.12 wxPython
    and PyQt5, by scripts/requirements-{tk,gui}-pyXY.txt."""
    expected = {name for name in TOOLKITS if provisioned(name)}
    if under_wine():
        wanted = {(3, 11): {"tk"}, (3, 12): {"qt", "wx"}}.get(sys.version_info[:2], set())
        assert expected == wanted
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    outcomes: dict[str, str] = {}
    for name in TOOLKITS:
        # Caught here: a skip that escaped would skip this test, not fail it.
        try:
            need(name)
        except pytest.fail.Exception:
            outcomes[name] = "fail"
        except pytest.skip.Exception:
            outcomes[name] = "skip"
        else:
            outcomes[name] = "ran"
    assert outcomes == {name: "fail" if name in expected else "skip" for name in TOOLKITS}
