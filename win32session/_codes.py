"""The numbers Windows uses, as enums: the session message, why it was sent,
which sessions a window hears about, a session's connection state; the power
broadcasts, power settings and their values; the session-ending messages.

Pure Python, importable on any OS, and cheap to import: the notifier needs
these at once, while the event and session types load with the pump.
"""

from __future__ import annotations

import enum

TYPE_CHECKING = False  # typing itself costs more to import than this module
if TYPE_CHECKING:
    from typing import Final, TypeVar

    _E = TypeVar("_E", bound="_DocumentedIntEnum")
    _N = TypeVar("_N", bound="_DocumentedEnum")

__all__ = [
    "WM_WTSSESSION_CHANGE",
    "WM_POWERBROADCAST",
    "WM_QUERYENDSESSION",
    "WM_ENDSESSION",
    "NotifyType",
    "SessionNotificationMsg",
    "ConnectState",
    "PowerBroadcast",
    "PowerSetting",
    "SessionEnding",
    "EndSessionFlags",
    "UserActivityPresence",
    "MonitorDisplayState",
    "SystemPowerCondition",
    "EnergySaverStatus",
    "ACLineStatus",
    "IdleState",
    "decode_reason",
    "decode_state",
    "decode_power",
    "decode_setting",
    "decode_setting_value",
]

#: The message a registered window receives on a session change.
#: https://learn.microsoft.com/windows/win32/termserv/wm-wtssession-change
WM_WTSSESSION_CHANGE: Final = 0x2B1


class _DocumentedIntEnum(enum.IntEnum):
    """An IntEnum whose members are written ``NAME = value, "what it means"``,
    so that each member carries its own one-line ``__doc__``."""

    def __new__(cls: type[_E], value: int, doc: str = "") -> _E:
        member = int.__new__(cls, value)
        member._value_ = value
        member.__doc__ = doc
        return member


class NotifyType(_DocumentedIntEnum):
    """Which sessions a window hears about (``dwFlags`` of
    ``WTSRegisterSessionNotification``)."""

    NOTIFY_FOR_THIS_SESSION = 0, "Only the session the window belongs to."
    NOTIFY_FOR_ALL_SESSIONS = 1, "Every session on the machine."


class SessionNotificationMsg(_DocumentedIntEnum):
    """The ``wParam`` of ``WM_WTSSESSION_CHANGE``: why it was sent.

    The session concerned is in ``lParam``. Codes are from WinUser.h.
    """

    WTS_CONSOLE_CONNECT = (
        0x1, "The session was connected to the console terminal or a RemoteFX session.")
    WTS_CONSOLE_DISCONNECT = (
        0x2, "The session was disconnected from the console terminal or a RemoteFX session.")
    WTS_REMOTE_CONNECT = 0x3, "The session was connected to a remote (RDP) terminal."
    WTS_REMOTE_DISCONNECT = 0x4, "The session was disconnected from a remote (RDP) terminal."
    WTS_SESSION_LOGON = 0x5, "A user logged on to the session."
    WTS_SESSION_LOGOFF = 0x6, "The user logged off the session."
    WTS_SESSION_LOCK = 0x7, "The session was locked."
    WTS_SESSION_UNLOCK = 0x8, "The session was unlocked."
    WTS_SESSION_REMOTE_CONTROL = (
        0x9, "The session's remote-control (shadowing) status changed.")
    WTS_SESSION_CREATE = 0xA, "A session was created (documented as reserved)."
    WTS_SESSION_TERMINATE = 0xB, "A session was terminated (documented as reserved)."
    WTS_SESSION_DESKTOP_READY = (
        0xF, "The session's desktop is ready for the user (Windows 10 and later).")

# Looked up for every event; a dict is faster than calling the enum.
_REASON_BY_CODE: Final[dict[int, SessionNotificationMsg]] = {
    member.value: member for member in SessionNotificationMsg
}


def decode_reason(code: int) -> SessionNotificationMsg | int:
    """The enum member for ``code``, or ``code`` itself when it is unknown.

    Windows may add codes; an unknown one is passed on, never dropped.
    """
    return _REASON_BY_CODE.get(code, code)


class ConnectState(_DocumentedIntEnum):
    """A session's connection state, as ``WTS_CONNECTSTATE_CLASS`` numbers it.

    https://learn.microsoft.com/windows/win32/api/wtsapi32/ne-wtsapi32-wts_connectstate_class
    """

    WTSActive = 0, "A user is logged on and a client is connected."
    WTSConnected = 1, "A client is connected; nobody has logged on yet."
    WTSConnectQuery = 2, "A client is in the middle of connecting."
    WTSShadow = 3, "The session is shadowing (remote-controlling) another one."
    WTSDisconnected = 4, "A user is logged on but no client is connected."
    WTSIdle = 5, "The session waits for a client to connect."
    WTSListen = 6, "A listener waiting for connections, not a user's session."
    WTSReset = 7, "The session is being reset."
    WTSDown = 8, "The session is down because of an error."
    WTSInit = 9, "The session is being initialised."


_STATE_BY_CODE: Final[dict[int, ConnectState]] = {member.value: member for member in ConnectState}


def decode_state(code: int) -> ConnectState | int:
    """The enum member for ``code``, or ``code`` itself when it is unknown."""
    return _STATE_BY_CODE.get(code, code)


# --- Power: WM_POWERBROADCAST, and the power settings Windows reports. ---

#: The message a window receives for power events.
#: https://learn.microsoft.com/windows/win32/power/wm-powerbroadcast
WM_POWERBROADCAST: Final = 0x218
#: Sent to top-level windows when the session is about to end, and when it ends.
#: https://learn.microsoft.com/windows/win32/shutdown/wm-queryendsession
WM_QUERYENDSESSION: Final = 0x0011
#: https://learn.microsoft.com/windows/win32/shutdown/wm-endsession
WM_ENDSESSION: Final = 0x0016


class _DocumentedEnum(enum.Enum):
    """An Enum (not an int) whose members are written ``NAME = value, "doc"``.

    The power and session-ending kinds are not ints on purpose:
    ``PBT_APMSUSPEND`` is 4, like ``WTS_REMOTE_DISCONNECT``, and an IntEnum
    would compare, hash and match a subscription as equal to it.
    """

    def __new__(cls: type[_N], value: object, doc: str = "") -> _N:
        member = object.__new__(cls)
        member._value_ = value
        member.__doc__ = doc
        return member


class _CodedEnum(_DocumentedEnum):
    """A kind whose value is the number Windows sends."""

    @property
    def code(self) -> int:
        """The number Windows uses for this kind."""
        value = self.value
        assert isinstance(value, int)
        return value


class PowerBroadcast(_CodedEnum):
    """The ``wParam`` of ``WM_POWERBROADCAST``: which power event it is.

    https://learn.microsoft.com/windows/win32/power/wm-powerbroadcast
    """

    PBT_APMSUSPEND = 0x4, "The computer is about to enter a suspended state (sleep, hibernate)."
    PBT_APMRESUMESUSPEND = (
        0x7, "The computer resumed after a suspend because of the user "
        "(after PBT_APMRESUMEAUTOMATIC).")
    PBT_APMPOWERSTATUSCHANGE = (
        0xA, "The power status changed: AC or battery, or the battery's level.")
    PBT_APMRESUMEAUTOMATIC = 0x12, "The computer resumed after a suspend (with or without a user)."
    PBT_POWERSETTINGCHANGE = 0x8013, "A registered power setting changed (see PowerSetting)."


class PowerSetting(_DocumentedEnum):
    """The power settings a notifier registers for, by their WinNT.h GUIDs.

    https://learn.microsoft.com/windows/win32/power/power-setting-guids
    """

    GUID_SESSION_USER_PRESENCE = (
        "3c0f4548-c03f-4c4d-b9f2-237ede686376",
        "Whether the user is present in this session (UserActivityPresence).")
    GUID_GLOBAL_USER_PRESENCE = (
        "786e8a1d-b427-4344-9207-09e70bdcbea9",
        "Whether a user is present in any session; what session 0 gets instead.")
    GUID_SESSION_DISPLAY_STATUS = (
        "2b84c20e-ad23-4ddf-93db-05ffbd7efca5",
        "This session's display: off, on or dimmed (MonitorDisplayState).")
    GUID_CONSOLE_DISPLAY_STATE = (
        "6fe69556-704a-47a0-8f24-c28d936fda47",
        "The console's display: off, on or dimmed; what session 0 gets instead.")
    GUID_ACDC_POWER_SOURCE = (
        "5d3e9a59-e9d5-4b00-a6bd-ff34ff516548",
        "The power source: AC, battery or UPS (SystemPowerCondition).")
    GUID_BATTERY_PERCENTAGE_REMAINING = (
        "a7ad8041-b45a-4cae-87a3-eecbb468a9e1", "The battery's remaining capacity, 0 to 100.")
    GUID_POWER_SAVING_STATUS = (
        "e00958c0-c213-4ace-ac77-fecced2eeea5", "Battery saver: 0 off, 1 on (Windows 10).")
    GUID_ENERGY_SAVER_STATUS = (
        "550e8400-e29b-41d4-a716-446655440000",
        "Energy saver (Windows 11 24H2 and later): EnergySaverStatus.")


class SessionEnding(_CodedEnum):
    """The two messages a top-level window gets when the session ends."""

    WM_QUERYENDSESSION = (
        0x0011, "The session is about to end; callbacks run before Windows goes on.")
    WM_ENDSESSION = 0x0016, "Whether the session really ends, after every application answered."


class EndSessionFlags(enum.IntFlag):
    """The ``lParam`` of ``WM_QUERYENDSESSION`` and ``WM_ENDSESSION``; no flag
    at all means a shutdown or restart.

    https://learn.microsoft.com/windows/win32/shutdown/wm-queryendsession
    """

    ENDSESSION_CLOSEAPP = 0x00000001
    ENDSESSION_CRITICAL = 0x40000000
    ENDSESSION_LOGOFF = 0x80000000


class UserActivityPresence(_DocumentedIntEnum):
    """The value of the user-presence settings (``USER_ACTIVITY_PRESENCE``)."""

    PowerUserPresent = 0, "The user is providing input to the session."
    PowerUserNotPresent = 1, "The user is not present."
    PowerUserInactive = 2, "The user activity timeout has elapsed with no interaction."


class MonitorDisplayState(_DocumentedIntEnum):
    """The value of the display settings (``MONITOR_DISPLAY_STATE``)."""

    PowerMonitorOff = 0, "The display is off."
    PowerMonitorOn = 1, "The display is on."
    PowerMonitorDim = 2, "The display is dimmed."


class SystemPowerCondition(_DocumentedIntEnum):
    """The value of ``GUID_ACDC_POWER_SOURCE`` (``SYSTEM_POWER_CONDITION``)."""

    PoAc = 0, "AC power (or similar, such as a car adapter)."
    PoDc = 1, "The computer's own battery."
    PoHot = 2, "A short-term source such as a UPS."


class EnergySaverStatus(_DocumentedIntEnum):
    """The value of ``GUID_ENERGY_SAVER_STATUS`` (``ENERGY_SAVER_STATUS``)."""

    ENERGY_SAVER_OFF = 0, "Energy saver is off."
    ENERGY_SAVER_STANDARD = 1, "Energy saver is on: save energy where it costs the user little."
    ENERGY_SAVER_HIGH_SAVINGS = 2, "Energy saver is on, saving as much as it can."


class ACLineStatus(_DocumentedIntEnum):
    """``SYSTEM_POWER_STATUS.ACLineStatus``, from ``GetSystemPowerStatus``.

    https://learn.microsoft.com/windows/win32/api/winbase/ns-winbase-system_power_status
    """

    AC_LINE_OFFLINE = 0, "On battery."
    AC_LINE_ONLINE = 1, "On AC power."
    AC_LINE_BACKUP_POWER = 2, "On backup power."
    AC_LINE_UNKNOWN = 255, "Windows does not know."


class IdleState(enum.Enum):
    """What :func:`idle_state` answers, as Electron's ``getSystemIdleState`` does."""

    ACTIVE = "active"
    IDLE = "idle"
    LOCKED = "locked"


_POWER_BY_CODE: Final[dict[int, PowerBroadcast]] = {m.value: m for m in PowerBroadcast}
_SETTING_BY_GUID: Final[dict[str, PowerSetting]] = {m.value: m for m in PowerSetting}
#: What each setting's DWORD means, where it is an enumeration.
SETTING_VALUES: Final[dict[PowerSetting, type[_DocumentedIntEnum]]] = {
    PowerSetting.GUID_SESSION_USER_PRESENCE: UserActivityPresence,
    PowerSetting.GUID_GLOBAL_USER_PRESENCE: UserActivityPresence,
    PowerSetting.GUID_SESSION_DISPLAY_STATUS: MonitorDisplayState,
    PowerSetting.GUID_CONSOLE_DISPLAY_STATE: MonitorDisplayState,
    PowerSetting.GUID_ACDC_POWER_SOURCE: SystemPowerCondition,
    PowerSetting.GUID_ENERGY_SAVER_STATUS: EnergySaverStatus,
}


def decode_power(code: int) -> PowerBroadcast | int:
    """The member for a ``PBT_*`` code, or the code itself when unknown."""
    return _POWER_BY_CODE.get(code, code)


def decode_setting(guid: str) -> PowerSetting | str:
    """The member for a setting's GUID (lower case), or the GUID when unknown."""
    return _SETTING_BY_GUID.get(guid, guid)


def decode_setting_value(setting: PowerSetting | str, value: int) -> int:
    """A setting's DWORD as its enumeration's member where it has one."""
    kind = SETTING_VALUES.get(setting) if isinstance(setting, PowerSetting) else None
    if kind is None:
        return value
    try:
        return kind(value)
    except ValueError:
        return value
