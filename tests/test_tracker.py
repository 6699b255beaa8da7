"""SessionTracker on a real notifier (Windows, or Windows CPython under Wine).

Logons and logoffs are posted to the notifier's window as Windows would send
them, and the tracker asks the real wtsapi32 about each session: Wine answers
user and domain for any session id. Wine lists no sessions, so the listing is
faked (``fake_listing``) wherever a test needs sessions that already exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from support import call_in_thread, is_window, post, under_wine

from win32session import (
    Notifier,
    NotifyType,
    SessionInfo,
    SessionNotificationMsg,
    SessionTracker,
)

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

from win32session._queries import sessions as _sessions  # noqa: E402

M = SessionNotificationMsg
ALL = NotifyType.NOTIFY_FOR_ALL_SESSIONS
USER = os.environ["USERNAME"]


class Hooks:
    """Records on_start and on_end calls, and lets a test wait for them."""

    def __init__(self, tracker: SessionTracker) -> None:
        self.calls: list[tuple[str, int, str | None]] = []
        self._changed = threading.Condition()
        tracker.on_start(lambda info: self._record("start", info))
        tracker.on_end(lambda info: self._record("end", info))

    def _record(self, kind: str, info: SessionInfo) -> None:
        with self._changed:
            self.calls.append((kind, info.session_id, info.user_name))
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[tuple[str, int, str | None]]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.calls) >= count, timeout), self.calls
            return list(self.calls)


def settle(notifier: Notifier, timeout: float = 60.0) -> None:
    """Returns once every event posted so far has been handled: a marker
    event, posted last, has come through the same queue."""
    done = threading.Event()
    marker = 0xFFFF_FFF0

    def see(event: object) -> None:
        if getattr(event, "session_id", None) == marker:
            done.set()

    notifier.subscribe(see, M.WTS_SESSION_REMOTE_CONTROL)
    post(notifier.hwnd, M.WTS_SESSION_REMOTE_CONTROL, marker)
    assert done.wait(timeout), "the pump did not get through its queue"
    notifier.unsubscribe(see)


@pytest.fixture
def fake_listing(monkeypatch: pytest.MonkeyPatch) -> list[SessionInfo]:
    """What list_sessions() answers; Wine's own listing is always empty."""
    listing: list[SessionInfo] = []
    monkeypatch.setattr(_sessions, "list_sessions", lambda: list(listing))
    return listing


@pytest.fixture
def tracker() -> Iterator[SessionTracker]:
    tracker = SessionTracker()
    tracker.start()
    yield tracker
    assert tracker.stop(10) is True


def ada(session_id: int, locked: bool | None = None) -> SessionInfo:
    return SessionInfo(session_id, "Console", 0, "ada", "LAB", None, locked)


#: Every way a user can start a tracker's notifier.
WAYS = ["with notifier", "notifier.start()", "notifier.run()",
        "with tracker", "tracker.start()", "tracker.run()"]


@contextlib.contextmanager
def started(way: str, tracker: SessionTracker) -> Iterator[None]:
    """Starts ``tracker``'s notifier the way ``way`` says, for the block;
    inside it the notifier is registered (for run(), once on_ready is called,
    so after the tracker's listing, as start() returns after it)."""
    notifier = tracker.notifier
    if way in ("notifier.run()", "tracker.run()"):
        ready = threading.Event()
        run: Callable[..., None] = notifier.run if way == "notifier.run()" else tracker.run
        runner = call_in_thread(lambda: run(on_ready=ready.set))
        assert ready.wait(20), "run() did not get registered"
        try:
            yield
        finally:
            assert notifier.stop(10) is True
            runner.join(10)
        return
    if way == "with notifier":
        with notifier:
            yield
    elif way == "notifier.start()":
        notifier.start()
        try:
            yield
        finally:
            assert notifier.stop(10) is True
    elif way == "with tracker":
        with tracker:
            yield
    else:
        assert way == "tracker.start()"
        tracker.start()
        try:
            yield
        finally:
            assert tracker.stop(10) is True


def test_seeded_from_what_windows_lists() -> None:
    with SessionTracker() as tracker:
        if under_wine():
            assert tracker.count == 0  # Wine lists no sessions
        else:
            assert USER in {s.user_name for s in tracker.sessions.values()}


def test_seed_counts_sessions_with_a_user_and_fires_no_hook(
    fake_listing: list[SessionInfo],
) -> None:
    fake_listing += [SessionInfo(0, "Services"), ada(1), SessionInfo(2, user_name="bob"),
                     SessionInfo(65536, "RDP-Tcp")]
    tracker = SessionTracker()
    hooks = Hooks(tracker)
    with tracker:
        assert tracker.count == 2
        assert tracker.sessions == {1: ada(1), 2: SessionInfo(2, user_name="bob")}
    assert hooks.calls == []


def test_logon_counts_once_and_logoff_ends_it(tracker: SessionTracker) -> None:
    hooks = Hooks(tracker)
    hwnd = tracker.notifier.hwnd
    post(hwnd, M.WTS_SESSION_LOGON, 3)
    post(hwnd, M.WTS_SESSION_LOGON, 3)  # a duplicate never counts twice
    settle(tracker.notifier)
    assert tracker.count == 1
    info = tracker.sessions[3]
    assert (info.session_id, info.user_name) == (3, USER)  # asked of wtsapi32
    post(hwnd, M.WTS_SESSION_LOGOFF, 3)
    assert hooks.wait_for(2) == [("start", 3, USER), ("end", 3, USER)]
    assert tracker.count == 0 and tracker.sessions == {}


def test_logoff_or_terminate_of_an_unknown_session_changes_nothing(
    tracker: SessionTracker,
) -> None:
    hooks = Hooks(tracker)
    for _ in range(3):
        post(tracker.notifier.hwnd, M.WTS_SESSION_LOGOFF, 8)
        post(tracker.notifier.hwnd, M.WTS_SESSION_TERMINATE, 9)
    settle(tracker.notifier)
    assert tracker.count == 0 and hooks.calls == []


def test_terminate_ends_a_session_like_logoff(tracker: SessionTracker) -> None:
    hooks = Hooks(tracker)
    post(tracker.notifier.hwnd, M.WTS_SESSION_LOGON, 5)
    post(tracker.notifier.hwnd, M.WTS_SESSION_TERMINATE, 5)
    post(tracker.notifier.hwnd, M.WTS_SESSION_LOGOFF, 5)  # already ended
    settle(tracker.notifier)
    assert hooks.calls == [("start", 5, USER), ("end", 5, USER)]


def test_lock_and_unlock_keep_each_sessions_locked(fake_listing: list[SessionInfo]) -> None:
    fake_listing += [ada(1), ada(2)]
    with SessionTracker() as tracker:
        hooks = Hooks(tracker)
        post(tracker.notifier.hwnd, M.WTS_SESSION_LOCK, 1)
        post(tracker.notifier.hwnd, M.WTS_SESSION_UNLOCK, 2)
        post(tracker.notifier.hwnd, M.WTS_SESSION_LOCK, 7)  # not counted: ignored
        settle(tracker.notifier)
        assert {i: s.locked for i, s in tracker.sessions.items()} == {1: True, 2: False}
        post(tracker.notifier.hwnd, M.WTS_SESSION_UNLOCK, 1)
        settle(tracker.notifier)
        assert tracker.sessions[1].locked is False
        assert tracker.count == 2 and hooks.calls == []


def test_a_logon_of_another_user_ends_the_first(
    fake_listing: list[SessionInfo], tracker: SessionTracker
) -> None:
    # The tracker saw ada in session 4; her logoff was missed, and now the
    # real wtsapi32 says the session is USER's.
    fake_listing.append(ada(4))
    tracker.refresh()
    hooks = Hooks(tracker)
    post(tracker.notifier.hwnd, M.WTS_SESSION_LOGON, 4)
    assert hooks.wait_for(2) == [("end", 4, "ada"), ("start", 4, USER)]
    assert tracker.count == 1


def test_details_from_the_notifier_are_used_as_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notifier = Notifier(ALL, details=True)
    tracker = SessionTracker(notifier)
    asked: list[int] = []
    real = _sessions.session_info

    def counted(session_id: int) -> SessionInfo:
        asked.append(session_id)
        return real(session_id)

    monkeypatch.setattr(_sessions, "session_info", counted)
    with notifier, tracker:
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 6)
        settle(notifier)
        assert tracker.sessions[6].user_name == USER
    assert asked == []  # the event's info was enough


def test_a_logon_that_cannot_be_described_still_counts(
    monkeypatch: pytest.MonkeyPatch, tracker: SessionTracker
) -> None:
    # Fakes: Wine describes every session id, so failures must be forced.
    def fail(session_id: int) -> SessionInfo:
        if session_id == 11:
            raise LookupError("there is no session 11")  # gone before we asked
        raise OSError("Windows answered no question about session 12")

    monkeypatch.setattr(_sessions, "session_info", fail)
    post(tracker.notifier.hwnd, M.WTS_SESSION_LOGON, 11)
    post(tracker.notifier.hwnd, M.WTS_SESSION_LOGON, 12)
    settle(tracker.notifier)
    assert tracker.sessions == {12: SessionInfo(12)}


def test_refresh_reconciles_a_missed_logon_and_a_missed_logoff(
    fake_listing: list[SessionInfo],
) -> None:
    fake_listing += [ada(1), SessionInfo(2, user_name="bob")]
    with SessionTracker() as tracker:
        hooks = Hooks(tracker)
        # Windows now says: bob left (missed logoff), carol came (missed
        # logon), ada locked her session (no hook: she did not come or go).
        fake_listing[:] = [ada(1, locked=True), SessionInfo(3, user_name="carol")]
        tracker.refresh()
        assert hooks.calls == [("end", 2, "bob"), ("start", 3, "carol")]
        assert tracker.count == 2
        assert tracker.sessions == {1: ada(1, locked=True), 3: SessionInfo(3, user_name="carol")}
        tracker.refresh()  # nothing new: no hook
        assert len(hooks.calls) == 2


def test_a_raising_hook_is_logged_and_the_others_still_run(
    tracker: SessionTracker, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(info: SessionInfo) -> None:
        raise RuntimeError("hook broke")

    tracker.on_start(broken)
    hooks = Hooks(tracker)
    with caplog.at_level(logging.ERROR, logger="win32session"):
        post(tracker.notifier.hwnd, M.WTS_SESSION_LOGON, 2)
        hooks.wait_for(1)
    assert tracker.count == 1
    assert any(r.exc_info and "hook broke" in str(r.exc_info[1]) for r in caplog.records)


def test_hooks_see_the_count_already_changed_and_may_read_it(tracker: SessionTracker) -> None:
    seen: list[int] = []
    done = threading.Event()

    def ended(info: SessionInfo) -> None:
        seen.append(tracker.count)
        done.set()

    tracker.on_start(lambda info: seen.append(tracker.count))
    tracker.on_end(ended)
    post(tracker.notifier.hwnd, M.WTS_SESSION_LOGON, 2)
    post(tracker.notifier.hwnd, M.WTS_SESSION_LOGON, 3)
    post(tracker.notifier.hwnd, M.WTS_SESSION_LOGOFF, 2)
    assert done.wait(20)
    assert seen == [1, 2, 1]


def test_concurrent_events_and_reads_never_drift(tracker: SessionTracker) -> None:
    """Four threads post logons and logoffs (duplicates and strays among them)
    for sessions of their own while four others read; the count is never
    below zero or above the sessions there are, and ends exactly right."""
    hwnd = tracker.notifier.hwnd
    per_thread = 25
    final: dict[int, bool] = {}
    errors: list[str] = []
    stop_reading = threading.Event()

    def poster(base: int) -> None:
        rng = random.Random(base)
        online = set()
        for _ in range(400):
            session_id = base + rng.randrange(per_thread)
            if rng.random() < 0.5:
                post(hwnd, M.WTS_SESSION_LOGON, session_id)
                online.add(session_id)
            else:
                post(hwnd, M.WTS_SESSION_LOGOFF, session_id)
                online.discard(session_id)
        for session_id in range(base, base + per_thread):
            final[session_id] = session_id in online

    def reader() -> None:
        while not stop_reading.is_set():
            count = tracker.count
            snapshot = tracker.sessions
            if not 0 <= count <= 4 * per_thread or len(snapshot) > 4 * per_thread:
                errors.append(f"count {count}, snapshot of {len(snapshot)}")
            # Without a pause, four spinning readers starve the pump of the
            # GIL each time a ctypes call releases it (a convoy, not a bug).
            time.sleep(0.001)

    hooks = Hooks(tracker)
    readers = [call_in_thread(reader) for _ in range(4)]
    posters = [call_in_thread(functools.partial(poster, base)) for base in (100, 200, 300, 400)]
    for thread in posters:
        thread.join(60)
    settle(tracker.notifier)
    stop_reading.set()
    for thread in readers:
        thread.join(10)
    assert errors == []
    expected = {i for i, online in final.items() if online}
    assert set(tracker.sessions) == expected
    assert tracker.count == len(expected)
    kinds = [kind for kind, _, _ in hooks.calls]
    assert kinds.count("start") - kinds.count("end") == len(expected)


def test_start_twice_raises_and_stop_tears_its_own_notifier_down() -> None:
    tracker = SessionTracker()
    tracker.start()
    hwnd = tracker.notifier.hwnd
    with pytest.raises(RuntimeError, match="already started"):
        tracker.start()
    assert tracker.stop(10) is True
    assert not tracker.notifier.running and not is_window(hwnd)


def test_a_running_notifier_is_attached_to_and_left_running() -> None:
    with Notifier(ALL) as notifier:
        tracker = SessionTracker(notifier)
        tracker.start()
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 2)
        settle(notifier)
        assert tracker.count == 1
        assert tracker.stop() is True
        assert notifier.running
        post(notifier.hwnd, M.WTS_SESSION_LOGOFF, 2)  # no longer followed
        settle(notifier)
        assert tracker.count == 1


def test_run_seeds_once_registered_then_calls_on_ready(
    fake_listing: list[SessionInfo],
) -> None:
    fake_listing.append(ada(1))
    tracker = SessionTracker()
    counts: list[int] = []
    runner = call_in_thread(lambda: tracker.run(on_ready=lambda: counts.append(tracker.count)))
    hooks = Hooks(tracker)
    deadline = time.monotonic() + 20
    while tracker.notifier.hwnd is None:
        assert runner.is_alive() and time.monotonic() < deadline, "run() did not start"
        time.sleep(0.01)  # run() blocks, so its start can only be watched
    post(tracker.notifier.hwnd, M.WTS_SESSION_LOGON, 2)
    hooks.wait_for(1)
    assert tracker.notifier.stop(10) is True
    runner.join(10)
    assert counts == [1] and tracker.count == 2


# --- The tracker follows its notifier however it is started. ---


@pytest.mark.parametrize("way", WAYS)
def test_a_tracker_follows_its_notifier_however_it_is_started(
    way: str, fake_listing: list[SessionInfo]
) -> None:
    # The trap this closes: SessionTracker(notifier), then `with notifier:`,
    # used to leave count at 0 while users logged on.
    fake_listing.append(ada(1))
    notifier = Notifier(ALL)
    tracker = SessionTracker(notifier)
    assert tracker.following
    hooks = Hooks(tracker)
    with started(way, tracker):
        assert tracker.count == 1  # listed before start() returned (run: on_ready)
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 2)
        assert hooks.wait_for(1) == [("start", 2, USER)]
        post(notifier.hwnd, M.WTS_SESSION_LOGOFF, 1)
        assert hooks.wait_for(2)[1] == ("end", 1, "ada")
        assert set(tracker.sessions) == {2}
    assert not notifier.running


@pytest.mark.parametrize("way", WAYS)
def test_the_listing_comes_before_any_event_of_the_run(
    way: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    notifier = Notifier(ALL)
    tracker = SessionTracker(notifier)
    hooks = Hooks(tracker)
    listed_on: list[int] = []

    def listing() -> list[SessionInfo]:
        # Registered already: a logon Windows sends now waits in the queue,
        # and must count on top of the listing, not be replaced by it.
        listed_on.append(threading.get_ident())
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 2)
        return [ada(1)]

    monkeypatch.setattr(_sessions, "list_sessions", listing)
    with started(way, tracker):
        settle(notifier)
        assert hooks.calls == [("start", 2, USER)]
        assert set(tracker.sessions) == {1, 2}
    assert len(listed_on) == 1 and listed_on[0] != threading.get_ident()  # the pump's


def test_each_registration_lists_again_and_reports_what_was_missed(
    fake_listing: list[SessionInfo],
) -> None:
    fake_listing += [ada(1), SessionInfo(2, user_name="bob")]
    notifier = Notifier(ALL)
    tracker = SessionTracker(notifier)
    hooks = Hooks(tracker)
    with notifier:
        assert tracker.count == 2 and hooks.calls == []  # the first listing: no hooks
    # While nobody listened, bob left and carol came.
    fake_listing[:] = [ada(1), SessionInfo(3, user_name="carol")]
    assert tracker.count == 2  # the last state, until the notifier runs again
    with notifier:
        assert hooks.calls == [("end", 2, "bob"), ("start", 3, "carol")]
        assert set(tracker.sessions) == {1, 3}


def test_a_tracker_of_a_running_notifier_lists_the_sessions_at_once(
    fake_listing: list[SessionInfo],
) -> None:
    fake_listing.append(ada(1))
    with Notifier(ALL) as notifier:
        tracker = SessionTracker(notifier)
        assert tracker.count == 1
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 2)
        settle(notifier)
        assert set(tracker.sessions) == {1, 2}
        with tracker:  # already following: nothing to list again, nothing to stop
            assert tracker.count == 2
        assert notifier.running and not tracker.following


@pytest.mark.parametrize("way", ["with notifier", "notifier.start()", "notifier.run()",
                                 "tracker.start()", "tracker.run()"])
def test_a_listing_that_fails_fails_the_start_loudly(
    way: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A fake: Wine's WTSEnumerateSessionsW never fails.
    notifier = Notifier(ALL)
    tracker = SessionTracker(notifier)
    seen: list[object] = []
    notifier.subscribe(seen.append)
    windows: list[int | None] = []

    def broken() -> list[SessionInfo]:
        windows.append(notifier.hwnd)
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 2)  # must never be delivered
        raise OSError("WTSEnumerateSessionsW failed")

    monkeypatch.setattr(_sessions, "list_sessions", broken)
    start: Callable[[], object] = {
        "with notifier": lambda: notifier.__enter__(),
        "notifier.start()": notifier.start,
        "notifier.run()": notifier.run,
        "tracker.start()": tracker.start,
        "tracker.run()": tracker.run,
    }[way]
    with caplog.at_level(logging.DEBUG, logger="win32session"):
        with pytest.raises(OSError, match="WTSEnumerateSessionsW failed"):
            start()
    assert not notifier.running and notifier.hwnd is None
    assert len(windows) == 1 and not is_window(windows[0])
    assert seen == [] and tracker.count == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # raised, not logged
    # The tracker still follows: the next start lists the sessions.
    assert tracker.following
    monkeypatch.setattr(_sessions, "list_sessions", lambda: [ada(1)])
    with notifier:
        assert tracker.count == 1


def test_two_trackers_on_one_notifier_each_keep_the_count(
    fake_listing: list[SessionInfo],
) -> None:
    fake_listing.append(ada(1))
    notifier = Notifier(ALL)
    first, second = SessionTracker(notifier), SessionTracker(notifier)
    with notifier:
        assert first.count == second.count == 1
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 2)
        settle(notifier)
        assert set(first.sessions) == set(second.sessions) == {1, 2}
        assert first.stop() is True  # the first stops following; the notifier runs on
        assert notifier.running
        post(notifier.hwnd, M.WTS_SESSION_LOGOFF, 2)
        settle(notifier)
        assert (first.count, second.count) == (2, 1)


def test_after_stop_a_tracker_follows_nothing_until_started_again(
    fake_listing: list[SessionInfo],
) -> None:
    notifier = Notifier(ALL)
    tracker = SessionTracker(notifier)
    assert tracker.stop() is True and not tracker.following
    fake_listing.append(ada(1))
    with notifier:
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 2)
        settle(notifier)
        assert tracker.count == 0  # stopped on purpose: `following` says so
    with tracker:  # follows again, starts the notifier, lists the sessions
        assert tracker.following and notifier.running and tracker.count == 1
    assert not notifier.running and not tracker.following


def test_after_run_a_tracker_still_follows_its_notifier(fake_listing: list[SessionInfo]) -> None:
    tracker = SessionTracker()
    hooks = Hooks(tracker)
    with started("tracker.run()", tracker):
        assert tracker.count == 0
    assert tracker.following
    fake_listing.append(ada(1))  # a logon while nobody listened
    with tracker.notifier:
        assert hooks.calls == [("start", 1, "ada")] and tracker.count == 1


def test_async_with_notifier_starts_a_tracker_listed(fake_listing: list[SessionInfo]) -> None:
    fake_listing.append(ada(1))
    notifier = Notifier(ALL)
    tracker = SessionTracker(notifier)

    async def main() -> int:
        async with notifier:
            return tracker.count

    assert asyncio.run(main()) == 1


def footprint(notifier: Notifier) -> tuple[int, int]:
    """What trackers leave on a notifier: its subscriptions and its
    registration listeners."""
    return len(notifier._subscriptions), len(notifier._registered_listeners)


def test_closed_trackers_leave_nothing_on_their_notifier(fake_listing: list[SessionInfo]) -> None:
    notifier = Notifier(ALL)
    kept = SessionTracker(notifier)
    before = footprint(notifier)
    for _ in range(1000):
        SessionTracker(notifier).close()
    with SessionTracker(notifier):
        pass
    assert footprint(notifier) == before == (1, 1)
    closed = SessionTracker(notifier)
    assert closed.close() is True and closed.close() is True  # twice is fine
    assert footprint(notifier) == before and not closed.following
    fake_listing.append(ada(1))
    with notifier:
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 2)
        settle(notifier)
        assert (kept.count, closed.count) == (2, 0)  # the closed one heard nothing
    with pytest.raises(RuntimeError, match="closed"):
        closed.start()
    with pytest.raises(RuntimeError, match="closed"):
        closed.run()


def test_close_stops_the_notifier_its_start_started(fake_listing: list[SessionInfo]) -> None:
    fake_listing.append(ada(1))
    tracker = SessionTracker()
    tracker.start()
    assert tracker.notifier.running and tracker.count == 1
    assert tracker.close(10) is True
    assert not tracker.notifier.running and footprint(tracker.notifier) == (0, 0)
    assert tracker.count == 1  # the last state stays readable
