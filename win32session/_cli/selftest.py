"""The selftest's round trip: every code posted to a live notifier's window,
and what arrived in its place.

``win32session selftest`` prints each arrival; ``win32session doctor`` counts
them as one of its checks.

Each code goes with a session id of its own, chosen here, and is paired with
the event that carries that id back: a real lock, or a simulator's message,
arriving during the run is not taken for one of ours.

Both need Windows (there must be a window to post to); elsewhere
:func:`round_trip` raises the usual "needs Windows" error.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from .._codes import WM_WTSSESSION_CHANGE, NotifyType, SessionNotificationMsg
from .._events import SessionEvent
from .._notifier.notifier import Notifier
from .._platform import require_windows

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

__all__ = ["UNKNOWN_CODE", "Arrival", "round_trip"]

#: A wParam no Windows version sends today, to check unknown codes come through.
UNKNOWN_CODE: Final = 0x7F
#: How long to wait for every posted code to arrive.
WAIT_SECONDS: Final = 10.0
#: The session id posted with the first code; each next code gets the next
#: one. Far above the ids Windows hands out (they count up from 0), so that
#: no real session's event pairs with ours.
FIRST_SESSION_ID: Final = 0x5E1F0000


@dataclass(frozen=True)
class Arrival:
    """One posted code and the event that arrived in its place, if any."""

    code: int
    event: SessionEvent | None
    session_id: int
    """The session id that was posted with it: its own, to pair it with the
    event that brings it back."""

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
    a new notifier's window, as Windows would, each with a session id of its
    own, and pairs each with the event that came back with that id within
    ``wait`` seconds (the first one, should it come twice). Other events
    arriving meanwhile are left out.

    The notifier hears every session (``NOTIFY_FOR_ALL_SESSIONS``): those
    ids are nobody's session, which one for this session only would drop."""
    require_windows()
    if sys.platform != "win32":  # for mypy; require_windows() raised already
        raise AssertionError("unreachable")
    from .._win32 import user32

    codes: list[int] = [*SessionNotificationMsg, UNKNOWN_CODE]
    posted = {FIRST_SESSION_ID + index: code for index, code in enumerate(codes)}
    received: dict[int, SessionEvent] = {}
    all_arrived = threading.Event()

    def collect(event: SessionEvent) -> None:
        if event.session_id in posted:
            received.setdefault(event.session_id, event)
            if len(received) == len(posted):
                all_arrived.set()

    with Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS) as notifier:
        notifier.subscribe(collect)
        for session, code in posted.items():
            user32.PostMessageW(notifier.hwnd, WM_WTSSESSION_CHANGE, code, session)
        all_arrived.wait(wait)
    return [Arrival(code, received.get(session), session) for session, code in posted.items()]
