"""Helpers for tests that drive the real Win32 API.

Windows's own part, the session change itself, is simulated: ``post`` puts a
WM_WTSSESSION_CHANGE in the notifier window's queue from the test's thread,
exactly as the session manager would. Everything from the window on (queue,
GetMessageW, DispatchMessageW, the window procedure, the callbacks) is real.

The messages Windows *sends* (WM_POWERBROADCAST, WM_QUERYENDSESSION,
WM_ENDSESSION) are the strict part: these helpers are the only way tests
deliver them (tests/test_power.py checks that no test calls SendMessageW or
PostMessageW with one itself), they are always sent from another thread,
never posted (``post_message`` refuses them), and each answer is checked
against what Microsoft's page for the message requires (``send_power`` and
``send_ending`` fail the test otherwise). A posted one, as some other program
might post it, comes only from ``post_as_another_program``, named for what it is.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, ClassVar

from win32session import WM_WTSSESSION_CHANGE
from win32session._queries.sessions import current_session_id

if sys.platform == "win32":
    import winreg

    from win32session._win32 import advapi32, kernel32, user32


_NEEDS_WIN32 = "this helper needs the Win32 API"


def declaring_module(name: str) -> Any:
    """The win32session._win32 module that declares the function ``name``:
    the code looks it up there at each call, so a test replaces it there.
    (A DLL module holds its own functions only; what it takes from
    ``shared`` is no function.)"""
    import importlib

    found = [module for module in (importlib.import_module(f"win32session._win32.{dll}")
                                   for dll in ("user32", "kernel32", "wtsapi32", "advapi32"))
             if name in vars(module)]
    assert len(found) == 1, f"{name} is declared in {len(found)} DLL modules"
    return found[0]


#: Messages Windows sends and never posts, with the page that says what the
#: window must answer: WM_POWERBROADCAST "Return TRUE"; WM_QUERYENDSESSION
#: TRUE lets the session end (FALSE would be a veto); WM_ENDSESSION "it should
#: return zero".
SENT_BY_WINDOWS: dict[int, tuple[str, int, str]] = {
    0x0218: ("WM_POWERBROADCAST", 1,
             "https://learn.microsoft.com/windows/win32/power/wm-powerbroadcast"),
    0x0011: ("WM_QUERYENDSESSION", 1,
             "https://learn.microsoft.com/windows/win32/shutdown/wm-queryendsession"),
    0x0016: ("WM_ENDSESSION", 0,
             "https://learn.microsoft.com/windows/win32/shutdown/wm-endsession"),
}


def post(hwnd: int | None, code: int, lparam: int) -> None:
    """Posts WM_WTSSESSION_CHANGE(code, lparam) to ``hwnd``, as Windows would."""
    post_message(hwnd, WM_WTSSESSION_CHANGE, code, lparam)


def post_message(hwnd: int | None, msg: int, wparam: int, lparam: int) -> None:
    """Posts ``msg`` to ``hwnd``; refuses a message that Windows only ever
    sends (posting it would test a path Windows never takes)."""
    assert hwnd is not None, "the notifier has no window"
    if msg in SENT_BY_WINDOWS:
        name, _, page = SENT_BY_WINDOWS[msg]
        raise AssertionError(f"Windows sends {name}, never posts it ({page}): use send_power "
                             "or send_ending, or post_as_another_program for a hostile post")
    if sys.platform == "win32":
        user32.PostMessageW(hwnd, msg, wparam, lparam)
        return
    raise OSError(_NEEDS_WIN32)


def post_as_another_program(hwnd: int | None, msg: int, wparam: int, lparam: int) -> None:
    """Posts ``msg``, even one that Windows only sends, as any other program
    on the desktop can: its lParam is whatever that program chose."""
    assert hwnd is not None, "the notifier has no window"
    if sys.platform == "win32":
        user32.PostMessageW(hwnd, msg, wparam, lparam)
        return
    raise OSError(_NEEDS_WIN32)


def _send(hwnd: int | None, msg: int, wparam: int, lparam: int,
          own_thread: bool = False) -> int:
    """Sends ``msg`` as Windows does, from this thread, and checks a
    notifier's answer against the message's page. (A window that is no
    notifier's, such as the doctor's bare STATIC window, answers what
    DefWindowProcW answers, and a notifier in another process is checked by
    its test.) Windows's sends come from another thread or process; with
    ``own_thread`` from the window's own, as Windows might from inside a
    registration call (see send_power_setting_on_its_thread)."""
    assert hwnd is not None, "the notifier has no window"
    if sys.platform == "win32":
        import win32session._notifier.pump as _pump  # whose thread owns the window

        pump = _pump._pumps_by_hwnd.get(hwnd)
        assert pump is None or (pump.thread_ident == threading.get_ident()) == own_thread, (
            "sent from the window's own thread" if not own_thread
            else "own_thread, but not on the window's thread")
        result: int = user32.SendMessageW(hwnd, msg, wparam, lparam)
        name, wanted, page = SENT_BY_WINDOWS[msg]
        assert pump is None or result == wanted, (
            f"{name} answered {result}, where {page} requires {wanted}")
        return result
    raise OSError(_NEEDS_WIN32)


def own_session() -> int:
    """This process's session id (ProcessIdToSessionId)."""
    return current_session_id()


def is_window(hwnd: int | None) -> bool:
    """Whether ``hwnd`` still names a window (IsWindow)."""
    if sys.platform == "win32":
        return hwnd is not None and bool(user32.IsWindow(hwnd))
    raise OSError(_NEEDS_WIN32)


def find_notifier_window(
    pid: int, serial: int = 1, timeout: float = 30.0, top_level: bool = False
) -> int:
    """The window of the ``serial``-th notifier run in process ``pid``, found
    by its class name with FindWindowExW: among message-only windows
    (HWND_MESSAGE), or with ``top_level`` (a notifier with ending=True) among
    top-level ones."""
    deadline = time.monotonic() + timeout
    class_name = f"win32session.Notifier.{pid}.{serial}"
    if sys.platform == "win32":
        parent = None if top_level else user32.HWND_MESSAGE
        while True:
            hwnd = user32.FindWindowExW(parent, None, class_name, None)
            if hwnd:
                return hwnd
            if time.monotonic() > deadline:
                raise AssertionError(f"no window of class {class_name} after {timeout} s")
            time.sleep(0.05)  # another process is starting: there is nothing to wait on
    raise OSError(_NEEDS_WIN32)


def under_wine() -> bool:
    """Whether this Windows is Wine (it keeps its settings under HKCU\\Software\\Wine)."""
    if sys.platform == "win32":
        try:
            winreg.CloseKey(winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Wine"))
        except OSError:
            return False
        return True
    return False


#: Wine's AttachConsole now and then says the child has no console
#: (ERROR_INVALID_HANDLE) while it runs in one: seen once, in the 3.12 leg
#: of one CI run, while the same test passed in the other legs. Pressing
#: Ctrl+C is not what the tests test, so it is tried again, and a child that
#: really has no console still fails.
_CTRL_C_SENDER = """
import sys, time
from win32session._win32 import kernel32
kernel32.FreeConsole()
for attempt in range(5):
    try:
        kernel32.AttachConsole(int(sys.argv[1]))
        break
    except OSError as exc:
        if exc.winerror != 6 or attempt == 4:
            raise
        print(f"AttachConsole: {exc.strerror}; trying again", flush=True)
        time.sleep(0.2)
kernel32.SetConsoleCtrlHandler(kernel32.PHANDLER_ROUTINE(), True)  # NULL: ignore it here
kernel32.GenerateConsoleCtrlEvent(kernel32.CTRL_C_EVENT, 0)
"""


#: Wine's CreateProcess now and then fails with ERROR_INTERNAL_ERROR (1359):
#: seen once in about 200 spawns here, never twice in a row. A spawn is not
#: what these tests test, so it is tried again.
_WINE_SPAWN_GLITCH = 1359


def spawn(args: list[str], **options: Any) -> subprocess.Popen[str]:
    """``subprocess.Popen(args, **options)``, tried again on Wine's glitch."""
    for attempt in range(3):
        try:
            return subprocess.Popen(args, **options)
        except OSError as exc:
            if getattr(exc, "winerror", None) != _WINE_SPAWN_GLITCH or attempt == 2:
                raise
            time.sleep(0.2)
    raise AssertionError("unreachable")


class Child:
    """A Python process in a console of its own (hidden), its output read line
    by line, so that a Ctrl+C can be pressed in that console alone."""

    process: subprocess.Popen[str]
    #: Every child not yet waited for; conftest kills those a test left behind.
    live: ClassVar[list[Child]] = []

    def __init__(self, *args: str) -> None:
        if sys.platform != "win32":
            raise OSError(_NEEDS_WIN32)
        if sys.platform == "win32":  # the form mypy narrows on, for other platforms
            startup = subprocess.STARTUPINFO()
            startup.dwFlags |= subprocess.STARTF_USESHOWWINDOW
            startup.wShowWindow = subprocess.SW_HIDE
            self.process = spawn(
                [sys.executable, *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                creationflags=subprocess.CREATE_NEW_CONSOLE,
                startupinfo=startup,
            )
        Child.live.append(self)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        streams = ((self.process.stdout, self.stdout), (self.process.stderr, self.stderr))
        for stream, sink in streams:
            threading.Thread(target=self._read, args=(stream, sink), daemon=True).start()

    def _read(self, stream: IO[str] | None, sink: list[str]) -> None:
        assert stream is not None
        for line in stream:
            sink.append(line)
            if sink is self.stdout:
                self._lines.put(line)
        if sink is self.stdout:
            self._lines.put(None)

    def expect(self, text: str, timeout: float = 30.0) -> str:
        """The next stdout line containing ``text``; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} in {timeout} s; {self.output()}") from None
            if line is None:
                raise AssertionError(f"the child ended before {text!r}; {self.output()}")
            if text in line:
                return line

    def ctrl_c(self) -> None:
        """Presses Ctrl+C in the child's console: a helper process attaches to
        it and generates the event for every process in it."""
        sender = spawn(
            [sys.executable, "-c", _CTRL_C_SENDER, str(self.process.pid)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )
        output, _ = sender.communicate(timeout=60)
        assert sender.returncode == 0, f"the Ctrl+C sender failed: {output}"

    def wait(self, timeout: float = 30.0) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        """Ends the child if it still runs: a failed test must not leave it
        holding the pipes that the test run's caller waits on."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
        if self in Child.live:
            Child.live.remove(self)

    def output(self) -> str:
        return f"stdout: {''.join(self.stdout)!r} stderr: {''.join(self.stderr)!r}"


class Collector:
    """A callback that records events and lets a test wait for a number of them."""

    def __init__(self) -> None:
        # Any: session, power and session-ending events alike.
        self.events: list[Any] = []
        self._changed = threading.Condition()

    def __call__(self, event: Any) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Any]:
        """The first ``count`` events; fails the test if they do not come."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.events) >= count, timeout)
            assert arrived, f"{len(self.events)} of {count} events arrived in {timeout} s"
            return list(self.events)


def call_in_thread(function: Callable[[], object]) -> threading.Thread:
    """Runs ``function`` on a new daemon thread and returns the thread."""
    thread = threading.Thread(target=function, daemon=True)
    thread.start()
    return thread


# --- Power and session ending: messages Windows sends (not posts). ---------


def send_power(hwnd: int | None, code: int) -> int:
    """Sends WM_POWERBROADCAST(code) to ``hwnd`` from this thread, as Windows
    would for suspend and resume; returns the window's answer (checked:
    TRUE)."""
    from win32session import WM_POWERBROADCAST

    return _send(hwnd, WM_POWERBROADCAST, code, 0)


#: SendMessageW's "every top-level window" (WinUser.h).
HWND_BROADCAST = 0xFFFF


def broadcast_power(code: int) -> None:
    """Sends WM_POWERBROADCAST(code) to every top-level window of the desktop
    (HWND_BROADCAST), as Windows broadcasts PBT_APMPOWERSTATUSCHANGE: a
    message-only window is never among them."""
    from win32session import WM_POWERBROADCAST

    _send(HWND_BROADCAST, WM_POWERBROADCAST, code, 0)


def send_power_setting(hwnd: int | None, guid: str, data: bytes) -> int:
    """Sends PBT_POWERSETTINGCHANGE with a real POWERBROADCAST_SETTING (the
    setting's GUID, DataLength, then ``data``), as Windows would: the buffer
    lives only until the send returns, so the notifier must copy it out."""
    assert hwnd is not None, "the notifier has no window"
    if sys.platform == "win32":
        import ctypes

        from win32session import WM_POWERBROADCAST, PowerBroadcast

        buffer = power_setting_buffer(guid, data)
        try:
            return _send(hwnd, WM_POWERBROADCAST, PowerBroadcast.PBT_POWERSETTINGCHANGE.code,
                         ctypes.addressof(buffer))
        finally:
            ctypes.memset(buffer, 0xEE, len(buffer))  # gone, as after Windows's call
    raise OSError(_NEEDS_WIN32)


def send_power_setting_on_its_thread(hwnd: int | None, guid: str, data: bytes) -> int:
    """As send_power_setting, from the window's own thread (a callback of a
    threaded notifier runs there): what Windows would do if it sent a
    setting's first value from inside RegisterPowerSettingNotification, on
    the thread that calls it (not documented either way). InSendMessageEx
    answers ISMEX_NOSEND then, as for a posted message.
    https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-insendmessageex"""
    if sys.platform == "win32":
        import ctypes

        from win32session import WM_POWERBROADCAST, PowerBroadcast

        buffer = power_setting_buffer(guid, data)
        try:
            return _send(hwnd, WM_POWERBROADCAST, PowerBroadcast.PBT_POWERSETTINGCHANGE.code,
                         ctypes.addressof(buffer), own_thread=True)
        finally:
            ctypes.memset(buffer, 0xEE, len(buffer))
    raise OSError(_NEEDS_WIN32)


def power_setting_buffer(guid: str, data: bytes) -> Any:
    """A real POWERBROADCAST_SETTING, as Windows lays it out for
    WM_POWERBROADCAST and SERVICE_CONTROL_POWEREVENT: the setting's GUID,
    DataLength, then ``data``."""
    if sys.platform == "win32":
        import ctypes

        from win32session._sources.power import guid_struct

        offset = user32.POWERBROADCAST_SETTING.Data.offset
        buffer = ctypes.create_string_buffer(offset + max(1, len(data)))
        head = user32.POWERBROADCAST_SETTING.from_buffer(buffer)
        head.PowerSetting = guid_struct(guid)  # copied into the buffer
        head.DataLength = len(data)
        ctypes.memmove(ctypes.addressof(buffer) + offset, data, len(data))
        return buffer
    raise OSError(_NEEDS_WIN32)


def readable(address: int, size: int) -> bool:
    """Whether every page of ``size`` bytes from ``address`` is committed and
    readable, as VirtualQuery says."""
    if sys.platform == "win32":
        import ctypes

        info = kernel32.MEMORY_BASIC_INFORMATION()
        end = address + size
        while address < end:
            try:
                kernel32.VirtualQuery(address, ctypes.byref(info), ctypes.sizeof(info))
            except OSError:
                return False  # beyond the application range
            if (info.State != kernel32.MEM_COMMIT
                    or info.Protect & (kernel32.PAGE_NOACCESS | kernel32.PAGE_GUARD)):
                return False
            address = int(info.BaseAddress) + int(info.RegionSize)
        return True
    raise OSError(_NEEDS_WIN32)


def strict_read_process_memory(monkeypatch: Any) -> None:
    """Windows's rules for ReadProcessMemory, for the test's duration: the
    handle needs PROCESS_VM_READ (our own GetCurrentProcess pseudo-handle has
    it), and the whole range must be readable, or it fails with
    ERROR_PARTIAL_COPY.
    https://learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-readprocessmemory
    Wine 8.0 copies its own process's memory through /proc/PID/mem, which
    reads reserved and even freed pages as zeros, and succeeds."""
    if sys.platform == "win32":
        import ctypes

        real_read = kernel32.ReadProcessMemory

        def strict_read(process: int, address: int, buffer: Any, size: int,
                        copied: Any) -> int:
            assert process == kernel32.GetCurrentProcess(), "a handle without PROCESS_VM_READ?"
            if not readable(address, size):
                raise ctypes.WinError(kernel32.ERROR_PARTIAL_COPY)
            return int(real_read(process, address, buffer, size, copied))

        monkeypatch.setattr(kernel32, "ReadProcessMemory", strict_read)
        return
    raise OSError(_NEEDS_WIN32)


def session_notification_buffer(session_id: int) -> Any:
    """A real WTSSESSION_NOTIFICATION, as SERVICE_CONTROL_SESSIONCHANGE
    points to."""
    if sys.platform == "win32":
        import ctypes

        size = ctypes.sizeof(advapi32.WTSSESSION_NOTIFICATION)
        buffer = ctypes.create_string_buffer(size)
        notification = advapi32.WTSSESSION_NOTIFICATION.from_buffer(buffer)
        notification.cbSize, notification.dwSessionId = size, session_id
        return buffer
    raise OSError(_NEEDS_WIN32)


def dword(value: int) -> bytes:
    """A setting's DWORD data."""
    return value.to_bytes(4, "little")


def send_ending(hwnd: int | None, msg: int, wparam: int, lparam: int) -> int:
    """Sends WM_QUERYENDSESSION or WM_ENDSESSION, as Windows does to every
    top-level window; returns the window's answer (checked: TRUE to
    WM_QUERYENDSESSION, never a veto; 0 to WM_ENDSESSION)."""
    assert msg in (0x0011, 0x0016), f"{msg:#x} is not a session-ending message"
    return _send(hwnd, msg, wparam, lparam)


def end_session() -> None:
    """Runs `wineboot --end-session`: Wine's real end of the session, which
    sends WM_QUERYENDSESSION and WM_ENDSESSION to every top-level window and
    then ends their processes (not this one, which has none)."""
    wineboot = subprocess.run(["wineboot", "--end-session"], capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert wineboot.returncode == 0, wineboot.stdout + wineboot.stderr


def remove_from_linux(folder: Path) -> None:
    """``rm -r`` the folder from Linux, as another program on the machine
    would: under Wine, CreateProcess runs a Unix program (it gives no process
    handle for it, so the folder's going is what is waited for)."""
    if sys.platform != "win32":
        raise OSError("runs Windows programs")
    import _winapi

    unix_path = subprocess.run(["winepath", "-u", str(folder)], capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=60, check=True).stdout.strip()
    command = subprocess.list2cmdline(["Z:\\bin\\rm", "-r", unix_path])
    # The handles Wine answers with for a Unix program are no real ones:
    # there is nothing to wait on or to close.
    _winapi.CreateProcess(None, command, None, None, False, 0, dict(os.environ), None, None)
    deadline = time.monotonic() + 30
    while folder.exists():
        assert time.monotonic() < deadline, f"rm -r {unix_path} did not remove it"
        time.sleep(0.05)  # another process removes it: there is nothing to wait on
