"""Windows session change notifications in pure ctypes.

Lock, unlock, logon, logoff, console and remote connect and disconnect, remote
control: a message-only window and its pump tell your callbacks. The session
queries say who is in each session, and :class:`SessionTracker` keeps a count
of users online. The enums, :class:`SessionEvent` and :class:`SessionInfo`
import on any OS; everything that asks Windows needs Windows to start or call.
"""

from __future__ import annotations

import sys

__version__ = "0.2.0"

__all__ = [
    "WM_WTSSESSION_CHANGE",
    "Callback",
    "ConnectState",
    "ErrorHandler",
    "EventIterator",
    "EventStream",
    "Notifier",
    "NotifyType",
    "SessionEvent",
    "SessionHook",
    "SessionInfo",
    "SessionNotificationMsg",
    "SessionTracker",
    "W32HandleSessionChanges",
    "active_console_session_id",
    "current_session_id",
    "list_sessions",
    "session_info",
    "__version__",
]

# Each name loads its module on first use (PEP 562), so that a program pays
# only for what it uses: `from win32session import Notifier` loads neither
# dataclasses, logging, ctypes nor asyncio until a notifier starts.
_HOMES = {
    "WM_WTSSESSION_CHANGE": "_codes",
    "ConnectState": "_codes",
    "NotifyType": "_codes",
    "SessionNotificationMsg": "_codes",
    "SessionEvent": "_events",
    "SessionInfo": "_events",
    "Callback": "_notifier",
    "ErrorHandler": "_notifier",
    "Notifier": "_notifier",
    "W32HandleSessionChanges": "_mirror",
    "active_console_session_id": "_sessions",
    "current_session_id": "_sessions",
    "list_sessions": "_sessions",
    "session_info": "_sessions",
    "EventIterator": "_streams",
    "EventStream": "_streams",
    "SessionHook": "_tracker",
    "SessionTracker": "_tracker",
}

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._codes import WM_WTSSESSION_CHANGE, ConnectState, NotifyType, SessionNotificationMsg
    from ._events import SessionEvent, SessionInfo
    from ._mirror import W32HandleSessionChanges
    from ._notifier import Callback, ErrorHandler, Notifier
    from ._sessions import (
        active_console_session_id,
        current_session_id,
        list_sessions,
        session_info,
    )
    from ._streams import EventIterator, EventStream
    from ._tracker import SessionHook, SessionTracker


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
