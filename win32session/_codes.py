"""The numbers Windows uses: the message, why it was sent, which sessions a
window hears about, and a session's connection state, as enums.

Pure Python, importable on any OS, and cheap to import: the notifier needs
these at once, while the event and session types load with the pump.
"""

from __future__ import annotations

import enum

TYPE_CHECKING = False  # typing itself costs more to import than this module
if TYPE_CHECKING:
    from typing import Final, TypeVar

    _E = TypeVar("_E", bound="_DocumentedIntEnum")

__all__ = [
    "WM_WTSSESSION_CHANGE",
    "NotifyType",
    "SessionNotificationMsg",
    "ConnectState",
    "decode_reason",
    "decode_state",
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
