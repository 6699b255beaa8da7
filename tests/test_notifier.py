"""The notifier against the real Win32 API (Windows, or Windows CPython under Wine).

Only Windows's part is simulated: events are posted to ``notifier.hwnd`` from
the test's thread (tests/support.py). Fakes stand in only where Wine cannot do
the real thing, and each says so.
"""

from __future__ import annotations

import ctypes
import datetime
import functools
import itertools
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from support import (
    Collector,
    call_in_thread,
    declaring_module,
    is_window,
    own_session,
    post,
    under_wine,
)

from win32session import (
    WM_WTSSESSION_CHANGE,
    Notifier,
    NotifyType,
    SessionEvent,
    SessionNotificationMsg,
    W32HandleSessionChanges,
)
from win32session._win32 import kernel32, user32, wtsapi32

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

M = SessionNotificationMsg
ALL = NotifyType.NOTIFY_FOR_ALL_SESSIONS
THIS = NotifyType.NOTIFY_FOR_THIS_SESSION


@pytest.fixture
def notifier() -> Iterator[Notifier]:
    """A running notifier for all sessions, always stopped afterwards."""
    notifier = Notifier(ALL)
    notifier.start()
    yield notifier
    assert notifier.stop(10) is True


def wrap_api(monkeypatch: pytest.MonkeyPatch, name: str, before: Callable[[], object]) -> None:
    """Runs ``before()`` ahead of each call of the real Win32 function ``name``."""
    module = declaring_module(name)
    real = getattr(module, name)

    def wrapper(*args: Any) -> Any:
        before()
        return real(*args)

    monkeypatch.setattr(module, name, wrapper)


def run_in_thread(
    notifier: Notifier, on_ready: Callable[[], object] | None = None
) -> tuple[threading.Thread, list[BaseException]]:
    """Runs ``notifier.run()`` on a new thread and returns once it has its
    window; the list gets whatever run() raises."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            notifier.run(on_ready=on_ready)
        except BaseException as exc:  # recorded for the test's asserts
            raised.append(exc)

    runner = call_in_thread(run)
    deadline = time.monotonic() + 20
    while notifier.hwnd is None:
        assert not raised and time.monotonic() < deadline, f"run() did not start: {raised}"
        time.sleep(0.01)  # run() blocks, so its start can only be watched
    return runner, raised


# --- Delivery. ---


def test_start_registers_a_message_only_window(notifier: Notifier) -> None:
    assert notifier.running is True
    assert notifier.hwnd is not None and is_window(notifier.hwnd)
    assert f"hwnd={notifier.hwnd:#x}" in repr(notifier)


def test_every_code_and_an_unknown_one_arrive_decoded(
    notifier: Notifier, collector: Collector
) -> None:
    notifier.subscribe(collector)
    codes = [*SessionNotificationMsg, 0xC, 0x7F, 0xFFFF]
    before = time.time()
    for code in codes:
        post(notifier.hwnd, code, 3)
    events = collector.wait_for(len(codes))
    assert [e.reason for e in events] == codes
    for event, code in zip(events, codes, strict=True):
        known = code in M._value2member_map_
        assert type(event.reason) is (SessionNotificationMsg if known else int)
        assert event.session_id == 3
        assert event.timestamp.utcoffset() == datetime.timedelta(0)  # aware, UTC
        assert before - 1 <= event.timestamp.timestamp() <= time.time() + 1


def test_a_sent_message_takes_the_window_procedure_path(
    notifier: Notifier, collector: Collector
) -> None:
    """Posted messages are handled in the pump's loop; a message sent to the
    window (SendMessageW from another thread) is delivered by Windows inside
    GetMessageW, straight to the window procedure. Both must decode alike."""
    user32 = ctypes.WinDLL("user32", use_last_error=True)
    send = user32.SendMessageW
    send.argtypes = (ctypes.c_void_p, ctypes.c_uint, ctypes.c_size_t, ctypes.c_ssize_t)
    send.restype = ctypes.c_ssize_t
    notifier.subscribe(collector)
    assert send(notifier.hwnd, WM_WTSSESSION_CHANGE, M.WTS_SESSION_UNLOCK, -2) == 0
    post(notifier.hwnd, M.WTS_SESSION_UNLOCK, -2)
    sent, posted = collector.wait_for(2)
    assert sent.reason == posted.reason == M.WTS_SESSION_UNLOCK
    assert sent.session_id == posted.session_id == 0xFFFFFFFE


@pytest.mark.parametrize(
    ("lparam", "session_id"),
    [(0, 0), (1, 1), (0x7FFFFFFF, 0x7FFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF),
     (-1, 0xFFFFFFFF), (0x1_0000_0005, 5), (-(2**63), 0)],
)
def test_session_id_is_the_unsigned_low_32_bits_of_lparam(
    notifier: Notifier, collector: Collector, lparam: int, session_id: int
) -> None:
    notifier.subscribe(collector)
    post(notifier.hwnd, M.WTS_SESSION_LOCK, lparam)
    assert collector.wait_for(1)[0].session_id == session_id


def test_thousands_of_events_arrive_in_order_none_lost(
    notifier: Notifier, collector: Collector
) -> None:
    notifier.subscribe(collector)
    count = 5000
    for i in range(count):
        post(notifier.hwnd, 1 + i % 11, i)
    events = collector.wait_for(count)
    assert [e.session_id for e in events] == list(range(count))
    assert [e.reason for e in events] == [1 + i % 11 for i in range(count)]
    assert all(a.timestamp <= b.timestamp for a, b in itertools.pairwise(events))


def test_this_session_scope_drops_other_sessions_events(collector: Collector) -> None:
    mine = own_session()
    other = (mine + 1) & 0xFFFFFFFF
    with Notifier(THIS) as notifier:
        notifier.subscribe(collector)
        post(notifier.hwnd, M.WTS_SESSION_LOCK, other)  # as leaked on RDS/Citrix
        post(notifier.hwnd, M.WTS_SESSION_UNLOCK, mine)
        # Order is kept, so once our own event is in, the other one was seen.
        events = collector.wait_for(1)
        time.sleep(0.05)
    assert [(e.reason, e.session_id) for e in collector.events] == [(M.WTS_SESSION_UNLOCK, mine)]
    assert events[0].session_id == mine


def test_all_sessions_scope_keeps_every_session(notifier: Notifier, collector: Collector) -> None:
    mine = own_session()
    notifier.subscribe(collector)
    post(notifier.hwnd, M.WTS_SESSION_LOCK, mine + 1)
    post(notifier.hwnd, M.WTS_SESSION_UNLOCK, mine)
    assert [e.session_id for e in collector.wait_for(2)] == [mine + 1, mine]


def test_remote_control_is_read_only_for_our_own_session(
    notifier: Notifier, collector: Collector
) -> None:
    mine = own_session()
    notifier.subscribe(collector)
    post(notifier.hwnd, M.WTS_SESSION_REMOTE_CONTROL, mine)
    post(notifier.hwnd, M.WTS_SESSION_REMOTE_CONTROL, mine + 1)
    post(notifier.hwnd, M.WTS_SESSION_LOCK, mine)
    own, other, lock = collector.wait_for(3)
    real = user32.GetSystemMetrics(user32.SM_REMOTECONTROL) != 0
    assert own.remote_control is real
    assert other.remote_control is None
    assert lock.remote_control is None


def test_remote_control_true_when_the_metric_says_so(
    notifier: Notifier, collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fake: nobody remote-controls the Wine session, so the metric is made to
    # answer 1 for SM_REMOTECONTROL; the rest of the path is real.
    real = user32.GetSystemMetrics
    monkeypatch.setattr(
        user32, "GetSystemMetrics",
        lambda index: 1 if index == user32.SM_REMOTECONTROL else real(index),
    )
    notifier.subscribe(collector)
    post(notifier.hwnd, M.WTS_SESSION_REMOTE_CONTROL, own_session())
    assert collector.wait_for(1)[0].remote_control is True


# --- Subscriptions. ---


def test_reasons_filter_and_subscription_order(notifier: Notifier) -> None:
    calls: list[tuple[str, int]] = []
    done = Collector()
    notifier.subscribe(lambda e: calls.append(("first", e.reason)))
    notifier.subscribe(lambda e: calls.append(("locks", e.reason)),
                       M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK)

    @notifier.on(M.WTS_SESSION_LOGON)
    def logons(event: SessionEvent) -> None:
        calls.append(("logons", event.reason))

    notifier.subscribe(done)
    for code in (M.WTS_SESSION_LOCK, M.WTS_SESSION_LOGON, M.WTS_SESSION_UNLOCK, 0x42):
        post(notifier.hwnd, code, 1)
    done.wait_for(4)
    assert calls == [
        ("first", M.WTS_SESSION_LOCK), ("locks", M.WTS_SESSION_LOCK),
        ("first", M.WTS_SESSION_LOGON), ("logons", M.WTS_SESSION_LOGON),
        ("first", M.WTS_SESSION_UNLOCK), ("locks", M.WTS_SESSION_UNLOCK),
        ("first", 0x42),
    ]


def test_subscribe_and_unsubscribe_while_running(notifier: Notifier) -> None:
    a, b = Collector(), Collector()
    notifier.subscribe(a)
    notifier.subscribe(b, M.WTS_SESSION_LOCK)
    notifier.subscribe(b, M.WTS_SESSION_UNLOCK)
    post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)
    a.wait_for(1)
    assert notifier.unsubscribe(b) is True  # both of b's subscriptions
    assert notifier.unsubscribe(b) is False
    post(notifier.hwnd, M.WTS_SESSION_UNLOCK, 1)
    a.wait_for(2)
    assert [e.reason for e in b.events] == [M.WTS_SESSION_LOCK]


# --- Errors in callbacks. ---


def test_a_raising_callback_goes_to_on_error_and_the_pump_goes_on(collector: Collector) -> None:
    errors: list[tuple[Exception, SessionEvent]] = []
    with Notifier(ALL, on_error=lambda exc, event: errors.append((exc, event))) as notifier:
        @notifier.on()
        def broken(event: SessionEvent) -> None:
            raise ValueError(f"broken on {event.session_id}")

        notifier.subscribe(collector)
        post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)
        post(notifier.hwnd, M.WTS_SESSION_UNLOCK, 2)
        events = collector.wait_for(2)
        assert notifier.running
    assert [str(exc) for exc, _ in errors] == ["broken on 1", "broken on 2"]
    assert [event for _, event in errors] == events


def test_without_on_error_the_exception_is_logged_with_traceback(
    collector: Collector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="win32session")
    with Notifier(ALL) as notifier:
        notifier.subscribe(lambda event: 1 / 0)
        notifier.subscribe(collector)
        post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)
        post(notifier.hwnd, M.WTS_SESSION_LOCK, 2)
        collector.wait_for(2)
    records = [r for r in caplog.records if r.name == "win32session"]
    assert len(records) == 2
    assert all(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in records)
    assert "WTS_SESSION_LOCK" in records[0].getMessage()


def test_on_error_raising_is_logged_too(
    collector: Collector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="win32session")

    def bad_handler(exc: Exception, event: SessionEvent) -> None:
        raise RuntimeError("handler broke")

    with Notifier(ALL, on_error=bad_handler) as notifier:
        notifier.subscribe(lambda event: [][0])  # noqa: PLE0643 (a callback that raises)
        notifier.subscribe(collector)
        post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)
        collector.wait_for(1)
    kinds = [r.exc_info[0] for r in caplog.records if r.exc_info]
    assert RuntimeError in kinds and IndexError in kinds


# --- Stopping. ---


def test_stop_with_an_endless_timeout(notifier: Notifier) -> None:
    assert notifier.stop(math.inf) is True
    assert notifier.stop(1e300) is True


def test_stop_from_another_thread_twice_and_window_gone() -> None:
    notifier = Notifier(ALL)
    notifier.start()
    hwnd = notifier.hwnd
    results: list[bool] = []
    call_in_thread(lambda: results.append(notifier.stop())).join(30)
    assert results == [True]
    assert notifier.stop() is True
    assert notifier.running is False and notifier.hwnd is None
    assert not is_window(hwnd)


def test_stop_from_a_callback_returns_false_and_the_pump_ends_after_it(
    collector: Collector,
) -> None:
    notifier = Notifier(ALL)
    results: list[bool] = []

    @notifier.on(M.WTS_SESSION_LOCK)
    def stop_here(event: SessionEvent) -> None:
        results.append(notifier.stop())
        results.append(notifier.stop(5))  # twice, with a timeout: still no deadlock

    gate = threading.Event()
    notifier.subscribe(lambda e: gate.wait(30), M.WTS_SESSION_LOGON)
    notifier.subscribe(collector)
    notifier.start()
    hwnd = notifier.hwnd
    # The pump waits at the gate until both events are queued; otherwise it is
    # quick enough to run the callback's stop() before the UNLOCK is posted.
    post(hwnd, M.WTS_SESSION_LOGON, 0)
    post(hwnd, M.WTS_SESSION_LOCK, 1)
    post(hwnd, M.WTS_SESSION_UNLOCK, 2)  # queued before the stop: still delivered
    gate.set()
    collector.wait_for(3)
    assert notifier.stop(30) is True
    assert results == [False, False]
    assert [e.session_id for e in collector.events] == [0, 1, 2]
    assert not is_window(hwnd)


def test_events_queued_before_stop_are_delivered_later_ones_are_not(collector: Collector) -> None:
    release, entered = threading.Event(), threading.Event()

    def block_on_first(event: SessionEvent) -> None:
        if event.session_id == 0:
            entered.set()
            release.wait(30)

    notifier = Notifier(ALL)
    notifier.subscribe(block_on_first)
    notifier.subscribe(collector)
    notifier.start()
    hwnd = notifier.hwnd
    post(hwnd, M.WTS_SESSION_LOCK, 0)  # blocks the pump until released
    assert entered.wait(10)
    for i in range(1, 101):
        post(hwnd, M.WTS_SESSION_LOCK, i)
    assert notifier.stop(0) is False  # requested; the pump is busy
    for i in range(101, 201):
        post(hwnd, M.WTS_SESSION_UNLOCK, i)
    release.set()
    assert notifier.stop(30) is True
    assert [e.session_id for e in collector.events] == list(range(0, 101))


def test_stop_timeout_runs_out_while_a_callback_blocks() -> None:
    release = threading.Event()
    entered = threading.Event()

    def block(event: SessionEvent) -> None:
        entered.set()
        release.wait(30)

    notifier = Notifier(ALL)
    notifier.subscribe(block)
    notifier.start()
    post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)
    assert entered.wait(10)
    started = time.monotonic()
    assert notifier.stop(timeout=0.3) is False
    assert time.monotonic() - started < 5
    assert notifier.running is True
    with pytest.raises(RuntimeError, match="still stopping"):
        notifier.start()
    release.set()
    assert notifier.stop() is True
    assert notifier.running is False


def test_restart_after_stop(collector: Collector) -> None:
    notifier = Notifier(ALL)
    notifier.subscribe(collector)
    hwnds = []
    for round_ in range(3):
        notifier.start()
        hwnds.append(notifier.hwnd)
        post(notifier.hwnd, M.WTS_SESSION_LOCK, round_)
        collector.wait_for(round_ + 1)
        assert notifier.stop() is True
    assert [e.session_id for e in collector.events] == [0, 1, 2]
    assert not any(is_window(h) for h in hwnds)


def test_start_or_run_while_running_raises(notifier: Notifier) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        notifier.start()
    with pytest.raises(RuntimeError, match="already running"):
        notifier.run()
    assert notifier.running


def test_run_pumps_on_the_calling_thread_until_stop(collector: Collector) -> None:
    notifier = Notifier(ALL)
    threads: list[int] = []
    notifier.subscribe(lambda e: threads.append(threading.get_ident()))
    notifier.subscribe(collector)
    runner, raised = run_in_thread(notifier)
    post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)
    collector.wait_for(1)
    assert notifier.stop() is True
    runner.join(10)
    assert not runner.is_alive() and raised == []
    assert threads == [runner.ident]


def test_run_calls_on_ready_on_its_thread_once_registered_before_any_event(
    collector: Collector,
) -> None:
    notifier = Notifier(ALL)
    notifier.subscribe(collector)
    seen: list[tuple[int, bool, int]] = []

    def ready() -> None:
        # An event posted now waits in the queue until on_ready returns.
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 2)
        time.sleep(0.2)
        seen.append((threading.get_ident(), is_window(notifier.hwnd), len(collector.events)))

    runner, raised = run_in_thread(notifier, on_ready=ready)
    collector.wait_for(1)
    assert notifier.stop() is True
    runner.join(10)
    assert raised == []
    assert seen == [(runner.ident, True, 0)]


def test_on_ready_raising_ends_run_with_its_error_after_teardown() -> None:
    notifier = Notifier(ALL)
    windows: list[int | None] = []

    def ready() -> None:
        windows.append(notifier.hwnd)
        raise ValueError("not ready after all")

    with pytest.raises(ValueError, match="not ready after all"):
        notifier.run(on_ready=ready)
    assert notifier.running is False and windows and not is_window(windows[0])


def test_details_describe_the_session_on_arrival(collector: Collector) -> None:
    with Notifier(ALL, details=True) as notifier:
        notifier.subscribe(collector)
        post(notifier.hwnd, M.WTS_SESSION_LOGON, own_session())
        event = collector.wait_for(1)[0]
    assert notifier.details is True
    assert event.info is not None
    assert event.info.session_id == own_session()
    assert event.info.user_name == os.environ["USERNAME"]
    assert event.info.domain == os.environ["USERDOMAIN"]


def test_without_details_no_question_is_asked(
    monkeypatch: pytest.MonkeyPatch, notifier: Notifier, collector: Collector
) -> None:
    asked: list[int] = []
    wrap_api(monkeypatch, "WTSQuerySessionInformationW", lambda: asked.append(1))
    notifier.subscribe(collector)
    post(notifier.hwnd, M.WTS_SESSION_LOGON, own_session())
    assert collector.wait_for(1)[0].info is None
    assert notifier.details is False and asked == []


@pytest.mark.parametrize(
    ("error", "level"),
    [(LookupError("there is no session 4"), logging.DEBUG),
     (OSError("Windows answered no question about session 4"), logging.DEBUG),
     (RuntimeError("a bug"), logging.ERROR)],
)
def test_details_that_cannot_be_had_leave_info_none_and_the_pump_going(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    collector: Collector, error: Exception, level: int,
) -> None:
    # Fake: Wine describes every session id; a failing query must be forced.
    from win32session._queries import sessions as _sessions

    def fail(session_id: int) -> None:
        raise error

    monkeypatch.setattr(_sessions, "_describe", fail)
    with caplog.at_level(logging.DEBUG, logger="win32session"):
        with Notifier(ALL, details=True) as notifier:
            notifier.subscribe(collector)
            post(notifier.hwnd, M.WTS_SESSION_LOGOFF, 4)
            post(notifier.hwnd, M.WTS_SESSION_LOCK, 4)
            events = collector.wait_for(2)
            assert notifier.running
    assert [e.info for e in events] == [None, None]
    records = [r for r in caplog.records if "session 4" in r.getMessage()]
    assert len(records) == 2 and {r.levelno for r in records} == {level}


def test_context_manager_starts_and_stops(collector: Collector) -> None:
    with Notifier(ALL) as notifier:
        assert notifier.running
        hwnd = notifier.hwnd
        notifier.subscribe(collector)
        post(hwnd, M.WTS_SESSION_LOCK, 1)
        collector.wait_for(1)
    assert not notifier.running and not is_window(hwnd)


def test_two_notifiers_at_once_each_with_its_own_window() -> None:
    first, second = Collector(), Collector()
    with Notifier(ALL) as a, Notifier(ALL) as b:
        a.subscribe(first)
        b.subscribe(second)
        assert a.hwnd != b.hwnd
        post(a.hwnd, M.WTS_SESSION_LOCK, 1)
        post(b.hwnd, M.WTS_SESSION_UNLOCK, 2)
        first.wait_for(1)
        second.wait_for(1)
        assert a.stop() is True
        post(b.hwnd, M.WTS_SESSION_LOGON, 3)  # b lives on
        second.wait_for(2)
    assert [e.session_id for e in first.events] == [1]
    assert [e.session_id for e in second.events] == [2, 3]


# --- Teardown. ---


def test_teardown_order_is_unregister_destroy_unregister_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    for name in ("WTSUnRegisterSessionNotification", "DestroyWindow", "UnregisterClassW"):
        wrap_api(monkeypatch, name, functools.partial(calls.append, name))
    notifier = Notifier(ALL)
    notifier.start()
    hwnd = notifier.hwnd
    assert notifier.stop() is True
    assert calls == ["WTSUnRegisterSessionNotification", "DestroyWindow", "UnregisterClassW"]
    assert not is_window(hwnd)


def test_unregister_false_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Fake: a WTSUnRegisterSessionNotification that fails with an error code
    # (Wine's fails without one; that case is the next test).
    def fails(hwnd: int) -> int:
        raise ctypes.WinError(5)

    monkeypatch.setattr(wtsapi32, "WTSUnRegisterSessionNotification", fails)
    caplog.set_level(logging.DEBUG, logger="win32session")
    notifier = Notifier(ALL)
    notifier.start()
    hwnd = notifier.hwnd
    assert notifier.stop() is True
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "WTSUnRegisterSessionNotification" in warnings[0].getMessage()
    assert not is_window(hwnd)


def test_real_unregister_result_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="win32session")
    with Notifier(ALL):
        pass
    unregister = [r for r in caplog.records if "WTSUnRegisterSessionNotification" in r.getMessage()]
    if under_wine():
        # Wine answers FALSE with no error code: nothing to act on, so debug.
        assert [r.levelno for r in unregister] == [logging.DEBUG]
    else:
        assert unregister == []


# --- Registration right after boot (RPC_S_INVALID_BINDING). ---


@pytest.fixture
def termsrv_ready_event() -> Iterator[int]:
    """Global\\TermSrvReadyEvent, unset. Wine's user session has no Remote
    Desktop Services to create it, so the test creates it (manual reset)."""
    handle = kernel32.CreateEventW(None, True, False, "Global\\TermSrvReadyEvent")
    yield handle
    kernel32.CloseHandle(handle)


def set_event_later(handle: int, delay: float) -> list[float]:
    """Sets the event ``delay`` seconds from now, as Remote Desktop Services
    would once started; the list gets the time it was set."""
    set_at: list[float] = []

    def announce() -> None:
        time.sleep(delay)
        set_at.append(time.monotonic())
        kernel32.SetEvent(handle)

    call_in_thread(announce)
    return set_at


def fail_registration(monkeypatch: pytest.MonkeyPatch, times: int) -> list[float]:
    """Fake: WTSRegisterSessionNotification fails with RPC_S_INVALID_BINDING
    ``times`` times, then runs the real call. Wine's never fails, and on
    Windows it fails only while Remote Desktop Services is starting."""
    real = wtsapi32.WTSRegisterSessionNotification
    attempts: list[float] = []

    def flaky(hwnd: int, flags: int) -> int:
        attempts.append(time.monotonic())
        if len(attempts) <= times:
            raise ctypes.WinError(wtsapi32.RPC_S_INVALID_BINDING)
        return real(hwnd, flags)

    monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", flaky)
    return attempts


def test_1702_waits_for_termsrv_ready_event_then_registers(
    monkeypatch: pytest.MonkeyPatch, termsrv_ready_event: int, collector: Collector
) -> None:
    attempts = fail_registration(monkeypatch, times=1)
    set_at = set_event_later(termsrv_ready_event, 0.5)
    notifier = Notifier(ALL, register_timeout=30)
    notifier.start()
    try:
        assert len(attempts) == 2
        assert attempts[1] >= set_at[0]  # retried because the event was set
        assert attempts[1] - set_at[0] < 5  # woken by it, not by a long pause
        notifier.subscribe(collector)
        post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)
        collector.wait_for(1)
    finally:
        assert notifier.stop() is True


def test_1702_with_an_endless_register_timeout_waits_for_the_event(
    monkeypatch: pytest.MonkeyPatch, termsrv_ready_event: int
) -> None:
    attempts = fail_registration(monkeypatch, times=1)
    set_event_later(termsrv_ready_event, 0.3)
    with Notifier(ALL, register_timeout=math.inf) as notifier:
        assert notifier.running
    assert len(attempts) == 2


def test_1702_without_the_event_retries_after_a_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = fail_registration(monkeypatch, times=2)
    with Notifier(ALL, register_timeout=30) as notifier:
        assert notifier.running
    assert len(attempts) == 3
    assert 0.5 < attempts[2] - attempts[0] < 10


def test_1702_past_register_timeout_raises_naming_the_session_manager(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On Windows 10 and 11 clients the session notifications come from the
    # Local Session Manager, and TermService is often stopped by design: the
    # message must not send the user to check TermService alone.
    fail_registration(monkeypatch, times=10**9)
    notifier = Notifier(ALL, register_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(OSError) as raised:
        notifier.start()
    assert time.monotonic() - started < 10
    assert raised.value.winerror == 1702
    message = str(raised.value)
    assert "Local Session Manager service, LSM" in message
    assert "check that it is running" not in message  # TermService may be stopped on purpose
    assert message.startswith("[WinError 1702] WTSRegisterSessionNotification kept failing")
    assert notifier.running is False and notifier.hwnd is None
    assert notifier.stop() is True


def test_other_registration_errors_raise_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fake: Wine's registration never fails; this one fails with access denied.
    def denied(hwnd: int, flags: int) -> int:
        raise ctypes.WinError(5)

    destroyed: list[str] = []
    monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", denied)
    wrap_api(monkeypatch, "DestroyWindow", lambda: destroyed.append("DestroyWindow"))
    notifier = Notifier(ALL, register_timeout=30)
    with pytest.raises(OSError) as raised:
        notifier.start()
    assert raised.value.winerror == 5
    assert destroyed == ["DestroyWindow"]  # the half-made window was cleaned up
    monkeypatch.undo()
    notifier.start()  # and the notifier is usable afterwards
    assert notifier.stop() is True


def test_stop_during_the_1702_wait_ends_start_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = fail_registration(monkeypatch, times=10**9)
    notifier = Notifier(ALL, register_timeout=60)
    outcome: list[object] = []

    def start() -> None:
        try:
            notifier.start()
            outcome.append("returned")
        except BaseException as exc:  # recorded for the assert
            outcome.append(exc)

    starter = call_in_thread(start)
    while not attempts:
        time.sleep(0.01)
    stopped_at = time.monotonic()
    assert notifier.stop(30) is True
    starter.join(30)
    assert outcome == ["returned"]
    assert time.monotonic() - stopped_at < 5
    assert notifier.running is False


# --- The C# mirror. ---


def test_w32handlesessionchanges_calls_wtsapi32(notifier: Notifier) -> None:
    hwnd = notifier.hwnd
    assert hwnd is not None
    assert W32HandleSessionChanges.WTSRegisterSessionNotification(hwnd, ALL) is True
    result = W32HandleSessionChanges.WTSUnRegisterSessionNotification(hwnd)
    assert type(result) is bool
    if under_wine():
        # Wine answers FALSE without setting an error: returned as is, and the
        # error code stays readable as with SetLastError = true.
        assert result is False and ctypes.get_last_error() == 0
    else:
        assert result is True


def test_w32handlesessionchanges_failure_leaves_the_error_readable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Fake: Wine's registration never fails. This stands in for the ctypes
    # call failing with RPC_S_INVALID_BINDING, which leaves the code where
    # ctypes.get_last_error() reads it, as a real failing call would.
    def fails(hwnd: int, flags: int) -> int:
        ctypes.set_last_error(wtsapi32.RPC_S_INVALID_BINDING)
        raise ctypes.WinError(wtsapi32.RPC_S_INVALID_BINDING)

    monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", fails)
    assert W32HandleSessionChanges.WTSRegisterSessionNotification(1, 0) is False
    assert ctypes.get_last_error() == 1702


# --- Failures of the pump itself. ---


def fail_next_getmessage(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake: GetMessageW returning -1 (an invalid MSG pointer or window on
    Windows; Wine's never fails on our valid arguments). The errcheck turns
    that into an OSError, as for the real call."""
    def broken(*args: Any) -> int:
        raise ctypes.WinError(6)

    monkeypatch.setattr(user32, "GetMessageW", broken)


def test_getmessage_error_ends_run_with_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    notifier = Notifier(ALL)
    hwnds: list[int | None] = []

    @notifier.on()
    def break_the_loop(event: SessionEvent) -> None:
        hwnds.append(notifier.hwnd)
        fail_next_getmessage(monkeypatch)  # the next GetMessageW is the broken one

    runner, raised = run_in_thread(notifier)
    post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)
    runner.join(30)
    assert len(raised) == 1 and isinstance(raised[0], OSError) and raised[0].winerror == 6
    assert notifier.running is False and not is_window(hwnds[0])


def test_getmessage_error_in_background_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="win32session")
    notifier = Notifier(ALL)
    notifier.subscribe(lambda event: fail_next_getmessage(monkeypatch))
    notifier.start()
    hwnd = notifier.hwnd
    post(hwnd, M.WTS_SESSION_LOCK, 1)
    assert notifier.stop(30) is True
    assert not is_window(hwnd)
    (record,) = [r for r in caplog.records if r.exc_info]  # logged before stop() returned
    assert "pump ended" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is OSError


@pytest.mark.parametrize("kind", [SystemExit, KeyboardInterrupt])
def test_callback_raising_baseexception_stops_and_run_reraises(
    kind: type[BaseException], collector: Collector
) -> None:
    notifier = Notifier(ALL)

    @notifier.on(M.WTS_SESSION_LOGOFF)
    def leave(event: SessionEvent) -> None:
        raise kind(3)

    notifier.subscribe(collector)
    runner, raised = run_in_thread(notifier)
    hwnd = notifier.hwnd
    post(hwnd, M.WTS_SESSION_LOCK, 1)
    collector.wait_for(1)
    post(hwnd, M.WTS_SESSION_LOGOFF, 2)
    runner.join(30)
    assert [type(exc) for exc in raised] == [kind]
    assert notifier.running is False and not is_window(hwnd)
    assert [e.session_id for e in collector.events] == [1]  # stopped at once


def test_stop_is_retried_when_the_queue_is_full(
    monkeypatch: pytest.MonkeyPatch, collector: Collector
) -> None:
    # Fake: the first post of the stop message fails as on a full queue
    # (ERROR_NOT_ENOUGH_QUOTA after 10,000 posted messages on Windows; Wine
    # has no such limit). The pump re-posts it after the next message.
    real_post = user32.PostMessageW
    refused: list[int] = []

    def full_once(hwnd: int, msg: int, wparam: int, lparam: int) -> int:
        if msg != WM_WTSSESSION_CHANGE and not refused:
            refused.append(msg)
            raise ctypes.WinError(1816)
        return real_post(hwnd, msg, wparam, lparam)

    notifier = Notifier(ALL)
    notifier.subscribe(collector)
    notifier.start()
    hwnd = notifier.hwnd
    monkeypatch.setattr(user32, "PostMessageW", full_once)
    assert notifier.stop(0.2) is False  # the stop message could not be posted
    assert refused and notifier.running
    post(hwnd, M.WTS_SESSION_LOCK, 1)  # the pump drains a message, then re-posts
    assert notifier.stop(30) is True
    assert [e.session_id for e in collector.events] == [1]
    assert not is_window(hwnd)


def test_callback_raising_baseexception_in_background_stops_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="win32session")
    notifier = Notifier(ALL)

    def leave(event: SessionEvent) -> None:
        raise SystemExit(3)

    notifier.subscribe(leave)
    notifier.start()
    hwnd = notifier.hwnd
    post(hwnd, M.WTS_SESSION_LOGOFF, 1)
    assert notifier.stop(30) is True
    assert not is_window(hwnd)
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.exc_info is not None and record.exc_info[0] is SystemExit
