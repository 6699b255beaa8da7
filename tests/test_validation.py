"""Bad input fails at the call with a clear error, on any OS; and away from
Windows, everything that needs Win32 says so."""

from __future__ import annotations

import math
import sys
from typing import Any

import pytest

import win32session
from win32session import (
    Notifier,
    NotifyType,
    PowerBroadcast,
    PowerSetting,
    SessionEnding,
    SessionEvent,
    SessionNotificationMsg,
    SessionTracker,
    W32HandleSessionChanges,
    session_info,
)

LOCK = SessionNotificationMsg.WTS_SESSION_LOCK


def nothing(event: SessionEvent) -> None:
    pass


@pytest.mark.parametrize("scope", ["all", 1.0, True, NotifyType])
def test_scope_must_be_an_int(scope: Any) -> None:
    with pytest.raises(TypeError, match="NotifyType expected"):
        Notifier(scope)


@pytest.mark.parametrize("scope", [-1, 2, 0x100])
def test_scope_must_be_known(scope: int) -> None:
    with pytest.raises(ValueError, match="NOTIFY_FOR_ALL_SESSIONS"):
        Notifier(scope)


def test_register_timeout_may_be_endless() -> None:
    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS, register_timeout=math.inf)
    if sys.platform != "win32":
        with pytest.raises(OSError, match="needs Windows"):  # nothing about the timeout
            notifier.start()
        return
    from support import Collector, post

    got = Collector()
    notifier.subscribe(got)
    with notifier:  # registers: the endless timeout is taken as one
        post(notifier.hwnd, LOCK, 7)
        assert [event.session_id for event in got.wait_for(1)] == [7]
    assert not notifier.running


def test_scope_accepts_plain_ints() -> None:
    assert Notifier(1).scope is NotifyType.NOTIFY_FOR_ALL_SESSIONS
    assert Notifier().scope is NotifyType.NOTIFY_FOR_THIS_SESSION


@pytest.mark.parametrize("timeout", [-1, -0.001, float("nan")])
def test_register_timeout_must_not_be_negative(timeout: float) -> None:
    with pytest.raises(ValueError, match="register_timeout"):
        Notifier(register_timeout=timeout)


@pytest.mark.parametrize("timeout", ["5", None, True])
def test_register_timeout_must_be_a_number(timeout: Any) -> None:
    with pytest.raises(TypeError, match="register_timeout"):
        Notifier(register_timeout=timeout)


def test_on_error_must_be_callable() -> None:
    with pytest.raises(TypeError, match="on_error"):
        Notifier(on_error="log it")  # type: ignore[arg-type]


@pytest.mark.parametrize("callback", [None, 3, "print"])
def test_callback_must_be_callable(callback: Any) -> None:
    with pytest.raises(TypeError, match="callable"):
        Notifier().subscribe(callback)


@pytest.mark.parametrize("reason", ["lock", 7.0, None, False])
def test_reason_must_be_an_int(reason: Any) -> None:
    notifier = Notifier()
    with pytest.raises(TypeError, match="SessionNotificationMsg expected"):
        notifier.subscribe(nothing, reason)
    with pytest.raises(TypeError, match="SessionNotificationMsg expected"):
        notifier.on(reason)


@pytest.mark.parametrize("reason", [0, 0xC, 0x10, -7])
def test_reason_must_be_known(reason: int) -> None:
    notifier = Notifier()
    with pytest.raises(ValueError, match="WTS_SESSION_LOCK"):
        notifier.subscribe(nothing, LOCK, reason)
    with pytest.raises(ValueError, match="not a SessionNotificationMsg"):
        notifier.on(reason)


def test_a_rejected_subscription_leaves_nothing_behind() -> None:
    notifier = Notifier()
    with pytest.raises(ValueError):
        notifier.subscribe(nothing, LOCK, 0x55)
    assert notifier.unsubscribe(nothing) is False


@pytest.mark.parametrize("timeout", [-1, -0.5, float("nan")])
def test_stop_timeout_must_not_be_negative(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        Notifier().stop(timeout)


def test_stop_timeout_must_be_a_number() -> None:
    with pytest.raises(TypeError, match="timeout"):
        Notifier().stop("1")  # type: ignore[arg-type]


def test_stop_before_start_is_true_at_once() -> None:
    notifier = Notifier()
    assert notifier.stop() is True
    assert notifier.stop(0) is True
    assert notifier.stop(math.inf) is True
    assert notifier.running is False
    assert notifier.hwnd is None


def test_subscribe_returns_the_callback_and_unsubscribe_says_if_found() -> None:
    notifier = Notifier()
    assert notifier.subscribe(nothing) is nothing
    assert notifier.subscribe(nothing, LOCK) is nothing
    assert notifier.unsubscribe(nothing) is True
    assert notifier.unsubscribe(nothing) is False


@pytest.mark.parametrize("details", [1, None, "yes"])
def test_details_must_be_a_bool(details: Any) -> None:
    with pytest.raises(TypeError, match="details"):
        Notifier(details=details)


def test_run_on_ready_must_be_callable() -> None:
    with pytest.raises(TypeError, match="on_ready"):
        Notifier().run(on_ready="go")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="on_ready"):
        SessionTracker().run(on_ready=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("session_id", ["1", 1.0, None, True])
def test_session_id_must_be_an_int(session_id: Any) -> None:
    with pytest.raises(TypeError, match="session_id"):
        session_info(session_id)


@pytest.mark.parametrize("session_id", [-1, 0xFFFFFFFF, 2**32, 2**64])
def test_session_id_must_be_a_dword_other_than_current_session(session_id: int) -> None:
    with pytest.raises(ValueError, match="current_session_id"):
        session_info(session_id)


def test_tracker_needs_a_notifier_for_all_sessions() -> None:
    with pytest.raises(TypeError, match="Notifier"):
        SessionTracker("notifier")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NOTIFY_FOR_ALL_SESSIONS"):
        SessionTracker(Notifier())
    mine = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS)
    assert SessionTracker(mine).notifier is mine
    assert SessionTracker().notifier.scope is NotifyType.NOTIFY_FOR_ALL_SESSIONS


@pytest.mark.parametrize("hook", [None, 3, "print"])
def test_tracker_hooks_must_be_callable(hook: Any) -> None:
    tracker = SessionTracker()
    with pytest.raises(TypeError, match="callable"):
        tracker.on_start(hook)
    with pytest.raises(TypeError, match="callable"):
        tracker.on_end(hook)


def test_tracker_before_start_counts_nobody() -> None:
    tracker = SessionTracker()
    assert tracker.count == 0 and tracker.sessions == {}
    assert tracker.following  # from construction, whoever starts the notifier
    assert tracker.stop() is True
    assert not tracker.following


@pytest.mark.skipif(sys.platform == "win32", reason="checks the error away from Windows")
def test_session_queries_say_windows_is_needed() -> None:
    for query in (win32session.list_sessions, win32session.current_session_id,
                  win32session.active_console_session_id, lambda: session_info(1)):
        with pytest.raises(OSError, match="needs Windows"):
            query()
    tracker = SessionTracker()
    with pytest.raises(OSError, match="needs Windows"):
        tracker.start()
    with pytest.raises(OSError, match="needs Windows"):
        tracker.run()
    assert tracker.notifier.running is False
    with pytest.raises(OSError, match="needs Windows"):  # not "already started"
        tracker.start()


@pytest.mark.skipif(sys.platform == "win32", reason="checks the error away from Windows")
def test_start_and_run_say_windows_is_needed() -> None:
    notifier = Notifier()
    with pytest.raises(OSError, match="needs Windows"):
        notifier.start()
    with pytest.raises(OSError, match="needs Windows"):
        notifier.run()
    with pytest.raises(OSError, match="needs Windows"):
        with notifier:
            pass
    assert notifier.running is False
    with pytest.raises(OSError, match="needs Windows"):
        W32HandleSessionChanges.WTSRegisterSessionNotification(1, 0)
    with pytest.raises(OSError, match="needs Windows"):
        W32HandleSessionChanges.WTSUnRegisterSessionNotification(1)


def test_power_kinds_need_power_and_ending_kinds_need_ending() -> None:
    plain = Notifier()
    with pytest.raises(ValueError, match=r"PBT_APMSUSPEND is a power event.*power=True"):
        plain.subscribe(print, PowerBroadcast.PBT_APMSUSPEND)
    with pytest.raises(ValueError, match=r"GUID_ACDC_POWER_SOURCE is a power event"):
        plain.on(PowerSetting.GUID_ACDC_POWER_SOURCE)
    with pytest.raises(ValueError, match=r"WM_ENDSESSION is a session-ending event.*ending=True"):
        Notifier(power=True).subscribe(print, SessionEnding.WM_ENDSESSION)
    with pytest.raises(TypeError, match="power must be True or False"):
        Notifier(power=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ending must be True or False"):
        Notifier(ending="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="SessionNotificationMsg expected, got str"):
        Notifier(power=True).subscribe(print, "PBT_APMSUSPEND")  # type: ignore[arg-type]


def test_presence_tracker_needs_a_power_notifier() -> None:
    from win32session import PresenceTracker

    with pytest.raises(TypeError, match="notifier must be a Notifier"):
        PresenceTracker("notifier")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"give it a Notifier\(power=True\)"):
        PresenceTracker(Notifier())
    tracker = PresenceTracker(Notifier(power=True))
    with pytest.raises(TypeError, match="hook must be callable"):
        tracker.on_change(5)  # type: ignore[type-var]
    with pytest.raises(TypeError, match="on_ready must be callable"):
        tracker.run(on_ready=5)  # type: ignore[arg-type]
    assert tracker.away is False and str(tracker.state) == "in use"


def test_presence_reads_on_any_os() -> None:
    from win32session import MonitorDisplayState, Presence

    assert Presence().away is False and Presence().why_away == []
    dimmed = Presence(display=MonitorDisplayState.PowerMonitorDim, user_present=True)
    assert not dimmed.away
    everything = Presence(locked=True, user_present=False,
                          display=MonitorDisplayState.PowerMonitorOff, asleep=True, ending=True)
    assert str(everything) == (
        "away (locked, user not present, display off, asleep, session ending)")


def test_scope_none_is_the_default() -> None:
    assert Notifier(None).scope == NotifyType.NOTIFY_FOR_THIS_SESSION
    assert Notifier(None, service=True).scope == NotifyType.NOTIFY_FOR_ALL_SESSIONS


@pytest.mark.parametrize("timeout", [10**400, math.inf, 2.0**1023, 10**9],
                         ids=["10**400", "inf", "2.0**1023", "10**9"])
def test_a_timeout_beyond_any_wait_means_no_limit(timeout: float) -> None:
    # 10**400 is too large for a float: no OverflowError, as math.inf.
    assert Notifier().stop(timeout) is True
    Notifier(register_timeout=timeout)


@pytest.mark.parametrize("timeout", [-(10**400), -math.inf, float("nan"), -1e-300],
                         ids=["-10**400", "-inf", "nan", "-1e-300"])
def test_a_negative_or_nan_timeout_is_a_valueerror(timeout: float) -> None:
    with pytest.raises(ValueError, match="0 or more seconds"):
        Notifier().stop(timeout)
    with pytest.raises(ValueError, match="0 or more seconds"):
        Notifier(register_timeout=timeout)


def test_a_service_control_code_must_be_an_int() -> None:
    from win32session import Service

    with pytest.raises(TypeError, match="an int, 128 to 255"):
        Service("audit").on_control("200")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="128 to 255"):
        Service("audit").on_control(300)


@pytest.mark.windows
@pytest.mark.skipif(sys.platform != "win32", reason="needs the Win32 API")
def test_start_while_the_last_run_is_still_stopping_says_so() -> None:
    import threading

    from support import post

    entered, release = threading.Event(), threading.Event()
    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS)

    @notifier.on(SessionNotificationMsg.WTS_SESSION_LOCK)
    def slow(event: SessionEvent) -> None:
        entered.set()
        release.wait(30)

    notifier.start()
    try:
        post(notifier.hwnd, SessionNotificationMsg.WTS_SESSION_LOCK, 1)
        assert entered.wait(20)
        with pytest.raises(RuntimeError, match="already running"):
            notifier.start()  # no stop asked yet
        assert notifier.stop(0) is False  # the callback still runs
        with pytest.raises(RuntimeError, match="still stopping") as caught:
            notifier.start()
        assert "once stop() has returned True" in str(caught.value)
    finally:
        release.set()
    assert notifier.stop(10) is True
    notifier.start()  # stopped for good now: starts again
    assert notifier.stop(10) is True
