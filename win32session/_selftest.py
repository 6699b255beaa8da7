"""The selftest's round trip: every code posted to a live notifier's window,
and what arrived in its place.

``win32session selftest`` prints each arrival; ``win32session doctor`` counts
them as one of its checks. Both need Windows (there must be a window to post
to); elsewhere :func:`round_trip` raises the usual "needs Windows" error.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import Final

from ._codes import WM_WTSSESSION_CHANGE, NotifyType, SessionNotificationMsg
from ._events import SessionEvent
from ._notifier import Notifier
from ._platform import require_windows
from ._sessions import current_session_id

__all__ = ["UNKNOWN_CODE", "Arrival", "round_trip"]

#: A wParam no Windows version sends today, to check unknown codes come through.
UNKNOWN_CODE: Final = 0x7F
#: How long to wait for every posted code to arrive.
WAIT_SECONDS: Final = 10.0


@dataclass(frozen=True)
class Arrival:
    """One posted code and the event that arrived in its place, if any."""

    code: int
    event: SessionEvent | None
    session_id: int
    """The session id that was posted with it (this process's)."""

    @property
    def known(self) -> bool:
        """Whether the code is a ``SessionNotificationMsg``."""
        return self.code in SessionNotificationMsg._value2member_map_

    @property
    def name(self) -> str:
        """The code's name, or ``"(unknown code)"``."""
        return SessionNotificationMsg(self.code).name if self.known else "(unknown code)"

    @property
    def ok(self) -> bool:
        """Whether the event is the code, decoded: an enum member for a known
        code, the plain ``int`` for an unknown one, with the posted session."""
        event = self.event
        return (
            event is not None
            and event.reason == self.code
            and isinstance(event.reason, SessionNotificationMsg) == self.known
            and event.session_id == self.session_id
        )


def round_trip(wait: float = WAIT_SECONDS) -> list[Arrival]:
    """Posts every ``SessionNotificationMsg`` code, then ``UNKNOWN_CODE``, to
    a new notifier's window, as Windows would, and pairs each with what
    arrived (in order) within ``wait`` seconds."""
    require_windows()
    if sys.platform != "win32":  # for mypy; require_windows() raised already
        raise AssertionError("unreachable")
    from . import _winapi

    session = current_session_id()
    codes: list[int] = [*SessionNotificationMsg, UNKNOWN_CODE]
    received: list[SessionEvent] = []
    all_arrived = threading.Event()

    def collect(event: SessionEvent) -> None:
        received.append(event)
        if len(received) == len(codes):
            all_arrived.set()

    with Notifier(NotifyType.NOTIFY_FOR_THIS_SESSION) as notifier:
        notifier.subscribe(collect)
        for code in codes:
            _winapi.PostMessageW(notifier.hwnd, WM_WTSSESSION_CHANGE, code, session)
        all_arrived.wait(wait)
    return [
        Arrival(code, received[index] if index < len(received) else None, session)
        for index, code in enumerate(codes)
    ]
