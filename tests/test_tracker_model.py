"""SessionTracker against a model of what it should do (hypothesis, stateful).

Random logons (some of sessions Windows cannot describe, or that are gone
before the tracker asks), logoffs, terminations, locks, unlocks, refreshes and
restarts of the notifier are played on a tracker and on ``Model``, a plain
account of what the documentation promises (docs/howto/sessions.md), while what
Windows lists changes behind the tracker's back: sessions appear and disappear,
users change, sessions lock. After every step the two must agree: the same
sessions (so the same count, none twice), the same hooks in the same order, and
starts minus ends equal to the count less what the first listing counted.

Two legs run the same machine:

- ``test_tracker_follows_the_model``, off Windows (natively on Linux): the
  notifier does not run; each event goes in through its delivery path
  (``Notifier._deliver``, what the pump calls for each message) and each
  registration through ``Notifier._registered`` (what the pump calls once
  registered).
- ``test_tracker_follows_the_model_on_a_real_notifier``, on Windows (Windows
  CPython under Wine in CI): a real running notifier; each event is posted to
  its window as Windows would send it and the step waits until it has been
  delivered; a restart is a real ``stop()`` and ``start()``.

In both legs what Windows lists and answers about each session is faked
(``FakeWindows``, patched over ``list_sessions`` and ``session_info``): Wine's
wtsapi32 lists no sessions and describes any session id as ``VM\\root``, so
it cannot play users coming and going.
"""

from __future__ import annotations

import dataclasses
import datetime
import sys
import threading
from typing import Protocol

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from support import post

from win32session import (
    ConnectState,
    Notifier,
    NotifyType,
    SessionEvent,
    SessionInfo,
    SessionNotificationMsg,
    SessionTracker,
)
from win32session._queries import sessions as _sessions

M = SessionNotificationMsg
ALL = NotifyType.NOTIFY_FOR_ALL_SESSIONS
DOMAIN = "LAB"
SESSION_IDS = st.integers(1, 5)
USERS = st.sampled_from(["ada", "bob", "carol"])

#: Sized for CI: a few seconds a leg. Derandomized and without an example
#: database, so every run plays the same examples.
NATIVE = settings(
    max_examples=200, stateful_step_count=50, deadline=None, derandomize=True,
    database=None, print_blob=False, suppress_health_check=[HealthCheck.too_slow],
)
ON_WINDOWS = settings(NATIVE, max_examples=100)

Hook = tuple[str, SessionInfo]  # ("start" or "end", the session)


class FakeWindows:
    """What ``list_sessions`` and ``session_info`` answer: the services
    session, a listener, and each session a user is logged on to."""

    def __init__(self) -> None:
        self.users: dict[int, str] = {}
        self.locked: dict[int, bool] = {}
        self.mute: set[int] = set()  # sessions Windows answers no question about

    def reset(self, users: dict[int, str]) -> None:
        self.users = dict(users)
        self.locked = {}
        self.mute = set()

    def info(self, session_id: int) -> SessionInfo:
        return SessionInfo(
            session_id, f"RDP-Tcp#{session_id}", ConnectState.WTSActive,
            self.users[session_id], DOMAIN, None, self.locked.get(session_id),
        )

    def list_sessions(self) -> list[SessionInfo]:
        return [
            SessionInfo(0, "Services", ConnectState.WTSDisconnected),
            *(self.info(session_id) for session_id in sorted(self.users)),
            SessionInfo(65536, "RDP-Tcp", ConnectState.WTSListen),
        ]

    def session_info(self, session_id: int) -> SessionInfo:
        if session_id in self.mute:
            raise OSError(f"Windows answered no question about session {session_id}")
        if session_id not in self.users:
            raise LookupError(f"there is no session {session_id}")
        return self.info(session_id)


def same_user(before: SessionInfo, after: SessionInfo) -> bool:
    """A session whose user is not known is taken to be whoever is named."""
    return before.user_name is None or after.user_name is None or before.account == after.account


class Model:
    """What the tracker should hold and report, step by step."""

    def __init__(self) -> None:
        self.counted: dict[int, SessionInfo] = {}
        self.hooks: list[Hook] = []
        self.listed = False
        self.first_listing: set[int] = set()  # counted by the first listing, without hooks

    def logon(self, info: SessionInfo | None, session_id: int) -> None:
        """A logon; ``info`` is Windows's answer: None if the session was
        gone, a bare SessionInfo if Windows answered nothing."""
        if info is None:
            return
        before = self.counted.get(session_id)
        self.counted[session_id] = info
        if before is not None and same_user(before, info):
            return  # a duplicate: counted once
        if before is not None:
            self.hooks.append(("end", before))  # its logoff was missed
        self.hooks.append(("start", info))

    def logoff(self, session_id: int) -> None:
        ended = self.counted.pop(session_id, None)
        if ended is not None:
            self.hooks.append(("end", ended))

    def lock(self, session_id: int, locked: bool) -> None:
        if session_id in self.counted:
            self.counted[session_id] = dataclasses.replace(self.counted[session_id], locked=locked)

    def refresh(self, listing: list[SessionInfo]) -> None:
        current = {info.session_id: info for info in listing if info.user_name is not None}
        previous, self.counted = self.counted, current
        self.listed = True
        for session_id, info in previous.items():
            if session_id not in current or not same_user(info, current[session_id]):
                self.hooks.append(("end", info))
        for session_id, info in current.items():
            if session_id not in previous or not same_user(previous[session_id], info):
                self.hooks.append(("start", info))

    def registered(self, listing: list[SessionInfo]) -> None:
        if self.listed:
            self.refresh(listing)
            return
        self.counted = {info.session_id: info for info in listing if info.user_name is not None}
        self.listed = True
        self.first_listing = set(self.counted)


class Driver(Protocol):
    """How a leg starts the tracker's notifier, restarts it and hands it events."""

    notifier: Notifier

    def start(self) -> None: ...
    def restart(self) -> None: ...
    def deliver(self, *events: tuple[M, int]) -> None: ...
    def close(self) -> None: ...


class DirectDriver:
    """No window: the notifier's delivery and registration paths, called as
    the pump calls them."""

    def __init__(self) -> None:
        self.notifier = Notifier(ALL)

    def start(self) -> None:
        self.notifier._registered()

    restart = start

    def deliver(self, *events: tuple[M, int]) -> None:
        now = datetime.datetime.now(datetime.timezone.utc)
        for reason, session_id in events:
            # The one delivery path takes the event's kinds along.
            self.notifier._deliver(SessionEvent(reason, session_id, now), (reason,))

    def close(self) -> None:
        pass


class WindowDriver:
    """A real notifier: events posted to its window, as Windows sends them."""

    MARKER = 0xFFFF_FFF0  # a session id no event of the machine uses

    def __init__(self) -> None:
        self.notifier = Notifier(ALL)
        self._through = threading.Event()
        self.notifier.subscribe(self._see, M.WTS_SESSION_REMOTE_CONTROL)

    def _see(self, event: SessionEvent) -> None:
        if event.session_id == self.MARKER:
            self._through.set()

    def start(self) -> None:
        self.notifier.start()

    def restart(self) -> None:
        assert self.notifier.stop(10) is True
        self.notifier.start()

    def deliver(self, *events: tuple[M, int]) -> None:
        self._through.clear()
        for reason, session_id in events:
            post(self.notifier.hwnd, reason, session_id)
        # Handled in order: once the marker is through, so are the events.
        post(self.notifier.hwnd, M.WTS_SESSION_REMOTE_CONTROL, self.MARKER)
        assert self._through.wait(30), "the pump did not deliver the events"

    def close(self) -> None:
        assert self.notifier.stop(10) is True


class TrackerMachine(RuleBasedStateMachine):
    """One tracker, its notifier, the fake Windows behind them, and the model."""

    def __init__(self, windows: FakeWindows, driver: Driver) -> None:
        super().__init__()
        self.windows = windows
        self.driver = driver
        self.model = Model()
        self.tracker = SessionTracker(driver.notifier)
        self.hooks: list[Hook] = []
        self.tracker.on_start(lambda info: self.hooks.append(("start", info)))
        self.tracker.on_end(lambda info: self.hooks.append(("end", info)))

    @initialize(users=st.dictionaries(SESSION_IDS, USERS, max_size=3))
    def start(self, users: dict[int, str]) -> None:
        self.windows.reset(users)
        self.driver.start()
        self.model.registered(self.windows.list_sessions())

    # --- Windows's events, each with the change that makes Windows send it. ---

    @rule(session_id=SESSION_IDS, user=USERS)
    def logon(self, session_id: int, user: str) -> None:
        self.windows.users[session_id] = user
        self.windows.locked.pop(session_id, None)
        self.driver.deliver((M.WTS_SESSION_LOGON, session_id))
        self.model.logon(self.windows.info(session_id), session_id)

    @rule(session_id=SESSION_IDS, user=USERS)
    def logon_windows_cannot_describe(self, session_id: int, user: str) -> None:
        self.windows.users[session_id] = user
        self.windows.mute.add(session_id)
        self.driver.deliver((M.WTS_SESSION_LOGON, session_id))
        self.windows.mute.discard(session_id)
        self.model.logon(SessionInfo(session_id), session_id)

    @rule(session_id=SESSION_IDS)
    def logon_and_logoff_before_the_tracker_asks(self, session_id: int) -> None:
        self.windows.users.pop(session_id, None)
        self.driver.deliver((M.WTS_SESSION_LOGON, session_id), (M.WTS_SESSION_LOGOFF, session_id))
        self.model.logon(None, session_id)
        self.model.logoff(session_id)

    @rule(session_id=SESSION_IDS, reason=st.sampled_from([M.WTS_SESSION_LOGOFF,
                                                         M.WTS_SESSION_TERMINATE]))
    def logoff(self, session_id: int, reason: M) -> None:
        self.windows.users.pop(session_id, None)
        self.driver.deliver((reason, session_id))
        self.model.logoff(session_id)

    @rule(session_id=SESSION_IDS, locked=st.booleans())
    def lock_or_unlock(self, session_id: int, locked: bool) -> None:
        if session_id in self.windows.users:
            self.windows.locked[session_id] = locked
        reason = M.WTS_SESSION_LOCK if locked else M.WTS_SESSION_UNLOCK
        self.driver.deliver((reason, session_id))
        self.model.lock(session_id, locked)

    # --- Changes the tracker hears nothing about. ---

    @rule(session_id=SESSION_IDS, user=USERS)
    def a_user_appears_or_changes_unseen(self, session_id: int, user: str) -> None:
        self.windows.users[session_id] = user

    @rule(session_id=SESSION_IDS)
    def a_session_ends_unseen(self, session_id: int) -> None:
        self.windows.users.pop(session_id, None)

    @rule(session_id=SESSION_IDS, locked=st.booleans())
    def a_session_locks_or_unlocks_unseen(self, session_id: int, locked: bool) -> None:
        if session_id in self.windows.users:
            self.windows.locked[session_id] = locked

    # --- The tracker's own reconciliations. ---

    @rule()
    def refresh(self) -> None:
        self.tracker.refresh()
        self.model.refresh(self.windows.list_sessions())

    @rule()
    def restart_the_notifier(self) -> None:
        self.driver.restart()
        self.model.registered(self.windows.list_sessions())

    # --- What must hold after every step. ---

    @invariant()
    def the_same_sessions_and_count(self) -> None:
        sessions = self.tracker.sessions
        assert sessions == self.model.counted
        assert self.tracker.count == len(sessions) == len(self.model.counted)

    @invariant()
    def the_same_hooks_in_the_same_order(self) -> None:
        assert self.hooks == self.model.hooks

    @invariant()
    def starts_minus_ends_is_the_count(self) -> None:
        starts = sum(kind == "start" for kind, _ in self.hooks)
        ends = len(self.hooks) - starts
        assert starts - ends == self.tracker.count - len(self.model.first_listing)

    @invariant()
    def no_session_is_counted_twice(self) -> None:
        # Per session, hooks alternate: never two starts without an end
        # between (nor two ends), whatever the order of other sessions'. The
        # first listing counted its sessions as started.
        last = dict.fromkeys(self.model.first_listing, "start")
        for kind, info in self.hooks:
            assert last.get(info.session_id) != kind, (kind, info, self.hooks)
            last[info.session_id] = kind

    def teardown(self) -> None:
        self.tracker.stop()
        self.driver.close()


def run_machine(monkeypatch: pytest.MonkeyPatch, driver: type[Driver], leg: settings) -> None:
    windows = FakeWindows()
    monkeypatch.setattr(_sessions, "list_sessions", windows.list_sessions)
    monkeypatch.setattr(_sessions, "session_info", windows.session_info)
    # hypothesis leaves run_state_machine_as_test unannotated.
    run_state_machine_as_test(  # type: ignore[no-untyped-call]
        lambda: TrackerMachine(windows, driver()), settings=leg
    )


@pytest.mark.skipif(sys.platform == "win32", reason="the real notifier's leg runs instead")
def test_tracker_follows_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    run_machine(monkeypatch, DirectDriver, NATIVE)


@pytest.mark.windows
@pytest.mark.skipif(sys.platform != "win32", reason="needs a real notifier")
def test_tracker_follows_the_model_on_a_real_notifier(monkeypatch: pytest.MonkeyPatch) -> None:
    run_machine(monkeypatch, WindowDriver, ON_WINDOWS)
