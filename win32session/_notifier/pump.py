"""The notifier's one window and the message pump that serves it.

A ``_Pump`` is one run of a notifier. On a single thread it registers a window
class, creates the window, registers each event source for it (session
changes, power, the session ending), routes each message to the source that
owns it, and pumps until asked to stop; then it undoes each registration in
reverse, destroys the window and unregisters the class, the order Microsoft
requires. Stopping posts a private message to the window rather than waking
on a timer, so an idle pump costs no CPU and a stop is immediate; every event
queued before that message is still delivered.

The window is message-only unless a source needs broadcasts that only
top-level windows get (the session ending): then it is a hidden top-level
window, never shown.

Windows only: the notifier imports this module after checking the platform.
"""

from __future__ import annotations

import sys

if sys.platform != "win32":  # pragma: no cover - guarded by the importer
    raise ImportError("win32session._notifier.pump needs Windows")

import collections
import contextlib
import ctypes
import functools
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from ctypes import wintypes

from .._win32 import kernel32, shared, user32
from .._codes import WM_ENDSESSION, WM_POWERBROADCAST, WM_QUERYENDSESSION
from .._log import logger
from . import ctrl_c as _console

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

    from .._sources.base import EventSource

__all__ = ["WM_FEED", "WM_STOP", "WINDOW_TITLE"]

#: Private to our window class, so WM_APP range is free to use.
WM_STOP: Final = user32.WM_APP + 1
#: One event handed in from outside the window (a service's control handler),
#: waiting in ``_Pump._fed``: posted so that it keeps its place among the
#: window's other messages.
WM_FEED: Final = user32.WM_APP + 2
WINDOW_TITLE: Final = "win32session"

_class_serial = itertools.count(1)


# --- The one window procedure. ------------------------------------------------

#: hwnd -> the pump that owns the window; read by the window procedure.
_pumps_by_hwnd: dict[int, _Pump] = {}


#: Messages that only Windows's send brings (never a post): their lParam is
#: a pointer valid during the send (a POWERBROADCAST_SETTING), or the sender
#: waits for the answer. A posted one comes from some other program.
#: https://learn.microsoft.com/windows/win32/power/wm-powerbroadcast
#: https://learn.microsoft.com/windows/win32/shutdown/wm-queryendsession
_SENT_BY_WINDOWS: Final = frozenset({WM_POWERBROADCAST, WM_QUERYENDSESSION, WM_ENDSESSION})
#: InSendMessageEx's answers for a message another thread sent (a hosted
#: pump's only clue: hosted.HostedPump.took_posted).
_SENT_FLAGS: Final = user32.ISMEX_SEND | user32.ISMEX_NOTIFY | user32.ISMEX_CALLBACK


def _window_proc(hwnd: int | None, msg: int, wparam: int, lparam: int) -> int:
    pump = _pumps_by_hwnd.get(hwnd) if hwnd is not None else None
    if pump is not None:
        try:
            result = pump.handle(msg, wparam, lparam,
                                 posted=pump.took_posted(msg, wparam, lparam))
        except BaseException as exc:  # nothing may unwind into C
            pump.fail(exc)
            # Windows still gets the answer its message needs: a callback's
            # SystemExit must not turn WM_QUERYENDSESSION into a veto.
            try:
                result = pump.answer(msg, wparam, lparam)
            except BaseException:  # a source's bug; still nothing into C
                logger().exception("answering message %#x failed", msg)
                result = 0
        if result is not None:
            return result
    return user32.DefWindowProcW(hwnd, msg, wparam, lparam)


# Windows keeps the address of this thunk in every window class we register and
# calls it for every message to every notifier's window. The module holds it for
# the life of the process: a WINFUNCTYPE object collected while Windows still
# has its address makes the next message jump into freed memory.
_WNDPROC_THUNK: Final = user32.WNDPROC(_window_proc)


@contextlib.contextmanager
def _console_interrupts(pump: _Pump) -> Iterator[None]:
    """Turns Ctrl+C and Ctrl+Break into a clean stop of ``pump`` meanwhile."""
    handler = functools.partial(pump.request_stop, interrupted=True)
    _console.add_interrupt_handler(handler)
    try:
        yield
    finally:
        _console.remove_interrupt_handler(handler)


# --- One run of a notifier. ---------------------------------------------------


class _Pump:
    """A window and its message loop, from creation to teardown, on one thread."""

    #: Whether another loop (a GUI toolkit's) pumps the window: hosted.HostedPump.
    hosted = False

    def __init__(
        self,
        sources: Sequence[EventSource],
        finished: Callable[[_Pump], None],
    ) -> None:
        self._sources = tuple(sources)
        self._routes: dict[int, EventSource] = {
            msg: source for source in self._sources for msg in source.messages
        }
        self._top_level = any(source.needs_top_level for source in self._sources)
        self._finished = finished

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
        self._lock = threading.Lock()  # guards the five below
        #: Events fed from outside, in order, each with its WM_FEED posted.
        self._fed: collections.deque[tuple[int, int, int | bytes | None]] = (
            collections.deque())
        self._post_to: int | None = None
        self._stop_requested = False
        self._stop_posted = False
        self._stop_post_failed = False
        # What open() made, for close() to undo; only the pump thread uses them.
        self._class_name = ""
        self._hinstance: int | None = None
        self._class_registered = False
        self._made_hwnd: int | None = None
        self._registered: list[EventSource] = []
        self._closing = False
        #: The posted message this thread is dispatching to the window, until
        #: the window procedure takes it (see :meth:`took_posted`).
        self._dispatching: tuple[int, int, int] | None = None

    @property
    def quitting(self) -> bool:
        """Whether the pump is on its way out (a stop, or a failure)."""
        return self._quit

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
            user32.PostMessageW(self._post_to, WM_STOP, 0, 0)
        except OSError:
            # The queue is full (10,000 posted messages by default): the pump
            # is busy draining it and tries again after each message.
            self._stop_post_failed = True
        else:
            self._stop_posted = True
            self._stop_post_failed = False

    def feed(self, msg: int, wparam: int, payload: int | bytes | None) -> bool:
        """Queues an event that reached the process without the window (a
        service's control handler got it) as the message ``msg`` it stands
        for, behind every message already queued. ``payload`` is the lParam,
        or the bytes of the structure it would point to (copied: the
        caller's pointer dies when its call returns). False once the pump is
        not running or a stop is on its way."""
        with self._lock:
            if not self.running or self._post_to is None or self._stop_requested:
                return False
            self._fed.append((msg, wparam, payload))
            try:
                # One post per event: ordered with the stop and with any
                # other message, and the queue's limit is felt here.
                user32.PostMessageW(self._post_to, WM_FEED, 0, 0)
            except OSError:
                self._fed.pop()
                raise
        return True

    def _handle_fed(self) -> None:
        with self._lock:
            if not self._fed:
                return
            msg, wparam, payload = self._fed.popleft()
        source = self._routes.get(msg)
        if source is None:
            logger().warning("fed message %#x has no source: dropped", msg)
            return
        if isinstance(payload, bytes):
            # The structure lives in this buffer for the call, as Windows's
            # would during a sent message.
            buffer = ctypes.create_string_buffer(payload, len(payload))
            source.handle(msg, wparam, ctypes.addressof(buffer), not self._quit)
        else:
            source.handle(msg, wparam, payload or 0, not self._quit)

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
        try:
            if self.open():
                if on_ready is not None:
                    on_ready()
                self._loop()
        except BaseException as exc:
            self.fail(exc)
        finally:
            self.close()
        if self.error is not None:
            raise self.error

    def open(self) -> bool:
        """Makes the window on this thread and registers every source for it;
        whether it got as far as running (False: a stop came first). What it
        made, even half-way through a failure, is left for :meth:`close`."""
        self.thread_ident = threading.get_ident()
        self._class_name = (
            f"win32session.Notifier.{kernel32.GetCurrentProcessId()}.{next(_class_serial)}"
        )
        self._hinstance = kernel32.GetModuleHandleW(None)
        window_class = user32.WNDCLASSEXW()
        window_class.cbSize = ctypes.sizeof(user32.WNDCLASSEXW)
        window_class.lpfnWndProc = _WNDPROC_THUNK
        window_class.hInstance = self._hinstance
        window_class.lpszClassName = self._class_name
        user32.RegisterClassExW(ctypes.byref(window_class))
        self._class_registered = True
        hwnd = self._made_hwnd = self._create_window(self._class_name, self._hinstance)
        _pumps_by_hwnd[hwnd] = self
        with self._lock:
            self._post_to = hwnd
            if self._stop_requested:
                self._post_stop_locked()
        for source in self._sources:
            if self._quit:
                return False
            self._registered.append(source)  # undone even if it fails half-way
            if not source.register(hwnd, self):
                return False
        if self._quit:
            return False
        self.hwnd = hwnd
        self.running = self.started = True
        self.ready.set()
        return True

    def close(self) -> None:
        """Undoes what :meth:`open` made, on the thread that made it; once."""
        if self._closing:
            return
        self._closing = True
        self._teardown(self._made_hwnd, self._registered, self._class_registered,
                       self._class_name, self._hinstance)

    def _create_window(self, class_name: str, hinstance: int) -> int:
        if self._top_level:
            # Hidden and never shown (no WS_VISIBLE): a top-level window gets
            # the broadcasts that message-only windows never do.
            # https://learn.microsoft.com/windows/win32/shutdown/wm-queryendsession
            try:
                hwnd: int = user32.CreateWindowExW(
                    user32.WS_EX_TOOLWINDOW, class_name, WINDOW_TITLE, user32.WS_OVERLAPPED,
                    0, 0, 0, 0, None, None, hinstance, None,
                )
            except OSError as exc:
                # Wine, for one, makes no top-level window without an X display,
                # and gives no error code then: an OSError made with a None
                # winerror would print as "[WinError None] ...".
                message = ("cannot create the hidden top-level window that the "
                           f"session-ending events need (ending=True): {exc.strerror or exc}")
                if exc.winerror is None:
                    raise OSError(message) from exc
                raise OSError(exc.errno, message, None, exc.winerror) from exc
            return hwnd
        # A message-only window: no UI, no broadcasts, just a queue address.
        # https://learn.microsoft.com/windows/win32/winmsg/window-features#message-only-windows
        hwnd = user32.CreateWindowExW(
            0, class_name, WINDOW_TITLE, 0, 0, 0, 0, 0,
            user32.HWND_MESSAGE, None, hinstance, None,
        )
        return hwnd

    def fail(self, exc: BaseException) -> None:
        """Ends the pump at once because of ``exc`` (kept for the caller).

        It may come inside a message another thread sent, which GetMessageW
        handles without returning: so the loop is woken with a posted stop,
        as ``request_stop`` would, and ends at the next message it takes."""
        if self.error is None:
            self.error = exc
        self._quit = True
        with self._lock:
            if self._post_to is not None and not self._stop_posted:
                self._post_stop_locked()

    def answer(self, msg: int, wparam: int, lparam: int) -> int | None:
        """What the window answers to ``msg`` without delivering anything
        (after a failure, or for a message that must not be read): the
        source's answer (TRUE for WM_POWERBROADCAST and WM_QUERYENDSESSION),
        or None for DefWindowProcW's."""
        source = self._routes.get(msg)
        if source is not None:
            return source.handle(msg, wparam, lparam, False)
        if msg in (WM_FEED, WM_STOP):
            return 0
        return None

    def took_posted(self, msg: int, wparam: int, lparam: int) -> bool:
        """Whether the window procedure's message is a posted one: one this
        pump took from the queue and is dispatching (:meth:`_dispatch`). The
        window procedure asks it first thing, so a message sent while that
        one is handled (a nested loop) is no longer taken for it.

        Not InSendMessageEx: it says ISMEX_NOSEND for a message the window's
        own thread sent, which a posted one's answer would then drop.
        https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-insendmessageex"""
        dispatching, self._dispatching = self._dispatching, None
        return dispatching == (msg, wparam, lparam)

    def _dispatch(self, msg: wintypes.MSG) -> None:
        """DispatchMessageW of a message taken from the queue, i.e. posted;
        the window procedure learns so from :meth:`took_posted`."""
        if msg.hWnd is not None and msg.hWnd == self._made_hwnd:
            self._dispatching = (msg.message, msg.wParam, msg.lParam)
        try:
            user32.DispatchMessageW(ctypes.byref(msg))
        finally:
            self._dispatching = None

    def handle(self, msg: int, wparam: int, lparam: int, posted: bool = False) -> int | None:
        """The window procedure's work: the answer to ``msg``, or None to
        leave it to DefWindowProcW. ``posted``: the message was posted, not
        sent; one that only Windows's send may bring is then ignored."""
        source = self._routes.get(msg)
        if source is not None:
            if posted and msg in _SENT_BY_WINDOWS:
                # Some other program posted it: its lParam is no structure of
                # Windows's (reading it could crash), and no answer is awaited.
                logger().debug("posted message %#x (wParam %#x, lParam %#x) ignored: "
                               "Windows sends it", msg, wparam, lparam)
                return self.answer(msg, wparam, lparam)
            return source.handle(msg, wparam, lparam, not self._quit)
        if msg == WM_FEED:
            self._handle_fed()
            return 0
        if msg == WM_STOP:
            self._quit = True
            return 0
        return None

    def _loop(self) -> None:
        msg = user32.MSG()
        pmsg = ctypes.byref(msg)
        own = self.hwnd
        ours = frozenset((*self._routes, WM_FEED, WM_STOP))
        while not self._quit:
            # Blocks without CPU until a message comes; -1 raises (errcheck).
            if not user32.GetMessageW(pmsg, None, 0, 0):
                break  # WM_QUIT: PostQuitMessage on this thread ends us too
            # Our window's own posted messages are handled here: what
            # DispatchMessageW would have the window procedure do, without
            # the round trip through user32 and back into Python (a fifth
            # of the post-to-callback time under Wine). Messages sent to
            # the window still reach the window procedure, inside
            # GetMessageW; an exception here ends the pump as it would there.
            if msg.hWnd == own and msg.message in ours:
                self.handle(msg.message, msg.wParam, msg.lParam, posted=True)
            else:
                self._dispatch(msg)
            if self._stop_post_failed:
                with self._lock:
                    if self._post_to is not None:
                        self._post_stop_locked()

    def wait(self, handle: int | None, seconds: float) -> bool:
        """Waits up to ``seconds`` for ``handle`` (or just the time, without
        one), handling any posted message meanwhile (a stop among them), and
        any message sent to the window: its sender (Windows, with
        WM_QUERYENDSESSION to a hidden top-level window) waits for the answer.
        Returns whether the handle was signalled.
        https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-msgwaitformultipleobjects"""
        handles = (shared.HANDLE * 1)(handle) if handle else None
        millis = (
            user32.INFINITE if seconds * 1000 >= user32.INFINITE
            else max(1, int(seconds * 1000))
        )
        result = user32.MsgWaitForMultipleObjects(
            1 if handle else 0, handles, False, millis,
            user32.QS_POSTMESSAGE | user32.QS_SENDMESSAGE,
        )
        self._dispatch_pending()
        return bool(handle) and result == user32.WAIT_OBJECT_0

    def _dispatch_pending(self) -> None:
        msg = user32.MSG()
        pmsg = ctypes.byref(msg)
        while not self._quit and user32.PeekMessageW(pmsg, None, 0, 0, user32.PM_REMOVE):
            if msg.message == user32.WM_QUIT:
                self._quit = True
                break
            self._dispatch(msg)

    def _teardown(
        self,
        hwnd: int | None,
        registered: list[EventSource],
        class_registered: bool,
        class_name: str,
        hinstance: int | None,
    ) -> None:
        # Microsoft's order: undo each registration while the window exists
        # (the last made first), destroy the window, then unregister its class.
        with self._lock:
            self._post_to = None
        self.hwnd = None
        try:
            if hwnd is not None:
                for source in reversed(registered):
                    try:
                        source.unregister(hwnd)
                    except Exception:  # a source logs its own; this is a bug
                        logger().exception("unregistering %r failed", source)
                _pumps_by_hwnd.pop(hwnd, None)
                try:
                    user32.DestroyWindow(hwnd)
                except OSError as exc:
                    logger().warning("DestroyWindow: %s", exc)
            if class_registered:
                try:
                    user32.UnregisterClassW(class_name, hinstance)
                except OSError as exc:
                    logger().warning("UnregisterClassW: %s", exc)
        finally:
            self.running = False
            self.ready.set()
            self._finished(self)
            self.done.set()
