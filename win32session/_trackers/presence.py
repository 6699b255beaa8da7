"""``PresenceTracker``: is this session in use? One state, folded from its
lock state, user presence, display, sleep and the session ending.

What ``SessionTracker`` is for users online, this is for presence. It follows
a notifier's events (lock and unlock of this session; with ``power=True``,
suspend and resume and the presence and display settings; with
``ending=True``, the session ending), is seeded when it starts (the lock
state, where Windows says; the power settings from the values Windows sends
right after registration), and changes only when an event says so: no timers,
no polling.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TypeVar

from .._notifier import streams as _streams
from .._codes import (
    MonitorDisplayState,
    NotifyType,
    PowerBroadcast,
    PowerSetting,
    SessionEnding,
    SessionNotificationMsg,
    UserActivityPresence,
)
from .._events import Event, PowerEvent, SessionEndingEvent, SessionEvent
from .._log import logger
from .._notifier.notifier import Notifier
from .._queries import sessions as _sessions
from .._notifier.streams import EventIterator, EventStream

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Any, Final

__all__ = ["Presence", "PresenceTracker", "PresenceHook"]

_M = SessionNotificationMsg
_P = PowerBroadcast
_S = PowerSetting
_PRESENCE: Final = frozenset({_S.GUID_SESSION_USER_PRESENCE, _S.GUID_GLOBAL_USER_PRESENCE})
_DISPLAY: Final = frozenset({_S.GUID_SESSION_DISPLAY_STATUS, _S.GUID_CONSOLE_DISPLAY_STATE})
_RESUMES: Final = frozenset({_P.PBT_APMRESUMEAUTOMATIC, _P.PBT_APMRESUMESUSPEND})


@dataclass(frozen=True, slots=True)
class Presence:
    """Whether this session is in use, and why not when it is not.

    Each field is what Windows said last; ``None`` where it has not said yet
    (an unknown counts as "in use": only what Windows says makes it away).
    """

    locked: bool | None = None
    """This session is locked (Win+L, the screen saver, a switch of user)."""
    user_present: bool | None = None
    """The user is present (``GUID_SESSION_USER_PRESENCE``, or the global
    one in session 0): False once the system's idle timeout has passed."""
    display: MonitorDisplayState | int | None = None
    """The display's state (``PowerMonitorOff``, ``On``, ``Dim``)."""
    asleep: bool = False
    """Between ``PBT_APMSUSPEND`` and the resume."""
    ending: bool = False
    """The session is ending: from ``WM_QUERYENDSESSION`` until a
    ``WM_ENDSESSION`` that says it does not end after all."""
    since: datetime.datetime | None = None
    """When this state began (UTC): the event that made it, or the seed."""

    @property
    def away(self) -> bool:
        """Nobody is using this session: it is locked, the user is not
        present, the display is off, the machine is going to sleep, or the
        session is ending."""
        return bool(
            self.locked
            or self.user_present is False
            or self.display == MonitorDisplayState.PowerMonitorOff
            or self.asleep
            or self.ending
        )

    @property
    def why_away(self) -> list[str]:
        """The reasons ``away`` is True, in words; ``[]`` when in use."""
        reasons = [
            ("locked", bool(self.locked)),
            ("user not present", self.user_present is False),
            ("display off", self.display == MonitorDisplayState.PowerMonitorOff),
            ("asleep", self.asleep),
            ("session ending", self.ending),
        ]
        return [text for text, applies in reasons if applies]

    def __str__(self) -> str:
        return "away (" + ", ".join(self.why_away) + ")" if self.away else "in use"


PresenceHook = Callable[[Presence], object]
_H = TypeVar("_H", bound=PresenceHook)


class PresenceTracker:
    """This session's :class:`Presence`, kept right as Windows reports.

    Without a notifier it makes its own, ``Notifier(power=True,
    ending=True)``; one of yours must have ``power=True`` (``ending`` is
    followed when it has it). The tracker follows its notifier from the
    moment it is made, however the notifier is started (``with notifier:``,
    ``tracker.start()``, ``run()``...): at each registration, before any
    event, it starts afresh from this session's lock state.

    With a service's notifier (``Notifier(service=True, power=True)``: a
    service runs in session 0, which has no user) the session it watches is
    the one attached to the console, followed across console connects, and
    the user presence and display are the machine's (Windows sends session 0
    the global and console settings).

    ``state`` and ``away`` may be read from any thread. Hooks run on the pump
    thread, one at a time, after each change (``state`` is already the new
    one); a hook's exception is logged to the ``win32session`` logger and
    does not stop the others.

    :meth:`close` (or the end of ``with tracker:``) detaches it from its
    notifier for good: a tracker you are done with holds nothing there.
    """

    def __init__(self, notifier: Notifier | None = None) -> None:
        if notifier is None:
            notifier = Notifier(power=True, ending=True)
        elif not isinstance(notifier, Notifier):
            raise TypeError(f"notifier must be a Notifier, got {notifier!r}")
        elif not notifier.power:
            raise ValueError(
                "PresenceTracker follows sleep, user presence and the display: give it a "
                "Notifier(power=True) (and ending=True for the session ending)"
            )
        self._notifier = notifier
        self._state = Presence()
        self._state_lock = threading.Lock()  # held only for a moment
        # Serialises changes and their hooks; re-entrant so a hook may read.
        self._update_lock = threading.RLock()
        self._hooks: tuple[PresenceHook, ...] = ()
        #: Each open stream's push -> the marker that ends it with the run.
        self._streams: dict[Callable[[object], None], Callable[[object], None]] = {}
        self._own_session: int | None = None
        self._started_notifier = False
        self._closed = False
        kinds: list[Any] = [_M.WTS_SESSION_LOCK, _M.WTS_SESSION_UNLOCK, _P.PBT_APMSUSPEND,
                            *_RESUMES, *_PRESENCE, *_DISPLAY]
        if notifier.ending:
            kinds += [SessionEnding.WM_QUERYENDSESSION, SessionEnding.WM_ENDSESSION]
        if notifier.service:
            kinds.append(_M.WTS_CONSOLE_CONNECT)  # the console's session changes
        notifier.subscribe(self._on_event, *kinds)
        notifier._add_registered_listener(self._seed)
        # From here on only close() undoes these two; nothing below raises.
        if notifier.running:  # made while its notifier runs: seed now
            self._seed()

    @property
    def notifier(self) -> Notifier:
        """The notifier whose events the tracker follows."""
        return self._notifier

    @property
    def state(self) -> Presence:
        """The state now."""
        with self._state_lock:
            return self._state

    @property
    def away(self) -> bool:
        """Whether nobody is using this session now (``state.away``)."""
        return self.state.away

    def __repr__(self) -> str:
        return f"<PresenceTracker {self.state}>"

    def on_change(self, hook: _H) -> _H:
        """Calls ``hook(presence)`` after each change of state. Returns
        ``hook``, so it also works as a decorator."""
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {hook!r}")
        with self._update_lock:
            self._hooks += (hook,)
        return hook

    # --- Iterators: each change, for async for and for. ---

    def changes(self) -> EventStream[Presence]:
        """Each change of state from now on, for ``async for`` in a
        coroutine; ends when the notifier stops (see ``Notifier.events``)."""
        return EventStream(self, None)

    def iter_changes(self) -> EventIterator[Presence]:
        """Each change of state from now on, for a blocking ``for`` loop;
        on the main thread, Ctrl+C raises KeyboardInterrupt from it (see
        ``Notifier.iter_events``)."""
        return EventIterator(self, None)

    def _open_stream(
        self,
        push: Callable[[object], None],
        end: Callable[[], None],
        reasons: frozenset[Hashable] | None,
    ) -> None:
        # The notifier ends the stream after its run's last event: a
        # subscription of no kind at all is called for nothing but that end.
        def marker(event: object) -> None:
            pass

        self._notifier._open_stream(marker, end, frozenset())
        with self._update_lock:
            self._streams[push] = marker

    def _close_stream(self, push: Callable[[object], None]) -> None:
        with self._update_lock:
            marker = self._streams.pop(push, None)
        if marker is not None:
            self._notifier._close_stream(marker)

    def _drop_stream(self, push: Callable[[object], None]) -> None:
        # For the garbage collector (see Notifier._drop_stream): no lock; a
        # dict's pop is atomic, and _reset iterates over a copy.
        marker = self._streams.pop(push, None)
        if marker is not None:
            self._notifier._drop_stream(marker)

    def _on_pump_thread(self) -> bool:
        return self._notifier._on_pump_thread()

    # --- Life cycle. ---

    def start(self) -> None:
        """Starts the notifier unless it is running (it seeds the tracker
        when registered, before ``start()`` returns). RuntimeError after
        :meth:`close`."""
        self._check_open()
        if not self._notifier.running:
            self._notifier.start()
            self._started_notifier = True

    def run(self, *, on_ready: Callable[[], object] | None = None) -> None:
        """Runs the notifier on this thread (see :meth:`Notifier.run`) until it
        stops or Ctrl+C; ``on_ready()`` is called once the tracker is seeded."""
        if on_ready is not None and not callable(on_ready):
            raise TypeError(f"on_ready must be callable, got {on_ready!r}")
        self._check_open()
        self._notifier.run(on_ready=on_ready)

    def stop(self, timeout: float | None = None) -> bool:
        """Stops the notifier if :meth:`start` started it (what that
        :meth:`Notifier.stop` returns; else True). The last state stays
        readable; events are followed again if the notifier runs again."""
        if self._started_notifier:
            self._started_notifier = False
            return self._notifier.stop(timeout)
        return True

    def close(self, timeout: float | None = None) -> bool:
        """Detaches the tracker from its notifier for good: its subscription
        and registration listener are removed, its ``changes()`` and
        ``iter_changes()`` end, and the notifier stops if :meth:`start`
        started it (what :meth:`stop` returns). The last state stays
        readable; :meth:`start` and :meth:`run` then raise RuntimeError.
        Closing again does nothing and returns True."""
        with self._update_lock:
            if self._closed:
                return True
            self._closed = True
            streams, self._streams = self._streams, {}
        self._notifier._remove_registered_listener(self._seed)
        self._notifier.unsubscribe(self._on_event)
        for push, marker in streams.items():
            self._notifier._close_stream(marker)
            push(_streams._END)  # an iterator waiting for a change ends
        return self.stop(timeout)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"{self!r} is closed; make a new PresenceTracker")

    def __enter__(self) -> PresenceTracker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Closes the tracker (see :meth:`close`)."""
        self.close()

    # --- Keeping the state. ---

    def _seed(self) -> None:
        """A new start, on the pump thread before any event of the run: only
        this session's lock state is known (where Windows says: Wine does
        not, nor does Windows for some sessions); the power settings follow
        at once, in the values Windows sends after registration. What the
        last run knew (asleep, ending) is not carried over. Never raises:
        without an answer, the lock state is unknown."""
        try:
            own = self._own_session = self._watched_session()
        except OSError as exc:
            logger().debug("no session to watch: %s", exc)
            own = None
        self._reset(Presence(locked=self._lock_state(own),
                             since=datetime.datetime.now(datetime.timezone.utc)))

    def _watched_session(self) -> int | None:
        """This process's session; for a service's notifier (session 0 has
        no user), the session attached to the console, if any."""
        if self._notifier.service:
            return _sessions.active_console_session_id()
        return _sessions.current_session_id()

    @staticmethod
    def _lock_state(session_id: int | None) -> bool | None:
        """Whether Windows says ``session_id`` is locked; None if it does not."""
        if session_id is None:
            return None
        try:
            return _sessions.session_info(session_id).locked
        except (LookupError, OSError) as exc:
            logger().debug("no lock state for session %s: %s", session_id, exc)
            return None

    def _on_event(self, event: Event) -> None:
        # On the pump thread.
        if isinstance(event, SessionEvent):
            if self._notifier.service and event.reason == _M.WTS_CONSOLE_CONNECT:
                # Another session now has the console: follow it, from the
                # lock state it has.
                self._own_session = event.session_id
                self._change(event.timestamp, locked=self._lock_state(event.session_id))
                return
            if self._notifier.scope == NotifyType.NOTIFY_FOR_ALL_SESSIONS:
                if self._own_session is None:
                    self._own_session = _sessions.current_session_id()
                if event.session_id != self._own_session:
                    return
            self._change(event.timestamp, locked=event.reason == _M.WTS_SESSION_LOCK)
        elif isinstance(event, PowerEvent):
            if event.kind == _P.PBT_APMSUSPEND:
                self._change(event.timestamp, asleep=True)
            elif event.kind in _RESUMES:
                self._change(event.timestamp, asleep=False)
            elif event.setting in _PRESENCE:
                present = None if event.value is None else (
                    event.value == UserActivityPresence.PowerUserPresent)
                self._change(event.timestamp, user_present=present)
            elif event.setting in _DISPLAY:
                self._change(event.timestamp, display=event.value)
        elif isinstance(event, SessionEndingEvent):
            ending = True if event.kind == SessionEnding.WM_QUERYENDSESSION else bool(event.ending)
            self._change(event.timestamp, ending=ending)

    def _change(self, when: datetime.datetime, **fields: Any) -> None:
        with self._update_lock:
            self._reset(replace(self.state, since=when, **fields))

    def _reset(self, after: Presence) -> None:
        """Makes ``after`` the state and tells the hooks, unless nothing but
        ``since`` is new."""
        with self._update_lock:
            with self._state_lock:
                before = self._state
                if replace(after, since=before.since) == before:
                    return  # nothing Windows said is new
                self._state = after
            for hook in self._hooks:
                try:
                    hook(after)
                except Exception:
                    logger().exception("presence hook %r raised for %s", hook, after)
            for push in list(self._streams):
                push(after)
