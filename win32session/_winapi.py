"""Every Win32 declaration the package uses, as data, and nothing else.

Each function gets argtypes, restype and errcheck here; no other module touches
a DLL. The DLLs are this module's own ``WinDLL`` objects, loaded with
``use_last_error=True``: setting argtypes on the shared ``ctypes.windll`` would
clash with other packages, and ``GetLastError`` must be captured by ctypes
right after the call, before Python code can overwrite it.

The declarations exist only on Windows (typeshed has ``WinDLL`` and
``WINFUNCTYPE`` only there); callers check ``sys.platform`` first. Importing
this module loads ctypes, so the notifier imports it only when it starts.
"""

from __future__ import annotations

import sys

if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes
    from collections.abc import Callable
    from typing import Any, Final

    _user32 = ctypes.WinDLL("user32", use_last_error=True)
    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _wtsapi32 = ctypes.WinDLL("wtsapi32", use_last_error=True)
    _advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)

    # --- Types: pointer-sized where Windows says so (64-bit correctness). ---
    LRESULT = ctypes.c_ssize_t  # LONG_PTR
    WPARAM = ctypes.c_size_t  # UINT_PTR
    LPARAM = ctypes.c_ssize_t  # LONG_PTR
    HWND = wintypes.HWND
    HANDLE = wintypes.HANDLE
    MSG = wintypes.MSG

    #: https://learn.microsoft.com/windows/win32/api/winuser/nc-winuser-wndproc
    WNDPROC = ctypes.WINFUNCTYPE(LRESULT, HWND, wintypes.UINT, WPARAM, LPARAM)
    #: https://learn.microsoft.com/windows/console/handlerroutine
    PHANDLER_ROUTINE = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)

    class WNDCLASSEXW(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winuser/ns-winuser-wndclassexw"""

        _fields_ = [
            ("cbSize", wintypes.UINT),
            ("style", wintypes.UINT),
            ("lpfnWndProc", WNDPROC),
            ("cbClsExtra", ctypes.c_int),
            ("cbWndExtra", ctypes.c_int),
            ("hInstance", wintypes.HINSTANCE),
            ("hIcon", wintypes.HICON),
            ("hCursor", wintypes.HANDLE),
            ("hbrBackground", wintypes.HBRUSH),
            ("lpszMenuName", wintypes.LPCWSTR),
            ("lpszClassName", wintypes.LPCWSTR),
            ("hIconSm", wintypes.HICON),
        ]

    class GUID(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/guiddef/ns-guiddef-guid"""

        _fields_ = [
            ("Data1", wintypes.DWORD),
            ("Data2", wintypes.WORD),
            ("Data3", wintypes.WORD),
            ("Data4", ctypes.c_ubyte * 8),
        ]

    class POWERBROADCAST_SETTING(ctypes.Structure):
        """The head of what ``PBT_POWERSETTINGCHANGE``'s lParam points to;
        ``DataLength`` bytes of data follow at the ``Data`` offset.
        https://learn.microsoft.com/windows/win32/api/winuser/ns-winuser-powerbroadcast_setting"""

        _fields_ = [
            ("PowerSetting", GUID),
            ("DataLength", wintypes.DWORD),
            ("Data", ctypes.c_ubyte * 1),
        ]

    class LASTINPUTINFO(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winuser/ns-winuser-lastinputinfo"""

        _fields_ = [("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD)]

    class SYSTEM_POWER_STATUS(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winbase/ns-winbase-system_power_status"""

        _fields_ = [
            ("ACLineStatus", ctypes.c_ubyte),  # BYTE: unsigned
            ("BatteryFlag", ctypes.c_ubyte),  # BYTE: unsigned
            ("BatteryLifePercent", ctypes.c_ubyte),  # BYTE: unsigned
            ("SystemStatusFlag", ctypes.c_ubyte),  # BYTE: unsigned
            ("BatteryLifeTime", wintypes.DWORD),
            ("BatteryFullLifeTime", wintypes.DWORD),
        ]

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

    # --- Constants. ---
    HWND_MESSAGE: Final = -3  # parent of message-only windows
    #: A hidden top-level window's extended style: a tool window is never in
    #: the taskbar or Alt+Tab, should anything ever show it.
    WS_EX_TOOLWINDOW: Final = 0x00000080
    WS_OVERLAPPED: Final = 0x00000000  # never WS_VISIBLE: the window stays hidden
    #: RegisterPowerSettingNotification/RegisterSuspendResumeNotification:
    #: the recipient is a window, which gets WM_POWERBROADCAST.
    DEVICE_NOTIFY_WINDOW_HANDLE: Final = 0
    #: SYSTEM_POWER_STATUS.BatteryFlag: no system battery.
    BATTERY_FLAG_NO_BATTERY: Final = 128
    BATTERY_PERCENTAGE_UNKNOWN: Final = 255
    WM_QUIT: Final = 0x0012
    WM_APP: Final = 0x8000
    PM_REMOVE: Final = 0x0001
    QS_POSTMESSAGE: Final = 0x0008
    WAIT_OBJECT_0: Final = 0x00000000
    WAIT_FAILED: Final = 0xFFFFFFFF
    INFINITE: Final = 0xFFFFFFFF
    SYNCHRONIZE: Final = 0x00100000
    SM_REMOTECONTROL: Final = 0x2001
    CTRL_C_EVENT: Final = 0
    CTRL_BREAK_EVENT: Final = 1
    RPC_S_INVALID_BINDING: Final = 1702
    ERROR_FILE_NOT_FOUND: Final = 2
    ERROR_CTX_WINSTATION_NOT_FOUND: Final = 7022
    WTS_CURRENT_SERVER_HANDLE: Final = None
    #: WTSGetActiveConsoleSessionId's answer when no session is attached.
    NO_CONSOLE_SESSION: Final = 0xFFFFFFFF
    # WTS_INFO_CLASS values this package asks for.
    WTSUserName: Final = 5
    WTSWinStationName: Final = 6
    WTSDomainName: Final = 7
    WTSConnectState: Final = 8
    WTSClientName: Final = 10
    WTSSessionInfoEx: Final = 25

    # --- Failure conventions, one errcheck each. ---
    def _raise_last_error(func: Any) -> None:
        code = ctypes.get_last_error()
        name = getattr(func, "__name__", "a Win32 call")
        if code == 0:
            # "Error 0: the operation completed successfully" is no cause.
            raise OSError(f"{name} failed and Windows gave no error code")
        raise ctypes.WinError(code, f"{name}: {ctypes.FormatError(code)}")

    def _fails_on_zero(result: Any, func: Any, args: Any) -> Any:
        """BOOL, ATOM, HWND or HANDLE results: 0 or NULL means failure."""
        if not result:
            _raise_last_error(func)
        return result

    def _fails_on_minus_one(result: Any, func: Any, args: Any) -> Any:
        """GetMessageW: -1 is an error; 0 is WM_QUIT and is no error."""
        if result == -1:
            _raise_last_error(func)
        return result

    def _fails_on_wait_failed(result: Any, func: Any, args: Any) -> Any:
        if result == WAIT_FAILED:
            _raise_last_error(func)
        return result

    def _cannot_fail(result: Any, func: Any, args: Any) -> Any:
        """For functions whose every result is a valid answer."""
        return result

    def _declare(
        dll: ctypes.WinDLL,
        name: str,
        restype: Any,
        argtypes: tuple[Any, ...],
        errcheck: Callable[[Any, Any, Any], Any],
    ) -> Any:
        function = getattr(dll, name)
        function.restype = restype
        function.argtypes = argtypes
        function.errcheck = errcheck
        return function

    _U, _K, _W, _A = _user32, _kernel32, _wtsapi32, _advapi32
    _P = ctypes.POINTER

    # --- user32: the window and its message queue. ---
    RegisterClassExW: Callable[..., int] = _declare(
        _U, "RegisterClassExW", wintypes.ATOM, (_P(WNDCLASSEXW),), _fails_on_zero)
    UnregisterClassW: Callable[..., int] = _declare(
        _U, "UnregisterClassW", wintypes.BOOL, (wintypes.LPCWSTR, wintypes.HINSTANCE),
        _fails_on_zero)
    CreateWindowExW: Callable[..., int] = _declare(
        _U, "CreateWindowExW", HWND,
        (wintypes.DWORD, wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD,
         ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
         HWND, wintypes.HMENU, wintypes.HINSTANCE, wintypes.LPVOID),
        _fails_on_zero)
    DestroyWindow: Callable[..., int] = _declare(
        _U, "DestroyWindow", wintypes.BOOL, (HWND,), _fails_on_zero)
    # Returns whatever the default handling returns; there is no failure value.
    DefWindowProcW: Callable[..., int] = _declare(
        _U, "DefWindowProcW", LRESULT, (HWND, wintypes.UINT, WPARAM, LPARAM), _cannot_fail)
    GetMessageW: Callable[..., int] = _declare(
        _U, "GetMessageW", wintypes.BOOL,
        (_P(MSG), HWND, wintypes.UINT, wintypes.UINT), _fails_on_minus_one)
    # PeekMessageW's result says whether a message was there, not success.
    PeekMessageW: Callable[..., int] = _declare(
        _U, "PeekMessageW", wintypes.BOOL,
        (_P(MSG), HWND, wintypes.UINT, wintypes.UINT, wintypes.UINT), _cannot_fail)
    # The window procedure's own result; there is no failure value.
    DispatchMessageW: Callable[..., int] = _declare(
        _U, "DispatchMessageW", LRESULT, (_P(MSG),), _cannot_fail)
    PostMessageW: Callable[..., int] = _declare(
        _U, "PostMessageW", wintypes.BOOL, (HWND, wintypes.UINT, WPARAM, LPARAM),
        _fails_on_zero)
    # Returns what the window procedure returns; there is no failure value.
    # The tests use it to play Windows's part for messages Windows sends.
    SendMessageW: Callable[..., int] = _declare(
        _U, "SendMessageW", LRESULT, (HWND, wintypes.UINT, WPARAM, LPARAM), _cannot_fail)
    # A yes/no question; FALSE is an answer.
    IsWindow: Callable[..., int] = _declare(
        _U, "IsWindow", wintypes.BOOL, (HWND,), _cannot_fail)
    # 0 is a valid metric value (SM_REMOTECONTROL: not remotely controlled).
    GetSystemMetrics: Callable[..., int] = _declare(
        _U, "GetSystemMetrics", ctypes.c_int, (ctypes.c_int,), _cannot_fail)
    MsgWaitForMultipleObjects: Callable[..., int] = _declare(
        _U, "MsgWaitForMultipleObjects", wintypes.DWORD,
        (wintypes.DWORD, _P(HANDLE), wintypes.BOOL, wintypes.DWORD, wintypes.DWORD),
        _fails_on_wait_failed)
    # NULL is "not found", an answer rather than a failure.
    FindWindowExW: Callable[..., int | None] = _declare(
        _U, "FindWindowExW", HWND, (HWND, HWND, wintypes.LPCWSTR, wintypes.LPCWSTR),
        _cannot_fail)

    # --- user32: power notifications and the last input. ---
    HPOWERNOTIFY = wintypes.HANDLE
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-registersuspendresumenotification
    RegisterSuspendResumeNotification: Callable[..., int] = _declare(
        _U, "RegisterSuspendResumeNotification", HPOWERNOTIFY, (HANDLE, wintypes.DWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-unregistersuspendresumenotification
    UnregisterSuspendResumeNotification: Callable[..., int] = _declare(
        _U, "UnregisterSuspendResumeNotification", wintypes.BOOL, (HPOWERNOTIFY,),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-registerpowersettingnotification
    RegisterPowerSettingNotification: Callable[..., int] = _declare(
        _U, "RegisterPowerSettingNotification", HPOWERNOTIFY,
        (HANDLE, _P(GUID), wintypes.DWORD), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-unregisterpowersettingnotification
    UnregisterPowerSettingNotification: Callable[..., int] = _declare(
        _U, "UnregisterPowerSettingNotification", wintypes.BOOL, (HPOWERNOTIFY,),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-getlastinputinfo
    GetLastInputInfo: Callable[..., int] = _declare(
        _U, "GetLastInputInfo", wintypes.BOOL, (_P(LASTINPUTINFO),), _fails_on_zero)

    # --- kernel32: the process, its session, console control, events. ---
    GetModuleHandleW: Callable[..., int] = _declare(
        _K, "GetModuleHandleW", wintypes.HMODULE, (wintypes.LPCWSTR,), _fails_on_zero)
    # Cannot fail (documented with no error return).
    GetCurrentProcessId: Callable[[], int] = _declare(
        _K, "GetCurrentProcessId", wintypes.DWORD, (), _cannot_fail)
    ProcessIdToSessionId: Callable[..., int] = _declare(
        _K, "ProcessIdToSessionId", wintypes.BOOL, (wintypes.DWORD, wintypes.LPDWORD),
        _fails_on_zero)
    SetConsoleCtrlHandler: Callable[..., int] = _declare(
        _K, "SetConsoleCtrlHandler", wintypes.BOOL, (PHANDLER_ROUTINE, wintypes.BOOL),
        _fails_on_zero)
    GenerateConsoleCtrlEvent: Callable[..., int] = _declare(
        _K, "GenerateConsoleCtrlEvent", wintypes.BOOL, (wintypes.DWORD, wintypes.DWORD),
        _fails_on_zero)
    AttachConsole: Callable[..., int] = _declare(
        _K, "AttachConsole", wintypes.BOOL, (wintypes.DWORD,), _fails_on_zero)
    # FALSE only means there was no console to leave.
    FreeConsole: Callable[[], int] = _declare(
        _K, "FreeConsole", wintypes.BOOL, (), _cannot_fail)
    OpenEventW: Callable[..., int] = _declare(
        _K, "OpenEventW", HANDLE, (wintypes.DWORD, wintypes.BOOL, wintypes.LPCWSTR),
        _fails_on_zero)
    CreateEventW: Callable[..., int] = _declare(
        _K, "CreateEventW", HANDLE,
        (wintypes.LPVOID, wintypes.BOOL, wintypes.BOOL, wintypes.LPCWSTR), _fails_on_zero)
    SetEvent: Callable[..., int] = _declare(
        _K, "SetEvent", wintypes.BOOL, (HANDLE,), _fails_on_zero)
    CloseHandle: Callable[..., int] = _declare(
        _K, "CloseHandle", wintypes.BOOL, (HANDLE,), _fails_on_zero)
    # Milliseconds since boot, wrapping every 49.7 days; it cannot fail.
    #: https://learn.microsoft.com/windows/win32/api/sysinfoapi/nf-sysinfoapi-gettickcount
    GetTickCount: Callable[[], int] = _declare(
        _K, "GetTickCount", wintypes.DWORD, (), _cannot_fail)
    #: https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-getsystempowerstatus
    GetSystemPowerStatus: Callable[..., int] = _declare(
        _K, "GetSystemPowerStatus", wintypes.BOOL, (_P(SYSTEM_POWER_STATUS),), _fails_on_zero)

    # --- wtsapi32: session notifications. ---
    #: https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsregistersessionnotification
    WTSRegisterSessionNotification: Callable[..., int] = _declare(
        _W, "WTSRegisterSessionNotification", wintypes.BOOL, (HWND, wintypes.DWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsunregistersessionnotification
    WTSUnRegisterSessionNotification: Callable[..., int] = _declare(
        _W, "WTSUnRegisterSessionNotification", wintypes.BOOL, (HWND,), _fails_on_zero)


    # --- wtsapi32 and kernel32: session queries. Every buffer wtsapi32 hands
    # back is released with WTSFreeMemory. ---
    #: https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsenumeratesessionsw
    WTSEnumerateSessionsW: Callable[..., int] = _declare(
        _W, "WTSEnumerateSessionsW", wintypes.BOOL,
        (HANDLE, wintypes.DWORD, wintypes.DWORD, _P(_P(WTS_SESSION_INFOW)), wintypes.LPDWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsquerysessioninformationw
    WTSQuerySessionInformationW: Callable[..., int] = _declare(
        _W, "WTSQuerySessionInformationW", wintypes.BOOL,
        (HANDLE, wintypes.DWORD, ctypes.c_int, _P(ctypes.c_void_p), wintypes.LPDWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsfreememory
    WTSFreeMemory: Callable[..., None] = _declare(
        _W, "WTSFreeMemory", None, (ctypes.c_void_p,), _cannot_fail)
    # 0xFFFFFFFF (no session attached to the console) is an answer, not a failure.
    #: https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-wtsgetactiveconsolesessionid
    WTSGetActiveConsoleSessionId: Callable[[], int] = _declare(
        _K, "WTSGetActiveConsoleSessionId", wintypes.DWORD, (), _cannot_fail)

    # --- ntdll: telling Wine from Windows, for `win32session doctor`. ----------
    # Kept apart from the rest: only the doctor asks, and only to name the
    # answers that are Wine's stubs instead of reporting them as defects.
    _ntdll = ctypes.WinDLL("ntdll", use_last_error=True)
    #: ``const char *wine_get_version(void)``: Wine's version (b"8.0"). Wine's
    #: own export, so no Microsoft page: Wine's Developer FAQ ("How can I
    #: detect Wine?") names it. Windows's ntdll has no such export; this is
    #: then None, and importing this module must not fail over it.
    wine_get_version: Callable[[], bytes | None] | None = (
        _declare(_ntdll, "wine_get_version", ctypes.c_char_p, (), _cannot_fail)
        if hasattr(_ntdll, "wine_get_version")  # GetProcAddress, no call
        else None
    )

    # --- kernel32: output lines (win32session._output). ----------------------
    # Written with WriteFile, not the C runtime's write(), because the C
    # runtime turns a closed pipe (ERROR_NO_DATA) into EINVAL and drops the
    # Windows error code; ctypes.WinError keeps it, and maps 232 and 109 to
    # BrokenPipeError.
    INVALID_HANDLE_VALUE: Final = ctypes.c_void_p(-1).value
    #: Without FILE_WRITE_DATA: each write goes to the end of the file, as one
    #: piece, even when another process appends to it too (CreateFileW's page).
    FILE_APPEND_DATA: Final = 0x0004
    #: Others may read the file (and append to it) while it is open; not
    #: delete it: the C runtime's open() shares the same way.
    FILE_SHARE_READ: Final = 0x00000001
    FILE_SHARE_WRITE: Final = 0x00000002
    OPEN_ALWAYS: Final = 4  # created when missing, never truncated
    FILE_ATTRIBUTE_NORMAL: Final = 0x80

    def _fails_on_invalid_handle(result: Any, func: Any, args: Any) -> Any:
        """CreateFileW: INVALID_HANDLE_VALUE, not NULL, means failure."""
        if result is None or result == INVALID_HANDLE_VALUE:
            _raise_last_error(func)
        return result

    # OPEN_ALWAYS sets ERROR_ALREADY_EXISTS (183) on success: only the handle
    # says whether it failed.
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew
    CreateFileW: Callable[..., int] = _declare(
        _K, "CreateFileW", HANDLE,
        (wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID,
         wintypes.DWORD, wintypes.DWORD, HANDLE),
        _fails_on_invalid_handle)
    # lpBuffer as c_char_p: the bytes object itself is passed, not copied.
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-writefile
    WriteFile: Callable[..., int] = _declare(
        _K, "WriteFile", wintypes.BOOL,
        (HANDLE, ctypes.c_char_p, wintypes.DWORD, wintypes.LPDWORD, wintypes.LPVOID),
        _fails_on_zero)
