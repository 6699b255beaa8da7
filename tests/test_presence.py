"""PresenceTracker on a real notifier (Windows, or Windows CPython under Wine).

Only Windows's part is simulated: lock and unlock are posted to the
notifier's window, power broadcasts and the session-ending messages are sent
to it from the test's thread (power settings with a real
POWERBROADCAST_SETTING), as Windows would. Wine says nothing about the lock
state (WTSSessionInfoEx fails), so the tests that seed a known lock state fake
that one answer and say so.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Iterator

import pytest
from support import dword, own_session, post, send_ending, send_power, send_power_setting

from win32session import (
    MonitorDisplayState,
    Notifier,
    NotifyType,
    PowerBroadcast,
    PowerSetting,
    Presence,
    PresenceTracker,
    SessionInfo,
    SessionNotificationMsg,
)

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

from win32session._queries import sessions as _sessions  # noqa: E402

M = SessionNotificationMsg
P = PowerBroadcast
S = PowerSetting
OFF, ON, DIM = (MonitorDisplayState.PowerMonitorOff, MonitorDisplayState.PowerMonitorOn,
                MonitorDisplayState.PowerMonitorDim)


class Changes:
    """Records every state a tracker reports, and lets a test wait for them."""

    def __init__(self, tracker: PresenceTracker) -> None:
        self.states: list[Presence] = []
        self._changed = threading.Condition()
        tracker.on_change(self._record)

    def _record(self, state: Presence) -> None:
        with self._changed:
            self.states.append(state)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Presence]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.states) >= count, timeout), self.states
            return list(self.states)


@pytest.fixture
def tracker() -> Iterator[PresenceTracker]:
    tracker = PresenceTracker(Notifier(power=True, ending=True))
    with tracker:
        yield tracker


def test_every_transition_folds_into_away(tracker: PresenceTracker) -> None:
    changes = Changes(tracker)
    hwnd = tracker.notifier.hwnd
    # Under Wine the lock state is unknown at start: nothing says "away".
    assert tracker.state.locked is None and tracker.away is False
    steps: list[tuple[str, int | None, bool, list[str]]] = [
        # (what Windows says, ..., away afterwards, why)
        ("display", ON, False, []),                     # the initial values
        ("presence", 0, False, []),
        ("lock", None, True, ["locked"]),
        ("display", OFF, True, ["locked", "display off"]),
        ("unlock", None, True, ["display off"]),
        ("display", DIM, False, []),                    # dimmed: still in use
        ("presence", 2, True, ["user not present"]),    # PowerUserInactive
        ("presence", 0, False, []),
        ("suspend", None, True, ["asleep"]),
        ("resume", None, False, []),
        ("suspend", None, True, ["asleep"]),
        ("resume_user", None, False, []),
        ("query", None, True, ["session ending"]),
        ("end", 0, False, []),                      # cancelled: in use again
        ("query", None, True, ["session ending"]),
    ]
    for index, (what, value, away, why) in enumerate(steps):
        if what in ("display", "presence"):
            assert value is not None
            setting = (S.GUID_SESSION_DISPLAY_STATUS if what == "display"
                       else S.GUID_SESSION_USER_PRESENCE)
            send_power_setting(hwnd, setting.value, dword(value))
        elif what in ("lock", "unlock"):
            post(hwnd, M.WTS_SESSION_LOCK if what == "lock" else M.WTS_SESSION_UNLOCK,
                 own_session())
        elif what == "suspend":
            send_power(hwnd, P.PBT_APMSUSPEND.code)
        elif what == "resume":
            send_power(hwnd, P.PBT_APMRESUMEAUTOMATIC.code)
        elif what == "resume_user":
            send_power(hwnd, P.PBT_APMRESUMESUSPEND.code)
        elif what == "query":
            send_ending(hwnd, 0x11, 0, 0)
        else:
            send_ending(hwnd, 0x16, int(bool(value)), 0)
        state = changes.wait_for(index + 1)[index]
        assert (state.away, state.why_away) == (away, why), (what, value, state)
        assert tracker.state == state
    # The end, confirmed, changes nothing: the session was already ending.
    send_ending(hwnd, 0x16, 1, 0)
    send_power(hwnd, P.PBT_APMSUSPEND.code)
    assert changes.wait_for(len(steps) + 1)[-1].why_away == ["asleep", "session ending"]
    assert str(changes.states[3]) == "away (locked, display off)"
    assert str(changes.states[1]) == "in use"
    assert all(s.since is not None for s in changes.states)


def test_what_changes_nothing_fires_nothing(tracker: PresenceTracker) -> None:
    changes = Changes(tracker)
    hwnd = tracker.notifier.hwnd
    send_power_setting(hwnd, S.GUID_SESSION_DISPLAY_STATUS.value, dword(1))
    send_power_setting(hwnd, S.GUID_SESSION_DISPLAY_STATUS.value, dword(1))  # the same again
    send_power(hwnd, P.PBT_APMRESUMEAUTOMATIC.code)  # not asleep: nothing new
    send_power(hwnd, P.PBT_APMPOWERSTATUSCHANGE.code)  # not presence
    send_power_setting(hwnd, S.GUID_ACDC_POWER_SOURCE.value, dword(1))  # not presence
    post(hwnd, M.WTS_SESSION_LOCK, own_session())
    states = changes.wait_for(2)
    assert [s.display for s in states] == [ON, ON] and [s.locked for s in states] == [None, True]
    assert len(changes.states) == 2


def test_other_sessions_locks_do_not_count() -> None:
    tracker = PresenceTracker(Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS, power=True))
    changes = Changes(tracker)
    with tracker:
        post(tracker.notifier.hwnd, M.WTS_SESSION_LOCK, own_session() + 5)
        post(tracker.notifier.hwnd, M.WTS_SESSION_UNLOCK, own_session())
        state = changes.wait_for(1)[0]
    assert state.locked is False and len(changes.states) == 1


def test_seeded_with_the_lock_state_where_windows_says(monkeypatch: pytest.MonkeyPatch) -> None:
    # Faked: Wine never answers WTSSessionInfoEx; Windows says locked here.
    monkeypatch.setattr(_sessions, "session_info",
                        lambda session_id: SessionInfo(session_id, locked=True))
    tracker = PresenceTracker(Notifier(power=True))
    seeded = Changes(tracker)
    with tracker:
        assert tracker.away and tracker.state.why_away == ["locked"]
        assert len(seeded.states) == 1  # the seed is a change from "unknown"
        post(tracker.notifier.hwnd, M.WTS_SESSION_UNLOCK, own_session())
        assert seeded.wait_for(2)[1].away is False


def test_seeded_by_run_before_on_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    # Faked as above.
    monkeypatch.setattr(_sessions, "session_info",
                        lambda session_id: SessionInfo(session_id, locked=True))
    tracker = PresenceTracker(Notifier(power=True))
    seen: list[bool] = []

    def ready() -> None:
        seen.append(tracker.away)
        tracker.notifier.stop()

    tracker.run(on_ready=ready)
    assert seen == [True]


def test_follows_a_notifier_its_user_starts() -> None:
    notifier = Notifier(power=True)
    tracker = PresenceTracker(notifier)
    changes = Changes(tracker)
    with notifier:  # not `with tracker:`
        send_power(notifier.hwnd, P.PBT_APMSUSPEND.code)
        assert changes.wait_for(1)[0].asleep is True
    assert tracker.away  # the last state stays readable


def test_a_raising_hook_is_logged_and_the_others_run(
    tracker: PresenceTracker, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(state: Presence) -> None:
        raise RuntimeError("hook broke")

    tracker.on_change(broken)
    changes = Changes(tracker)
    with caplog.at_level(logging.ERROR, logger="win32session"):
        send_power(tracker.notifier.hwnd, P.PBT_APMSUSPEND.code)
        changes.wait_for(1)
    assert "hook broke" in caplog.text


def test_iter_changes_yields_each_change_and_ends_with_the_notifier() -> None:
    tracker = PresenceTracker(Notifier(power=True))
    with tracker:
        changes = tracker.iter_changes()
        send_power(tracker.notifier.hwnd, P.PBT_APMSUSPEND.code)
        send_power(tracker.notifier.hwnd, P.PBT_APMRESUMEAUTOMATIC.code)
        first = next(changes)
        second = next(changes)
    assert (first.asleep, second.asleep) == (True, False)
    assert list(changes) == []  # ended with the run
    assert tracker.notifier._subscriptions == ()  # `with tracker:` closed it


def test_changes_for_async_for() -> None:
    async def main() -> list[bool]:
        tracker = PresenceTracker(Notifier(power=True))
        seen: list[bool] = []
        async with tracker.notifier:
            stream = tracker.changes()
            await asyncio.get_running_loop().run_in_executor(
                None, send_power, tracker.notifier.hwnd, P.PBT_APMSUSPEND.code)
            async for state in stream:
                seen.append(state.away)
                break
            await stream.aclose()
        return seen

    assert asyncio.run(main()) == [True]


def test_stop_stops_only_a_notifier_that_start_started() -> None:
    notifier = Notifier(power=True)
    notifier.start()
    try:
        tracker = PresenceTracker(notifier)
        tracker.start()  # already running: not the tracker's to stop
        assert tracker.stop() is True
        assert notifier.running
    finally:
        notifier.stop()
    own = PresenceTracker(Notifier(power=True))
    own.start()
    assert own.notifier.running
    assert own.stop(10) is True
    assert not own.notifier.running


def test_seeded_however_its_notifier_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    # Faked: Wine never answers WTSSessionInfoEx; Windows says locked here.
    monkeypatch.setattr(_sessions, "session_info",
                        lambda session_id: SessionInfo(session_id, locked=True))
    notifier = Notifier(power=True)
    tracker = PresenceTracker(notifier)
    with notifier:  # the tracker trap: not `with tracker:`
        assert tracker.away and tracker.state.why_away == ["locked"]
    late = Notifier(power=True)
    with late:
        assert PresenceTracker(late).state.locked is True  # made while it runs


def test_a_restart_starts_afresh() -> None:
    notifier = Notifier(power=True)
    tracker = PresenceTracker(notifier)
    changes = Changes(tracker)
    with notifier:
        send_power(notifier.hwnd, P.PBT_APMSUSPEND.code)
        assert changes.wait_for(1)[0].asleep
    # Stopped while "asleep" (the resume never came to this run): the next
    # registration knows only what Windows says then.
    with notifier:
        assert tracker.state.asleep is False and not tracker.away
    assert [s.asleep for s in changes.states] == [True, False]


def footprint(notifier: Notifier) -> tuple[int, int, int]:
    """What trackers leave on a notifier: its subscriptions, registration
    listeners and open streams."""
    return (len(notifier._subscriptions), len(notifier._registered_listeners),
            len(notifier._stream_ends))


def test_closed_trackers_leave_nothing_on_their_notifier() -> None:
    notifier = Notifier(power=True, ending=True)
    kept = PresenceTracker(notifier)
    changes = Changes(kept)
    before = footprint(notifier)
    for _ in range(1000):
        PresenceTracker(notifier).close()
    assert footprint(notifier) == before == (1, 1, 0)
    closed = PresenceTracker(notifier)
    assert closed.close() is True and closed.close() is True  # twice is fine
    with notifier:
        send_power(notifier.hwnd, P.PBT_APMSUSPEND.code)
        assert changes.wait_for(1)[0].asleep
        assert closed.state == Presence()  # it heard nothing
        assert footprint(notifier) == before
    for start in (closed.start, closed.run):
        with pytest.raises(RuntimeError, match="closed"):
            start()


def test_with_tracker_detaches_it_and_ends_its_iterators() -> None:
    notifier = Notifier(power=True)
    with PresenceTracker(notifier) as tracker:
        changes = tracker.iter_changes()
        got: list[Presence] = []
        reader = threading.Thread(target=lambda: got.extend(changes), daemon=True)
        reader.start()
        send_power(notifier.hwnd, P.PBT_APMSUSPEND.code)
        # The tracker closes here, and its reader ends.
    reader.join(10)
    assert not reader.is_alive() and [s.asleep for s in got] == [True]
    assert footprint(notifier) == (0, 0, 0)
    assert not notifier.running  # the tracker started it, so it stopped it
