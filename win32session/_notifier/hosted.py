"""A notifier's window served by a message loop that is not ours: the GUI
toolkit's (Tk, Qt, wx) or any ``GetMessageW``/``DispatchMessageW`` loop.

A window belongs to the thread that creates it, and that thread's message loop
dispatches every message to it: posted ones when the loop takes them from the
queue, sent ones inside its ``GetMessageW``. So :meth:`Notifier.attach` opens
the same window, with the same sources, as a threaded notifier, on the calling
thread, and runs no loop: the toolkit's loop calls the window procedure, and
every callback runs on the GUI thread. Only that thread may tear it down:
``DestroyWindow`` fails for a window of another thread. If that thread ends
without doing so, Windows destroys the window with it, and any thread may undo
the rest (:meth:`HostedPump.reap`).
https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-destroywindow

Windows only: the notifier imports this module after checking the platform.
"""

from __future__ import annotations

import sys

if sys.platform != "win32":  # pragma: no cover - guarded by the importer
    raise ImportError("win32session._notifier.hosted needs Windows")

import ctypes
import math
import threading
import time
from collections.abc import Callable, Sequence

from .._win32 import kernel32, shared, user32
from .._log import logger
from . import pump as _pump

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from .._sources.base import EventSource

__all__ = ["HostedPump", "check_can_host"]

#: What to tell a caller on the wrong thread, for each toolkit.
ON_GUI_THREAD = (
    "from the GUI thread (Tk: root.after(0, notifier.detach); Qt: "
    "QTimer.singleShot(0, notifier.detach); wx: wx.CallAfter(notifier.detach))"
)


def check_can_host() -> None:
    """Refuses (RuntimeError) a thread whose message loop cannot host a
    window: one that runs asyncio's own event loop, which waits on I/O and
    never dispatches window messages, or a notifier's own pump thread, whose
    loop ends with that notifier."""
    # No asyncio imported: no loop of its runs (and none is loaded to ask).
    asyncio = sys.modules.get("asyncio")
    loop = asyncio._get_running_loop() if asyncio is not None else None
    if loop is not None and type(loop).__module__.startswith("asyncio."):
        raise RuntimeError(
            "attach() needs a thread that runs a window message loop, and asyncio's "
            f"{type(loop).__name__} dispatches none: use start() with "
            "notifier.events() here, or attach() on your GUI toolkit's thread")
    ident = threading.get_ident()
    for pump in list(_pump._pumps_by_hwnd.values()):
        if pump.thread_ident == ident and not pump.hosted:
            raise RuntimeError(
                "attach() was called on a notifier's own pump thread (from one of its "
                "callbacks?), whose loop ends when that notifier stops: call attach() "
                "on the thread that runs your GUI toolkit's loop, or use start()")


class HostedPump(_pump._Pump):
    """A ``_Pump`` that opens its window on the calling thread and leaves the
    pumping to that thread's own message loop.

    Posted ``WM_STOP`` and ``WM_FEED`` reach :meth:`handle` through
    ``DispatchMessageW`` (the threaded loop's shortcut is not there). A stop
    ends it on this thread, from the loop: a failure posts one, and
    :meth:`detach` tears down at once, or after the callback it was called
    from."""

    hosted = True

    def __init__(
        self,
        sources: Sequence[EventSource],
        finished: Callable[[_pump._Pump], None],
    ) -> None:
        super().__init__(sources, finished)
        #: How many of this window's messages the thread is handling now
        #: (more than one when a callback runs a nested loop, a dialog).
        self._depth = 0
        #: A stop came while a message was being handled: close after it.
        self._close_pending = False
        #: The attaching thread, as Windows numbers it (GetCurrentThreadId).
        self._native_thread_id: int | None = None
        #: An event that a stop sets, while the boot-time wait lasts (under
        #: ``_lock``): that wait is woken by nothing posted.
        self._wake: int | None = None

    def open(self) -> bool:
        self._native_thread_id = threading.get_native_id()
        return super().open()

    def handle(self, msg: int, wparam: int, lparam: int, posted: bool = False) -> int | None:
        if msg == _pump.WM_STOP:
            super().handle(msg, wparam, lparam, posted)
            if self._depth == 0:
                self.close()
            else:
                self._close_pending = True
            return 0
        self._depth += 1
        try:
            return super().handle(msg, wparam, lparam, posted)
        finally:
            self._depth -= 1
            if self._depth == 0 and self._close_pending:
                # The window may destroy itself from its own procedure.
                self.close()

    def took_posted(self, msg: int, wparam: int, lparam: int) -> bool:
        """Whether the message is a posted one. The toolkit's loop dispatches
        the posted ones, unseen by us (but in :meth:`detach`): for the
        messages only Windows's send brings, InSendMessageEx tells, with two
        blind spots. A message this thread sends reads as posted (ignored);
        one posted by another program and dispatched by a nested loop (a
        message box) while a sent message is handled reads as sent.
        https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-insendmessageex"""
        if super().took_posted(msg, wparam, lparam):
            return True
        return msg in _pump._SENT_BY_WINDOWS and not (
            user32.InSendMessageEx(None) & _pump._SENT_FLAGS)

    def fail(self, exc: BaseException) -> None:
        """Ends the notifier: nothing of ours unwinds the toolkit's loop, so a
        stop is posted and the loop brings it back here, after this message;
        the notifier logs ``exc`` then."""
        super().fail(exc)
        if self.running:
            self.request_stop()

    def request_stop(self, interrupted: bool = False) -> None:
        """Also ends the boot-time :meth:`wait`, which takes nothing posted
        from the queue (the stop stays there, for the toolkit's loop)."""
        super().request_stop(interrupted)
        with self._lock:
            if self._wake is not None:
                kernel32.SetEvent(self._wake)

    def wait(self, handle: int | None, seconds: float) -> bool:
        """While registering (Remote Desktop Services not up yet): waits for
        ``handle`` for up to ``seconds``, ended early by a stop, and meanwhile
        handles every message sent to this thread (a sender waits for its
        answer: Windows ends a process that leaves WM_QUERYENDSESSION
        unanswered, and the toolkit's own windows get sent messages too).
        Nothing posted is taken from the queue: the toolkit's loop must see
        its own messages, WM_QUIT among them.
        https://learn.microsoft.com/windows/win32/shutdown/shutdown-changes-for-windows-vista"""
        with self._lock:
            self._wake = kernel32.CreateEventW(None, True, False, None)
        try:
            return self._wait_sent_only(handle, seconds)
        finally:
            with self._lock:
                wake, self._wake = self._wake, None
            kernel32.CloseHandle(wake)

    def _wait_sent_only(self, handle: int | None, seconds: float) -> bool:
        # The stop's event last, so a set `handle` wins (index 0).
        handles = (shared.HANDLE * 2)(*((handle, self._wake) if handle else (self._wake,)))
        count = 2 if handle else 1
        forever = seconds * 1000 >= user32.INFINITE
        deadline = time.monotonic() + (0 if forever else seconds)
        msg = user32.MSG()
        while True:
            # Calls the window procedure for each message sent to this thread,
            # and only those (PM_QS_SENDMESSAGE); PM_NOREMOVE leaves the
            # posted ones where they are.
            # https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-peekmessagew
            user32.PeekMessageW(ctypes.byref(msg), None, 0, 0,
                                user32.PM_NOREMOVE | user32.PM_QS_SENDMESSAGE)
            if self._quit or self._stop_requested:
                # The posted WM_STOP, if any, waits in the queue for a window
                # that is gone by the time the toolkit's loop gets to it.
                self._quit = True
                return False
            if forever:
                millis = user32.INFINITE
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                millis = max(1, math.ceil(left * 1000))
            # QS_SENDMESSAGE wakes it for a sent message, nothing posted does.
            # https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-msgwaitformultipleobjects
            result = user32.MsgWaitForMultipleObjects(
                count, handles, False, millis, user32.QS_SENDMESSAGE)
            if handle and result == user32.WAIT_OBJECT_0:
                return True

    def detach(self) -> bool:
        """Ends the notifier on its thread: what is queued for the window is
        delivered first, then every registration is undone and the window
        destroyed; the loop's own messages, a WM_QUIT among them, stay queued.
        False when called from one of its callbacks: it ends when that
        callback returns."""
        if self._depth:
            self.request_stop()
            return False
        hwnd = self._made_hwnd
        if hwnd is not None and not self.done.is_set():
            msg = user32.MSG()
            pmsg = ctypes.byref(msg)
            # Only this window's messages (a WM_STOP among them ends it here);
            # the toolkit's stay queued for its loop.
            while not self.done.is_set() and user32.PeekMessageW(
                    pmsg, hwnd, 0, 0, user32.PM_REMOVE):
                if msg.message == user32.WM_QUIT:
                    # Handed out whatever the window filter, once the window's
                    # own are gone: the program ended its loop before
                    # detaching. Put it back (same exit code) for that loop.
                    # https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-peekmessagew
                    user32.PostQuitMessage(ctypes.c_int(msg.wParam).value)
                    break
                self._dispatch(msg)
        self._quit = True
        self.close()
        return True

    def reap(self) -> bool:
        """From any thread: whether the window went with its thread, which
        ended without :meth:`detach` (Windows destroys the windows of a thread
        as it ends), and if so, undoes the rest here: the registrations (a
        failure is logged), the window class, and the notifier's bookkeeping,
        which then may start again.
        https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-destroywindow

        False while the window exists: its thread alone may end it. Asked
        of the window's thread, not IsWindow: a handle is recycled, and may
        name another thread's window by now.
        https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-iswindow"""
        hwnd = self._made_hwnd
        if hwnd is None or user32.GetWindowThreadProcessId(hwnd, None) == self._native_thread_id:
            return False
        with self._lock:
            # Its own thread set this before destroying the window, if it did.
            if self._closing:
                return False
            self._closing = True
        logger().warning(
            "the thread that attach()ed the notifier window %#x ended without "
            "detach(); Windows destroyed the window with it", hwnd)
        for source in reversed(self._registered):
            try:
                source.unregister(hwnd)
            except Exception:  # a source logs its own; this is a bug
                logger().exception("unregistering %r failed", source)
        _pump._pumps_by_hwnd.pop(hwnd, None)
        # No window left to destroy: the class goes, and the run ends.
        self._teardown(None, [], self._class_registered, self._class_name, self._hinstance)
        return True
