"""Decoding a service's controls, and what ``Service`` and
``Notifier(service=True)`` accept, on any OS: pure logic, no Win32 call.

pywin32's ``SvcOtherEx`` hands over data already decoded (``(session_id,)``;
``(guid, data)`` for a power setting, the GUID as a ``PyIID`` whose ``str``
is ``{...}`` in upper case); these tests pass what it would.
"""

from __future__ import annotations

import struct
import uuid

import pytest

from win32session import (
    WM_POWERBROADCAST,
    WM_WTSSESSION_CHANGE,
    NotAServiceError,
    Notifier,
    NotifyType,
    PowerBroadcast,
    PowerSetting,
    Service,
    ServiceExit,
)
from win32session._sources.controls import decode_control, setting_bytes

SESSIONCHANGE = 0xE
POWEREVENT = 0xD
PRESENCE = PowerSetting.GUID_GLOBAL_USER_PRESENCE


def test_a_session_change_from_pywin32_is_the_windows_message() -> None:
    assert decode_control(SESSIONCHANGE, 5, (3,)) == (WM_WTSSESSION_CHANGE, 5, 3)
    assert decode_control(SESSIONCHANGE, 0x99, (0,)) == (WM_WTSSESSION_CHANGE, 0x99, 0)


def test_power_events_without_data() -> None:
    suspend = PowerBroadcast.PBT_APMSUSPEND.code
    assert decode_control(POWEREVENT, suspend, None) == (WM_POWERBROADCAST, suspend, None)


@pytest.mark.parametrize("guid", [
    "{" + PRESENCE.value.upper() + "}",  # str(PyIID), as pywin32 gives it
    PRESENCE.value,
    uuid.UUID(PRESENCE.value),
])
def test_a_power_setting_from_pywin32_is_laid_out_as_windows_does(guid: object) -> None:
    code = PowerBroadcast.PBT_POWERSETTINGCHANGE.code
    fed = decode_control(POWEREVENT, code, (guid, b"\x02\x00\x00\x00"))
    assert fed is not None
    msg, wparam, payload = fed
    assert (msg, wparam) == (WM_POWERBROADCAST, code)
    assert isinstance(payload, bytes)
    # GUID (Data1-3 little-endian, then Data4), DataLength, the data.
    assert payload[:16] == uuid.UUID(PRESENCE.value).bytes_le
    assert struct.unpack("<I", payload[16:20]) == (4,)
    assert payload[20:] == b"\x02\x00\x00\x00"


def test_setting_bytes_of_empty_data() -> None:
    assert setting_bytes(PRESENCE.value, b"")[16:] == b"\x00\x00\x00\x00"


@pytest.mark.parametrize("control", [1, 4, 5, 0xF, 128, 255])
def test_controls_without_an_event_are_none(control: int) -> None:
    assert decode_control(control, 0, None) is None


@pytest.mark.parametrize(("control", "event_type", "data", "error"), [
    (SESSIONCHANGE, 5, 3, ValueError),  # a session id where an address belongs
    (SESSIONCHANGE, 5, -8, ValueError),
    (SESSIONCHANGE, 5, (1, 2), ValueError),
    (SESSIONCHANGE, 5, ("1",), TypeError),
    (SESSIONCHANGE, 5, "3", TypeError),
    (SESSIONCHANGE, 5, None, TypeError),
    (POWEREVENT, 0x8013, ("not a guid", b""), ValueError),
    (POWEREVENT, 0x8013, (PRESENCE.value, "text"), TypeError),
    (POWEREVENT, 0x8013, (PRESENCE.value,), ValueError),
    (POWEREVENT, 0x8013, None, TypeError),
    ("14", 5, (3,), TypeError),
    (SESSIONCHANGE, -1, (3,), ValueError),
    (SESSIONCHANGE, True, (3,), TypeError),
    (SESSIONCHANGE, 5, (2**32,), ValueError),
    # Addresses no handler is ever given: NULL, the kernel's range (2**47 and
    # up on 64-bit Windows), more than 64 bits. Reading one would crash the
    # process, or overflow ctypes.
    (SESSIONCHANGE, 5, 0, ValueError),
    (SESSIONCHANGE, 5, 2**47, ValueError),
    (SESSIONCHANGE, 5, 0xFFFF_F800_0000_0000, ValueError),
    (SESSIONCHANGE, 5, 2**64, ValueError),
    (SESSIONCHANGE, 5, 2**100, ValueError),
    (POWEREVENT, 0x8013, 0, ValueError),
    (POWEREVENT, 0x8013, 0x10, ValueError),
    (POWEREVENT, 0x8013, 2**47, ValueError),
    (POWEREVENT, 0x8013, 2**47 - 4, ValueError),  # the structure would cross into the kernel's
    (POWEREVENT, 0x8013, 2**64, ValueError),
])
def test_bad_data_is_refused_with_a_reason(
    control: object, event_type: object, data: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        decode_control(control, event_type, data)


def test_a_service_notifier_watches_every_session_and_refuses_the_ending() -> None:
    assert Notifier(service=True).scope == NotifyType.NOTIFY_FOR_ALL_SESSIONS
    assert Notifier().scope == NotifyType.NOTIFY_FOR_THIS_SESSION
    assert Notifier(service=True).service
    with pytest.raises(ValueError, match="every session"):
        Notifier(NotifyType.NOTIFY_FOR_THIS_SESSION, service=True)
    with pytest.raises(ValueError, match="SHUTDOWN"):
        Notifier(service=True, ending=True)
    with pytest.raises(TypeError):
        Notifier(service=1)  # type: ignore[arg-type]


def test_feed_needs_a_service_notifier_that_runs() -> None:
    with pytest.raises(RuntimeError, match="service=True"):
        Notifier().feed(SESSIONCHANGE, 5, (1,))
    with pytest.raises(RuntimeError, match="not running"):
        Notifier(service=True).feed(SESSIONCHANGE, 5, (1,))
    # Not an event, or power without power=True: nothing to deliver.
    assert Notifier(service=True).feed(1, 0, None) is False
    assert Notifier(service=True).feed(POWEREVENT, 4, None) is False


def test_service_arguments() -> None:
    service = Service("audit")
    assert service.name == "audit" and service.state == "not started"
    assert service.notifier.service and service.notifier.details
    for bad in ("", "a/b", "a\\b", "x" * 257):
        with pytest.raises(ValueError):
            Service(bad)
    with pytest.raises(TypeError):
        Service(3)  # type: ignore[arg-type]
    for code in (127, 256, True):
        with pytest.raises(ValueError):
            service.on_control(code)
    with pytest.raises(ValueError):
        service.fail(0, "no")
    with pytest.raises(TypeError):
        service.on_start(3)  # type: ignore[type-var]
    assert int(ServiceExit.START_FAILED) == 1


def test_every_service_exit_code() -> None:
    # dwServiceSpecificExitCode values, which a recovery script or the
    # event log reader matches on: they must never move.
    assert {exit.name: exit.value for exit in ServiceExit} == {
        "START_FAILED": 1, "EVENTS_FAILED": 2, "STOP_FAILED": 3, "OUTPUT_FAILED": 4}
    assert all(isinstance(exit, int) for exit in ServiceExit)  # an IntEnum: a DWORD as is


def test_not_a_service_error_is_an_oserror_whose_text_is_one_line() -> None:
    # Its winerror, 1063, comes from Windows: test_service_host.py runs a
    # Service outside the service control manager.
    message = "w32s was not started by the service control manager (error 1063): ..."
    error = NotAServiceError(22, message, None, 1063)
    assert isinstance(error, OSError)
    assert str(error) == message  # no "[WinError 1063]" in front
