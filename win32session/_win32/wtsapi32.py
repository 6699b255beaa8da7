"""wtsapi32: session-change notifications for a window, and the session
queries (who is logged on where, in which state).

Used by the notifier's session source and the session queries; importing this
module loads wtsapi32.
"""

from __future__ import annotations

import sys

if sys.platform == "win32":
    import ctypes
    from collections.abc import Callable
    from ctypes import wintypes

    TYPE_CHECKING = False  # typing loads only for the type checker
    if TYPE_CHECKING:
        from typing import Final

    from .shared import HANDLE, HWND, _cannot_fail, _declare, _fails_on_zero, _P

    _dll = ctypes.WinDLL("wtsapi32", use_last_error=True)

    class WTS_SESSION_INFOW(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/wtsapi32/ns-wtsapi32-wts_session_infow"""

        _fields_ = [
            ("SessionId", wintypes.DWORD),
            ("pWinStationName", wintypes.LPWSTR),
            ("State", ctypes.c_int),  # WTS_CONNECTSTATE_CLASS
        ]

    WINSTATIONNAME_LENGTH: Final = 32
    USERNAME_LENGTH: Final = 20
    DOMAIN_LENGTH: Final = 17

    class WTSINFOEX_LEVEL1_W(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/wtsapi32/ns-wtsapi32-wtsinfoex_level1_w"""

        _fields_ = [
            ("SessionId", wintypes.ULONG),
            ("SessionState", ctypes.c_int),  # WTS_CONNECTSTATE_CLASS
            ("SessionFlags", wintypes.LONG),
            ("WinStationName", wintypes.WCHAR * (WINSTATIONNAME_LENGTH + 1)),
            ("UserName", wintypes.WCHAR * (USERNAME_LENGTH + 1)),
            ("DomainName", wintypes.WCHAR * (DOMAIN_LENGTH + 1)),
            ("LogonTime", wintypes.LARGE_INTEGER),
            ("ConnectTime", wintypes.LARGE_INTEGER),
            ("DisconnectTime", wintypes.LARGE_INTEGER),
            ("LastInputTime", wintypes.LARGE_INTEGER),
            ("CurrentTime", wintypes.LARGE_INTEGER),
            ("IncomingBytes", wintypes.DWORD),
            ("OutgoingBytes", wintypes.DWORD),
            ("IncomingFrames", wintypes.DWORD),
            ("OutgoingFrames", wintypes.DWORD),
            ("IncomingCompressedBytes", wintypes.DWORD),
            ("OutgoingCompressedBytes", wintypes.DWORD),
        ]

    class WTSINFOEX_LEVEL_W(ctypes.Union):
        _fields_ = [("WTSInfoExLevel1", WTSINFOEX_LEVEL1_W)]

    class WTSINFOEXW(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/wtsapi32/ns-wtsapi32-wtsinfoexw"""

        _fields_ = [("Level", wintypes.DWORD), ("Data", WTSINFOEX_LEVEL_W)]

    #: WTSRegisterSessionNotification's error right after boot, until the
    #: session manager answers (win32session._sources.session waits for it).
    RPC_S_INVALID_BINDING: Final = 1702
    ERROR_CTX_WINSTATION_NOT_FOUND: Final = 7022
    WTS_CURRENT_SERVER_HANDLE: Final = None
    # WTS_INFO_CLASS values this package asks for.
    WTSUserName: Final = 5
    WTSWinStationName: Final = 6
    WTSDomainName: Final = 7
    WTSConnectState: Final = 8
    WTSClientName: Final = 10
    WTSSessionInfoEx: Final = 25

    # --- Session notifications. ---
    #: https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsregistersessionnotification
    WTSRegisterSessionNotification: Callable[..., int] = _declare(
        _dll, "WTSRegisterSessionNotification", wintypes.BOOL, (HWND, wintypes.DWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsunregistersessionnotification
    WTSUnRegisterSessionNotification: Callable[..., int] = _declare(
        _dll, "WTSUnRegisterSessionNotification", wintypes.BOOL, (HWND,), _fails_on_zero)

    # --- Session queries (kernel32 has WTSGetActiveConsoleSessionId). Every
    # buffer wtsapi32 hands back is released with WTSFreeMemory. ---
    #: https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsenumeratesessionsw
    WTSEnumerateSessionsW: Callable[..., int] = _declare(
        _dll, "WTSEnumerateSessionsW", wintypes.BOOL,
        (HANDLE, wintypes.DWORD, wintypes.DWORD, _P(_P(WTS_SESSION_INFOW)), wintypes.LPDWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsquerysessioninformationw
    WTSQuerySessionInformationW: Callable[..., int] = _declare(
        _dll, "WTSQuerySessionInformationW", wintypes.BOOL,
        (HANDLE, wintypes.DWORD, ctypes.c_int, _P(ctypes.c_void_p), wintypes.LPDWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsfreememory
    WTSFreeMemory: Callable[..., None] = _declare(
        _dll, "WTSFreeMemory", None, (ctypes.c_void_p,), _cannot_fail)
