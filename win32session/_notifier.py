"""The public notifier: a message-only window, its pump, and user callbacks."""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable, Container

from ._codes import NotifyType, SessionNotificationMsg
from ._log import logger

TYPE_CHECKING = False  # typing, like logging and ctypes, loads only when needed
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Protocol, TypeVar

    from ._events import SessionEvent
    from ._streams import EventIterator, EventStream

    _C = TypeVar("_C", bound="Callback")
    _E = TypeVar("_E", NotifyType, SessionNotificationMsg)

    class _Pump(Protocol):
        """What the notifier uses of ``_pump._Pump`` (Windows-only, so mypy
        for other platforms cannot see it)."""

        ready: threading.Event
        done: threading.Event
        hwnd: int | None
        running: bool
        started: bool
        error: BaseException | None
        interrupted: bool
        thread_ident: int | None
        thread: threading.Thread | None

        def serve(
            self,
            console_interrupts: bool = False,
            on_ready: Callable[[], object] | None = None,
        ) -> None: ...
        def request_stop(self, interrupted: bool = False) -> None: ...

__all__ = ["Notifier", "Callback", "ErrorHandler"]

Callback = Callable[["SessionEvent"], object]
ErrorHandler = Callable[[Exception, "SessionEvent"], object]


def require_windows() -> None:
    """Raises the error every Windows-only entry point gives elsewhere."""
    if sys.platform != "win32":
        raise OSError(
            "win32session needs Windows: session notifications come from the "
            f"Win32 API (this is sys.platform {sys.platform!r})"
        )


def _check_code(value: object, kind: type[_E]) -> _E:
    """``value`` as a member of ``kind``; TypeError or ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{kind.__name__} expected, got {type(value).__name__} {value!r}")
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(f"{m.name} ({m.value:#x})" for m in kind)
        raise ValueError(f"{value!r} is not a {kind.__name__}; known: {known}") from None


def _check_seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    if math.isnan(value) or value < 0:
        raise ValueError(f"{name} must be 0 or more seconds, got {value!r}")
    return float(value)


class _Subscription:
    __slots__ = ("callback", "reasons")

    def __init__(self, callback: Callback, reasons: frozenset[int] | None) -> None:
        self.callback = callback
        self.reasons = reasons  # None: every event


class Notifier:
    """Tells callbacks when Windows sessions change.

    Owns a message-only window registered with ``WTSRegisterSessionNotification``
    and the message pump that serves it. Callbacks run on the pump thread, one
    at a time, in the order the messages arrived; each gets a
    :class:`SessionEvent`.

    A callback's exception never stops the pump or the other callbacks: it goes
    to ``on_error(exc, event)`` when given, else to the ``win32session`` logger.

    With ``details=True`` each event's ``info`` describes its session as
    Windows saw it on arrival (see :func:`session_info`); a session Windows
    cannot describe leaves it None (logged at debug level).
    """

    def __init__(
        self,
        scope: NotifyType | int = NotifyType.NOTIFY_FOR_THIS_SESSION,
        *,
        details: bool = False,
        on_error: ErrorHandler | None = None,
        register_timeout: float = 60.0,
    ) -> None:
        self._scope = _check_code(scope, NotifyType)
        if not isinstance(details, bool):
            raise TypeError(f"details must be True or False, got {details!r}")
        self._details = details
        if on_error is not None and not callable(on_error):
            raise TypeError(f"on_error must be callable, got {on_error!r}")
        self._on_error = on_error
        self._register_timeout = _check_seconds(register_timeout, "register_timeout")
        self._lock = threading.Lock()
        # Replaced, never mutated, so the pump reads it without the lock.
        self._subscriptions: tuple[_Subscription, ...] = ()
        # Each open stream's callback -> what ends it when the pump does.
        self._stream_ends: dict[Callback, Callable[[], None]] = {}
        self._pump: _Pump | None = None

    @property
    def scope(self) -> NotifyType:
        """Which sessions this notifier hears about."""
        return self._scope

    @property
    def details(self) -> bool:
        """Whether events carry ``info`` about their session."""
        return self._details

    @property
    def hwnd(self) -> int | None:
        """The window handle while running, else None."""
        pump = self._pump
        return pump.hwnd if pump is not None else None

    @property
    def running(self) -> bool:
        """True from registration until teardown has finished."""
        pump = self._pump
        return pump is not None and pump.running

    def __repr__(self) -> str:
        state = f"hwnd={self.hwnd:#x}" if self.hwnd else "stopped"
        return f"<Notifier {self._scope.name} {state}>"

    # --- Subscriptions: safe from any thread, at any time. ---

    def subscribe(self, callback: _C, *reasons: SessionNotificationMsg | int) -> _C:
        """Calls ``callback(event)`` for events with one of ``reasons`` (none:
        every event, unknown codes included). Returns ``callback``."""
        if not callable(callback):
            raise TypeError(f"callback must be callable, got {callback!r}")
        wanted = self._wanted(reasons)
        with self._lock:
            self._subscriptions += (_Subscription(callback, wanted),)
        return callback

    @staticmethod
    def _wanted(reasons: tuple[SessionNotificationMsg | int, ...]) -> frozenset[int] | None:
        if not reasons:
            return None
        return frozenset(_check_code(r, SessionNotificationMsg) for r in reasons)

    def on(self, *reasons: SessionNotificationMsg | int) -> Callable[[_C], _C]:
        """``subscribe`` as a decorator: ``@notifier.on(WTS_SESSION_LOCK)``."""
        for reason in reasons:  # fail at the decorator line, not at its use
            _check_code(reason, SessionNotificationMsg)

        def decorate(callback: _C) -> _C:
            return self.subscribe(callback, *reasons)

        return decorate

    def unsubscribe(self, callback: Callback) -> bool:
        """Removes every subscription of ``callback``; whether there was one."""
        with self._lock:
            return self._drop_locked((callback,))

    def _drop_locked(self, callbacks: Container[Callback]) -> bool:
        """Removes the subscriptions of ``callbacks`` (the lock is held);
        whether there were any."""
        kept = tuple(s for s in self._subscriptions if s.callback not in callbacks)
        found = len(kept) != len(self._subscriptions)
        self._subscriptions = kept
        return found

    # --- Iterators: asyncio and blocking. ---

    def events(self, *reasons: SessionNotificationMsg | int) -> EventStream:
        """This run's events (those with one of ``reasons``; none: all) for
        ``async for``, in a coroutine on the loop that will read them.

        The pump hands each event to the loop with ``call_soon_threadsafe`` and
        goes on, so a slow consumer never holds it up and nothing is lost. The
        iteration ends after the last event when the notifier stops. Raises
        RuntimeError if the notifier is not running, or outside a coroutine.
        """
        from ._streams import EventStream

        return EventStream(self, self._wanted(reasons))

    def iter_events(self, *reasons: SessionNotificationMsg | int) -> EventIterator:
        """This run's events for a blocking ``for`` loop; see :meth:`events`.

        While the loop waits, Ctrl+C raises KeyboardInterrupt from it.
        """
        from ._streams import EventIterator

        return EventIterator(self, self._wanted(reasons))

    def _open_stream(
        self,
        push: Callback,
        end: Callable[[], None],
        reasons: frozenset[int] | None,
    ) -> None:
        with self._lock:
            if self._pump is None:
                raise RuntimeError(
                    f"{self!r} is not running: start() it, or use it in a with "
                    "block, before asking for its events"
                )
            self._subscriptions += (_Subscription(push, reasons),)
            self._stream_ends[push] = end

    def _close_stream(self, push: Callback) -> None:
        with self._lock:
            self._drop_locked((push,))
            self._stream_ends.pop(push, None)

    def _deliver(self, event: SessionEvent) -> None:
        # On the pump thread. Exceptions go to on_error or the logger; a
        # BaseException (KeyboardInterrupt, SystemExit) ends the pump instead.
        for subscription in self._subscriptions:
            if subscription.reasons is None or event.reason in subscription.reasons:
                try:
                    subscription.callback(event)
                except Exception as exc:
                    self._report(exc, event, subscription.callback)

    def _report(self, exc: Exception, event: SessionEvent, callback: Callback) -> None:
        if self._on_error is not None:
            try:
                self._on_error(exc, event)
                return
            except Exception:
                logger().exception("on_error raised while handling %r", exc)
        logger().error("callback %r raised on %s", callback, event, exc_info=exc)

    # --- Life cycle. ---

    def _new_pump(self, finished: Callable[[_Pump], None]) -> _Pump:
        require_windows()
        from . import _pump

        with self._lock:
            if self._pump is not None:
                raise RuntimeError(f"{self!r} is already running; stop() it first")
            pump: _Pump = _pump._Pump(
                self._scope, self._register_timeout, self._deliver, finished, self._details
            )
            self._pump = pump
            return pump

    def _pump_finished(self, pump: _Pump) -> None:
        """Called by the pump at the end of teardown, before stop() returns."""
        with self._lock:
            if self._pump is pump:
                self._pump = None
            ends = self._stream_ends
            self._stream_ends = {}
            self._drop_locked(ends)
        for end in ends.values():  # after the run's last event: streams end
            end()

    def _background_pump_finished(self, pump: _Pump) -> None:
        self._pump_finished(pump)
        if pump.started and pump.error is not None:
            # Nobody waits for the background thread, so what ended a running
            # pump is logged; before registration, start() raises it instead.
            logger().error("win32session pump ended by %r", pump.error, exc_info=pump.error)

    def start(self) -> None:
        """Pumps on a background thread; returns once registered.

        Raises the registration error, or RuntimeError if already running.
        """
        pump = self._new_pump(self._background_pump_finished)
        thread = threading.Thread(
            target=self._serve_in_background, args=(pump,), name="win32session-pump",
            daemon=True,
        )
        try:
            thread.start()
        except BaseException:
            self._pump_finished(pump)
            raise
        pump.thread = thread
        pump.ready.wait()
        if not pump.started and pump.error is not None:
            pump.done.wait()
            raise pump.error

    @staticmethod
    def _serve_in_background(pump: _Pump) -> None:
        try:
            pump.serve()
        except BaseException:  # noqa: S110 (already logged, or raised by start())
            pass

    def run(self, *, on_ready: Callable[[], object] | None = None) -> None:
        """Pumps on the calling thread until stop() or Ctrl+C.

        Ctrl+C (or Ctrl+Break) ends the pump after a clean teardown and raises
        KeyboardInterrupt, as Python programs do. ``on_ready()`` is called on
        this thread once the window is registered, before any event is
        delivered; if it raises, the pump ends and run() raises that.
        """
        if on_ready is not None and not callable(on_ready):
            raise TypeError(f"on_ready must be callable, got {on_ready!r}")
        pump = self._new_pump(self._pump_finished)
        pump.serve(console_interrupts=True, on_ready=on_ready)
        if pump.interrupted:
            raise KeyboardInterrupt

    def stop(self, timeout: float | None = None) -> bool:
        """Ends the pump after the events already queued; safe from any thread.

        Returns True once the pump has ended and the window is gone (at once
        before start), False if ``timeout`` seconds passed first, or when
        called from a callback: the pump then ends when that callback returns.
        """
        wait = None if timeout is None else _check_seconds(timeout, "timeout")
        pump = self._pump
        if pump is None:
            return True
        pump.request_stop()
        if pump.thread_ident == threading.get_ident():
            return False
        if wait is not None and wait > threading.TIMEOUT_MAX:
            wait = None  # math.inf and the like: Event.wait would overflow
        thread = pump.thread
        if thread is not None:
            # Joining the pump thread of start() is faster than waiting for
            # `done`: woken at `done`, this thread would only wait for the GIL
            # while the pump thread finishes (0.2 ms of 0.7 under Wine).
            thread.join(wait)
            return not thread.is_alive()
        return pump.done.wait(wait)

    async def __aenter__(self) -> Notifier:
        """``async with``: start() in a worker thread, so that a registration
        that has to wait (right after boot) does not block the event loop."""
        import asyncio

        starting = asyncio.get_running_loop().run_in_executor(None, self.start)
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            # Cancelled while starting: stop once the start has finished.
            starting.add_done_callback(lambda _: self.stop())
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stops in a worker thread. A cancelled task gets here too, so
        cancelling the consumer tears the window down."""
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, self.stop)

    def __enter__(self) -> Notifier:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
