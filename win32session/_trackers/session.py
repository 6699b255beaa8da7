"""``SessionTracker``: Session_OnStart and Session_OnEnd for Windows logons.

ASP.NET applications count users online by adding one in ``Session_OnStart``
and taking one away in ``Session_OnEnd``, under ``Application.Lock()``. Such a
counter drifts: it knows only what it saw. This one starts from the sessions
that already exist, ignores what it has already counted, and can reconcile
itself with Windows at any time.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from .._codes import NotifyType, SessionNotificationMsg
from .._events import SessionEvent, SessionInfo
from .._log import logger
from .._notifier.notifier import Notifier
from .._queries import sessions as _sessions

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

__all__ = ["SessionTracker", "SessionHook"]


SessionHook = Callable[[SessionInfo], object]
_H = TypeVar("_H", bound=SessionHook)

_M = SessionNotificationMsg
_ENDS: Final = frozenset({_M.WTS_SESSION_LOGOFF, _M.WTS_SESSION_TERMINATE})
_FOLLOWED: Final = (
    _M.WTS_SESSION_LOGON, *_ENDS, _M.WTS_SESSION_LOCK, _M.WTS_SESSION_UNLOCK,
)


class SessionTracker:
    """The sessions with a logged-on user, kept right as users come and go.

    Follows ``WTS_SESSION_LOGON``, ``WTS_SESSION_LOGOFF`` and
    ``WTS_SESSION_TERMINATE`` (and lock and unlock, for each session's
    ``locked``) on ``notifier``, which must hear about all sessions; without
    one, the tracker makes its own.

    The tracker follows its notifier from construction until :meth:`stop`,
    however the notifier is started: :meth:`start`, ``with tracker:``,
    :meth:`run`, or the notifier's own ``start()``, ``run()`` or ``with``.
    Each time the notifier is registered, the tracker lists the sessions
    (:func:`list_sessions`) on the pump thread before any event is
    delivered, so ``count`` is right from the first second. The first
    listing is taken as it is, without hooks (those sessions did not start
    now); each later one reconciles like :meth:`refresh`. If the listing
    fails, the notifier's start fails with that error: a tracker never counts
    silently from nothing. Given a notifier that already runs, it lists the
    sessions at once.

    ``count`` and ``sessions`` may be read from any thread. A logon already
    counted is not counted again; a logoff of a session not counted changes
    nothing. Hooks run one at a time, in order, after the change they report
    (``count`` already includes it); a hook's exception is logged to the
    ``win32session`` logger and does not stop the others.

    :meth:`stop` (and so the end of ``with tracker:``) leaves nothing of the
    tracker on its notifier; :meth:`close` does the same for good.
    """

    def __init__(self, notifier: Notifier | None = None) -> None:
        if notifier is None:
            notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS)
        elif not isinstance(notifier, Notifier):
            raise TypeError(f"notifier must be a Notifier, got {notifier!r}")
        elif notifier.scope != NotifyType.NOTIFY_FOR_ALL_SESSIONS:
            raise ValueError(
                "SessionTracker follows every session: give it a Notifier for "
                f"NOTIFY_FOR_ALL_SESSIONS, not {notifier.scope.name}"
            )
        self._notifier = notifier
        # Held while a change is worked out and its hooks run, so changes and
        # hooks come one at a time; re-entrant so that a hook may refresh().
        self._update_lock = threading.RLock()
        # Held only for a moment, so readers never wait for a hook.
        self._state_lock = threading.Lock()
        self._sessions: dict[int, SessionInfo] = {}
        self._start_hooks: tuple[SessionHook, ...] = ()
        self._end_hooks: tuple[SessionHook, ...] = ()
        self._following = False
        self._listed = False  # whether the state has ever come from Windows
        self._started = False
        self._started_notifier = False
        self._closed = False
        self._follow()

    @property
    def notifier(self) -> Notifier:
        """The notifier whose events the tracker follows."""
        return self._notifier

    @property
    def following(self) -> bool:
        """Whether the tracker follows its notifier: from construction, or
        :meth:`start` or :meth:`run`, until :meth:`stop`."""
        return self._following

    @property
    def count(self) -> int:
        """Users online: how many sessions have a logged-on user."""
        with self._state_lock:
            return len(self._sessions)

    @property
    def sessions(self) -> dict[int, SessionInfo]:
        """A snapshot: session id -> the session, for each one counted."""
        with self._state_lock:
            return dict(self._sessions)

    def __repr__(self) -> str:
        return f"<SessionTracker count={self.count}>"

    # --- Hooks. ---

    def on_start(self, hook: _H) -> _H:
        """Calls ``hook(info)`` once for each session that starts (a logon).
        Returns ``hook``, so it also works as a decorator."""
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {hook!r}")
        with self._update_lock:
            self._start_hooks += (hook,)
        return hook

    def on_end(self, hook: _H) -> _H:
        """Calls ``hook(info)`` once for each session that ends (a logoff),
        with the session as it was last seen. Returns ``hook``."""
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {hook!r}")
        with self._update_lock:
            self._end_hooks += (hook,)
        return hook

    # --- Life cycle. ---

    def start(self) -> None:
        """Follows the notifier (again, after :meth:`stop`) and starts it
        unless it is running; returns once the sessions are listed.

        Raises RuntimeError if already started, and what starting the
        notifier or listing the sessions raised; the notifier is then not
        running, and the tracker still follows it if it did before.
        """
        with self._update_lock:
            self._check_open()
            if self._started:
                raise RuntimeError(f"{self!r} is already started; stop() it first")
            self._started = True
        try:
            self._follow()
            if not self._notifier.running:
                self._notifier.start()  # lists the sessions once registered
                self._started_notifier = True
        except BaseException:
            with self._update_lock:
                self._started = False
            raise

    def run(self, *, on_ready: Callable[[], object] | None = None) -> None:
        """Runs the notifier on this thread (see :meth:`Notifier.run`) until
        it stops or Ctrl+C; lists the sessions once the notifier is
        registered, then calls ``on_ready()``. The tracker goes on following
        the notifier afterwards, until :meth:`stop`."""
        if on_ready is not None and not callable(on_ready):
            raise TypeError(f"on_ready must be callable, got {on_ready!r}")
        self._check_open()
        self._follow()
        self._notifier.run(on_ready=on_ready)

    def stop(self, timeout: float | None = None) -> bool:
        """Stops following the notifier, and stops the notifier if
        :meth:`start` started it (what that :meth:`Notifier.stop` returns;
        else True). The last state stays readable; :meth:`start` or
        :meth:`run` follows again."""
        with self._update_lock:
            self._unfollow()
            self._started = False
            started_notifier, self._started_notifier = self._started_notifier, False
        if started_notifier:
            return self._notifier.stop(timeout)
        return True

    def close(self, timeout: float | None = None) -> bool:
        """:meth:`stop` for good: the tracker holds no subscription and no
        registration listener on its notifier, and :meth:`start` and
        :meth:`run` raise RuntimeError. The last state stays readable.
        Closing again does nothing and returns True."""
        with self._update_lock:
            if self._closed:
                return True
            self._closed = True
        return self.stop(timeout)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"{self!r} is closed; make a new SessionTracker")

    def __enter__(self) -> SessionTracker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _follow(self) -> None:
        """Subscribes to the notifier's events and registrations; lists the
        sessions at once if the notifier is already registered."""
        with self._update_lock:
            if self._following:
                return
            # Listening before asking whether it runs: a registration after
            # the question calls _sync on the pump thread; one before it is
            # answered here (both at once only lists twice).
            self._notifier.subscribe(self._on_event, *_FOLLOWED)
            self._notifier._add_registered_listener(self._sync)
            self._following = True
            if self._notifier.running:
                try:
                    self._sync()
                except BaseException:
                    self._unfollow()
                    raise

    def _unfollow(self) -> None:
        with self._update_lock:
            if self._following:
                self._notifier._remove_registered_listener(self._sync)
                self._notifier.unsubscribe(self._on_event)
                self._following = False

    # --- Keeping the count. ---

    def _sync(self) -> None:
        """Lists the sessions: the first time as they are, without hooks
        (these sessions did not start now), later as :meth:`refresh` does.
        Called on the pump thread at each registration."""
        with self._update_lock:
            if self._listed:
                self.refresh()
                return
            current = self._logged_on()
            with self._state_lock:
                self._sessions = current
            self._listed = True

    def refresh(self) -> None:
        """Reconciles with what Windows lists now, calling ``on_start`` for each
        session it had missed and ``on_end`` for each that has gone."""
        with self._update_lock:
            current = self._logged_on()
            self._listed = True
            with self._state_lock:
                previous = self._sessions
                self._sessions = dict(current)
            for session_id, info in previous.items():
                now = current.get(session_id)
                if now is None or _another_user(info, now):
                    self._fire(self._end_hooks, info)
            for session_id, info in current.items():
                before = previous.get(session_id)
                if before is None or _another_user(before, info):
                    self._fire(self._start_hooks, info)

    @staticmethod
    def _logged_on() -> dict[int, SessionInfo]:
        return {
            info.session_id: info
            for info in _sessions.list_sessions()
            if info.user_name is not None
        }

    def _on_event(self, event: SessionEvent) -> None:
        # On the pump thread.
        session_id = event.session_id
        with self._update_lock:
            if event.reason == _M.WTS_SESSION_LOGON:
                self._logon(session_id, event.info)
            elif event.reason in _ENDS:
                with self._state_lock:
                    ended = self._sessions.pop(session_id, None)
                if ended is not None:
                    self._fire(self._end_hooks, ended)
            else:
                locked = event.reason == _M.WTS_SESSION_LOCK
                with self._state_lock:
                    known = self._sessions.get(session_id)
                    if known is not None:
                        self._sessions[session_id] = dataclasses.replace(known, locked=locked)

    def _logon(self, session_id: int, info: SessionInfo | None) -> None:
        if info is None:
            info = self._describe(session_id)
            if info is None:
                return  # gone already; its logoff follows or went before
        with self._state_lock:
            previous = self._sessions.get(session_id)
            self._sessions[session_id] = info
        if previous is not None:
            if not _another_user(previous, info):
                return  # already counted
            # The first user's logoff was missed.
            self._fire(self._end_hooks, previous)
        self._fire(self._start_hooks, info)

    @staticmethod
    def _describe(session_id: int) -> SessionInfo | None:
        try:
            return _sessions.session_info(session_id)
        except LookupError:
            logger().debug("session %d logged on and ended before it could be described",
                           session_id)
            return None
        except OSError as exc:
            # Windows said somebody logged on; count the session even so.
            logger().debug("session %d logged on but cannot be described: %s", session_id, exc)
            return SessionInfo(session_id)

    @staticmethod
    def _fire(hooks: tuple[SessionHook, ...], info: SessionInfo) -> None:
        for hook in hooks:
            try:
                hook(info)
            except Exception:
                logger().exception("session hook %r raised for %r", hook, info)


def _another_user(before: SessionInfo, after: SessionInfo) -> bool:
    """Whether one session id now names another user's logon (both known)."""
    return (
        before.user_name is not None
        and after.user_name is not None
        and before.account != after.account
    )
