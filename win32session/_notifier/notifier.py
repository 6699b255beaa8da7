"""The public notifier: one window, its pump, its event sources, and user
callbacks."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Container, Hashable, Sequence

from .._codes import (
    NotifyType,
    PowerBroadcast,
    PowerSetting,
    SessionEnding,
    SessionNotificationMsg,
)
from .._log import logger
from .._platform import require_windows

TYPE_CHECKING = False  # typing, like logging and ctypes, loads only when needed
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any, Protocol, TypeVar

    from .._events import Event
    from .._sources.base import EventSource
    from .streams import EventIterator, EventStream

    _C = TypeVar("_C", bound="Callback")
    _E = TypeVar("_E", NotifyType, SessionNotificationMsg)

    #: What ``subscribe``, ``on``, ``events`` and ``iter_events`` take: a
    #: session code (an ``int`` is one), a power broadcast or setting, or a
    #: session-ending message.
    Kind = SessionNotificationMsg | int | PowerBroadcast | PowerSetting | SessionEnding

    class _Pump(Protocol):
        """What the notifier uses of ``pump._Pump`` (Windows-only, so mypy
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
        hosted: bool

        @property
        def quitting(self) -> bool: ...
        def serve(
            self,
            console_interrupts: bool = False,
            on_ready: Callable[[], object] | None = None,
        ) -> None: ...
        def request_stop(self, interrupted: bool = False) -> None: ...
        def feed(self, msg: int, wparam: int, payload: int | bytes | None) -> bool: ...
        def open(self) -> bool: ...
        def close(self) -> None: ...
        def fail(self, exc: BaseException) -> None: ...

    class _HostedPump(_Pump, Protocol):
        """What attach() adds: ``hosted.HostedPump``."""

        def detach(self) -> bool: ...
        def reap(self) -> bool: ...

__all__ = ["Notifier", "Callback", "ErrorHandler"]

#: A callback gets one event: a ``SessionEvent``, ``PowerEvent`` or
#: ``SessionEndingEvent``, of the kinds it subscribed to. Typed ``Any`` (like
#: what the iterators yield) so that code written for session events alone
#: type-checks as before; annotate with ``Event`` to narrow by ``isinstance``.
Callback = Callable[["Any"], object]
ErrorHandler = Callable[[Exception, "Any"], object]


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
    """``value`` as seconds: TypeError for a non-number, ValueError for NaN
    or a negative one. An ``int`` too large for a float (``10**400``) is
    ``math.inf``: no time limit, like any limit beyond what can be waited."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    if value != value or value < 0:  # NaN; ints compare without overflow
        raise ValueError(f"{name} must be 0 or more seconds, got {value!r}")
    try:
        return float(value)
    except OverflowError:
        return math.inf


#: The kinds that need ``Notifier(power=True)`` / ``Notifier(ending=True)``.
_POWER_KINDS = (PowerBroadcast, PowerSetting)


class _Subscription:
    __slots__ = ("callback", "reasons")

    def __init__(self, callback: Callback, reasons: frozenset[Hashable] | None) -> None:
        self.callback = callback
        # None: every event. Otherwise the kinds wanted: session codes as ints,
        # the other kinds as their (non-int) enum members, so that no power
        # code ever matches a session code of the same number.
        self.reasons = reasons


class Notifier:
    """Tells callbacks when Windows sessions change, and, when asked, about
    sleep, wake, power settings and the session ending.

    Owns one window registered with ``WTSRegisterSessionNotification`` and the
    message pump that serves it. Callbacks run on the pump thread (with
    :meth:`attach`, the attaching thread), one at a time, in the order the
    messages arrived, except that a callback which runs a nested message loop
    (a message box, a dialog) is re-entered: that loop dispatches the next
    event before the callback returns. Each gets a :class:`SessionEvent`,
    or with ``power=True`` also a :class:`PowerEvent`, and with
    ``ending=True`` a :class:`SessionEndingEvent`.

    ``power=True`` registers the window for suspend and resume and for the
    power settings (user presence, display, power source, battery, energy
    saver); Windows sends each setting's current value at once (``initial``).
    ``ending=True`` makes the window a hidden top-level one, which is what
    ``WM_QUERYENDSESSION`` and ``WM_ENDSESSION`` reach.

    A callback's exception never stops the pump or the other callbacks: it goes
    to ``on_error(exc, event)`` when given, else to the ``win32session`` logger.

    With ``details=True`` each event's ``info`` describes its session as
    Windows saw it on arrival (see :func:`session_info`); a session Windows
    cannot describe leaves it None (logged at debug level).

    ``service=True`` is for a notifier inside a Windows service, which Windows
    tells about sessions and power through its control handler rather than a
    window: the window then registers for nothing, and the handler hands each
    control to :meth:`feed`. Its scope is every session (the default then).
    The session ending does not reach services (they get the STOP, SHUTDOWN
    and PRESHUTDOWN controls instead), so ``ending=True`` is refused.
    """

    def __init__(
        self,
        scope: NotifyType | int | None = None,
        *,
        details: bool = False,
        power: bool = False,
        ending: bool = False,
        service: bool = False,
        on_error: ErrorHandler | None = None,
        register_timeout: float = 60.0,
    ) -> None:
        for name, value in (("details", details), ("power", power), ("ending", ending),
                            ("service", service)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False, got {value!r}")
        if scope is None:
            scope = (NotifyType.NOTIFY_FOR_ALL_SESSIONS if service
                     else NotifyType.NOTIFY_FOR_THIS_SESSION)
        self._scope = _check_code(scope, NotifyType)
        if service and self._scope != NotifyType.NOTIFY_FOR_ALL_SESSIONS:
            raise ValueError(
                "a service hears every session's changes (it runs in session 0, which "
                "has no user); use NOTIFY_FOR_ALL_SESSIONS, and filter in the callback")
        if service and ending:
            raise ValueError(
                "the session-ending events do not reach services: a service learns of "
                "a shutdown from its SHUTDOWN and PRESHUTDOWN controls (Service does that)")
        self._details = details
        self._power = power
        self._ending = ending
        self._service = service
        if on_error is not None and not callable(on_error):
            raise TypeError(f"on_error must be callable, got {on_error!r}")
        self._on_error = on_error
        self._register_timeout = _check_seconds(register_timeout, "register_timeout")
        self._lock = threading.Lock()
        # Replaced, never mutated, so the pump reads it without the lock.
        self._subscriptions: tuple[_Subscription, ...] = ()
        # Each open stream's callback -> what ends it when the pump does.
        self._stream_ends: dict[Callback, Callable[[], None]] = {}
        # Streams whose iterator was collected unclosed, to unsubscribe at the
        # next chance (see _drop_stream); appended to without the lock.
        self._dropped: list[Callback] = []
        # Private, for the trackers: called on the pump thread at each
        # registration, before the first event (see _registered).
        self._registered_listeners: tuple[Callable[[], object], ...] = ()
        # Private, for the service host: called at the end of each run with
        # what ended it (None: a stop).
        self._finished_listeners: tuple[Callable[[BaseException | None], object], ...] = ()
        self._pump: _Pump | None = None
        # The pump that stop() was asked to end, until it has.
        self._stopping: _Pump | None = None

    @property
    def scope(self) -> NotifyType:
        """Which sessions this notifier hears about."""
        return self._scope

    @property
    def details(self) -> bool:
        """Whether events carry ``info`` about their session."""
        return self._details

    @property
    def power(self) -> bool:
        """Whether power events (sleep, wake, power settings) are delivered."""
        return self._power

    @property
    def ending(self) -> bool:
        """Whether session-ending events are delivered (a top-level window)."""
        return self._ending

    @property
    def service(self) -> bool:
        """Whether events come through :meth:`feed` from a service's control
        handler instead of a window registration."""
        return self._service

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
        extra = "".join(
            f" {name}" for name in ("power", "ending", "service") if getattr(self, name))
        return f"<Notifier {self._scope.name}{extra} {state}>"

    # --- Subscriptions: safe from any thread, at any time. ---

    def subscribe(self, callback: _C, *kinds: Kind) -> _C:
        """Calls ``callback(event)`` for events of one of ``kinds`` (none:
        every event this notifier watches, unknown codes included). Returns
        ``callback``.

        A kind is a ``SessionNotificationMsg`` (or its ``int``); with
        ``power=True`` also a ``PowerBroadcast`` or a ``PowerSetting``; with
        ``ending=True`` a ``SessionEnding``.
        """
        if not callable(callback):
            raise TypeError(f"callback must be callable, got {callback!r}")
        wanted = self._wanted(kinds)
        with self._lock:
            self._subscriptions += (_Subscription(callback, wanted),)
            self._purge_locked()
        return callback

    def _wanted(self, kinds: tuple[Kind, ...]) -> frozenset[Hashable] | None:
        """The subscription keys for ``kinds``; TypeError or ValueError for a
        kind that is not one, or that this notifier was not asked to watch."""
        if not kinds:
            return None
        wanted: set[Hashable] = set()
        for kind in kinds:
            if isinstance(kind, _POWER_KINDS):
                if not self._power:
                    raise ValueError(
                        f"{kind.name} is a power event: this notifier does not watch "
                        "them; make it with Notifier(power=True)")
                wanted.add(kind)
            elif isinstance(kind, SessionEnding):
                if not self._ending:
                    raise ValueError(
                        f"{kind.name} is a session-ending event: this notifier does not "
                        "watch them; make it with Notifier(ending=True)")
                wanted.add(kind)
            else:
                wanted.add(_check_code(kind, SessionNotificationMsg))
        return frozenset(wanted)

    def on(self, *kinds: Kind) -> Callable[[_C], _C]:
        """``subscribe`` as a decorator: ``@notifier.on(WTS_SESSION_LOCK)``."""
        self._wanted(kinds)  # fail at the decorator line, not at its use

        def decorate(callback: _C) -> _C:
            return self.subscribe(callback, *kinds)

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
        self._purge_locked()
        return found

    def _purge_locked(self) -> None:
        """Unsubscribes the streams dropped meanwhile (the lock is held)."""
        gone: set[Callback] = set()
        while self._dropped:
            try:
                gone.add(self._dropped.pop())
            except IndexError:  # emptied by another purge meanwhile
                break
        if gone:
            self._subscriptions = tuple(
                s for s in self._subscriptions if s.callback not in gone)
            for push in gone:
                self._stream_ends.pop(push, None)

    # --- Iterators: asyncio and blocking. ---

    def events(self, *kinds: Kind) -> EventStream[Any]:
        """This run's events (those of one of ``kinds``; none: all) for
        ``async for``, in a coroutine on the loop that will read them.

        The pump hands each event to the loop with ``call_soon_threadsafe`` and
        goes on, so a slow consumer never holds it up and nothing is lost. The
        iteration ends after the last event when the notifier stops. Raises
        RuntimeError if the notifier is not running, or outside a coroutine.
        """
        from .streams import EventStream

        return EventStream(self, self._wanted(kinds))

    def iter_events(self, *kinds: Kind) -> EventIterator[Any]:
        """This run's events for a blocking ``for`` loop; see :meth:`events`.

        While the loop waits on the main thread, Ctrl+C raises
        KeyboardInterrupt from it (on another thread, Ctrl+C is Python's:
        KeyboardInterrupt in the main thread, and the loop goes on). An
        iterator left half-way is unsubscribed when collected; ``close()``
        (or its ``with``) does it at once. Iterating it inside a callback
        raises RuntimeError: the pump thread would wait for itself.
        """
        from .streams import EventIterator

        return EventIterator(self, self._wanted(kinds))

    def _open_stream(
        self,
        push: Callback,
        end: Callable[[], None],
        reasons: frozenset[Hashable] | None,
    ) -> None:
        with self._lock:
            if self._pump is None:
                raise RuntimeError(
                    f"{self!r} is not running: start() it, or use it in a with "
                    "block, before asking for its events"
                )
            self._subscriptions += (_Subscription(push, reasons),)
            self._stream_ends[push] = end
            self._purge_locked()

    def _close_stream(self, push: Callback) -> None:
        with self._lock:
            self._drop_locked((push,))
            self._stream_ends.pop(push, None)

    def _drop_stream(self, push: Callback) -> None:
        """``_close_stream`` for an iterator collected unclosed. The garbage
        collector may call it on any thread, one that holds the lock among
        them, so it never waits: without the lock at once, the next
        subscription change or event unsubscribes it."""
        self._dropped.append(push)
        self._try_purge()

    def _try_purge(self) -> None:
        if self._lock.acquire(blocking=False):
            try:
                self._purge_locked()
            finally:
                self._lock.release()

    def _on_pump_thread(self) -> bool:
        """Whether the caller is this notifier's pump thread (in a callback)."""
        pump = self._pump
        return pump is not None and pump.thread_ident == threading.get_ident()

    def _deliver(self, event: Event, keys: Sequence[Hashable]) -> None:
        """Calls each subscriber that wants one of ``keys`` (the event's kinds:
        a session event's reason; a power event's kind and setting).

        The one delivery path of every source, on the pump thread. Exceptions
        go to on_error or the logger; a BaseException (KeyboardInterrupt,
        SystemExit) ends the pump instead."""
        if self._dropped:
            self._try_purge()
        for subscription in self._subscriptions:
            reasons = subscription.reasons
            if reasons is None or not reasons.isdisjoint(keys):
                try:
                    subscription.callback(event)
                except Exception as exc:
                    self._report(exc, event, subscription.callback)

    def _report(self, exc: Exception, event: Event, callback: Callback) -> None:
        if self._on_error is not None:
            try:
                self._on_error(exc, event)
                return
            except Exception:
                logger().exception("on_error raised while handling %r", exc)
        logger().error("callback %r raised on %s", callback, event, exc_info=exc)

    # --- Events from a service's control handler. ---

    def feed(self, control: int, event_type: int, event_data: object) -> bool:
        """Hands this notifier one control that a service's control handler
        received; whether it was an event this notifier delivers.

        ``SERVICE_CONTROL_SESSIONCHANGE`` becomes a :class:`SessionEvent` and,
        with ``power=True``, ``SERVICE_CONTROL_POWEREVENT`` a
        :class:`PowerEvent`, delivered as the window's would be: on the pump
        thread, in order, to the same subscriptions, iterators and trackers,
        with ``details`` read on arrival. Other controls (STOP, INTERROGATE,
        ...) return False. ``event_data`` is the handler's ``lpEventData``
        (an address; what it points to is copied before this returns) or
        pywin32's ``SvcOtherEx`` data: ``(session_id,)``, or ``(guid, data)``
        for a power setting.

        Needs ``service=True`` and a running notifier (RuntimeError
        otherwise); TypeError or ValueError for data of another form.
        """
        if not self._service:
            raise RuntimeError(
                f"{self!r} has its own window registration; feed() is for a notifier "
                "made with Notifier(service=True)")
        from .._sources.controls import SERVICE_CONTROL_POWEREVENT, decode_control

        fed = decode_control(control, event_type, event_data)
        if fed is None or (control == SERVICE_CONTROL_POWEREVENT and not self._power):
            return False
        pump = self._pump
        if pump is None or not pump.feed(*fed):
            raise RuntimeError(
                f"{self!r} is not running: start() it before its service accepts controls")
        return True

    # --- Registration listeners: private, for the trackers. ---

    def _add_registered_listener(self, listener: Callable[[], object]) -> None:
        """Calls ``listener()`` on the pump thread each time the notifier is
        registered, before any event of that run is delivered and before
        start() returns. If it raises, the run ends and start() or run()
        raises that."""
        with self._lock:
            self._registered_listeners += (listener,)

    def _remove_registered_listener(self, listener: Callable[[], object]) -> None:
        with self._lock:
            self._registered_listeners = tuple(
                kept for kept in self._registered_listeners if kept != listener
            )

    def _add_finished_listener(self, listener: Callable[[BaseException | None], object]) -> None:
        """Calls ``listener(error)`` at the end of each run, after teardown
        and the last event: ``error`` is what ended the pump, None for a
        stop."""
        with self._lock:
            self._finished_listeners += (listener,)

    def _remove_finished_listener(
        self, listener: Callable[[BaseException | None], object]
    ) -> None:
        with self._lock:
            self._finished_listeners = tuple(
                kept for kept in self._finished_listeners if kept != listener)

    def _registered(self) -> None:
        # On the pump thread, once registered, before the first event.
        for listener in self._registered_listeners:
            listener()

    # --- Life cycle. ---

    def _new_pump(self, finished: Callable[[_Pump], None], hosted: bool = False) -> _Pump:
        require_windows()
        from .._queries import sessions as _sessions
        from .._sources import session as _session_source
        from . import pump as _pump

        self._reap_hosted()
        with self._lock:
            if self._pump is not None:
                if self._pump is self._stopping or self._pump.quitting:
                    raise RuntimeError(
                        f"{self!r} is still stopping: its last run has not finished "
                        "its teardown (a callback may still be running); start it "
                        "again once stop() has returned True")
                raise RuntimeError(f"{self!r} is already running; stop() it first")
            sources: list[EventSource] = [_session_source.SessionChanges(
                self._scope, self._register_timeout, self._details, self._deliver,
                fed=self._service)]
            if self._power:
                from .._sources.power import PowerChanges

                sources.append(PowerChanges(self._deliver, _sessions.current_session_id(),
                                            fed=self._service))
            if self._ending:
                from .._sources.ending import SessionEndingChanges

                sources.append(SessionEndingChanges(self._deliver))
            pump: _Pump
            if hosted:
                from .hosted import HostedPump

                pump = HostedPump(sources, finished)
            else:
                pump = _pump._Pump(sources, finished)
            self._pump = pump
            return pump

    def _pump_finished(self, pump: _Pump) -> None:
        """Called by the pump at the end of teardown, before stop() returns."""
        with self._lock:
            if self._pump is pump:
                self._pump = None
            if self._stopping is pump:
                self._stopping = None
            self._purge_locked()
            ends = self._stream_ends
            self._stream_ends = {}
            self._drop_locked(ends)
        for end in ends.values():  # after the run's last event: streams end
            end()
        for listener in self._finished_listeners:
            try:
                listener(pump.error)
            except Exception:
                logger().exception("finished listener %r raised", listener)

    def _background_pump_finished(self, pump: _Pump) -> None:
        self._pump_finished(pump)
        if pump.started and pump.error is not None:
            # Nobody waits for the background thread, so what ended a running
            # pump is logged; before registration, start() raises it instead.
            logger().error("win32session pump ended by %r", pump.error, exc_info=pump.error)

    def start(self) -> None:
        """Pumps on a background thread; returns once registered.

        Raises the registration error, or RuntimeError if already running,
        or still stopping (a ``stop()`` that returned False: its teardown has
        not finished).
        """
        pump = self._new_pump(self._background_pump_finished)
        announced = threading.Event()
        thread = threading.Thread(
            target=self._serve_in_background, args=(pump, announced),
            name="win32session-pump", daemon=True,
        )
        try:
            thread.start()
        except BaseException:
            self._pump_finished(pump)
            raise
        pump.thread = thread
        pump.ready.wait()
        if pump.started:
            announced.wait()  # the registration listeners have run
        if not pump.started:
            pump.done.wait()
            if pump.error is not None:
                raise pump.error

    def _serve_in_background(self, pump: _Pump, announced: threading.Event) -> None:
        def registered() -> None:
            try:
                self._registered()
            except BaseException:
                # It never pumped: start() raises this, as it would a
                # registration error, instead of the pump logging it.
                pump.started = False
                raise
            finally:
                announced.set()

        try:
            pump.serve(on_ready=registered)
        except BaseException:  # noqa: S110 (already logged, or raised by start())
            pass

    def run(self, *, on_ready: Callable[[], object] | None = None) -> None:
        """Pumps on the calling thread until stop() or Ctrl+C.

        On the main thread, Ctrl+C (or Ctrl+Break) ends the pump after a
        clean teardown and raises KeyboardInterrupt, as Python programs do; on
        another thread Ctrl+C is Python's (KeyboardInterrupt in the main
        thread, which then calls stop()). ``on_ready()`` is called on
        this thread once the window is registered, before any event is
        delivered; if it raises, the pump ends and run() raises that.
        """
        if on_ready is not None and not callable(on_ready):
            raise TypeError(f"on_ready must be callable, got {on_ready!r}")
        pump = self._new_pump(self._pump_finished)

        def registered() -> None:
            self._registered()
            if on_ready is not None:
                on_ready()

        pump.serve(console_interrupts=True, on_ready=registered)
        if pump.interrupted:
            raise KeyboardInterrupt

    def attach(self) -> None:
        """Lets the message loop of the calling thread serve this notifier: a
        GUI toolkit's (Tk's ``mainloop``, Qt's ``exec``, wx's ``MainLoop``) or
        any ``GetMessageW``/``DispatchMessageW`` loop. Returns once registered.

        The window is made on this thread and no thread of ours is started:
        the loop dispatches its messages, so every callback runs on this, the
        GUI thread, and may touch widgets. Subscriptions, kinds, ``details``,
        ``power``, ``ending`` and the trackers work as with start(). End it
        with :meth:`detach` (or stop()) on this thread before the loop ends.

        A callback that opens a message box or a modal dialog runs a nested
        loop, which delivers the next events meanwhile: the callbacks are
        re-entered before that one returns.

        If this thread ends without detach(), Windows destroys the window
        with it; stop() from another thread, or the next attach() or start(),
        then undoes the rest (logged as a warning).

        RuntimeError if already running, or on a thread whose loop cannot
        serve it: an asyncio event loop's (use start() and events() there) or
        a notifier's own pump thread. Raises the registration error as
        start() does.
        """
        require_windows()
        from .hosted import check_can_host

        check_can_host()
        pump = self._new_pump(self._background_pump_finished, hosted=True)
        try:
            if pump.open():
                self._registered()
        except BaseException as exc:
            pump.started = False  # raised here, so not logged as well
            pump.fail(exc)
        if not pump.running or pump.error is not None:
            pump.close()
            if pump.error is not None:
                raise pump.error

    def detach(self) -> bool:
        """Ends an attach()ed notifier on its thread: the events already
        queued are delivered, every registration is undone in reverse and
        the window destroyed. True once done (at once when not running);
        False from one of its callbacks: it ends when that callback returns.

        RuntimeError from any other thread, since only the thread that made
        a window may destroy it: ask the GUI thread to call it. (True there
        if that thread has ended: Windows destroyed the window with it, and
        the rest is undone.)
        """
        pump = self._pump
        if pump is None:
            return True
        if not pump.hosted:
            raise RuntimeError(
                f"{self!r} was started, not attached: stop() it")
        hosted: _HostedPump = pump  # type: ignore[assignment]
        if pump.thread_ident != threading.get_ident():
            if hosted.reap():  # that thread ended, and its window with it
                return True
            from .hosted import ON_GUI_THREAD

            raise RuntimeError(
                f"{self!r} is served by the message loop of another thread, which alone "
                f"may destroy its window: call detach() {ON_GUI_THREAD}")
        return hosted.detach()

    def _stop_hosted(self, pump: _Pump) -> bool:
        """stop() of an attach()ed notifier: detach() on its thread; from
        another, True if that thread ended (its window went with it: the rest
        is undone here), else a posted stop that its loop carries out if it
        still runs, and False at once: waiting could deadlock a GUI thread
        that waits for this one."""
        if pump.thread_ident == threading.get_ident():
            return self.detach()
        hosted: _HostedPump = pump  # type: ignore[assignment]
        if hosted.reap():
            return True
        pump.request_stop()
        return pump.done.is_set()

    def _reap_hosted(self) -> None:
        """Before a new run: forgets an attach()ed one whose thread ended
        without detach() (see ``HostedPump.reap``)."""
        pump = self._pump
        if pump is not None and pump.hosted:
            hosted: _HostedPump = pump  # type: ignore[assignment]
            hosted.reap()

    def stop(self, timeout: float | None = None) -> bool:
        """Ends the pump after the events already queued; safe from any thread.

        Returns True once the pump has ended and the window is gone (at once
        before start), False if ``timeout`` seconds passed first, or when
        called from a callback: the pump then ends when that callback returns.

        On the thread that attach()ed it, stop() is detach(). From another
        thread it posts the stop and returns False at once, whatever
        ``timeout``: the attaching thread's loop ends it if it still runs
        (``running`` turns False then). True if that thread has ended,
        taking the window with it: the rest is undone here.

        ``timeout`` None, ``math.inf`` or any limit beyond what the platform
        can wait (``10**400``) waits for as long as it takes; a negative or
        NaN one raises ValueError.
        """
        wait = None if timeout is None else _check_seconds(timeout, "timeout")
        with self._lock:
            pump = self._pump
            if pump is None:
                return True
            if not pump.hosted:
                self._stopping = pump
        if pump.hosted:  # attach()ed: its window is its thread's to destroy
            return self._stop_hosted(pump)
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
