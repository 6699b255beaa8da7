"""Windows session change notifications in pure ctypes.

Lock, unlock, logon, logoff, console and remote connect and disconnect, remote
control, and, when asked, sleep and wake, user presence, the display, the
power source and the session ending: one window and its pump tell your
callbacks; inside a Windows service, :class:`Service` hosts a notifier that
its control handler feeds. The session queries say who is in each session,
:class:`SessionTracker` keeps a count of users online, and
:class:`PresenceTracker` says whether this session is in use. The enums and
event types import on any OS; everything that asks Windows needs Windows to
start or call.
"""

from __future__ import annotations

import sys

__version__ = "0.2.0"

__all__ = [
    "WM_POWERBROADCAST",
    "WM_WTSSESSION_CHANGE",
    "ACLineStatus",
    "Callback",
    "ConnectState",
    "EndSessionFlags",
    "EnergySaverStatus",
    "ErrorHandler",
    "Event",
    "EventIterator",
    "EventStream",
    "IdleState",
    "MessageDecoder",
    "MonitorDisplayState",
    "NotAServiceError",
    "Notifier",
    "NotifyType",
    "PowerBroadcast",
    "PowerEvent",
    "PowerSetting",
    "PowerStatus",
    "Presence",
    "PresenceHook",
    "PresenceTracker",
    "SessionEnding",
    "SessionEndingEvent",
    "SessionEvent",
    "SessionHook",
    "SessionInfo",
    "SessionNotificationMsg",
    "SessionTracker",
    "Service",
    "ServiceExit",
    "SystemPowerCondition",
    "UserActivityPresence",
    "W32HandleSessionChanges",
    "active_console_session_id",
    "current_session_id",
    "idle_seconds",
    "idle_state",
    "list_sessions",
    "power_status",
    "session_info",
    "__version__",
]

# Each name loads its module on first use (PEP 562), so that a program pays
# only for what it uses: `from win32session import Notifier` loads neither
# dataclasses, logging, ctypes nor asyncio until a notifier starts.
_HOMES = {
    "WM_POWERBROADCAST": "_codes",
    "WM_WTSSESSION_CHANGE": "_codes",
    "ACLineStatus": "_codes",
    "ConnectState": "_codes",
    "EndSessionFlags": "_codes",
    "EnergySaverStatus": "_codes",
    "IdleState": "_codes",
    "MonitorDisplayState": "_codes",
    "NotifyType": "_codes",
    "PowerBroadcast": "_codes",
    "PowerSetting": "_codes",
    "SessionEnding": "_codes",
    "SessionNotificationMsg": "_codes",
    "SystemPowerCondition": "_codes",
    "UserActivityPresence": "_codes",
    "Event": "_events",
    "PowerEvent": "_events",
    "PowerStatus": "_events",
    "SessionEndingEvent": "_events",
    "SessionEvent": "_events",
    "SessionInfo": "_events",
    "idle_seconds": "_queries.activity",
    "idle_state": "_queries.activity",
    "power_status": "_queries.activity",
    "Presence": "_trackers.presence",
    "PresenceHook": "_trackers.presence",
    "PresenceTracker": "_trackers.presence",
    "Callback": "_notifier.notifier",
    "ErrorHandler": "_notifier.notifier",
    "Notifier": "_notifier.notifier",
    "MessageDecoder": "_csharp",
    "W32HandleSessionChanges": "_csharp",
    "active_console_session_id": "_queries.sessions",
    "current_session_id": "_queries.sessions",
    "list_sessions": "_queries.sessions",
    "session_info": "_queries.sessions",
    "EventIterator": "_notifier.streams",
    "EventStream": "_notifier.streams",
    "SessionHook": "_trackers.session",
    "SessionTracker": "_trackers.session",
    "NotAServiceError": "_service.host",
    "Service": "_service.host",
    "ServiceExit": "_service.host",
}

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._codes import (
        WM_POWERBROADCAST,
        WM_WTSSESSION_CHANGE,
        ACLineStatus,
        ConnectState,
        EndSessionFlags,
        EnergySaverStatus,
        IdleState,
        MonitorDisplayState,
        NotifyType,
        PowerBroadcast,
        PowerSetting,
        SessionEnding,
        SessionNotificationMsg,
        SystemPowerCondition,
        UserActivityPresence,
    )
    from ._csharp import MessageDecoder, W32HandleSessionChanges
    from ._events import (
        Event,
        PowerEvent,
        PowerStatus,
        SessionEndingEvent,
        SessionEvent,
        SessionInfo,
    )
    from ._notifier.notifier import Callback, ErrorHandler, Notifier
    from ._queries.activity import idle_seconds, idle_state, power_status
    from ._queries.sessions import (
        active_console_session_id,
        current_session_id,
        list_sessions,
        session_info,
    )
    from ._service.host import NotAServiceError, Service, ServiceExit
    from ._notifier.streams import EventIterator, EventStream
    from ._trackers.presence import Presence, PresenceHook, PresenceTracker
    from ._trackers.session import SessionHook, SessionTracker


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = f"{__name__}.{home}"
    __import__(module)
    value = getattr(sys.modules[module], name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
