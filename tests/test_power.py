"""Power events and the session ending, against the real Win32 API (Windows,
or Windows CPython under Wine).

Wine 8.0 registers the window for suspend/resume and for each power setting
(it returns a dummy handle) but never sends WM_POWERBROADCAST, so only the
operating system's send is simulated: SendMessageW from the test's thread,
with a real POWERBROADCAST_SETTING buffer that is scribbled over as soon as
the send returns (tests/support.py). Everything from the window on is real.
WM_QUERYENDSESSION and WM_ENDSESSION are sent the same way here; the real
thing, `wineboot --end-session`, is in tests/test_ending.py.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from support import (
    Collector,
    declaring_module,
    dword,
    is_window,
    own_session,
    post,
    send_ending,
    send_power,
    send_power_setting,
)

from win32session import (
    WM_WTSSESSION_CHANGE,
    EndSessionFlags,
    EnergySaverStatus,
    MonitorDisplayState,
    Notifier,
    NotifyType,
    PowerBroadcast,
    PowerEvent,
    PowerSetting,
    SessionEnding,
    SessionEndingEvent,
    SessionNotificationMsg,
    SystemPowerCondition,
    UserActivityPresence,
)
from win32session._win32 import kernel32, user32, wtsapi32

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

M = SessionNotificationMsg
P = PowerBroadcast
S = PowerSetting
ALL = NotifyType.NOTIFY_FOR_ALL_SESSIONS
UNKNOWN_GUID = "01234567-89ab-cdef-0123-456789abcdef"


@pytest.fixture
def power() -> Iterator[Notifier]:
    """A running notifier with power=True, always stopped afterwards."""
    notifier = Notifier(ALL, power=True)
    notifier.start()
    yield notifier
    assert notifier.stop(10) is True


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Records every registration, unregistration and DestroyWindow, with the
    handle each returned or was given, while calling the real functions."""
    record: list[tuple[str, Any]] = []
    names = ("RegisterSuspendResumeNotification", "UnregisterSuspendResumeNotification",
             "RegisterPowerSettingNotification", "UnregisterPowerSettingNotification",
             "WTSRegisterSessionNotification", "WTSUnRegisterSessionNotification",
             "DestroyWindow")
    for name in names:
        module = declaring_module(name)
        real = getattr(module, name)

        def wrapper(*args: Any, _real: Callable[..., Any] = real, _name: str = name) -> Any:
            if not _name.startswith(("Register", "WTSRegister")):
                record.append((_name, args[0]))  # before: Wine's unregister fails
                return _real(*args)
            result = _real(*args)
            record.append((_name, result))
            return result

        monkeypatch.setattr(module, name, wrapper)
    return record


def test_every_pbt_code_and_an_unknown_one_arrive_decoded(
    power: Notifier, collector: Collector
) -> None:
    power.subscribe(collector)
    codes = [P.PBT_APMSUSPEND, P.PBT_APMRESUMEAUTOMATIC, P.PBT_APMRESUMESUSPEND,
             P.PBT_APMPOWERSTATUSCHANGE]
    for kind in codes:
        assert send_power(power.hwnd, kind.code) == 1  # TRUE: granted
    assert send_power(power.hwnd, 0x1234) == 1
    events = collector.wait_for(5)
    assert [e.kind for e in events] == [*codes, 0x1234]
    assert all(isinstance(e, PowerEvent) and e.setting is None for e in events)
    assert events[-1].kind_name == "unknown PBT code 0x1234"
    assert events[0].kind_name == "PBT_APMSUSPEND"
    assert all(e.timestamp.tzinfo is not None for e in events)


def test_each_setting_arrives_decoded_and_the_first_is_initial(
    power: Notifier, collector: Collector
) -> None:
    # The first value Windows sends for each setting, right after
    # registration, is the state it was already in.
    power.subscribe(collector, P.PBT_POWERSETTINGCHANGE)
    cases = [
        (S.GUID_SESSION_USER_PRESENCE, 2, UserActivityPresence.PowerUserInactive),
        (S.GUID_SESSION_DISPLAY_STATUS, 2, MonitorDisplayState.PowerMonitorDim),
        (S.GUID_ACDC_POWER_SOURCE, 1, SystemPowerCondition.PoDc),
        (S.GUID_BATTERY_PERCENTAGE_REMAINING, 57, 57),
        (S.GUID_POWER_SAVING_STATUS, 1, 1),
        (S.GUID_ENERGY_SAVER_STATUS, 2, EnergySaverStatus.ENERGY_SAVER_HIGH_SAVINGS),
    ]
    for setting, raw, _ in cases:
        assert send_power_setting(power.hwnd, setting.value, dword(raw)) == 1
    for setting, raw, _ in cases:
        send_power_setting(power.hwnd, setting.value, dword(raw))
    events = collector.wait_for(2 * len(cases))
    for index, (setting, raw, value) in enumerate(cases * 2):
        event = events[index]
        assert (event.kind, event.setting, event.value, event.data) == (
            P.PBT_POWERSETTINGCHANGE, setting, value, dword(raw))
        assert type(event.value) is type(value)
        assert event.initial is (index < len(cases))
    assert str(events[1]).endswith("GUID_SESSION_DISPLAY_STATUS=PowerMonitorDim (initial)")


def test_unknown_settings_and_values_are_delivered_raw(
    power: Notifier, collector: Collector
) -> None:
    power.subscribe(collector)
    send_power_setting(power.hwnd, UNKNOWN_GUID, dword(7))
    send_power_setting(power.hwnd, S.GUID_SESSION_DISPLAY_STATUS.value, dword(9))
    scheme = bytes(range(16))  # a GUID as data, as GUID_POWERSCHEME_PERSONALITY has
    send_power_setting(power.hwnd, UNKNOWN_GUID, scheme)
    unknown, odd_value, not_a_dword = collector.wait_for(3)
    assert (unknown.setting, unknown.value, unknown.setting_name) == (UNKNOWN_GUID, 7, UNKNOWN_GUID)
    assert odd_value.value == 9 and type(odd_value.value) is int
    assert (not_a_dword.value, not_a_dword.data, not_a_dword.initial) == (None, scheme, False)


def test_subscriptions_by_setting_by_kind_and_never_across_sources(
    power: Notifier,
) -> None:
    # PBT_APMSUSPEND is 4, like WTS_REMOTE_DISCONNECT: neither subscriber may
    # ever get the other's event.
    disconnects, suspends, display, everything = Collector(), Collector(), Collector(), Collector()
    power.subscribe(disconnects, M.WTS_REMOTE_DISCONNECT)
    power.subscribe(suspends, P.PBT_APMSUSPEND)
    power.subscribe(display, S.GUID_SESSION_DISPLAY_STATUS)
    power.subscribe(everything)
    send_power(power.hwnd, P.PBT_APMSUSPEND.code)
    post(power.hwnd, M.WTS_REMOTE_DISCONNECT, own_session())
    everything.wait_for(2)  # a send could overtake the posted message
    send_power_setting(power.hwnd, S.GUID_SESSION_USER_PRESENCE.value, dword(0))
    send_power_setting(power.hwnd, S.GUID_SESSION_DISPLAY_STATUS.value, dword(0))
    send_power(power.hwnd, 4 + 0x100000000)  # only the low 32 bits are the code
    events = everything.wait_for(5)
    assert [type(e).__name__ for e in events] == [
        "PowerEvent", "SessionEvent", "PowerEvent", "PowerEvent", "PowerEvent"]
    assert [e.kind for e in suspends.events] == [P.PBT_APMSUSPEND, P.PBT_APMSUSPEND]
    assert [e.reason for e in disconnects.events] == [M.WTS_REMOTE_DISCONNECT]
    assert [e.setting for e in display.events] == [S.GUID_SESSION_DISPLAY_STATUS]


def test_registrations_are_real_and_undone_in_reverse_before_destroywindow(
    calls: list[tuple[str, Any]],
) -> None:
    notifier = Notifier(power=True)
    notifier.start()
    hwnd = notifier.hwnd
    registered = list(calls)
    assert notifier.stop(10)
    assert not is_window(hwnd)
    names = [name for name, _ in registered]
    settings = (S.GUID_SESSION_USER_PRESENCE, S.GUID_SESSION_DISPLAY_STATUS,
                S.GUID_ACDC_POWER_SOURCE, S.GUID_BATTERY_PERCENTAGE_REMAINING,
                S.GUID_POWER_SAVING_STATUS, S.GUID_ENERGY_SAVER_STATUS)
    assert names == ["WTSRegisterSessionNotification", "RegisterSuspendResumeNotification",
                     *["RegisterPowerSettingNotification"] * len(settings)]
    # Wine answers with a dummy handle, Windows with a real one: never NULL.
    handles = [handle for _, handle in registered[1:]]
    assert all(handles)
    undone = calls[len(registered):]
    assert undone == [
        *[("UnregisterPowerSettingNotification", h) for h in reversed(handles[1:])],
        ("UnregisterSuspendResumeNotification", handles[0]),
        ("WTSUnRegisterSessionNotification", hwnd),
        ("DestroyWindow", hwnd),
    ]


def test_a_failed_registration_undoes_what_was_made_and_start_raises(
    monkeypatch: pytest.MonkeyPatch, calls: list[tuple[str, Any]],
) -> None:
    # Faked: Wine never refuses a power registration. The third setting
    # (the power source) fails with ERROR_ACCESS_DENIED.
    recording = user32.RegisterPowerSettingNotification
    made = 0

    def refuse_the_third(*args: Any) -> Any:
        nonlocal made
        made += 1
        if made == 3:
            raise OSError(None, "RegisterPowerSettingNotification: Access is denied.", None, 5)
        return recording(*args)

    monkeypatch.setattr(user32, "RegisterPowerSettingNotification", refuse_the_third)
    notifier = Notifier(power=True)
    with pytest.raises(OSError) as raised:
        notifier.start()
    assert raised.value.winerror == 5
    assert not notifier.running and notifier.hwnd is None
    names = [name for name, _ in calls]
    assert names == [
        "WTSRegisterSessionNotification", "RegisterSuspendResumeNotification",
        "RegisterPowerSettingNotification", "RegisterPowerSettingNotification",
        "UnregisterPowerSettingNotification", "UnregisterPowerSettingNotification",
        "UnregisterSuspendResumeNotification", "WTSUnRegisterSessionNotification",
        "DestroyWindow",
    ]


def test_energy_saver_is_optional_on_older_windows(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, collector: Collector,
) -> None:
    # Faked: Windows before 11 24H2 may not know GUID_ENERGY_SAVER_STATUS.
    real = user32.RegisterPowerSettingNotification
    energy_saver = S.GUID_ENERGY_SAVER_STATUS.value.split("-")[0]

    def refuse_energy_saver(hwnd: int, guid: Any, flags: int) -> Any:
        if f"{guid._obj.Data1:08x}" == energy_saver:
            raise OSError(None, "RegisterPowerSettingNotification: The parameter is incorrect.",
                          None, 87)
        return real(hwnd, guid, flags)

    monkeypatch.setattr(user32, "RegisterPowerSettingNotification", refuse_energy_saver)
    caplog.set_level(logging.DEBUG, logger="win32session")
    with Notifier(power=True) as notifier:
        notifier.subscribe(collector)
        send_power(notifier.hwnd, P.PBT_APMSUSPEND.code)
        assert collector.wait_for(1)[0].kind == P.PBT_APMSUSPEND
    assert "GUID_ENERGY_SAVER_STATUS not registered" in caplog.text


def test_ending_makes_a_hidden_top_level_window() -> None:
    with Notifier(ending=True) as notifier:
        hwnd = notifier.hwnd
        assert hwnd is not None and is_window(hwnd)
        # Found among top-level windows, not among message-only ones.
        assert user32.FindWindowExW(None, None, None, "win32session") == hwnd
        assert user32.FindWindowExW(user32.HWND_MESSAGE, None, None, "win32session") is None
        # Session events still reach it.
        seen = Collector()
        notifier.subscribe(seen)
        post(hwnd, M.WTS_SESSION_LOCK, own_session())
        assert seen.wait_for(1)[0].reason == M.WTS_SESSION_LOCK
    assert not is_window(hwnd)


def test_query_and_end_run_the_callbacks_before_the_answer() -> None:
    answered = threading.Event()
    seen_before_answer: list[bool] = []
    events: list[SessionEndingEvent] = []

    def callback(event: SessionEndingEvent) -> None:
        events.append(event)
        seen_before_answer.append(not answered.is_set())

    with Notifier(ending=True) as notifier:
        notifier.subscribe(callback, SessionEnding.WM_QUERYENDSESSION, SessionEnding.WM_ENDSESSION)
        logoff = int(EndSessionFlags.ENDSESSION_LOGOFF)
        assert send_ending(notifier.hwnd, 0x11, 0, logoff) == 1  # TRUE: never a veto
        answered.set()
        answered.clear()
        assert send_ending(notifier.hwnd, 0x16, 0, logoff) == 0  # cancelled after all
        answered.set()
        answered.clear()
        critical = int(EndSessionFlags.ENDSESSION_CRITICAL | EndSessionFlags.ENDSESSION_CLOSEAPP)
        assert send_ending(notifier.hwnd, 0x11, 0, 0) == 1  # shutdown: no flags
        assert send_ending(notifier.hwnd, 0x16, 1, critical) == 0
    assert seen_before_answer == [True] * 4
    query, cancelled, shutdown, end = events
    assert (query.kind, query.flags, query.ending) == (
        SessionEnding.WM_QUERYENDSESSION, EndSessionFlags.ENDSESSION_LOGOFF, None)
    assert query.reason_text == "logoff" and query.flag_names == ["ENDSESSION_LOGOFF"]
    assert (cancelled.kind, cancelled.ending) == (SessionEnding.WM_ENDSESSION, False)
    assert shutdown.flags == 0 and shutdown.reason_text == "shutdown or restart"
    assert end.ending is True
    assert end.reason_text == "shutdown or restart, critical, close app"


def test_power_and_ending_in_one_window_with_session_events(collector: Collector) -> None:
    with Notifier(ALL, power=True, ending=True) as notifier:
        assert repr(notifier).startswith("<Notifier NOTIFY_FOR_ALL_SESSIONS power ending hwnd=")
        notifier.subscribe(collector)
        post(notifier.hwnd, M.WTS_SESSION_LOCK, 3)
        send_power(notifier.hwnd, P.PBT_APMSUSPEND.code)
        send_ending(notifier.hwnd, 0x11, 0, 0)
        kinds = [type(e).__name__ for e in collector.wait_for(3)]
    # The post waits in the queue; each send is handled at once by the pump
    # thread, which takes sent messages first: only the set matters here.
    assert sorted(kinds) == ["PowerEvent", "SessionEndingEvent", "SessionEvent"]


def test_a_power_callback_error_goes_to_on_error_and_the_pump_goes_on() -> None:
    errors: list[tuple[Exception, Any]] = []
    seen = Collector()

    def broken(event: Any) -> None:
        raise RuntimeError("boom")

    with Notifier(power=True, on_error=lambda exc, event: errors.append((exc, event))) as notifier:
        notifier.subscribe(broken)
        notifier.subscribe(seen)
        assert send_power(notifier.hwnd, P.PBT_APMSUSPEND.code) == 1
        send_power_setting(notifier.hwnd, S.GUID_ACDC_POWER_SOURCE.value, dword(0))
        assert len(seen.wait_for(2)) == 2
    assert [str(exc) for exc, _ in errors] == ["boom", "boom"]
    assert isinstance(errors[1][1], PowerEvent)


def test_posted_session_messages_still_take_the_fast_path_with_power(
    power: Notifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fast path hands our window's own posted messages to the window's
    # handler without DispatchMessageW; power's routes must not push session
    # changes off it. DispatchMessageW is the real one, watched.
    wm_null = 0x0000  # WM_NULL: no source owns it
    real_dispatch = user32.DispatchMessageW
    dispatched: list[int] = []
    probe_dispatched = threading.Event()

    def watched_dispatch(pmsg: Any) -> int:
        msg = pmsg._obj
        if msg.hWnd == power.hwnd:
            dispatched.append(msg.message)
            if msg.message == wm_null:
                probe_dispatched.set()
        result: int = real_dispatch(pmsg)
        return result

    monkeypatch.setattr(user32, "DispatchMessageW", watched_dispatch)
    seen = Collector()
    power.subscribe(seen, M.WTS_SESSION_UNLOCK)
    for _ in range(500):
        user32.PostMessageW(power.hwnd, WM_WTSSESSION_CHANGE, M.WTS_SESSION_UNLOCK, 1)
    # A message no source owns goes the slow way: proof that the watch sees
    # the pump's dispatches.
    user32.PostMessageW(power.hwnd, wm_null, 0, 0)
    assert len(seen.wait_for(500)) == 500
    assert probe_dispatched.wait(20), "the pump dispatched nothing the watch saw"
    assert WM_WTSSESSION_CHANGE not in dispatched


def test_a_top_level_window_unregisters_without_a_stale_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Wine's WTSUnRegisterSessionNotification returns FALSE without setting an
    # error; creating a top-level window leaves 1400 behind on the thread,
    # which must not be reported as the unregistration's error.
    with caplog.at_level(logging.DEBUG, logger="win32session"):
        with Notifier(ending=True):
            pass
    assert "1400" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# --- The strict sent-message layer: what Windows sends, and what it expects back. ---

#: Each message Windows sends, as the tests send it: (id, send it to hwnd).
SENDS: dict[str, Callable[[int | None], int]] = {
    "suspend": lambda hwnd: send_power(hwnd, P.PBT_APMSUSPEND.code),
    "setting": lambda hwnd: send_power_setting(
        hwnd, S.GUID_ACDC_POWER_SOURCE.value, dword(1)),
    "query": lambda hwnd: send_ending(hwnd, 0x11, 0, int(EndSessionFlags.ENDSESSION_LOGOFF)),
    "end": lambda hwnd: send_ending(hwnd, 0x16, 1, 0),
}


def test_tests_deliver_windows_sent_messages_only_through_support() -> None:
    # The strict layer holds only if no test goes around it: no SendMessageW
    # or PostMessageW of a message Windows sends, anywhere but tests/support.py
    # (whose helpers check the answer and refuse to post).
    import ast
    from pathlib import Path

    from support import SENT_BY_WINDOWS

    names = {name for name, _, _ in SENT_BY_WINDOWS.values()}
    offences = []
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        if path.name == "support.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"SendMessageW", "PostMessageW", "SendMessageTimeoutW",
                                           "SendNotifyMessageW", "SendMessageCallbackW"}
                    and len(node.args) >= 2):
                continue
            msg = node.args[1]
            named = getattr(msg, "id", None) or getattr(msg, "attr", None)
            if named in names or (isinstance(msg, ast.Constant) and msg.value in SENT_BY_WINDOWS):
                offences.append(f"{path.name}:{node.lineno}")
    assert offences == []


def test_support_refuses_to_post_what_windows_sends(power: Notifier) -> None:
    from support import post_message

    for msg in (0x218, 0x11, 0x16):
        with pytest.raises(AssertionError, match="never posts it"):
            post_message(power.hwnd, msg, 0, 0)


@pytest.mark.parametrize("raised", [RuntimeError, SystemExit, KeyboardInterrupt])
@pytest.mark.parametrize("message", list(SENDS))
def test_a_raising_callback_on_a_sent_message_still_answers_windows_and_start_ends(
    raised: type[BaseException], message: str, caplog: pytest.LogCaptureFixture,
) -> None:
    # Every message Windows sends, with a callback raising Exception,
    # SystemExit or KeyboardInterrupt (a sys.exit() in an ending callback).
    # The answer is what the message's page requires (send_* check it: TRUE
    # to WM_QUERYENDSESSION, never the veto 0). An Exception goes to on_error
    # and the pump goes on; SystemExit and KeyboardInterrupt stop it at once,
    # as for a posted message, although GetMessageW does not return for a
    # sent one: nothing but the failure itself may wake the loop.
    errors: list[Exception] = []
    notifier = Notifier(power=True, ending=True, on_error=lambda exc, event: errors.append(exc))
    finished = threading.Event()
    ended_by: list[BaseException | None] = []

    def on_finished(error: BaseException | None) -> None:
        ended_by.append(error)
        finished.set()

    notifier._add_finished_listener(on_finished)

    def broken(event: Any) -> None:
        raise raised("from the callback")

    notifier.subscribe(broken)
    notifier.start()
    hwnd = notifier.hwnd
    pump = notifier._pump
    pump_thread = pump.thread if pump is not None else None
    assert pump_thread is not None
    try:
        SENDS[message](hwnd)  # answered as Windows requires, or the helper fails
        if raised is RuntimeError:
            assert [str(e) for e in errors] == ["from the callback"]
            assert notifier.running
            seen = Collector()
            notifier.subscribe(seen, P.PBT_APMRESUMEAUTOMATIC)
            send_power(hwnd, P.PBT_APMRESUMEAUTOMATIC.code)
            assert seen.wait_for(1)[0].kind == P.PBT_APMRESUMEAUTOMATIC
        else:
            # No stop() before this wait: stop() posts, and would wake the loop.
            assert finished.wait(20), "the pump did not end after the callback's " + raised.__name__
            assert isinstance(ended_by[0], raised)
            pump_thread.join(20)  # the log line comes after the listeners
            assert not is_window(hwnd)
            assert "win32session pump ended by" in caplog.text  # start(): logged
    finally:
        assert notifier.stop(10) is True


@pytest.mark.parametrize("raised", [SystemExit, KeyboardInterrupt])
@pytest.mark.parametrize("message", list(SENDS))
def test_a_callback_ending_run_on_a_sent_message_makes_run_raise_it(
    raised: type[BaseException], message: str,
) -> None:
    notifier = Notifier(power=True, ending=True)

    def broken(event: Any) -> None:
        raise raised(7)

    notifier.subscribe(broken)
    outcome: list[BaseException] = []
    ready = threading.Event()

    def run() -> None:
        try:
            notifier.run(on_ready=ready.set)
        except BaseException as exc:  # recorded for the asserts
            outcome.append(exc)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    assert ready.wait(20)
    hwnd = notifier.hwnd
    SENDS[message](hwnd)
    runner.join(20)
    try:
        assert not runner.is_alive(), "run() hangs after the callback's " + raised.__name__
        assert len(outcome) == 1 and type(outcome[0]) is raised and outcome[0].args == (7,)
        assert not is_window(hwnd)
    finally:
        notifier.stop(10)
        runner.join(10)


def test_a_posted_power_setting_is_ignored_and_the_notifier_goes_on(
    power: Notifier, collector: Collector, caplog: pytest.LogCaptureFixture,
) -> None:
    # Simulated: some other program posts WM_POWERBROADCAST(PBT_POWERSETTINGCHANGE)
    # with lParam 0x10 (and random ones): Windows always sends it, with a
    # POWERBROADCAST_SETTING that lives during the send; a posted lParam is
    # no such structure, and reading it once killed the process.
    import random

    from support import post_as_another_program

    caplog.set_level(logging.DEBUG, logger="win32session")
    power.subscribe(collector)
    rng = random.Random(15)
    lparams = [0x10, 0, 2**47, -1, *(rng.getrandbits(64) - 2**63 for _ in range(20))]
    for lparam in lparams:
        post_as_another_program(power.hwnd, 0x218, P.PBT_POWERSETTINGCHANGE.code, lparam)
        post_as_another_program(power.hwnd, 0x218, P.PBT_APMSUSPEND.code, lparam)
    post(power.hwnd, M.WTS_SESSION_LOCK, 5)  # behind every post: all were handled
    first = collector.wait_for(1)[0]
    assert first.reason == M.WTS_SESSION_LOCK  # nothing posted became an event
    send_power_setting(power.hwnd, S.GUID_ACDC_POWER_SOURCE.value, dword(0))
    events = collector.wait_for(2)
    assert len(events) == 2 and events[1].value == SystemPowerCondition.PoAc
    assert power.running
    assert "posted message 0x218" in caplog.text and "ignored" in caplog.text


def test_a_setting_sent_from_the_windows_own_thread_is_delivered(
    power: Notifier, collector: Collector,
) -> None:
    # Simulated: Windows sends a real POWERBROADCAST_SETTING from the window's
    # own thread (as it might from inside RegisterPowerSettingNotification):
    # a callback on the pump thread sends it. InSendMessageEx says
    # ISMEX_NOSEND then, as for a posted message; the pump knows its posts.
    from support import send_power_setting_on_its_thread

    answers: list[int] = []

    @power.on(M.WTS_SESSION_LOCK)
    def send_on_the_pump_thread(event: Any) -> None:
        answers.append(send_power_setting_on_its_thread(
            power.hwnd, S.GUID_ACDC_POWER_SOURCE.value, dword(1)))

    power.subscribe(collector)
    post(power.hwnd, M.WTS_SESSION_LOCK, 5)
    events = collector.wait_for(2)
    assert answers == [1]
    assert [getattr(e, "value", None) for e in events if getattr(e, "setting", None)] == [
        SystemPowerCondition.PoDc]
    assert power.running


def test_a_post_that_a_nested_loop_dispatches_cannot_crash_it(
    power: Notifier, collector: Collector, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Simulated: while a callback runs a nested loop on the pump thread (a
    # message box's), another program posts WM_POWERBROADCAST with an lParam
    # that is no readable structure. Dispatched by that loop, not the pump,
    # it reads as a send from the window's own thread (InSendMessageEx:
    # ISMEX_NOSEND for both), so the setting is copied with ReadProcessMemory:
    # a warning, never a page fault. (Wine reads an unreadable page of its
    # own as zeros: the test bed's ReadProcessMemory refuses it, as Windows's.)
    from support import post_as_another_program, strict_read_process_memory

    strict_read_process_memory(monkeypatch)
    info = kernel32.SYSTEM_INFO()
    kernel32.GetSystemInfo(ctypes.byref(info))
    reserved = int(kernel32.VirtualAlloc(None, info.dwPageSize, kernel32.MEM_RESERVE,
                                         kernel32.PAGE_READWRITE))
    nested: list[int] = []

    @power.on(M.WTS_SESSION_LOCK)
    def runs_a_nested_loop(event: Any) -> None:
        post_as_another_program(power.hwnd, 0x218, P.PBT_POWERSETTINGCHANGE.code, reserved)
        msg = user32.MSG()
        while user32.PeekMessageW(ctypes.byref(msg), None, 0, 0, user32.PM_REMOVE):
            nested.append(msg.message)
            user32.DispatchMessageW(ctypes.byref(msg))

    caplog.set_level(logging.DEBUG, logger="win32session")
    power.subscribe(collector)
    try:
        post(power.hwnd, M.WTS_SESSION_LOCK, 5)
        post(power.hwnd, M.WTS_SESSION_UNLOCK, 5)
        events = collector.wait_for(2)
    finally:
        power.stop()
        kernel32.VirtualFree(reserved, 0, kernel32.MEM_RELEASE)
    assert 0x218 in nested  # the nested loop, not the pump, dispatched it
    # Nothing of the post became an event (the unlock came inside the lock's
    # callbacks, so in either order).
    assert sorted(getattr(e, "reason", 0) for e in events) == [
        M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK]
    assert "WM_POWERBROADCAST ignored" in caplog.text


def test_posted_ending_messages_are_no_events(collector: Collector) -> None:
    # Simulated: another program posts WM_QUERYENDSESSION and WM_ENDSESSION,
    # which Windows only ever sends: no session is ending.
    from support import post_as_another_program

    with Notifier(ending=True) as notifier:
        notifier.subscribe(collector)
        post_as_another_program(notifier.hwnd, 0x11, 0, 0)
        post_as_another_program(notifier.hwnd, 0x16, 1, 0)
        post(notifier.hwnd, M.WTS_SESSION_LOCK, own_session())
        assert [type(e).__name__ for e in collector.wait_for(1)] == ["SessionEvent"]
        send_ending(notifier.hwnd, 0x11, 0, 0)
        assert collector.wait_for(2)[1].kind == SessionEnding.WM_QUERYENDSESSION


def test_a_message_sent_during_the_boot_registration_wait_is_answered_at_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    # Fakes: WTSRegisterSessionNotification failing with 1702 (as right after
    # boot; Wine's never fails) and Global\TermSrvReadyEvent, which Wine's
    # session lacks, made here and never set: the notifier waits on it for up
    # to register_timeout. Windows sends WM_QUERYENDSESSION to the hidden
    # top-level window meanwhile, and waits for the answer.
    import ctypes
    import time

    attempts: list[float] = []

    def not_yet(hwnd: int, flags: int) -> int:
        attempts.append(time.monotonic())
        raise ctypes.WinError(wtsapi32.RPC_S_INVALID_BINDING)

    monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", not_yet)
    event = kernel32.CreateEventW(None, True, False, "Global\\TermSrvReadyEvent")
    notifier = Notifier(ending=True, register_timeout=120)
    seen = Collector()
    notifier.subscribe(seen)
    starting = threading.Thread(target=notifier.start, daemon=True)
    try:
        starting.start()
        deadline = time.monotonic() + 20
        while not attempts:
            assert time.monotonic() < deadline
            time.sleep(0.01)  # start() blocks: its progress can only be watched
        hwnd = user32.FindWindowExW(None, None, None, "win32session")
        # Another program's posted copy, meanwhile: DispatchMessageW brings it
        # to the window procedure, where InSendMessageEx says ISMEX_NOSEND.
        from support import post_as_another_program

        caplog.set_level(logging.DEBUG, logger="win32session")
        post_as_another_program(hwnd, 0x11, 0, 0)
        while "posted message 0x11" not in caplog.text:
            assert time.monotonic() < deadline, "the posted copy was not handled"
            time.sleep(0.01)  # handled on the pump thread: only its log shows it
        answered = threading.Event()

        def query() -> None:
            send_ending(hwnd, 0x11, 0, 0)  # checks the answer: TRUE
            answered.set()

        sender = threading.Thread(target=query, daemon=True)
        sent_at = time.monotonic()
        sender.start()
        assert answered.wait(10), "the sent message waited for the registration's wait"
        assert time.monotonic() - sent_at < 10
        assert [e.kind for e in seen.wait_for(1)] == [SessionEnding.WM_QUERYENDSESSION]
        assert not notifier.running  # still waiting for the session manager
    finally:
        notifier.stop(30)
        starting.join(30)
        kernel32.CloseHandle(event)


@pytest.mark.parametrize("battery_flag", [128, 255, 1])
def test_the_doctor_expects_no_battery_value_where_there_is_no_battery(
    monkeypatch: pytest.MonkeyPatch, battery_flag: int,
) -> None:
    # Fakes what Wine cannot give: the OS's part after each setting's
    # registration, its current value (1) sent from another thread with a
    # real POWERBROADCAST_SETTING, except for the battery's charge, which a
    # desktop without a battery may never get; and GetSystemPowerStatus's
    # BatteryFlag: 128 no system battery (what Wine says), 255 unknown, 1 a
    # battery (then its value is due, and its absence differs).
    import ctypes

    from win32session._cli import doctor as _doctor
    from win32session._sources.power import guid_text

    real_setting = user32.RegisterPowerSettingNotification
    real_status = kernel32.GetSystemPowerStatus
    battery = S.GUID_BATTERY_PERCENTAGE_REMAINING.value

    def setting(hwnd: int, guid: Any, flags: int) -> int:
        handle: int = real_setting(hwnd, guid, flags)
        text = guid_text(guid._obj)
        if text != battery:
            threading.Thread(target=send_power_setting, args=(hwnd, text, dword(1)),
                             daemon=True).start()
        return handle

    def status(pointer: Any) -> int:
        result: int = real_status(pointer)
        ctypes.cast(pointer, ctypes.POINTER(kernel32.SYSTEM_POWER_STATUS))[0].BatteryFlag = (
            battery_flag)
        return result

    monkeypatch.setattr(user32, "RegisterPowerSettingNotification", setting)
    monkeypatch.setattr(kernel32, "GetSystemPowerStatus", status)
    result = _doctor.check_power_initial_values(_doctor.System(own_session(), None))
    if battery_flag == 1:
        assert result.verdict is _doctor.Verdict.DIFFERS
        assert result.answer.endswith("; none for GUID_BATTERY_PERCENTAGE_REMAINING")
    else:
        assert result.verdict is _doctor.Verdict.OK, result
        assert "BATTERY_PERCENTAGE_REMAINING" not in result.answer


def test_power_status_broadcasts_reach_only_a_top_level_window(collector: Collector) -> None:
    # Simulated: Windows broadcasts PBT_APMPOWERSTATUSCHANGE to top-level
    # windows (SendMessageW to HWND_BROADCAST, here from the test's thread);
    # a notifier with power=True alone has a message-only window and never
    # hears it, so AC/battery changes come to it as the GUID_ACDC_POWER_SOURCE
    # and GUID_BATTERY_PERCENTAGE_REMAINING settings it registers for, which
    # Windows sends to any registered window.
    from support import broadcast_power

    message_only = Collector()
    with Notifier(power=True) as alone, Notifier(power=True, ending=True) as top_level:
        alone.subscribe(message_only)
        top_level.subscribe(collector)
        broadcast_power(P.PBT_APMPOWERSTATUSCHANGE.code)
        assert collector.wait_for(1)[0].kind == P.PBT_APMPOWERSTATUSCHANGE
        send_power_setting(alone.hwnd, S.GUID_ACDC_POWER_SOURCE.value, dword(1))
        assert message_only.wait_for(1)[0].setting == S.GUID_ACDC_POWER_SOURCE
    assert [e.kind for e in message_only.events] == [P.PBT_POWERSETTINGCHANGE]
