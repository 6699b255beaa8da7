"""``W32HandleSessionChanges``: the Python twin of the C# static class of the
same name in Win32SessionChangesNotifier, for code ported from it."""

from __future__ import annotations

import sys
from typing import Final

from ._codes import WM_WTSSESSION_CHANGE as _WM_WTSSESSION_CHANGE
from ._platform import require_windows

__all__ = ["W32HandleSessionChanges"]


class W32HandleSessionChanges:
    """The two ``DllImport``s and the message number, as the C# class has them.

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
            from . import _winapi

            try:
                _winapi.WTSRegisterSessionNotification(hwnd, flags)
            except OSError:
                return False
        return True

    @staticmethod
    def WTSUnRegisterSessionNotification(hwnd: int) -> bool:
        """https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsunregistersessionnotification"""
        require_windows()
        if sys.platform == "win32":
            from . import _winapi

            try:
                _winapi.WTSUnRegisterSessionNotification(hwnd)
            except OSError:
                return False
        return True
