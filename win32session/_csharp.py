"""For programs that own their window already, the C# way ("register your
window, then handle the message in its WndProc"): ``W32HandleSessionChanges``,
the Python twin of the C# static class of the same name in
Win32SessionChangesNotifier, and :class:`MessageDecoder`, which turns the
messages that window gets into this library's events."""

from __future__ import annotations

import sys

from ._codes import WM_ENDSESSION as _WM_ENDSESSION
from ._codes import WM_POWERBROADCAST as _WM_POWERBROADCAST
from ._codes import WM_QUERYENDSESSION as _WM_QUERYENDSESSION
from ._codes import WM_WTSSESSION_CHANGE as _WM_WTSSESSION_CHANGE
from ._platform import require_windows

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final
    from collections.abc import Hashable, Sequence

    from ._events import Event
    from ._sources.base import EventSource

__all__ = ["MessageDecoder", "W32HandleSessionChanges"]


class W32HandleSessionChanges:
    """The two ``DllImport`` declarations and the message number, as the C# class has them.

    Like ``[DllImport("wtsapi32.dll", SetLastError = true)]``, each call returns
    the BOOL as a ``bool`` and never raises for a Win32 failure: the error code
    stays readable with ``ctypes.get_last_error()``. :class:`Notifier` is the
    managed way; this class is for code that owns its window already.
    """

    WM_WTSSESSION_CHANGE: Final = _WM_WTSSESSION_CHANGE

    @staticmethod
    def WTSRegisterSessionNotification(hwnd: int, flags: int) -> bool:
        """https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsregistersessionnotification"""
        require_windows()
        if sys.platform == "win32":  # for mypy; require_windows() raised otherwise
            from ._win32 import wtsapi32

            try:
                wtsapi32.WTSRegisterSessionNotification(hwnd, flags)
            except OSError:
                return False
        return True

    @staticmethod
    def WTSUnRegisterSessionNotification(hwnd: int) -> bool:
        """https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsunregistersessionnotification"""
        require_windows()
        if sys.platform == "win32":
            from ._win32 import wtsapi32

            try:
                wtsapi32.WTSUnRegisterSessionNotification(hwnd)
            except OSError:
                return False
        return True


class MessageDecoder:
    """Turns a message your own window got into a :class:`SessionEvent`,
    :class:`PowerEvent` or :class:`SessionEndingEvent`: for a Qt
    ``nativeEventFilter`` or ``QWidget.nativeEvent``, a pywin32 window, or
    any window procedure. The events are those a :class:`Notifier` delivers,
    decoded by the same code.

    Call :meth:`decode` inside the window procedure, while Windows's call
    lasts: what ``PBT_POWERSETTINGCHANGE``'s lParam points to (a
    ``POWERBROADCAST_SETTING``) is valid only until the window procedure
    returns, so it is copied into the event then. The remote-control flag
    and, with ``details=True``, the session's ``info`` are read on arrival
    too. Your window registers itself (``WTSRegisterSessionNotification``,
    ``RegisterPowerSettingNotification``, ``RegisterSuspendResumeNotification``;
    a top-level window for the session ending) and returns :meth:`answer`.
    A power setting's first value seen by this decoder is marked ``initial``.
    https://learn.microsoft.com/windows/win32/power/wm-powerbroadcast
    """

    #: The messages :meth:`decode` turns into events.
    messages: Final = frozenset(
        {_WM_WTSSESSION_CHANGE, _WM_POWERBROADCAST, _WM_QUERYENDSESSION, _WM_ENDSESSION})

    def __init__(self, *, details: bool = False) -> None:
        if not isinstance(details, bool):
            raise TypeError(f"details must be True or False, got {details!r}")
        require_windows()
        self._details = details
        self._routes: dict[int, EventSource] = {}
        self._decoded: Event | None = None
        if sys.platform == "win32":
            from ._codes import NotifyType
            from ._queries.sessions import current_session_id
            from ._sources.ending import SessionEndingChanges
            from ._sources.power import PowerChanges
            from ._sources.session import SessionChanges

            # Every session's messages (your registration chose which come):
            # the decoder filters none.
            sources: tuple[EventSource, ...] = (
                SessionChanges(NotifyType.NOTIFY_FOR_ALL_SESSIONS, 0.0, details, self._keep),
                PowerChanges(self._keep, current_session_id()),
                SessionEndingChanges(self._keep),
            )
            self._routes = {msg: source for source in sources for msg in source.messages}

    def _keep(self, event: Event, keys: Sequence[Hashable]) -> None:
        self._decoded = event

    @property
    def details(self) -> bool:
        """Whether session events carry ``info`` read on arrival."""
        return self._details

    def decode(self, msg: int, wparam: int, lparam: int) -> Event | None:
        """The event for ``msg`` with its ``wParam`` and ``lParam`` (ints, as
        a window procedure gets them), or None for a message that is none of
        :attr:`messages`. Call it on arrival: see the class's docstring."""
        source = self._routes.get(msg)
        if source is None:
            return None
        self._decoded = None
        try:
            source.handle(msg, wparam & _POINTER_MASK, lparam & _POINTER_MASK, True)
            return self._decoded
        finally:
            self._decoded = None

    @staticmethod
    def answer(msg: int) -> int | None:
        """What the window procedure should return for ``msg`` once decoded:
        TRUE for ``WM_POWERBROADCAST`` (grant) and ``WM_QUERYENDSESSION`` (the
        session may end), 0 for the others; None for a message that is not
        one of :attr:`messages` (hand it to ``DefWindowProcW``)."""
        if msg in (_WM_POWERBROADCAST, _WM_QUERYENDSESSION):
            return 1
        if msg in (_WM_WTSSESSION_CHANGE, _WM_ENDSESSION):
            return 0
        return None


#: wParam and lParam as the unsigned pointer-sized values a window procedure
#: gets (ctypes' MSG.lParam, for one, is signed: an address may come negative).
_POINTER_MASK: Final = sys.maxsize * 2 + 1
