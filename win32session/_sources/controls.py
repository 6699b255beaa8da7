"""What a service's control handler receives, turned into what the notifier's
window would have received.

Windows tells a service about session changes and power events through its
control handler, not through a window: ``SERVICE_CONTROL_SESSIONCHANGE`` with
the ``WTS_*`` code and a ``WTSSESSION_NOTIFICATION``, and
``SERVICE_CONTROL_POWEREVENT`` with the ``PBT_*`` code and, for a setting, a
``POWERBROADCAST_SETTING``. Those are the window's ``WM_WTSSESSION_CHANGE``
and ``WM_POWERBROADCAST`` in another envelope, so :func:`decode_control` maps
each onto the window message that the notifier's sources already decode: one
delivery path for windows and services.

The data is read here, while the handler's call lasts (``lpEventData`` is
valid only then): a session id, or a copy of the setting's bytes.
https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex

``event_data`` comes in the forms the hosts give it:

- an address (``int``) or None: ``lpEventData`` as a ctypes host, ours
  among them, receives it;
- pywin32's ``SvcOtherEx`` form: ``(session_id,)`` for a session change, and
  ``(guid, data)`` for a power setting (the GUID as pywin32's ``PyIID``,
  whose ``str`` is ``{...}``, or as text or a ``uuid.UUID``).

Importable anywhere; reading an address needs Windows.
"""

from __future__ import annotations

import struct
import sys
import uuid

from .._codes import WM_POWERBROADCAST, WM_WTSSESSION_CHANGE, PowerBroadcast

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

__all__ = [
    "SERVICE_CONTROL_POWEREVENT",
    "SERVICE_CONTROL_SESSIONCHANGE",
    "Fed",
    "decode_control",
    "read_setting",
    "setting_bytes",
]

#: The two controls that carry events (WinSvc.h).
SERVICE_CONTROL_POWEREVENT: Final = 0xD
SERVICE_CONTROL_SESSIONCHANGE: Final = 0xE

_SETTING_CHANGE: Final = PowerBroadcast.PBT_POWERSETTINGCHANGE.code
#: No user-mode address on Windows is below 64 KiB (the first 64 KiB are never
#: mapped), so a small int (0 among them) is a mistake: most likely a
#: session id, or NULL.
_LOWEST_ADDRESS: Final = 0x10000
#: Where a 64-bit Windows's user address range ends (128 TiB), when the
#: system cannot be asked: above it is the kernel's, which no handler is
#: ever given.
_USER_ADDRESS_END_64: Final = 1 << 47
_DWORD_MAX: Final = 0xFFFFFFFF
#: WTSSESSION_NOTIFICATION: cbSize, dwSessionId.
_SESSION_NOTIFICATION_SIZE: Final = 8
#: POWERBROADCAST_SETTING up to its data: the GUID, DataLength.
_SETTING_HEAD_SIZE: Final = 20

#: One event for the notifier's pump: the window message it stands for, its
#: wParam, and its lParam's content: a session id, or the bytes of a
#: ``POWERBROADCAST_SETTING`` (None when the event has no data).
Fed = tuple[int, int, "int | bytes | None"]


def setting_bytes(guid: object, data: bytes) -> bytes:
    """A ``POWERBROADCAST_SETTING`` as Windows lays it out: the GUID, the
    data's length as a DWORD, then the data."""
    if isinstance(guid, uuid.UUID):
        parsed = guid
    else:
        text = str(guid).strip()
        try:
            parsed = uuid.UUID(text)  # braces, upper case: both accepted
        except ValueError:
            raise ValueError(f"not a power setting's GUID: {guid!r}") from None
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"a power setting's data must be bytes, got {type(data).__name__}")
    body = bytes(data)
    return parsed.bytes_le + struct.pack("<I", len(body)) + body


def _check_code(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if not 0 <= value <= _DWORD_MAX:
        raise ValueError(f"{name} must be a DWORD (0 to 0xFFFFFFFF), got {value!r}")
    return value


def _user_address_range() -> tuple[int, int]:
    """The lowest and the highest address a user-mode structure can have in
    this process (GetSystemInfo); off Windows, 64 KiB to 128 TiB."""
    if sys.platform == "win32":
        import ctypes

        from .._win32 import kernel32

        info = kernel32.SYSTEM_INFO()
        kernel32.GetSystemInfo(ctypes.byref(info))
        return (info.lpMinimumApplicationAddress or _LOWEST_ADDRESS,
                info.lpMaximumApplicationAddress or _USER_ADDRESS_END_64 - 1)
    return _LOWEST_ADDRESS, _USER_ADDRESS_END_64 - 1


def _check_address(value: int, what: str, size: int) -> int:
    """``value``, if ``size`` bytes from it lie in the user address range:
    the only place Windows puts ``lpEventData``. Anything else (0, a small
    number, a kernel address, more than 64 bits) would crash the process on
    reading, or overflow ctypes: ValueError instead."""
    lowest, highest = _user_address_range()
    if not lowest <= value <= highest - size + 1:
        raise ValueError(
            f"event_data {value!r} is not the address of a {what}: pass the handler's "
            "lpEventData as it came, or pywin32's tuple ((session_id,) for a session change)")
    return value


def decode_control(control: object, event_type: object, event_data: object) -> Fed | None:
    """The window message that ``control`` stands for, with its data read
    now; None for a control that carries no event (STOP, INTERROGATE, ...).

    Raises TypeError or ValueError for data that is not one of the forms
    above (the module's docstring lists them).
    """
    control = _check_code("control", control)
    event_type = _check_code("event_type", event_type)
    if control == SERVICE_CONTROL_SESSIONCHANGE:
        return (WM_WTSSESSION_CHANGE, event_type, _session_id(event_data))
    if control == SERVICE_CONTROL_POWEREVENT:
        if event_type != _SETTING_CHANGE:
            return (WM_POWERBROADCAST, event_type, None)  # suspend, resume: no data
        return (WM_POWERBROADCAST, event_type, _setting(event_data))
    return None


def _session_id(event_data: object) -> int:
    if isinstance(event_data, tuple):
        if len(event_data) != 1:
            raise ValueError(
                f"a session change's data is (session_id,), got {event_data!r}")
        return _check_code("the session id", event_data[0])
    if isinstance(event_data, bool) or not isinstance(event_data, int):
        raise TypeError(
            "a session change's event_data is lpEventData (an address) or pywin32's "
            f"(session_id,), got {type(event_data).__name__} {event_data!r}")
    return _read_session_id(
        _check_address(event_data, "WTSSESSION_NOTIFICATION", _SESSION_NOTIFICATION_SIZE))


def _setting(event_data: object) -> bytes:
    if isinstance(event_data, tuple):
        if len(event_data) != 2:
            raise ValueError(
                f"a power setting's data is (guid, data), got {event_data!r}")
        guid, data = event_data
        return setting_bytes(guid, data)
    if isinstance(event_data, bool) or not isinstance(event_data, int):
        raise TypeError(
            "a power setting's event_data is lpEventData (an address) or pywin32's "
            f"(guid, data), got {type(event_data).__name__} {event_data!r}")
    return _read_setting(
        _check_address(event_data, "POWERBROADCAST_SETTING", _SETTING_HEAD_SIZE))


def _read_session_id(address: int) -> int:
    data = _copy(address, _SESSION_NOTIFICATION_SIZE, "WTSSESSION_NOTIFICATION")
    # cbSize, then dwSessionId: two DWORDs.
    return int(struct.unpack_from("<I", data, 4)[0])


def read_setting(address: int) -> bytes:
    """A copy of the POWERBROADCAST_SETTING at ``address``, head and data;
    ValueError if it is not readable there (see :func:`_copy`)."""
    return _read_setting(
        _check_address(address, "POWERBROADCAST_SETTING", _SETTING_HEAD_SIZE))


#: More data than any power setting has (a DWORD, a GUID): a DataLength
#: beyond it is no structure of Windows's, and copying it would first make a
#: buffer of up to 4 GiB.
_MAX_SETTING_DATA: Final = 0x10000


def _read_setting(address: int) -> bytes:
    head = _copy(address, _SETTING_HEAD_SIZE, "POWERBROADCAST_SETTING")
    # PowerSetting (a GUID, 16 bytes), then DataLength, then Data.
    length = struct.unpack_from("<I", head, 16)[0]
    if length > _MAX_SETTING_DATA:
        raise ValueError(
            f"event_data {address:#x} is not the address of a POWERBROADCAST_SETTING: its "
            f"DataLength {length} is more than any power setting has")
    size = _SETTING_HEAD_SIZE + length
    _check_address(address, "POWERBROADCAST_SETTING", size)  # its data too
    return _copy(address, size, "POWERBROADCAST_SETTING")


def _copy(address: int, size: int, what: str) -> bytes:
    """``size`` bytes from ``address``, copied by ReadProcessMemory: an
    address in the application range may still be unmapped or unreadable,
    which reading it directly would answer with a crash; this call checks the
    whole range first and fails instead (ValueError then).
    https://learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-readprocessmemory"""
    if sys.platform != "win32":
        raise OSError("reading lpEventData needs Windows")
    import ctypes

    from .._win32 import kernel32

    buffer = ctypes.create_string_buffer(size)
    copied = ctypes.c_size_t()
    try:
        kernel32.ReadProcessMemory(
            kernel32.GetCurrentProcess(), address, buffer, size, ctypes.byref(copied))
    except OSError as exc:
        raise ValueError(
            f"event_data {address:#x} is not the address of a {what}: its {size} bytes "
            f"cannot be read ({exc.strerror or exc})") from exc
    return buffer.raw[:copied.value]
