"""The session ending as an event source: ``WM_QUERYENDSESSION`` and
``WM_ENDSESSION``.

Windows sends both only to top-level windows, and a console program that
loads user32 gets no ``CTRL_LOGOFF_EVENT`` or ``CTRL_SHUTDOWN_EVENT``; so a
notifier asked for these gets a hidden, never-shown top-level window instead of
a message-only one. The callbacks run before the answer, which is always
"yes, end" (it never vetoes).
https://learn.microsoft.com/windows/win32/shutdown/wm-queryendsession

Windows only: the notifier imports it after checking the platform.
"""

from __future__ import annotations

import sys

if sys.platform != "win32":  # pragma: no cover - guarded by the importer
    raise ImportError("win32session._sources.ending needs Windows")

import datetime

from .._codes import WM_ENDSESSION, WM_QUERYENDSESSION, EndSessionFlags, SessionEnding
from .._events import SessionEndingEvent

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

    from .base import Deliver, Waiting

__all__ = ["SessionEndingChanges"]

_QUERY: Final = SessionEnding.WM_QUERYENDSESSION
_END: Final = SessionEnding.WM_ENDSESSION
#: WM_QUERYENDSESSION: TRUE lets the session end. WM_ENDSESSION: 0, handled.
_ANSWERS: Final = {WM_QUERYENDSESSION: 1, WM_ENDSESSION: 0}


class SessionEndingChanges:
    """``WM_QUERYENDSESSION`` and ``WM_ENDSESSION`` for one top-level window;
    nothing to register."""

    messages: Final = (WM_QUERYENDSESSION, WM_ENDSESSION)
    needs_top_level: Final = True

    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver

    def register(self, hwnd: int, pump: Waiting) -> bool:
        return True

    def handle(self, msg: int, wparam: int, lparam: int, deliver: bool) -> int:
        """Delivers the event, then answers: the callbacks run first."""
        if deliver:
            timestamp = datetime.datetime.now(datetime.timezone.utc)
            flags = EndSessionFlags(lparam & 0xFFFFFFFF)
            if msg == WM_QUERYENDSESSION:
                self._deliver(SessionEndingEvent(_QUERY, timestamp, flags), (_QUERY,))
            else:
                event = SessionEndingEvent(_END, timestamp, flags, ending=bool(wparam))
                self._deliver(event, (_END,))
        return _ANSWERS[msg]

    def unregister(self, hwnd: int) -> None:
        pass
