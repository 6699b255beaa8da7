"""Windows session change notifications in pure ctypes.

Lock, unlock, logon, logoff, console and remote connect and disconnect, remote
control: a message-only window and its pump tell your callbacks. The enums and :class:`SessionEvent` import on any OS; :class:`Notifier` and
:class:`W32HandleSessionChanges` need Windows to start or call.
"""

from __future__ import annotations

from ._events import (
    WM_WTSSESSION_CHANGE,
    NotifyType,
    SessionEvent,
    SessionNotificationMsg,
)
from ._mirror import W32HandleSessionChanges
from ._notifier import Callback, ErrorHandler, Notifier

__version__ = "0.1.0"

__all__ = [
    "WM_WTSSESSION_CHANGE",
    "Callback",
    "ErrorHandler",
    "Notifier",
    "NotifyType",
    "SessionEvent",
    "SessionNotificationMsg",
    "W32HandleSessionChanges",
    "__version__",
]
