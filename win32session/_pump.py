"""The message-only window and the message pump that serves it.

A ``_Pump`` is one run of a notifier. On a single thread it registers a window
class, creates a message-only window, registers that window for session
notifications, pumps messages until asked to stop, then tears everything down
in the order Microsoft requires. Stopping posts a private message to the window
rather than waking on a timer, so an idle pump costs no CPU and a stop is
immediate; every event queued before that message is still delivered.

Windows only: the notifier imports this module after checking the platform.
"""

from __future__ import annotations

import sys

if sys.platform != "win32":  # pragma: no cover - guarded by the importer
    raise ImportError("win32session._pump needs Windows")

import contextlib
import ctypes
import datetime
import functools
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Final

from . import _winapi as _api
from ._codes import WM_WTSSESSION_CHANGE, NotifyType, SessionNotificationMsg, decode_reason
from ._events import SessionEvent, SessionInfo
from ._log import logger
from . import _sessions


#: Private to our window class, so WM_APP range is free to use.
WM_STOP: Final = _api.WM_APP + 1
_REMOTE_CONTROL: Final = SessionNotificationMsg.WTS_SESSION_REMOTE_CONTROL
_TERMSRV_READY_EVENT: Final = "Global\\TermSrvReadyEvent"
#: How long to pause between registration attempts when TermSrvReadyEvent
#: cannot be waited on (it does not exist yet early in boot). Only ever used
#: while registration is failing with RPC_S_INVALID_BINDING.
_RETRY_PAUSE_SECONDS: Final = 1.0
WINDOW_TITLE: Final = "win32session"

_class_serial = itertools.count(1)


# --- The one window procedure. ------------------------------------------------

#: hwnd -> the pump that owns the window; read by the window procedure.
_pumps_by_hwnd: dict[int, _Pump] = {}


def _window_proc(hwnd: int | None, msg: int, wparam: int, lparam: int) -> int:
    pump = _pumps_by_hwnd.get(hwnd) if hwnd is not None else None
    if pump is not None:
        try:
            if pump.handle(msg, wparam, lparam):
                return 0
        except BaseException as exc:  # nothing may unwind into C
            pump.fail(exc)
            return 0
    return _api.DefWindowProcW(hwnd, msg, wparam, lparam)


# Windows keeps the address of this thunk in every window class we register and
# calls it for every message to every notifier's window. The module holds it for
# the life of the process: a WINFUNCTYPE object collected while Windows still
# has its address makes the next message jump into freed memory.
_WNDPROC_THUNK: Final = _api.WNDPROC(_window_proc)


# --- Ctrl+C for code blocked waiting on us (Notifier.run, iter_events). ------

#: What to call on Ctrl+C or Ctrl+Break, while anything is registered.
_interrupt_handlers: set[Callable[[], None]] = set()
_interrupt_lock = threading.Lock()


def _on_console_ctrl(ctrl_type: int) -> bool:
    # Called by Windows on a thread of its own. A thread blocked in GetMessageW
    # (or on a lock, which Ctrl+C cannot interrupt on Windows) never runs
    # Python's SIGINT handler, so each waiter is woken by its own handler and
    # raises KeyboardInterrupt itself.
    if ctrl_type not in (_api.CTRL_C_EVENT, _api.CTRL_BREAK_EVENT):
        return False
    with _interrupt_lock:
        handlers = list(_interrupt_handlers)
    for handler in handlers:
        handler()
    return bool(handlers)


# Kept for the life of the process for the same reason as _WNDPROC_THUNK.
_CTRL_HANDLER_THUNK: Final = _api.PHANDLER_ROUTINE(_on_console_ctrl)


def add_interrupt_handler(handler: Callable[[], None]) -> None:
    """Calls ``handler()`` on Ctrl+C or Ctrl+Break, instead of raising
    KeyboardInterrupt in the main thread, until removed.

    https://learn.microsoft.com/windows/console/setconsolectrlhandler
    """
    with _interrupt_lock:
        if not _interrupt_handlers:
            _api.SetConsoleCtrlHandler(_CTRL_HANDLER_THUNK, True)
        _interrupt_handlers.add(handler)


def remove_interrupt_handler(handler: Callable[[], None]) -> None:
    with _interrupt_lock:
        if handler not in _interrupt_handlers:
            return
        _interrupt_handlers.discard(handler)
        if not _interrupt_handlers:
            _api.SetConsoleCtrlHandler(_CTRL_HANDLER_THUNK, False)


@contextlib.contextmanager
def _console_interrupts(pump: _Pump) -> Iterator[None]:
    """Turns Ctrl+C and Ctrl+Break into a clean stop of ``pump`` meanwhile."""
    handler = functools.partial(pump.request_stop, interrupted=True)
    add_interrupt_handler(handler)
    try:
        yield
    finally:
        remove_interrupt_handler(handler)


# --- One run of a notifier. ---------------------------------------------------


class _Pump:
    """A window and its message loop, from creation to teardown, on one thread."""

    def __init__(
        self,
        scope: NotifyType,
        register_timeout: float,
        deliver: Callable[[SessionEvent], None],
        finished: Callable[[_Pump], None],
        details: bool = False,
    ) -> None:
        self._scope = scope
        self._register_timeout = register_timeout
        self._deliver = deliver
        self._finished = finished
        self._describe: Callable[[int], SessionInfo | None] | None = (
            _sessions.describe_for_event if details else None
        )
        self._own_session = _sessions.current_session_id()
        self._this_session_only = scope == NotifyType.NOTIFY_FOR_THIS_SESSION

        self.ready = threading.Event()
        """Set once the pump is registered and pumping, or has ended."""
        self.done = threading.Event()
        """Set once teardown has finished."""
        self.hwnd: int | None = None
        """The window, from registration until teardown begins."""
        self.running = False
        """True from registration until teardown has finished."""
        self.started = False
        """Whether the pump ever got as far as pumping."""
        self.error: BaseException | None = None
        """What ended the pump abnormally, if anything."""
        self.interrupted = False
        """Whether Ctrl+C or Ctrl+Break asked for the stop."""
        self.thread_ident: int | None = None
        self.thread: threading.Thread | None = None
        """The background thread of Notifier.start(), once it runs."""

        self._quit = False  # only the pump thread writes it
        self._lock = threading.Lock()  # guards the four below
        self._post_to: int | None = None
        self._stop_requested = False
        self._stop_posted = False
        self._stop_post_failed = False

    # -- Any thread. --

    def request_stop(self, interrupted: bool = False) -> None:
        """Asks the pump to end after the messages already queued."""
        with self._lock:
            self._stop_requested = True
            self.interrupted = self.interrupted or interrupted
            if self._post_to is not None and not self._stop_posted:
                self._post_stop_locked()

    def _post_stop_locked(self) -> None:
        # Posting (not sending) keeps the order: everything queued before the
        # stop is dispatched before it. The window cannot be destroyed while
        # we hold the lock, so the handle is still ours.
        try:
            _api.PostMessageW(self._post_to, WM_STOP, 0, 0)
        except OSError:
            # The queue is full (10,000 posted messages by default): the pump
            # is busy draining it and tries again after each message.
            self._stop_post_failed = True
        else:
            self._stop_posted = True
            self._stop_post_failed = False

    # -- The pump thread. --

    def serve(
        self,
        console_interrupts: bool = False,
        on_ready: Callable[[], object] | None = None,
    ) -> None:
        """Runs the window's whole life on this thread; raises what broke it.

        With ``console_interrupts``, Ctrl+C and Ctrl+Break stop it cleanly
        (``interrupted`` is then set). ``on_ready`` is called once registered,
        before the first message is taken from the queue.
        """
        if console_interrupts:
            with _console_interrupts(self):
                self.serve(on_ready=on_ready)
            return
        self.thread_ident = threading.get_ident()
        class_name = (
            f"win32session.Notifier.{_api.GetCurrentProcessId()}.{next(_class_serial)}"
        )
        hinstance = None
        class_registered = False
        hwnd: int | None = None
        registered = False
        try:
            hinstance = _api.GetModuleHandleW(None)
            window_class = _api.WNDCLASSEXW()
            window_class.cbSize = ctypes.sizeof(_api.WNDCLASSEXW)
            window_class.lpfnWndProc = _WNDPROC_THUNK
            window_class.hInstance = hinstance
            window_class.lpszClassName = class_name
            _api.RegisterClassExW(ctypes.byref(window_class))
            class_registered = True
            # A message-only window: no UI, no broadcasts, just a queue address.
            # https://learn.microsoft.com/windows/win32/winmsg/window-features#message-only-windows
            hwnd = _api.CreateWindowExW(
                0, class_name, WINDOW_TITLE, 0, 0, 0, 0, 0,
                _api.HWND_MESSAGE, None, hinstance, None,
            )
            _pumps_by_hwnd[hwnd] = self
            with self._lock:
                self._post_to = hwnd
                if self._stop_requested:
                    self._post_stop_locked()
            registered = self._register(hwnd)
            if registered and not self._quit:
                self.hwnd = hwnd
                self.running = self.started = True
                self.ready.set()
                if on_ready is not None:
                    on_ready()
                self._loop()
        except BaseException as exc:
            self.fail(exc)
        finally:
            self._teardown(hwnd, registered, class_registered, class_name, hinstance)
        if self.error is not None:
            raise self.error

    def fail(self, exc: BaseException) -> None:
        """Ends the pump at once because of ``exc`` (kept for the caller)."""
        if self.error is None:
            self.error = exc
        self._quit = True

    def handle(self, msg: int, wparam: int, lparam: int) -> bool:
        """The window procedure's work; False sends ``msg`` to DefWindowProcW."""
        if msg == WM_WTSSESSION_CHANGE:
            if not self._quit:
                self._on_session_change(wparam, lparam)
            return True
        if msg == WM_STOP:
            self._quit = True
            return True
        return False

    def _on_session_change(self, wparam: int, lparam: int) -> None:
        timestamp = datetime.datetime.now(datetime.timezone.utc)
        session_id = lparam & 0xFFFFFFFF  # a DWORD in a pointer-sized LPARAM
        if self._this_session_only and session_id != self._own_session:
            # Windows leaks other sessions' events on RDS and Citrix hosts.
            return
        reason = decode_reason(wparam)
        remote_control = None
        if reason == _REMOTE_CONTROL and session_id == self._own_session:
            # The metric describes only the calling process's session.
            remote_control = _api.GetSystemMetrics(_api.SM_REMOTECONTROL) != 0
        # Asked now: after a logoff, for one, the user's name is soon gone.
        info = self._describe(session_id) if self._describe is not None else None
        self._deliver(SessionEvent(reason, session_id, timestamp, remote_control, info))

    def _loop(self) -> None:
        msg = _api.MSG()
        pmsg = ctypes.byref(msg)
        own = self.hwnd
        while not self._quit:
            # Blocks without CPU until a message comes; -1 raises (errcheck).
            if not _api.GetMessageW(pmsg, None, 0, 0):
                break  # WM_QUIT: PostQuitMessage on this thread ends us too
            if msg.hWnd == own and msg.message in (WM_WTSSESSION_CHANGE, WM_STOP):
                # Our window's own posted messages are handled here: what
                # DispatchMessageW would have the window procedure do, without
                # the round trip through user32 and back into Python (a fifth
                # of the post-to-callback time under Wine). Messages sent to
                # the window still reach the window procedure, inside
                # GetMessageW; an exception here ends the pump as it would there.
                self.handle(msg.message, msg.wParam, msg.lParam)
            else:
                _api.DispatchMessageW(pmsg)
            if self._stop_post_failed:
                with self._lock:
                    if self._post_to is not None:
                        self._post_stop_locked()

    def _dispatch_pending(self) -> None:
        msg = _api.MSG()
        pmsg = ctypes.byref(msg)
        while not self._quit and _api.PeekMessageW(pmsg, None, 0, 0, _api.PM_REMOVE):
            if msg.message == _api.WM_QUIT:
                self._quit = True
                break
            _api.DispatchMessageW(pmsg)

    def _register(self, hwnd: int) -> bool:
        """Registers for notifications; False if a stop came first.

        Right after boot the call fails with RPC_S_INVALID_BINDING until Remote
        Desktop Services is up, which Global\\TermSrvReadyEvent announces.
        https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsregistersessionnotification
        """
        deadline = time.monotonic() + self._register_timeout
        event_seen_set = False
        while not self._quit:
            try:
                _api.WTSRegisterSessionNotification(hwnd, int(self._scope))
                return True
            except OSError as exc:
                if exc.winerror != _api.RPC_S_INVALID_BINDING:
                    raise
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ctypes.WinError(
                        _api.RPC_S_INVALID_BINDING,
                        "WTSRegisterSessionNotification kept failing with "
                        "RPC_S_INVALID_BINDING for "
                        f"{self._register_timeout:g} s: the Remote Desktop Services "
                        "(TermService) service is not ready; check that it is "
                        "running, or give a longer register_timeout",
                    ) from exc
                logger().info(
                    "Remote Desktop Services (TermService) not ready; retrying "
                    "registration for up to %.1f s", remaining,
                )
                event_seen_set = self._wait_for_termsrv(remaining, event_seen_set)
        return False

    def _wait_for_termsrv(self, remaining: float, event_seen_set: bool) -> bool:
        """Waits for TermSrvReadyEvent, or a pause, pumping any posted message
        (a stop among them). Returns whether the event was seen set."""
        handle = None
        if not event_seen_set:
            try:
                handle = _api.OpenEventW(_api.SYNCHRONIZE, False, _TERMSRV_READY_EVENT)
            except OSError as exc:
                logger().debug("cannot open %s yet: %s", _TERMSRV_READY_EVENT, exc)
        try:
            if handle:
                handles = (_api.HANDLE * 1)(handle)
                seconds = remaining
            else:
                handles = None
                seconds = min(remaining, _RETRY_PAUSE_SECONDS)
            millis = (
                _api.INFINITE if seconds * 1000 >= _api.INFINITE
                else max(1, int(seconds * 1000))
            )
            result = _api.MsgWaitForMultipleObjects(
                1 if handle else 0, handles, False, millis, _api.QS_POSTMESSAGE
            )
        finally:
            if handle:
                _api.CloseHandle(handle)
        self._dispatch_pending()
        return bool(handle) and result == _api.WAIT_OBJECT_0

    def _teardown(
        self,
        hwnd: int | None,
        registered: bool,
        class_registered: bool,
        class_name: str,
        hinstance: int | None,
    ) -> None:
        # Microsoft's order: unregister the notification while the window
        # exists, destroy the window, then unregister its class.
        with self._lock:
            self._post_to = None
        self.hwnd = None
        try:
            if registered:
                try:
                    _api.WTSUnRegisterSessionNotification(hwnd)
                except OSError as exc:
                    # Without an error code (as Wine answers) there is nothing
                    # to act on; with one, somebody may want to know.
                    log = logger().warning if exc.winerror else logger().debug
                    log("WTSUnRegisterSessionNotification: %s", exc)
            if hwnd is not None:
                _pumps_by_hwnd.pop(hwnd, None)
                try:
                    _api.DestroyWindow(hwnd)
                except OSError as exc:
                    logger().warning("DestroyWindow: %s", exc)
            if class_registered:
                try:
                    _api.UnregisterClassW(class_name, hinstance)
                except OSError as exc:
                    logger().warning("UnregisterClassW: %s", exc)
        finally:
            self.running = False
            self.ready.set()
            self._finished(self)
            self.done.set()
