"""Windows session change notifications in pure ctypes.

Lock, unlock, logon, logoff, console and remote connect and disconnect, remote
control: a message-only window and its pump tell your callbacks. The session
queries say who is in each session, and :class:`SessionTracker` keeps a count
of users online. The enums, :class:`SessionEvent` and :class:`SessionInfo`
import on any OS; everything that asks Windows needs Windows to start or call.
"""

from __future__ import annotations

from ._events import (
    WM_WTSSESSION_CHANGE,
    ConnectState,
    NotifyType,
    SessionEvent,
    SessionInfo,
    SessionNotificationMsg,
)
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

__version__ = "0.1.0"

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
