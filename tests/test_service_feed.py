"""A service's notifier fed by its control handler, against the real Win32
API (Windows, or Windows CPython under Wine).

Windows's part is simulated: the service control manager calls a service's
handler with ``SERVICE_CONTROL_SESSIONCHANGE`` and a real
``WTSSESSION_NOTIFICATION`` (or ``SERVICE_CONTROL_POWEREVENT`` and a real
``POWERBROADCAST_SETTING``), valid only during the call. These tests build
those structures, hand them to ``feed`` as the handler does, and scribble
over them as soon as it returns. Wine's ``ControlService`` refuses both
controls (error 87, as Windows does), so the SCM cannot be asked to send
them. Everything from ``feed`` on (the pump's window and queue, decoding,
details, subscriptions, iterators, trackers) is real. The whole service
under Wine's real service control manager is in tests/test_service_host.py.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from support import (
    Collector,
    declaring_module,
    dword,
    power_setting_buffer,
    session_notification_buffer,
    strict_read_process_memory,
)

from win32session import (
    Notifier,
    PowerBroadcast,
    PowerEvent,
    PowerSetting,
    PresenceTracker,
    SessionEvent,
    SessionNotificationMsg,
    SessionTracker,
    UserActivityPresence,
)
from win32session._win32 import kernel32, wtsapi32

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

M = SessionNotificationMsg
P = PowerBroadcast
S = PowerSetting
SESSIONCHANGE = 0xE
POWEREVENT = 0xD


def feed_session(notifier: Notifier, code: int, session_id: int) -> bool:
    """What the handler gets for a session change: a WTSSESSION_NOTIFICATION
    that dies when the call returns."""
    buffer = session_notification_buffer(session_id)
    fed = notifier.feed(SESSIONCHANGE, code, ctypes.addressof(buffer))
    ctypes.memset(buffer, 0xEE, len(buffer))
    return fed


def feed_setting(notifier: Notifier, setting: PowerSetting, data: bytes) -> bool:
    """What the handler gets for PBT_POWERSETTINGCHANGE: a
    POWERBROADCAST_SETTING that dies when the call returns."""
    buffer = power_setting_buffer(setting.value, data)
    fed = notifier.feed(POWEREVENT, P.PBT_POWERSETTINGCHANGE.code, ctypes.addressof(buffer))
    ctypes.memset(buffer, 0xEE, len(buffer))
    return fed


@pytest.fixture
def service_notifier() -> Iterator[Notifier]:
    notifier = Notifier(service=True, details=True, power=True)
    yield notifier
    notifier.stop()


def test_the_window_registers_for_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service control manager brings the events: no WTS registration,
    no power registration on the window (real calls, recorded)."""
    called: list[str] = []
    for name in ("WTSRegisterSessionNotification", "RegisterSuspendResumeNotification",
                 "RegisterPowerSettingNotification"):
        module = declaring_module(name)
        real = getattr(module, name)

        def record(*args: object, _real: Any = real, _name: str = name) -> object:
            called.append(_name)
            return _real(*args)

        monkeypatch.setattr(module, name, record)
    with Notifier(service=True, power=True) as notifier:
        assert notifier.hwnd
    assert called == []


def test_a_session_change_arrives_decoded_with_details(
    service_notifier: Notifier, collector: Collector
) -> None:
    service_notifier.subscribe(collector)
    service_notifier.start()
    assert feed_session(service_notifier, M.WTS_SESSION_LOGON, 3)
    assert service_notifier.feed(SESSIONCHANGE, M.WTS_SESSION_LOCK, (3,))  # pywin32's form
    logon, lock = collector.wait_for(2)
    assert isinstance(logon, SessionEvent)
    assert (logon.reason, logon.session_id) == (M.WTS_SESSION_LOGON, 3)
    assert (lock.reason, lock.session_id) == (M.WTS_SESSION_LOCK, 3)
    # Captured on arrival; Wine names the same user for any session id.
    assert logon.info is not None and logon.info.session_id == 3
    assert logon.info.user_name


def test_power_events_and_settings(service_notifier: Notifier, collector: Collector) -> None:
    service_notifier.subscribe(collector, P.PBT_APMSUSPEND, S.GUID_GLOBAL_USER_PRESENCE)
    service_notifier.start()
    assert service_notifier.feed(POWEREVENT, P.PBT_APMSUSPEND.code, None)
    assert feed_setting(service_notifier, S.GUID_GLOBAL_USER_PRESENCE, dword(2))
    # pywin32's form: the GUID as str(PyIID), the data as bytes.
    guid = "{" + S.GUID_GLOBAL_USER_PRESENCE.value.upper() + "}"
    assert service_notifier.feed(POWEREVENT, P.PBT_POWERSETTINGCHANGE.code,
                                 (guid, dword(0)))
    suspend, first, second = collector.wait_for(3)
    assert isinstance(suspend, PowerEvent) and suspend.kind == P.PBT_APMSUSPEND
    assert (first.setting, first.value, first.initial) == (
        S.GUID_GLOBAL_USER_PRESENCE, UserActivityPresence.PowerUserInactive, True)
    assert (second.value, second.initial) == (UserActivityPresence.PowerUserPresent, False)


def test_power_needs_power_true(collector: Collector) -> None:
    with Notifier(service=True) as notifier:
        notifier.subscribe(collector)
        assert notifier.feed(POWEREVENT, P.PBT_APMSUSPEND.code, None) is False
        assert notifier.feed(0x1, 0, None) is False  # STOP: the host's business
        assert feed_session(notifier, M.WTS_SESSION_UNLOCK, 1)
        (event,) = collector.wait_for(1)
    assert event.reason == M.WTS_SESSION_UNLOCK
    assert len(collector.events) == 1


def test_every_fed_event_is_delivered_in_order_before_stop_returns(
    collector: Collector,
) -> None:
    """Two handler threads feed; a stop comes after: each thread's events
    arrive in its order, none lost, all before stop() returns."""
    per_thread = 300
    notifier = Notifier(service=True)
    notifier.subscribe(collector)
    notifier.start()

    def handler(first_session: int) -> None:
        for i in range(per_thread):
            assert notifier.feed(SESSIONCHANGE, M.WTS_SESSION_LOCK,
                                 (first_session + i,))

    threads = [threading.Thread(target=handler, args=(base,)) for base in (0, 10_000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert notifier.stop(timeout=30)
    ids = [event.session_id for event in collector.events]
    assert len(ids) == 2 * per_thread
    assert [i for i in ids if i < 10_000] == list(range(per_thread))
    assert [i for i in ids if i >= 10_000] == list(range(10_000, 10_000 + per_thread))
    with pytest.raises(RuntimeError, match="not running"):
        notifier.feed(SESSIONCHANGE, M.WTS_SESSION_LOCK, (1,))


def test_iterators_and_the_session_tracker_follow_fed_events() -> None:
    notifier = Notifier(service=True, details=True)
    tracker = SessionTracker(notifier)
    started: list[int] = []
    tracker.on_start(lambda info: started.append(info.session_id))
    with notifier:
        events = notifier.iter_events(M.WTS_SESSION_LOGON, M.WTS_SESSION_LOGOFF)
        feed_session(notifier, M.WTS_SESSION_LOGON, 4)
        feed_session(notifier, M.WTS_SESSION_LOGON, 5)
        feed_session(notifier, M.WTS_SESSION_LOGOFF, 4)
        got = [next(events) for _ in range(3)]
        events.close()  # gives Ctrl+C back now, not when collected
        assert [(e.reason, e.session_id) for e in got] == [
            (M.WTS_SESSION_LOGON, 4), (M.WTS_SESSION_LOGON, 5), (M.WTS_SESSION_LOGOFF, 4)]
        assert tracker.count == 1 and set(tracker.sessions) == {5}
    assert started == [4, 5]


def test_the_presence_tracker_of_a_service_watches_the_console_session() -> None:
    """Session 0 has no user: a service's presence follows the session the
    console is attached to, and the machine's presence setting."""
    notifier = Notifier(service=True, power=True)
    presence = PresenceTracker(notifier)
    with notifier:
        feed_session(notifier, M.WTS_CONSOLE_CONNECT, 7)
        feed_session(notifier, M.WTS_SESSION_LOCK, 7)
        notifier.stop()
        assert presence.state.locked is True
        assert presence.away
    with notifier:
        feed_session(notifier, M.WTS_CONSOLE_CONNECT, 7)
        feed_session(notifier, M.WTS_SESSION_LOCK, 9)  # not the console's
        feed_setting(notifier, S.GUID_GLOBAL_USER_PRESENCE, dword(2))
        notifier.stop()
        assert presence.state.locked is not True
        assert presence.state.user_present is False
        assert presence.away


@pytest.mark.parametrize("address", [0, 0x10, 2**47, 2**47 - 4, 0xFFFF_F800_0000_0000, 2**64])
def test_addresses_no_handler_is_given_are_refused_and_the_notifier_goes_on(
    service_notifier: Notifier, collector: Collector, address: int,
) -> None:
    # A handler's lpEventData is NULL only for controls without data, and is
    # always in the user address range (GetSystemInfo's bounds). Reading
    # address 0 or 2**47 once ended the process with a page fault; 2**64
    # raised OverflowError.
    service_notifier.start()
    service_notifier.subscribe(collector)
    with pytest.raises(ValueError, match="is not the address of a"):
        service_notifier.feed(SESSIONCHANGE, M.WTS_SESSION_LOCK, address)
    with pytest.raises(ValueError, match="is not the address of a"):
        service_notifier.feed(POWEREVENT, P.PBT_POWERSETTINGCHANGE.code, address)
    assert feed_session(service_notifier, M.WTS_SESSION_UNLOCK, 3)
    assert [(e.reason, e.session_id) for e in collector.wait_for(1)] == [
        (M.WTS_SESSION_UNLOCK, 3)]


def test_a_session_tracker_in_a_service_waits_while_the_listing_answers_1702(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Fake: WTSEnumerateSessionsW failing with RPC_S_INVALID_BINDING twice, as
    # at early boot before the session manager answers (Wine's never fails).
    # A service's notifier registers nothing itself, so nothing retried, and
    # the tracker's listing at registration failed the service's start.
    import time

    real = wtsapi32.WTSEnumerateSessionsW
    attempts: list[float] = []

    def not_yet(*args: Any) -> Any:
        attempts.append(time.monotonic())
        if len(attempts) <= 2:
            raise ctypes.WinError(wtsapi32.RPC_S_INVALID_BINDING)
        return real(*args)

    monkeypatch.setattr(wtsapi32, "WTSEnumerateSessionsW", not_yet)
    tracker = SessionTracker(Notifier(service=True, register_timeout=30))
    with tracker:
        assert tracker.notifier.running
        assert len(attempts) >= 3  # retried, then listed for the tracker
    assert attempts[2] - attempts[0] > 0.5  # after pauses, not in a tight loop


def test_a_service_notifier_gives_up_on_1702_after_register_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Fake, as above, failing for good.
    def never(*args: Any) -> Any:
        raise ctypes.WinError(wtsapi32.RPC_S_INVALID_BINDING)

    monkeypatch.setattr(wtsapi32, "WTSEnumerateSessionsW", never)
    notifier = Notifier(service=True, register_timeout=0.3)
    with pytest.raises(OSError) as raised:
        notifier.start()
    assert raised.value.winerror == 1702
    assert "WTSEnumerateSessionsW kept failing" in str(raised.value)
    assert not notifier.running


@pytest.fixture
def unreadable_pages(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, int]]:
    """Two pages of this process's application range, reserved and never
    committed (reading them faults), and the page size.

    Windows's rules for ReadProcessMemory are enforced
    (support.strict_read_process_memory)."""
    info = kernel32.SYSTEM_INFO()
    kernel32.GetSystemInfo(ctypes.byref(info))
    page = int(info.dwPageSize)
    base = int(kernel32.VirtualAlloc(None, 2 * page, kernel32.MEM_RESERVE, kernel32.PAGE_READWRITE))
    strict_read_process_memory(monkeypatch)
    try:
        yield base, page
    finally:
        kernel32.VirtualFree(base, 0, kernel32.MEM_RELEASE)


def test_an_unreadable_address_in_the_application_range_is_refused(
    service_notifier: Notifier, collector: Collector, unreadable_pages: tuple[int, int],
) -> None:
    """GetSystemInfo's bounds do not make an address readable: one reserved
    but not committed, or a structure whose data runs into such a page, once
    ended the process with a page fault. Now it is a ValueError, and the
    notifier goes on."""
    base, page = unreadable_pages
    service_notifier.start()
    service_notifier.subscribe(collector)
    with pytest.raises(ValueError, match="is not the address of a WTSSESSION_NOTIFICATION"):
        service_notifier.feed(SESSIONCHANGE, M.WTS_SESSION_LOCK, base)
    with pytest.raises(ValueError, match="is not the address of a POWERBROADCAST_SETTING"):
        service_notifier.feed(POWEREVENT, P.PBT_POWERSETTINGCHANGE.code, base)
    # The first page committed: a setting's head at its very end, readable,
    # whose 4 bytes of data lie on the reserved page after it.
    kernel32.VirtualAlloc(base, page, kernel32.MEM_COMMIT, kernel32.PAGE_READWRITE)
    head = power_setting_buffer(S.GUID_CONSOLE_DISPLAY_STATE.value, dword(1))
    at = base + page - 20
    ctypes.memmove(at, head, 20)
    with pytest.raises(ValueError, match="its 24 bytes cannot be read"):
        service_notifier.feed(POWEREVENT, P.PBT_POWERSETTINGCHANGE.code, at)
    # A readable head whose DataLength says 2 GiB: refused before any buffer
    # of that size is made.
    ctypes.memmove(at + 16, (0x7FFFFFFF).to_bytes(4, "little"), 4)
    with pytest.raises(ValueError, match="DataLength 2147483647 is more than any power setting"):
        service_notifier.feed(POWEREVENT, P.PBT_POWERSETTINGCHANGE.code, at)
    assert feed_session(service_notifier, M.WTS_SESSION_UNLOCK, 3)
    assert [(e.reason, e.session_id) for e in collector.wait_for(1)] == [
        (M.WTS_SESSION_UNLOCK, 3)]
    assert service_notifier.running


def test_a_freed_address_is_refused(
    service_notifier: Notifier, unreadable_pages: tuple[int, int],
) -> None:
    service_notifier.start()
    info = kernel32.SYSTEM_INFO()
    kernel32.GetSystemInfo(ctypes.byref(info))
    freed = int(kernel32.VirtualAlloc(None, info.dwPageSize, kernel32.MEM_COMMIT
                                      | kernel32.MEM_RESERVE, kernel32.PAGE_READWRITE))
    kernel32.VirtualFree(freed, 0, kernel32.MEM_RELEASE)
    with pytest.raises(ValueError, match="is not the address of a WTSSESSION_NOTIFICATION"):
        service_notifier.feed(SESSIONCHANGE, M.WTS_SESSION_LOCK, freed)
    assert service_notifier.running
