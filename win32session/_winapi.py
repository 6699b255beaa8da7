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
    from collections.abc import Callable
    from ctypes import wintypes
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

    class SYSTEM_INFO(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/sysinfoapi/ns-sysinfoapi-system_info"""

        _fields_ = [
            ("dwOemId", wintypes.DWORD),  # a union with two WORDs: the architecture
            ("dwPageSize", wintypes.DWORD),
            ("lpMinimumApplicationAddress", ctypes.c_void_p),
            ("lpMaximumApplicationAddress", ctypes.c_void_p),
            ("dwActiveProcessorMask", ctypes.c_size_t),  # DWORD_PTR
            ("dwNumberOfProcessors", wintypes.DWORD),
            ("dwProcessorType", wintypes.DWORD),
            ("dwAllocationGranularity", wintypes.DWORD),
            ("wProcessorLevel", wintypes.WORD),
            ("wProcessorRevision", wintypes.WORD),
        ]

    class MEMORY_BASIC_INFORMATION(ctypes.Structure):
        """What VirtualQuery says of a region of pages (the tests' strict
        ReadProcessMemory); 64-bit Windows adds a WORD PartitionId after
        AllocationProtect, which the alignment of RegionSize already leaves
        room for.
        https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-memory_basic_information"""

        _fields_ = [
            ("BaseAddress", ctypes.c_void_p),
            ("AllocationBase", ctypes.c_void_p),
            ("AllocationProtect", wintypes.DWORD),
            ("RegionSize", ctypes.c_size_t),
            ("State", wintypes.DWORD),
            ("Protect", wintypes.DWORD),
            ("Type", wintypes.DWORD),
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
    PM_NOREMOVE: Final = 0x0000
    #: PeekMessageW handles only the messages sent to the thread, and leaves
    #: every posted one queued (QS_SENDMESSAGE << 16).
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-peekmessagew
    PM_QS_SENDMESSAGE: Final = 0x00400000
    QS_POSTMESSAGE: Final = 0x0008
    #: A message sent by another thread or process waits: GetMessageW and
    #: PeekMessageW call the window procedure for it.
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-getqueuestatus
    QS_SENDMESSAGE: Final = 0x0040
    #: InSendMessageEx: the window procedure is not inside a message sent by
    #: another thread (a posted one, or one sent by this very thread).
    ISMEX_NOSEND: Final = 0x00000000
    ISMEX_SEND: Final = 0x00000001  # SendMessage, SendMessageTimeout
    ISMEX_NOTIFY: Final = 0x00000002  # SendNotifyMessage
    ISMEX_CALLBACK: Final = 0x00000004  # SendMessageCallback
    ISMEX_REPLIED: Final = 0x00000008  # ReplyMessage was called
    WAIT_OBJECT_0: Final = 0x00000000
    WAIT_FAILED: Final = 0xFFFFFFFF
    INFINITE: Final = 0xFFFFFFFF
    # VirtualAlloc and VirtualFree (the tests' unreadable pages).
    MEM_COMMIT: Final = 0x00001000
    MEM_RESERVE: Final = 0x00002000
    MEM_RELEASE: Final = 0x00008000
    PAGE_NOACCESS: Final = 0x01
    PAGE_READWRITE: Final = 0x04
    PAGE_GUARD: Final = 0x100
    #: ReadProcessMemory's error for a range it cannot read whole.
    ERROR_PARTIAL_COPY: Final = 299
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
    #: Posts WM_QUIT to the calling thread's queue: how a GUI program ends its
    #: message loop (the hosted tests' own loop). It cannot fail.
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-postquitmessage
    PostQuitMessage: Callable[[int], None] = _declare(
        _U, "PostQuitMessage", None, (ctypes.c_int,), _cannot_fail)
    #: Fails (ERROR_INVALID_THREAD_ID) for a thread with no message queue yet.
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-postthreadmessagew
    PostThreadMessageW: Callable[..., int] = _declare(
        _U, "PostThreadMessageW", wintypes.BOOL,
        (wintypes.DWORD, wintypes.UINT, WPARAM, LPARAM), _fails_on_zero)
    # Returns what the window procedure returns; there is no failure value.
    # The tests use it to play Windows's part for messages Windows sends.
    SendMessageW: Callable[..., int] = _declare(
        _U, "SendMessageW", LRESULT, (HWND, wintypes.UINT, WPARAM, LPARAM), _cannot_fail)
    # Whether the window procedure runs inside a message another thread
    # sent, and how: every answer is valid (ISMEX_NOSEND for a posted one).
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-insendmessageex
    InSendMessageEx: Callable[..., int] = _declare(
        _U, "InSendMessageEx", wintypes.DWORD, (wintypes.LPVOID,), _cannot_fail)
    # A yes/no question; FALSE is an answer.
    IsWindow: Callable[..., int] = _declare(
        _U, "IsWindow", wintypes.BOOL, (HWND,), _cannot_fail)
    #: The thread that created the window; 0 (an answer, not a failure) when
    #: the handle names no window. Asked from another thread, unlike IsWindow
    #: it tells a recycled handle (another thread's window) from ours.
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-getwindowthreadprocessid
    GetWindowThreadProcessId: Callable[..., int] = _declare(
        _U, "GetWindowThreadProcessId", wintypes.DWORD, (HWND, wintypes.LPDWORD),
        _cannot_fail)
    # 0 is a valid metric value (SM_REMOTECONTROL: not remotely controlled).
    GetSystemMetrics: Callable[..., int] = _declare(
        _U, "GetSystemMetrics", ctypes.c_int, (ctypes.c_int,), _cannot_fail)
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-msgwaitformultipleobjects
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
    # Returns nothing: it cannot fail. Its lowest and highest application
    # addresses bound what a service's handler can be given (Notifier.feed).
    #: https://learn.microsoft.com/windows/win32/api/sysinfoapi/nf-sysinfoapi-getsysteminfo
    GetSystemInfo: Callable[..., None] = _declare(
        _K, "GetSystemInfo", None, (_P(SYSTEM_INFO),), _cannot_fail)
    #: Copies ``nSize`` bytes of a process's memory, ours included (the
    #: handle of GetCurrentProcess has PROCESS_VM_READ, which it needs): it
    #: checks first that the whole range is readable and fails otherwise
    #: (ERROR_PARTIAL_COPY, ERROR_NOACCESS) where reading it would fault.
    #: How feed() reads an lpEventData it cannot trust.
    #: https://learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-readprocessmemory
    ReadProcessMemory: Callable[..., int] = _declare(
        _K, "ReadProcessMemory", wintypes.BOOL,
        (HANDLE, wintypes.LPCVOID, wintypes.LPVOID, ctypes.c_size_t, _P(ctypes.c_size_t)),
        _fails_on_zero)
    #: Reserves or commits pages: the tests reserve some without committing,
    #: an address in the application range that cannot be read.
    #: https://learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualalloc
    VirtualAlloc: Callable[..., int] = _declare(
        _K, "VirtualAlloc", wintypes.LPVOID,
        (wintypes.LPVOID, ctypes.c_size_t, wintypes.DWORD, wintypes.DWORD), _fails_on_zero)
    #: The region of pages an address lies in; 0 (a failure) beyond the
    #: application range.
    #: https://learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualquery
    VirtualQuery: Callable[..., int] = _declare(
        _K, "VirtualQuery", ctypes.c_size_t,
        (wintypes.LPCVOID, _P(MEMORY_BASIC_INFORMATION), ctypes.c_size_t), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualfree
    VirtualFree: Callable[..., int] = _declare(
        _K, "VirtualFree", wintypes.BOOL,
        (wintypes.LPVOID, ctypes.c_size_t, wintypes.DWORD), _fails_on_zero)
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

    # --- advapi32: service management (install, start, stop) ---
    # What `win32session service` asks of the service control manager. The
    # code that runs inside a service (the dispatcher, the control handler)
    # is another section's. Every SC_HANDLE is closed with CloseServiceHandle.
    SC_HANDLE = wintypes.HANDLE

    class SERVICE_STATUS_PROCESS(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status_process"""

        _fields_ = [
            ("dwServiceType", wintypes.DWORD),
            ("dwCurrentState", wintypes.DWORD),
            ("dwControlsAccepted", wintypes.DWORD),
            ("dwWin32ExitCode", wintypes.DWORD),
            ("dwServiceSpecificExitCode", wintypes.DWORD),
            ("dwCheckPoint", wintypes.DWORD),
            ("dwWaitHint", wintypes.DWORD),
            ("dwProcessId", wintypes.DWORD),
            ("dwServiceFlags", wintypes.DWORD),
        ]

    class SERVICE_STATUS(ctypes.Structure):
        """ControlService's answer: the head of SERVICE_STATUS_PROCESS.
        https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status"""

        _fields_ = SERVICE_STATUS_PROCESS._fields_[:7]

    class QUERY_SERVICE_CONFIGW(ctypes.Structure):
        """The head of QueryServiceConfigW's buffer; the strings it points to
        follow in the same buffer.
        https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-query_service_configw"""

        _fields_ = [
            ("dwServiceType", wintypes.DWORD),
            ("dwStartType", wintypes.DWORD),
            ("dwErrorControl", wintypes.DWORD),
            ("lpBinaryPathName", wintypes.LPWSTR),
            ("lpLoadOrderGroup", wintypes.LPWSTR),
            ("dwTagId", wintypes.DWORD),
            ("lpDependencies", wintypes.LPWSTR),
            ("lpServiceStartName", wintypes.LPWSTR),
            ("lpDisplayName", wintypes.LPWSTR),
        ]

    class SERVICE_DESCRIPTIONW(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_descriptionw"""

        _fields_ = [("lpDescription", wintypes.LPWSTR)]

    class SC_ACTION(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-sc_action"""

        _fields_ = [("Type", ctypes.c_int), ("Delay", wintypes.DWORD)]  # SC_ACTION_TYPE; ms

    class SERVICE_FAILURE_ACTIONSW(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_failure_actionsw"""

        _fields_ = [
            ("dwResetPeriod", wintypes.DWORD),  # seconds
            ("lpRebootMsg", wintypes.LPWSTR),
            ("lpCommand", wintypes.LPWSTR),
            ("cActions", wintypes.DWORD),
            ("lpsaActions", ctypes.POINTER(SC_ACTION)),
        ]

    class SERVICE_FAILURE_ACTIONS_FLAG(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_failure_actions_flag"""

        _fields_ = [("fFailureActionsOnNonCrashFailures", wintypes.BOOL)]

    #: https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-pfn_sc_notify_callback
    PFN_SC_NOTIFY_CALLBACK = ctypes.WINFUNCTYPE(None, wintypes.LPVOID)

    class SERVICE_NOTIFYW(ctypes.Structure):
        """Must stay alive until its callback has run or the service handle
        is closed. https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_notify_2w"""

        _fields_ = [
            ("dwVersion", wintypes.DWORD),
            ("pfnNotifyCallback", PFN_SC_NOTIFY_CALLBACK),
            ("pContext", wintypes.LPVOID),
            ("dwNotificationStatus", wintypes.DWORD),
            ("ServiceStatus", SERVICE_STATUS_PROCESS),
            ("dwNotificationTriggered", wintypes.DWORD),
            ("pszServiceNames", wintypes.LPWSTR),
        ]

    class SERVICE_SID_INFO(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_sid_info"""

        _fields_ = [("dwServiceSidType", wintypes.DWORD)]

    class SERVICE_REQUIRED_PRIVILEGES_INFOW(ctypes.Structure):
        """``pmszRequiredPrivileges``: a multi-string, each name ended by a
        NUL and the list by one more.
        https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_required_privileges_infow"""

        _fields_ = [("pmszRequiredPrivileges", wintypes.LPWSTR)]

    # Access rights: https://learn.microsoft.com/windows/win32/services/service-security-and-access-rights
    SC_MANAGER_CONNECT: Final = 0x0001
    SC_MANAGER_CREATE_SERVICE: Final = 0x0002
    SC_MANAGER_ENUMERATE_SERVICE: Final = 0x0004
    SC_MANAGER_LOCK: Final = 0x0008
    SC_MANAGER_QUERY_LOCK_STATUS: Final = 0x0010
    SC_MANAGER_MODIFY_BOOT_CONFIG: Final = 0x0020
    SERVICE_QUERY_CONFIG: Final = 0x0001
    SERVICE_CHANGE_CONFIG: Final = 0x0002
    SERVICE_QUERY_STATUS: Final = 0x0004
    SERVICE_ENUMERATE_DEPENDENTS: Final = 0x0008
    SERVICE_START: Final = 0x0010
    SERVICE_STOP: Final = 0x0020
    SERVICE_PAUSE_CONTINUE: Final = 0x0040
    SERVICE_INTERROGATE: Final = 0x0080
    SERVICE_USER_DEFINED_CONTROL: Final = 0x0100  # ControlService with codes 128-255
    DELETE: Final = 0x00010000
    READ_CONTROL: Final = 0x00020000
    WRITE_DAC: Final = 0x00040000
    WRITE_OWNER: Final = 0x00080000
    STANDARD_RIGHTS_REQUIRED: Final = 0x000F0000
    MAXIMUM_ALLOWED: Final = 0x02000000
    GENERIC_ALL: Final = 0x10000000
    GENERIC_EXECUTE: Final = 0x20000000
    GENERIC_WRITE: Final = 0x40000000
    GENERIC_READ: Final = 0x80000000
    SERVICE_WIN32_OWN_PROCESS: Final = 0x00000010
    # Start types, as dwStartType and CreateServiceW's dwStartType.
    SERVICE_BOOT_START: Final = 0
    SERVICE_SYSTEM_START: Final = 1
    SERVICE_AUTO_START: Final = 2
    SERVICE_DEMAND_START: Final = 3
    SERVICE_DISABLED: Final = 4
    SERVICE_ERROR_NORMAL: Final = 1  # logged; the boot goes on
    # dwCurrentState values.
    SERVICE_STOPPED: Final = 1
    SERVICE_START_PENDING: Final = 2
    SERVICE_STOP_PENDING: Final = 3
    SERVICE_RUNNING: Final = 4
    SERVICE_CONTINUE_PENDING: Final = 5
    SERVICE_PAUSE_PENDING: Final = 6
    SERVICE_PAUSED: Final = 7
    SERVICE_CONTROL_STOP: Final = 1
    SC_STATUS_PROCESS_INFO: Final = 0  # QueryServiceStatusEx's only level
    # ChangeServiceConfig2W/QueryServiceConfig2W levels.
    SERVICE_CONFIG_DESCRIPTION: Final = 1
    SERVICE_CONFIG_FAILURE_ACTIONS: Final = 2
    SERVICE_CONFIG_FAILURE_ACTIONS_FLAG: Final = 4
    SERVICE_CONFIG_SERVICE_SID_INFO: Final = 5
    SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO: Final = 6
    # SERVICE_SID_INFO.dwServiceSidType: the service SID is added to the
    # process token (NONE: not added; RESTRICTED: a write-restricted token).
    SERVICE_SID_TYPE_NONE: Final = 0
    SERVICE_SID_TYPE_UNRESTRICTED: Final = 1
    SERVICE_SID_TYPE_RESTRICTED: Final = 3
    # SC_ACTION_TYPE.
    SC_ACTION_NONE: Final = 0
    SC_ACTION_RESTART: Final = 1
    SC_ACTION_REBOOT: Final = 2
    SC_ACTION_RUN_COMMAND: Final = 3
    SERVICE_NOTIFY_STATUS_CHANGE: Final = 2  # SERVICE_NOTIFYW.dwVersion
    # NotifyServiceStatusChangeW's mask, a bit per state (1 << (state - 1)).
    SERVICE_NOTIFY_STOPPED: Final = 0x0001
    SERVICE_NOTIFY_RUNNING: Final = 0x0008
    #: SleepEx's answer when an APC (a status notification) ran.
    WAIT_IO_COMPLETION: Final = 0x000000C0
    ERROR_ACCESS_DENIED: Final = 5
    ERROR_INVALID_PARAMETER: Final = 87
    ERROR_INSUFFICIENT_BUFFER: Final = 122
    ERROR_INVALID_LEVEL: Final = 124
    ERROR_SERVICE_REQUEST_TIMEOUT: Final = 1053
    ERROR_SERVICE_ALREADY_RUNNING: Final = 1056
    ERROR_SERVICE_DOES_NOT_EXIST: Final = 1060
    ERROR_SERVICE_CANNOT_ACCEPT_CTRL: Final = 1061
    ERROR_SERVICE_NOT_ACTIVE: Final = 1062
    ERROR_SERVICE_SPECIFIC_ERROR: Final = 1066
    #: Set in every service-specific exit code the service host reports:
    #: "Bit 29 is reserved for application-defined error codes; no system
    #: error code has this bit set." Without it the System log's event 7024
    #: formats the code as an unrelated Win32 error (4: "The system cannot
    #: open the file."); pywin32's PythonService.cpp sets it too.
    #: https://learn.microsoft.com/windows/win32/api/errhandlingapi/nf-errhandlingapi-setlasterror
    CUSTOMER_BIT: Final = 0x20000000
    ERROR_SERVICE_MARKED_FOR_DELETE: Final = 1072
    ERROR_SERVICE_EXISTS: Final = 1073
    ERROR_DUPLICATE_SERVICE_NAME: Final = 1078  # the display name is taken

    def _fails_unless_buffer_too_small(result: Any, func: Any, args: Any) -> Any:
        """QueryServiceConfigW, QueryServiceConfig2W: FALSE with
        ERROR_INSUFFICIENT_BUFFER is the first of two calls (the size is in
        pcbBytesNeeded), and is returned as FALSE; any other FALSE raises."""
        if not result and ctypes.get_last_error() != ERROR_INSUFFICIENT_BUFFER:
            _raise_last_error(func)
        return result

    # --- advapi32: security descriptors (the audit folder's ACL) ---------------
    # With kernel32's CreateDirectoryW and LocalFree, shell32's
    # SHGetKnownFolderPath and ole32's CoTaskMemFree: everything
    # _cli.audit.folder needs to find %ProgramData% and give the audit trail's folder its DACL.
    # shell32 (and ole32) load at their first call: every notifier imports
    # this module, and only the audit service and `service install` ask.
    def _declare_lazily(
        dll: str,
        name: str,
        restype: Any,
        argtypes: tuple[Any, ...],
        errcheck: Callable[[Any, Any, Any], Any],
    ) -> Any:
        """``_declare``, with the DLL loaded and the function declared at
        the first call."""
        declared: list[Any] = []

        def call(*args: Any) -> Any:
            if not declared:
                declared.append(_declare(ctypes.WinDLL(dll, use_last_error=True), name,
                                         restype, argtypes, errcheck))
            return declared[0](*args)

        call.__name__ = name
        return call

    PSECURITY_DESCRIPTOR = ctypes.c_void_p
    PSID = ctypes.c_void_p
    PACL = ctypes.c_void_p

    class SECURITY_ATTRIBUTES(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/wtypesbase/ns-wtypesbase-security_attributes"""

        _fields_ = [
            ("nLength", wintypes.DWORD),
            ("lpSecurityDescriptor", PSECURITY_DESCRIPTOR),
            ("bInheritHandle", wintypes.BOOL),
        ]

    SDDL_REVISION_1: Final = 1
    SE_FILE_OBJECT: Final = 1  # SE_OBJECT_TYPE
    OWNER_SECURITY_INFORMATION: Final = 0x00000001
    DACL_SECURITY_INFORMATION: Final = 0x00000004
    #: The DACL does not inherit the parent's inheritable ACEs.
    PROTECTED_DACL_SECURITY_INFORMATION: Final = 0x80000000
    ERROR_ALREADY_EXISTS: Final = 183
    #: FOLDERID_ProgramData {62AB5D82-FDC1-4DC3-A9DD-070D1D495D97}.
    #: https://learn.microsoft.com/windows/win32/shell/knownfolderid
    FOLDERID_ProgramData: Final = (
        0x62AB5D82, 0xFDC1, 0x4DC3, (0xA9, 0xDD, 0x07, 0x0D, 0x1D, 0x49, 0x5D, 0x97))

    def _fails_on_error_code(result: Any, func: Any, args: Any) -> Any:
        """The security-info functions return the error code itself (0: success)
        and do not set the last error."""
        if result:
            name = getattr(func, "__name__", "a Win32 call")
            raise ctypes.WinError(result, f"{name}: {ctypes.FormatError(result)}")
        return result

    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-openscmanagerw
    OpenSCManagerW: Callable[..., int] = _declare(
        _A, "OpenSCManagerW", SC_HANDLE, (wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-createservicew
    CreateServiceW: Callable[..., int] = _declare(
        _A, "CreateServiceW", SC_HANDLE,
        (SC_HANDLE, wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD,
         wintypes.DWORD, wintypes.DWORD, wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.LPDWORD,
         wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.LPCWSTR),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-openservicew
    OpenServiceW: Callable[..., int] = _declare(
        _A, "OpenServiceW", SC_HANDLE, (SC_HANDLE, wintypes.LPCWSTR, wintypes.DWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-closeservicehandle
    CloseServiceHandle: Callable[..., int] = _declare(
        _A, "CloseServiceHandle", wintypes.BOOL, (SC_HANDLE,), _fails_on_zero)
    # lpInfo points to the structure the level names.
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-changeserviceconfig2w
    ChangeServiceConfig2W: Callable[..., int] = _declare(
        _A, "ChangeServiceConfig2W", wintypes.BOOL, (SC_HANDLE, wintypes.DWORD, wintypes.LPVOID),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-queryserviceconfigw
    QueryServiceConfigW: Callable[..., int] = _declare(
        _A, "QueryServiceConfigW", wintypes.BOOL,
        (SC_HANDLE, wintypes.LPVOID, wintypes.DWORD, wintypes.LPDWORD),
        _fails_unless_buffer_too_small)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-queryserviceconfig2w
    QueryServiceConfig2W: Callable[..., int] = _declare(
        _A, "QueryServiceConfig2W", wintypes.BOOL,
        (SC_HANDLE, wintypes.DWORD, wintypes.LPVOID, wintypes.DWORD, wintypes.LPDWORD),
        _fails_unless_buffer_too_small)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-queryservicestatusex
    QueryServiceStatusEx: Callable[..., int] = _declare(
        _A, "QueryServiceStatusEx", wintypes.BOOL,
        (SC_HANDLE, ctypes.c_int, wintypes.LPVOID, wintypes.DWORD, wintypes.LPDWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-startservicew
    StartServiceW: Callable[..., int] = _declare(
        _A, "StartServiceW", wintypes.BOOL,
        (SC_HANDLE, wintypes.DWORD, _P(wintypes.LPCWSTR)), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-controlservice
    ControlService: Callable[..., int] = _declare(
        _A, "ControlService", wintypes.BOOL, (SC_HANDLE, wintypes.DWORD, _P(SERVICE_STATUS)),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-deleteservice
    DeleteService: Callable[..., int] = _declare(
        _A, "DeleteService", wintypes.BOOL, (SC_HANDLE,), _fails_on_zero)
    # Returns the error code itself rather than setting the last error.
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-notifyservicestatuschangew
    NotifyServiceStatusChangeW: Callable[..., int] = _declare(
        _A, "NotifyServiceStatusChangeW", wintypes.DWORD,
        (SC_HANDLE, wintypes.DWORD, _P(SERVICE_NOTIFYW)), _fails_on_error_code)
    # An alertable wait, so the status notification's APC can run; it
    # returns 0 (time up) or WAIT_IO_COMPLETION, and cannot fail.
    #: https://learn.microsoft.com/windows/win32/api/synchapi/nf-synchapi-sleepex
    SleepEx: Callable[..., int] = _declare(
        _K, "SleepEx", wintypes.DWORD, (wintypes.DWORD, wintypes.BOOL), _cannot_fail)

    # --- advapi32: the service host (inside a service's own process). ---
    # The dispatcher, the control handler and the status reports; the states,
    # SERVICE_STATUS and SERVICE_WIN32_OWN_PROCESS are declared above.
    class WTSSESSION_NOTIFICATION(ctypes.Structure):
        """What ``lpEventData`` points to for SERVICE_CONTROL_SESSIONCHANGE.
        https://learn.microsoft.com/windows/win32/api/winuser/ns-winuser-wtssession_notification"""

        _fields_ = [("cbSize", wintypes.DWORD), ("dwSessionId", wintypes.DWORD)]

    SERVICE_STATUS_HANDLE = wintypes.HANDLE
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lpservice_main_functionw
    LPSERVICE_MAIN_FUNCTIONW = ctypes.WINFUNCTYPE(
        None, wintypes.DWORD, ctypes.POINTER(wintypes.LPWSTR))
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex
    LPHANDLER_FUNCTION_EX = ctypes.WINFUNCTYPE(
        wintypes.DWORD, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID, wintypes.LPVOID)

    class SERVICE_TABLE_ENTRYW(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_table_entryw"""

        _fields_ = [
            ("lpServiceName", wintypes.LPWSTR),
            ("lpServiceProc", LPSERVICE_MAIN_FUNCTIONW),
        ]

    SERVICE_CONTROL_INTERROGATE: Final = 0x4
    SERVICE_CONTROL_SHUTDOWN: Final = 0x5
    SERVICE_CONTROL_POWEREVENT: Final = 0xD
    SERVICE_CONTROL_SESSIONCHANGE: Final = 0xE
    SERVICE_CONTROL_PRESHUTDOWN: Final = 0xF
    SERVICE_ACCEPT_STOP: Final = 0x1
    SERVICE_ACCEPT_SHUTDOWN: Final = 0x4
    SERVICE_ACCEPT_POWEREVENT: Final = 0x40
    SERVICE_ACCEPT_SESSIONCHANGE: Final = 0x80
    SERVICE_ACCEPT_PRESHUTDOWN: Final = 0x100
    NO_ERROR: Final = 0
    ERROR_CALL_NOT_IMPLEMENTED: Final = 120
    ERROR_FAILED_SERVICE_CONTROLLER_CONNECT: Final = 1063
    #: RegisterPowerSettingNotification: the recipient is a service status
    #: handle, which gets SERVICE_CONTROL_POWEREVENT.
    DEVICE_NOTIFY_SERVICE_HANDLE: Final = 1

    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-startservicectrldispatcherw
    StartServiceCtrlDispatcherW: Callable[..., int] = _declare(
        _A, "StartServiceCtrlDispatcherW", wintypes.BOOL, (_P(SERVICE_TABLE_ENTRYW),),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-registerservicectrlhandlerexw
    RegisterServiceCtrlHandlerExW: Callable[..., int] = _declare(
        _A, "RegisterServiceCtrlHandlerExW", SERVICE_STATUS_HANDLE,
        (wintypes.LPCWSTR, LPHANDLER_FUNCTION_EX, wintypes.LPVOID), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-setservicestatus
    SetServiceStatus: Callable[..., int] = _declare(
        _A, "SetServiceStatus", wintypes.BOOL, (SERVICE_STATUS_HANDLE, _P(SERVICE_STATUS)),
        _fails_on_zero)

    def _fails_on_failed_hresult(result: Any, func: Any, args: Any) -> Any:
        if result < 0:
            name = getattr(func, "__name__", "a Win32 call")
            code = result & 0xFFFFFFFF
            raise OSError(None, f"{name} failed: HRESULT 0x{code:08X} {ctypes.FormatError(result)}")
        return result

    def _fails_on_non_null(result: Any, func: Any, args: Any) -> Any:
        """LocalFree: NULL means freed; the handle back means it failed."""
        if result:
            _raise_last_error(func)
        return result

    #: https://learn.microsoft.com/windows/win32/api/sddl/nf-sddl-convertstringsecuritydescriptortosecuritydescriptorw
    ConvertStringSecurityDescriptorToSecurityDescriptorW: Callable[..., int] = _declare(
        _A, "ConvertStringSecurityDescriptorToSecurityDescriptorW", wintypes.BOOL,
        (wintypes.LPCWSTR, wintypes.DWORD, _P(PSECURITY_DESCRIPTOR), _P(wintypes.ULONG)),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/sddl/nf-sddl-convertsecuritydescriptortostringsecuritydescriptorw
    ConvertSecurityDescriptorToStringSecurityDescriptorW: Callable[..., int] = _declare(
        _A, "ConvertSecurityDescriptorToStringSecurityDescriptorW", wintypes.BOOL,
        # The string comes back as a bare pointer: read with wstring_at, LocalFree'd.
        (PSECURITY_DESCRIPTOR, wintypes.DWORD, wintypes.DWORD, _P(ctypes.c_void_p),
         _P(wintypes.ULONG)),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-getnamedsecurityinfow
    GetNamedSecurityInfoW: Callable[..., int] = _declare(
        _A, "GetNamedSecurityInfoW", wintypes.DWORD,
        (wintypes.LPCWSTR, ctypes.c_int, wintypes.DWORD, _P(PSID), _P(PSID), _P(PACL),
         _P(PACL), _P(PSECURITY_DESCRIPTOR)),
        _fails_on_error_code)
    # LPWSTR, not LPCWSTR, in Microsoft's prototype; ctypes passes a str either way.
    #: https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-setnamedsecurityinfow
    SetNamedSecurityInfoW: Callable[..., int] = _declare(
        _A, "SetNamedSecurityInfoW", wintypes.DWORD,
        (wintypes.LPWSTR, ctypes.c_int, wintypes.DWORD, PSID, PSID, PACL, PACL),
        _fails_on_error_code)
    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-getsecuritydescriptordacl
    GetSecurityDescriptorDacl: Callable[..., int] = _declare(
        _A, "GetSecurityDescriptorDacl", wintypes.BOOL,
        (PSECURITY_DESCRIPTOR, _P(wintypes.BOOL), _P(PACL), _P(wintypes.BOOL)),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-getsecuritydescriptorowner
    GetSecurityDescriptorOwner: Callable[..., int] = _declare(
        _A, "GetSecurityDescriptorOwner", wintypes.BOOL,
        (PSECURITY_DESCRIPTOR, _P(PSID), _P(wintypes.BOOL)), _fails_on_zero)
    # --- advapi32: what the audit service trusts (win32session._cli.audit.trust). ---
    # Reading a descriptor's owner and ACEs one by one, the file it names, and
    # the token privilege that lets SYSTEM take ownership of a file that a
    # user created and closed to everyone else.
    #: An ACE's DACL-relative header; every ACE type starts with it.
    #: https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-ace_header
    class ACE_HEADER(ctypes.Structure):
        _fields_ = [("AceType", ctypes.c_ubyte), ("AceFlags", ctypes.c_ubyte),
                    ("AceSize", wintypes.WORD)]

    #: https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-acl_size_information
    class ACL_SIZE_INFORMATION(ctypes.Structure):
        _fields_ = [("AceCount", wintypes.DWORD), ("AclBytesInUse", wintypes.DWORD),
                    ("AclBytesFree", wintypes.DWORD)]

    #: Two 32-bit halves, so 4-byte aligned as winnt.h packs it.
    #: https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-luid
    class LUID(ctypes.Structure):
        _fields_ = [("LowPart", wintypes.DWORD), ("HighPart", wintypes.LONG)]

    #: https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-luid_and_attributes
    class LUID_AND_ATTRIBUTES(ctypes.Structure):
        _fields_ = [("Luid", LUID), ("Attributes", wintypes.DWORD)]

    #: One privilege: all the adjustment here ever needs.
    #: https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-token_privileges
    class TOKEN_PRIVILEGES(ctypes.Structure):
        _fields_ = [("PrivilegeCount", wintypes.DWORD),
                    ("Privileges", LUID_AND_ATTRIBUTES * 1)]

    AclSizeInformation: Final = 2  # ACL_INFORMATION_CLASS
    TokenUser: Final = 1  # TOKEN_INFORMATION_CLASS: TOKEN_USER, a SID_AND_ATTRIBUTES
    TOKEN_QUERY: Final = 0x0008
    TOKEN_ADJUST_PRIVILEGES: Final = 0x0020
    SE_PRIVILEGE_ENABLED: Final = 0x00000002
    ERROR_NOT_ALL_ASSIGNED: Final = 1300
    #: The DACL inherits the parent's inheritable ACEs again.
    UNPROTECTED_DACL_SECURITY_INFORMATION: Final = 0x20000000

    def _fails_unless_all_assigned(result: Any, func: Any, args: Any) -> Any:
        """AdjustTokenPrivileges: FALSE fails; TRUE with ERROR_NOT_ALL_ASSIGNED
        means the token does not hold the privilege, which fails here too."""
        if not result or ctypes.get_last_error() == ERROR_NOT_ALL_ASSIGNED:
            _raise_last_error(func)
        return result

    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-getaclinformation
    GetAclInformation: Callable[..., int] = _declare(
        _A, "GetAclInformation", wintypes.BOOL,
        (PACL, wintypes.LPVOID, wintypes.DWORD, ctypes.c_int), _fails_on_zero)
    # The ACE comes back as a pointer into the ACL itself: valid while it is.
    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-getace
    GetAce: Callable[..., int] = _declare(
        _A, "GetAce", wintypes.BOOL, (PACL, wintypes.DWORD, _P(ctypes.c_void_p)),
        _fails_on_zero)
    # The string is LocalAlloc'd: read with wstring_at, then LocalFree.
    #: https://learn.microsoft.com/windows/win32/api/sddl/nf-sddl-convertsidtostringsidw
    ConvertSidToStringSidW: Callable[..., int] = _declare(
        _A, "ConvertSidToStringSidW", wintypes.BOOL, (PSID, _P(ctypes.c_void_p)),
        _fails_on_zero)
    # The handle needs READ_CONTROL to read an owner or a DACL.
    #: https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-getsecurityinfo
    GetSecurityInfo: Callable[..., int] = _declare(
        _A, "GetSecurityInfo", wintypes.DWORD,
        (HANDLE, ctypes.c_int, wintypes.DWORD, _P(PSID), _P(PSID), _P(PACL), _P(PACL),
         _P(PSECURITY_DESCRIPTOR)),
        _fails_on_error_code)
    # The object by handle, not by name (SetNamedSecurityInfoW opens the name
    # again, and follows whatever is there by then): the owner needs a handle
    # opened with WRITE_OWNER, the DACL one with WRITE_DAC. A DACL set on a
    # folder is propagated to what it holds, as by name.
    #: https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-setsecurityinfo
    SetSecurityInfo: Callable[..., int] = _declare(
        _A, "SetSecurityInfo", wintypes.DWORD,
        (HANDLE, ctypes.c_int, wintypes.DWORD, PSID, PSID, PACL, PACL),
        _fails_on_error_code)
    #: https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-getcurrentprocess
    GetCurrentProcess: Callable[[], int] = _declare(
        _K, "GetCurrentProcess", HANDLE, (), _cannot_fail)
    #: https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-openprocesstoken
    OpenProcessToken: Callable[..., int] = _declare(
        _A, "OpenProcessToken", wintypes.BOOL, (HANDLE, wintypes.DWORD, _P(HANDLE)),
        _fails_on_zero)
    # The first call, with no buffer, fails with ERROR_INSUFFICIENT_BUFFER and
    # the size: returned as FALSE, as for QueryServiceConfigW.
    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-gettokeninformation
    GetTokenInformation: Callable[..., int] = _declare(
        _A, "GetTokenInformation", wintypes.BOOL,
        (HANDLE, ctypes.c_int, wintypes.LPVOID, wintypes.DWORD, wintypes.LPDWORD),
        _fails_unless_buffer_too_small)
    #: https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-lookupprivilegevaluew
    LookupPrivilegeValueW: Callable[..., int] = _declare(
        _A, "LookupPrivilegeValueW", wintypes.BOOL,
        (wintypes.LPCWSTR, wintypes.LPCWSTR, _P(LUID)), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-adjusttokenprivileges
    AdjustTokenPrivileges: Callable[..., int] = _declare(
        _A, "AdjustTokenPrivileges", wintypes.BOOL,
        (HANDLE, wintypes.BOOL, _P(TOKEN_PRIVILEGES), wintypes.DWORD, _P(TOKEN_PRIVILEGES),
         wintypes.LPDWORD),
        _fails_unless_all_assigned)
    # The folder that holds every user's profile (C:\Users); userenv loads at
    # the first call, as shell32 does.
    #: https://learn.microsoft.com/windows/win32/api/userenv/nf-userenv-getprofilesdirectoryw
    GetProfilesDirectoryW: Callable[..., int] = _declare_lazily(
        "userenv", "GetProfilesDirectoryW", wintypes.BOOL,
        (wintypes.LPWSTR, wintypes.LPDWORD), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createdirectoryw
    CreateDirectoryW: Callable[..., int] = _declare(
        _K, "CreateDirectoryW", wintypes.BOOL,
        (wintypes.LPCWSTR, _P(SECURITY_ATTRIBUTES)), _fails_on_zero)
    # Renames an untrusted audit folder or file aside (never adopted: handles
    # opened before a take-over keep their access). Flags 0: fails when the
    # new name exists, and moves within the volume only; a rename needs
    # DELETE on the object or FILE_DELETE_CHILD on its folder, and adding to
    # the folder (SYSTEM and Administrators have both on %ProgramData%). A
    # link is renamed itself, not what it points to.
    #: https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-movefileexw
    MoveFileExW: Callable[..., int] = _declare(
        _K, "MoveFileExW", wintypes.BOOL,
        (wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD), _fails_on_zero)
    # Frees what the SDDL conversions and GetNamedSecurityInfoW allocate.
    #: https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-localfree
    LocalFree: Callable[..., int | None] = _declare(
        _K, "LocalFree", wintypes.HLOCAL, (wintypes.HLOCAL,), _fails_on_non_null)
    # HRESULT as c_long, not ctypes.HRESULT: the errcheck names the function.
    #: https://learn.microsoft.com/windows/win32/api/shlobj_core/nf-shlobj_core-shgetknownfolderpath
    SHGetKnownFolderPath: Callable[..., int] = _declare_lazily(
        "shell32", "SHGetKnownFolderPath", ctypes.c_long,
        (_P(GUID), wintypes.DWORD, HANDLE, _P(ctypes.c_void_p)), _fails_on_failed_hresult)
    # Frees SHGetKnownFolderPath's string; returns nothing.
    #: https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-cotaskmemfree
    CoTaskMemFree: Callable[..., None] = _declare_lazily(
        "ole32", "CoTaskMemFree", None, (ctypes.c_void_p,), _cannot_fail)

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

    # --- kernel32: output lines (win32session._cli.output). -----------
    # Written with WriteFile, not the C runtime's write(), because the C
    # runtime turns a closed pipe (ERROR_NO_DATA) into EINVAL and drops the
    # Windows error code; ctypes.WinError keeps it, and maps 232 and 109 to
    # BrokenPipeError.
    INVALID_HANDLE_VALUE: Final = ctypes.c_void_p(-1).value
    #: Without FILE_WRITE_DATA: each write goes to the end of the file, as one
    #: piece, even when another process appends to it too (CreateFileW's page).
    FILE_APPEND_DATA: Final = 0x0004
    #: A named pipe is written with FILE_WRITE_DATA alone: on a pipe,
    #: FILE_APPEND_DATA means FILE_CREATE_PIPE_INSTANCE (the right to create
    #: an instance, which a client must not ask for: the default pipe DACL
    #: gives others read access only) and WriteFile fails with 5 without
    #: FILE_WRITE_DATA. GENERIC_WRITE would ask for both.
    #: https://learn.microsoft.com/windows/win32/fileio/file-access-rights-constants
    #: https://learn.microsoft.com/windows/win32/ipc/named-pipe-security-and-access-rights
    FILE_WRITE_DATA: Final = 0x0002
    #: Others may read the file (and append to it) while it is open; not
    #: delete it: the C runtime's open() shares the same way.
    FILE_SHARE_READ: Final = 0x00000001
    FILE_SHARE_WRITE: Final = 0x00000002
    OPEN_ALWAYS: Final = 4  # created when missing, never truncated
    OPEN_EXISTING: Final = 3  # a pipe's client: the server made it
    #: GetFileType's answers: only a disk file keeps what is written.
    FILE_TYPE_UNKNOWN: Final = 0
    FILE_TYPE_DISK: Final = 1
    FILE_TYPE_CHAR: Final = 2  # a console, a port, the null device
    FILE_TYPE_PIPE: Final = 3
    FILE_ATTRIBUTE_NORMAL: Final = 0x80
    CREATE_NEW: Final = 1  # fails with ERROR_FILE_EXISTS when the name is taken
    ERROR_SHARING_VIOLATION: Final = 32
    ERROR_FILE_EXISTS: Final = 80
    FILE_READ_ATTRIBUTES: Final = 0x0080
    #: The link itself, not what it points to (win32session._cli.audit.trust).
    FILE_FLAG_OPEN_REPARSE_POINT: Final = 0x00200000
    #: Needed to open a folder at all.
    FILE_FLAG_BACKUP_SEMANTICS: Final = 0x02000000
    FILE_ATTRIBUTE_DIRECTORY: Final = 0x10
    FILE_ATTRIBUTE_REPARSE_POINT: Final = 0x400

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

    def _fails_on_unknown_with_error(result: Any, func: Any, args: Any) -> Any:
        """GetFileType: FILE_TYPE_UNKNOWN is an answer when the last error is
        0 (the caller zeroes it before the call), a failure otherwise."""
        if result == FILE_TYPE_UNKNOWN and ctypes.get_last_error():
            _raise_last_error(func)
        return result

    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-getfiletype
    GetFileType: Callable[..., int] = _declare(
        _K, "GetFileType", wintypes.DWORD, (HANDLE,), _fails_on_unknown_with_error)
    # lpBuffer as c_char_p: the bytes object itself is passed, not copied.
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-writefile
    WriteFile: Callable[..., int] = _declare(
        _K, "WriteFile", wintypes.BOOL,
        (HANDLE, ctypes.c_char_p, wintypes.DWORD, wintypes.LPDWORD, wintypes.LPVOID),
        _fails_on_zero)

    #: https://learn.microsoft.com/windows/win32/api/fileapi/ns-fileapi-by_handle_file_information
    class BY_HANDLE_FILE_INFORMATION(ctypes.Structure):
        _fields_ = [
            ("dwFileAttributes", wintypes.DWORD),
            ("ftCreationTime", wintypes.FILETIME),
            ("ftLastAccessTime", wintypes.FILETIME),
            ("ftLastWriteTime", wintypes.FILETIME),
            ("dwVolumeSerialNumber", wintypes.DWORD),
            ("nFileSizeHigh", wintypes.DWORD),
            ("nFileSizeLow", wintypes.DWORD),
            ("nNumberOfLinks", wintypes.DWORD),
            ("nFileIndexHigh", wintypes.DWORD),
            ("nFileIndexLow", wintypes.DWORD),
        ]

    # nNumberOfLinks: a trail file with a second name is refused (_cli.audit.trust).
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-getfileinformationbyhandle
    GetFileInformationByHandle: Callable[..., int] = _declare(
        _K, "GetFileInformationByHandle", wintypes.BOOL,
        (HANDLE, _P(BY_HANDLE_FILE_INFORMATION)), _fails_on_zero)

    # The path the file of a handle has now, whatever name opened it: the
    # trail's write handle must be the file at the checked path, not one a
    # junction put there. Returns the length without the null; when the buffer
    # is too small, the size needed with it; 0 on failure. FILE_NAME_NORMALIZED
    # | VOLUME_NAME_DOS (0) gives "\\?\C:\..." (or "\\?\UNC\server\...").
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-getfinalpathnamebyhandlew
    GetFinalPathNameByHandleW: Callable[..., int] = _declare(
        _K, "GetFinalPathNameByHandleW", wintypes.DWORD,
        (HANDLE, wintypes.LPWSTR, wintypes.DWORD, wintypes.DWORD), _fails_on_zero)
    FILE_NAME_NORMALIZED: Final = 0x0
    VOLUME_NAME_DOS: Final = 0x0
