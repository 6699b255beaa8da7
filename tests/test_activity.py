"""The activity queries: idle time, power status, idle state.

The pure parts (the tick arithmetic, decoding SYSTEM_POWER_STATUS, argument
checks) run on any OS. The rest asks the real Win32 API; where a test needs an
answer Wine cannot give (ticks near the 49.7-day wrap, a lock state), it fakes
that one call and says so.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

import win32session
from win32session import ACLineStatus, IdleState, PowerStatus
from win32session._queries.activity import decode_power_status, ticks_between

windows = pytest.mark.windows
needs_win32 = pytest.mark.skipif(sys.platform != "win32", reason="needs the Win32 API")
WRAP = 1 << 32
HOUR = 60 * 60 * 1000
DAY = 24 * HOUR


@pytest.mark.parametrize(("earlier", "later", "expected"), [
    (1000, 4500, 3500),
    (0, 0, 0),
    (WRAP - 500, 1500, 2000),        # input just before the wrap, now just after
    (WRAP - 1, 0, 1),
    (5, 2**31 + 5, 2**31),           # 24.8 days idle: real time, not "ahead"
    (0, 30 * DAY, 30 * DAY),         # a month idle reads a month
    (0, WRAP - HOUR - 1, WRAP - HOUR - 1),  # the longest idle told from "ahead"
    (1000, 990, 0),                  # the last input's tick 10 ms ahead: 0, not 49.7 days
    (2, WRAP - 3, 0),                # ahead, across the wrap
    (HOUR, 0, 0),                    # an hour ahead: still "ahead"
    (HOUR + 1, 0, WRAP - HOUR - 1),  # more than an hour ahead: time elapsed, modulo the wrap
])
def test_ticks_between_handles_the_wrap(earlier: int, later: int, expected: int) -> None:
    assert ticks_between(earlier, later) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ((1, 128, 255, 0), PowerStatus(ACLineStatus.AC_LINE_ONLINE, None, False)),  # Wine: no battery
    ((0, 8, 57, 1), PowerStatus(ACLineStatus.AC_LINE_OFFLINE, 57, True)),       # charging bit
    ((255, 255, 255, 0), PowerStatus(ACLineStatus.AC_LINE_UNKNOWN, None, False)),
    ((1, 1, 100, 0), PowerStatus(ACLineStatus.AC_LINE_ONLINE, 100, False)),
    ((7, 2, 30, 0), PowerStatus(7, 30, False)),                                 # unknown line
])
def test_power_status_decoding(raw: tuple[int, int, int, int], expected: PowerStatus) -> None:
    assert decode_power_status(*raw) == expected


def test_on_battery() -> None:
    assert PowerStatus(ACLineStatus.AC_LINE_OFFLINE, 50, False).on_battery is True
    assert PowerStatus(ACLineStatus.AC_LINE_ONLINE, 50, False).on_battery is False
    assert PowerStatus(ACLineStatus.AC_LINE_BACKUP_POWER, None, False).on_battery is False
    assert PowerStatus(ACLineStatus.AC_LINE_UNKNOWN, None, False).on_battery is None


@pytest.mark.parametrize("threshold", ["60", None, True])
def test_idle_state_threshold_must_be_a_number(threshold: Any) -> None:
    with pytest.raises(TypeError, match="threshold must be a number of seconds"):
        win32session.idle_state(threshold)


@pytest.mark.parametrize("threshold", [-1, float("nan")])
def test_idle_state_threshold_must_not_be_negative(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold must be 0 or more seconds"):
        win32session.idle_state(threshold)


@pytest.mark.skipif(sys.platform == "win32", reason="checks the error away from Windows")
@pytest.mark.parametrize("query", ["idle_seconds", "power_status"])
def test_off_windows_the_queries_say_so(query: str) -> None:
    with pytest.raises(OSError, match="win32session needs Windows"):
        getattr(win32session, query)()


@windows
@needs_win32
def test_idle_seconds_is_what_windows_says() -> None:
    seconds = win32session.idle_seconds()
    assert isinstance(seconds, float) and 0 <= seconds < WRAP / 1000
    if sys.platform == "win32":
        from support import under_wine

        from win32session._win32 import kernel32

        if under_wine():
            # Wine has seen no input since its server started: the idle time
            # is the tick count itself, give or take the time between calls.
            assert abs(seconds - kernel32.GetTickCount() / 1000) < 10


@windows
@needs_win32
def test_idle_seconds_across_the_tick_wrap(monkeypatch: pytest.MonkeyPatch) -> None:
    # Faked: nobody waits 49.7 days. The last input was 2 s before the tick
    # count wrapped, and now it is 3.5 s after.
    from win32session._win32 import kernel32, user32

    def last_input(pointer: Any) -> int:
        pointer._obj.dwTime = WRAP - 2000
        return 1

    monkeypatch.setattr(user32, "GetLastInputInfo", last_input)
    monkeypatch.setattr(kernel32, "GetTickCount", lambda: 3500)
    assert win32session.idle_seconds() == 5.5


@windows
@needs_win32
@pytest.mark.parametrize(("last_input", "now", "seconds"), [
    (1000, 990, 0.0),                # GetLastInputInfo slightly ahead of GetTickCount
    (WRAP - 16, WRAP - 1000, 0.0),   # ahead, just before the wrap
    (5, WRAP - 5, 0.0),              # ahead across the wrap: now just before, input after
    (WRAP - 2000, 3500, 5.5),        # behind across the wrap: a real 5.5 s
    (WRAP - 1, WRAP - 1, 0.0),
])
def test_idle_seconds_and_state_when_the_last_input_is_ahead(
    monkeypatch: pytest.MonkeyPatch, last_input: int, now: int, seconds: float,
) -> None:
    # Faked, the only way: both tick counts are Windows's, Wine's input tick
    # is never ahead, and nobody waits 49.7 days for the wrap. The page of
    # LASTINPUTINFO: the tick "is not guaranteed to be incremental" (SendInput
    # takes the caller's own time), so it can be a little ahead of GetTickCount.
    from win32session._win32 import kernel32, user32

    def last_input_info(pointer: Any) -> int:
        assert pointer._obj.cbSize == 8  # sizeof(LASTINPUTINFO), as Windows requires
        pointer._obj.dwTime = last_input
        return 1

    monkeypatch.setattr(user32, "GetLastInputInfo", last_input_info)
    monkeypatch.setattr(kernel32, "GetTickCount", lambda: now)
    assert win32session.idle_seconds() == seconds
    # Never "idle for 49.7 days": whoever gave that input is here.
    expected = IdleState.IDLE if seconds >= 5 else IdleState.ACTIVE
    assert win32session.idle_state(5) is expected


@windows
@needs_win32
def test_power_status_is_what_windows_says(monkeypatch: pytest.MonkeyPatch) -> None:
    if sys.platform != "win32":  # for mypy: needs_win32 says so
        raise OSError("needs the Win32 API")
    import ctypes

    from support import under_wine

    from win32session._win32 import kernel32

    def ask() -> tuple[int, int, int, int]:
        """GetSystemPowerStatus's four BYTEs, asked here too."""
        raw = kernel32.SYSTEM_POWER_STATUS()
        kernel32.GetSystemPowerStatus(ctypes.byref(raw))
        return raw.ACLineStatus, raw.BatteryFlag, raw.BatteryLifePercent, raw.SystemStatusFlag

    # The documented layout: four BYTEs, then two DWORDs.
    # https://learn.microsoft.com/windows/win32/api/winbase/ns-winbase-system_power_status
    assert ctypes.sizeof(kernel32.SYSTEM_POWER_STATUS) == 12
    assert kernel32.SYSTEM_POWER_STATUS.BatteryLifeTime.offset == 4
    # A battery's charge may change between two questions: keep an answer
    # that held from before power_status() until after it.
    for _ in range(20):
        before = ask()
        status = win32session.power_status()
        if ask() == before:
            break
    else:
        raise AssertionError("the power status changed at every question")
    line, flag, percent, saver = before
    assert isinstance(status, PowerStatus)
    assert status.ac_line == line
    # BATTERY_FLAG_NO_BATTERY (128) unless the flag is unknown (255), and a
    # percentage of 255 for "unknown".
    no_battery = flag != 255 and bool(flag & 128)
    assert status.battery_percent == (None if no_battery or percent == 255 else percent)
    assert status.battery_saver == bool(saver & 1)
    if under_wine():  # what Wine 8.0 answers: on AC, no battery, no saver
        assert status == PowerStatus(ACLineStatus.AC_LINE_ONLINE, None, False)

    # Faked: a laptop on battery at 57 %, charging, battery saver on, which
    # neither Wine nor a CI machine has; each BYTE reaches its field.
    def laptop(pointer: Any) -> int:
        answer = pointer._obj
        answer.ACLineStatus, answer.BatteryFlag = 0, 8
        answer.BatteryLifePercent, answer.SystemStatusFlag = 57, 1
        return 1

    monkeypatch.setattr(kernel32, "GetSystemPowerStatus", laptop)
    assert win32session.power_status() == PowerStatus(ACLineStatus.AC_LINE_OFFLINE, 57, True)


@windows
@needs_win32
def test_idle_state_active_idle_and_locked(monkeypatch: pytest.MonkeyPatch) -> None:
    # Faked: the idle time, and the lock state Wine never gives.
    from win32session import SessionInfo
    from win32session._queries import activity as _activity
    from win32session._queries import sessions as _sessions

    monkeypatch.setattr(_activity, "idle_seconds", lambda: 30.0)
    assert win32session.idle_state(60) is IdleState.ACTIVE
    assert win32session.idle_state(30) is IdleState.IDLE
    monkeypatch.setattr(_sessions, "session_info", lambda s: SessionInfo(s, locked=True))
    assert win32session.idle_state(60) is IdleState.LOCKED


@windows
@needs_win32
def test_idle_state_without_a_lock_state_counts_as_unlocked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Wine answers no lock state for real; Windows always does, so there the
    # missing answer is faked: a session WTSSessionInfoEx does not describe,
    # and one that cannot be described at all. The idle time alone decides.
    from support import under_wine

    from win32session import SessionInfo
    from win32session._queries import activity as _activity
    from win32session._queries import sessions as _sessions

    def undescribed(session: int) -> SessionInfo:
        raise LookupError(f"there is no session {session}")

    if under_wine():
        assert _activity.this_session_locked() is None  # Wine's real answer
    else:
        monkeypatch.setattr(_sessions, "session_info", lambda s: SessionInfo(s, locked=None))
    monkeypatch.setattr(_activity, "idle_seconds", lambda: 30.0)
    assert win32session.idle_state(30) is IdleState.IDLE
    assert win32session.idle_state(60) is IdleState.ACTIVE
    monkeypatch.setattr(_sessions, "session_info", undescribed)
    assert _activity.this_session_locked() is None
    assert win32session.idle_state(60) is IdleState.ACTIVE


@pytest.mark.parametrize(("locked", "idle", "threshold", "state"), [
    (True, 0.0, 60, IdleState.LOCKED),
    (True, 999.0, 60, IdleState.LOCKED),
    (False, 59.9, 60, IdleState.ACTIVE),
    (False, 60.0, 60, IdleState.IDLE),
    (None, 0.0, 0, IdleState.IDLE),       # idle >= 0 seconds: always idle
    (None, 5.0, 60, IdleState.ACTIVE),    # no lock state: counts as unlocked
])
def test_idle_state_from_answers_already_asked(
    locked: bool | None, idle: float, threshold: float, state: IdleState
) -> None:
    from win32session._queries.activity import idle_state_from

    assert idle_state_from(locked, idle, threshold) is state
