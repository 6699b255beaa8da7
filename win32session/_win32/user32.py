"""user32: the notifier's window and its message queue, power notifications
to a window (or a service), and the last input.

Used by the notifier's pump and hosted mode, the power source, the presence
query and the doctor; importing this module loads user32.
"""

from __future__ import annotations

import sys

if sys.platform == "win32":
    import ctypes
    from collections.abc import Callable
    from ctypes import wintypes

    TYPE_CHECKING = False  # typing loads only for the type checker
    if TYPE_CHECKING:
        from typing import Any, Final

    from .shared import (
        GUID,
        HANDLE,
        HWND,
        LPARAM,
        LRESULT,
        WPARAM,
        _cannot_fail,
        _declare,
        _fails_on_zero,
        _P,
        _raise_last_error,
    )

    _dll = ctypes.WinDLL("user32", use_last_error=True)

    # --- The window and its message queue. ---
    MSG = wintypes.MSG
    #: https://learn.microsoft.com/windows/win32/api/winuser/nc-winuser-wndproc
    WNDPROC = ctypes.WINFUNCTYPE(LRESULT, HWND, wintypes.UINT, WPARAM, LPARAM)

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

    HWND_MESSAGE: Final = -3  # parent of message-only windows
    #: A hidden top-level window's extended style: a tool window is never in
    #: the taskbar or Alt+Tab, should anything ever show it.
    WS_EX_TOOLWINDOW: Final = 0x00000080
    WS_OVERLAPPED: Final = 0x00000000  # never WS_VISIBLE: the window stays hidden
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
    SM_REMOTECONTROL: Final = 0x2001

    def _fails_on_minus_one(result: Any, func: Any, args: Any) -> Any:
        """GetMessageW: -1 is an error; 0 is WM_QUIT and is no error."""
        if result == -1:
            _raise_last_error(func)
        return result

    def _fails_on_wait_failed(result: Any, func: Any, args: Any) -> Any:
        if result == WAIT_FAILED:
            _raise_last_error(func)
        return result

    RegisterClassExW: Callable[..., int] = _declare(
        _dll, "RegisterClassExW", wintypes.ATOM, (_P(WNDCLASSEXW),), _fails_on_zero)
    UnregisterClassW: Callable[..., int] = _declare(
        _dll, "UnregisterClassW", wintypes.BOOL, (wintypes.LPCWSTR, wintypes.HINSTANCE),
        _fails_on_zero)
    CreateWindowExW: Callable[..., int] = _declare(
        _dll, "CreateWindowExW", HWND,
        (wintypes.DWORD, wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD,
         ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
         HWND, wintypes.HMENU, wintypes.HINSTANCE, wintypes.LPVOID),
        _fails_on_zero)
    DestroyWindow: Callable[..., int] = _declare(
        _dll, "DestroyWindow", wintypes.BOOL, (HWND,), _fails_on_zero)
    # Returns whatever the default handling returns; there is no failure value.
    DefWindowProcW: Callable[..., int] = _declare(
        _dll, "DefWindowProcW", LRESULT, (HWND, wintypes.UINT, WPARAM, LPARAM), _cannot_fail)
    GetMessageW: Callable[..., int] = _declare(
        _dll, "GetMessageW", wintypes.BOOL,
        (_P(MSG), HWND, wintypes.UINT, wintypes.UINT), _fails_on_minus_one)
    # PeekMessageW's result says whether a message was there, not success.
    PeekMessageW: Callable[..., int] = _declare(
        _dll, "PeekMessageW", wintypes.BOOL,
        (_P(MSG), HWND, wintypes.UINT, wintypes.UINT, wintypes.UINT), _cannot_fail)
    # The window procedure's own result; there is no failure value.
    DispatchMessageW: Callable[..., int] = _declare(
        _dll, "DispatchMessageW", LRESULT, (_P(MSG),), _cannot_fail)
    PostMessageW: Callable[..., int] = _declare(
        _dll, "PostMessageW", wintypes.BOOL, (HWND, wintypes.UINT, WPARAM, LPARAM),
        _fails_on_zero)
    #: Posts WM_QUIT to the calling thread's queue: how a GUI program ends its
    #: message loop (the hosted tests' own loop). It cannot fail.
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-postquitmessage
    PostQuitMessage: Callable[[int], None] = _declare(
        _dll, "PostQuitMessage", None, (ctypes.c_int,), _cannot_fail)
    #: Fails (ERROR_INVALID_THREAD_ID) for a thread with no message queue yet.
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-postthreadmessagew
    PostThreadMessageW: Callable[..., int] = _declare(
        _dll, "PostThreadMessageW", wintypes.BOOL,
        (wintypes.DWORD, wintypes.UINT, WPARAM, LPARAM), _fails_on_zero)
    # Returns what the window procedure returns; there is no failure value.
    # The tests use it to play Windows's part for messages Windows sends.
    SendMessageW: Callable[..., int] = _declare(
        _dll, "SendMessageW", LRESULT, (HWND, wintypes.UINT, WPARAM, LPARAM), _cannot_fail)
    # Whether the window procedure runs inside a message another thread
    # sent, and how: every answer is valid (ISMEX_NOSEND for a posted one).
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-insendmessageex
    InSendMessageEx: Callable[..., int] = _declare(
        _dll, "InSendMessageEx", wintypes.DWORD, (wintypes.LPVOID,), _cannot_fail)
    # A yes/no question; FALSE is an answer.
    IsWindow: Callable[..., int] = _declare(
        _dll, "IsWindow", wintypes.BOOL, (HWND,), _cannot_fail)
    #: The thread that created the window; 0 (an answer, not a failure) when
    #: the handle names no window. Asked from another thread, unlike IsWindow
    #: it tells a recycled handle (another thread's window) from ours.
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-getwindowthreadprocessid
    GetWindowThreadProcessId: Callable[..., int] = _declare(
        _dll, "GetWindowThreadProcessId", wintypes.DWORD, (HWND, wintypes.LPDWORD),
        _cannot_fail)
    # 0 is a valid metric value (SM_REMOTECONTROL: not remotely controlled).
    GetSystemMetrics: Callable[..., int] = _declare(
        _dll, "GetSystemMetrics", ctypes.c_int, (ctypes.c_int,), _cannot_fail)
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-msgwaitformultipleobjects
    MsgWaitForMultipleObjects: Callable[..., int] = _declare(
        _dll, "MsgWaitForMultipleObjects", wintypes.DWORD,
        (wintypes.DWORD, _P(HANDLE), wintypes.BOOL, wintypes.DWORD, wintypes.DWORD),
        _fails_on_wait_failed)
    # NULL is "not found", an answer rather than a failure.
    FindWindowExW: Callable[..., int | None] = _declare(
        _dll, "FindWindowExW", HWND, (HWND, HWND, wintypes.LPCWSTR, wintypes.LPCWSTR),
        _cannot_fail)

    # --- Power notifications and the last input. ---
    HPOWERNOTIFY = wintypes.HANDLE
    #: RegisterPowerSettingNotification/RegisterSuspendResumeNotification:
    #: the recipient is a window, which gets WM_POWERBROADCAST.
    DEVICE_NOTIFY_WINDOW_HANDLE: Final = 0
    #: RegisterPowerSettingNotification: the recipient is a service status
    #: handle, which gets SERVICE_CONTROL_POWEREVENT.
    DEVICE_NOTIFY_SERVICE_HANDLE: Final = 1

    class POWERBROADCAST_SETTING(ctypes.Structure):
        """The head of what ``PBT_POWERSETTINGCHANGE``'s lParam points to;
        ``DataLength`` bytes of data follow at the ``Data`` offset.
        https://learn.microsoft.com/windows/win32/api/winuser/ns-winuser-powerbroadcast_setting"""

        _fields_ = [
            ("PowerSetting", GUID),
            ("DataLength", wintypes.DWORD),
            ("Data", ctypes.c_ubyte * 1),
        ]

    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-registersuspendresumenotification
    RegisterSuspendResumeNotification: Callable[..., int] = _declare(
        _dll, "RegisterSuspendResumeNotification", HPOWERNOTIFY, (HANDLE, wintypes.DWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-unregistersuspendresumenotification
    UnregisterSuspendResumeNotification: Callable[..., int] = _declare(
        _dll, "UnregisterSuspendResumeNotification", wintypes.BOOL, (HPOWERNOTIFY,),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-registerpowersettingnotification
    RegisterPowerSettingNotification: Callable[..., int] = _declare(
        _dll, "RegisterPowerSettingNotification", HPOWERNOTIFY,
        (HANDLE, _P(GUID), wintypes.DWORD), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-unregisterpowersettingnotification
    UnregisterPowerSettingNotification: Callable[..., int] = _declare(
        _dll, "UnregisterPowerSettingNotification", wintypes.BOOL, (HPOWERNOTIFY,),
        _fails_on_zero)

    class LASTINPUTINFO(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winuser/ns-winuser-lastinputinfo"""

        _fields_ = [("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD)]

    #: https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-getlastinputinfo
    GetLastInputInfo: Callable[..., int] = _declare(
        _dll, "GetLastInputInfo", wintypes.BOOL, (_P(LASTINPUTINFO),), _fails_on_zero)
