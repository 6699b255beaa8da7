"""Plays Windows's part: sends a session or power event to every running
notifier.

Under Wine nobody locks a screen, logs on over Remote Desktop or puts the
machine to sleep, so to see win32session (its command line, an example, your
program) react, run this in another terminal, with the same Windows CPython:

    scripts/winpy 3.12 scripts/simulate_event.py WTS_SESSION_LOCK
    scripts/winpy 3.12 scripts/simulate_event.py logon 2
    scripts/winpy 3.12 scripts/simulate_event.py remote_connect 2
    scripts/winpy 3.12 scripts/simulate_event.py 0x42
    scripts/winpy 3.12 scripts/simulate_event.py suspend     # PBT_APMSUSPEND
    scripts/winpy 3.12 scripts/simulate_event.py resume      # PBT_APMRESUMEAUTOMATIC
    scripts/winpy 3.12 scripts/simulate_event.py display_off # a power setting

It finds every notifier's window by its title "win32session", message-only
(FindWindowExW(HWND_MESSAGE, ...)) or hidden top-level, and posts
WM_WTSSESSION_CHANGE to each, as the session manager would; a PBT_* event is
sent as WM_POWERBROADCAST. A power setting (display_off, display_on,
display_dim, user_present, user_not_present, user_inactive) is sent as
PBT_POWERSETTINGCHANGE with a real POWERBROADCAST_SETTING, which Windows
hands over as a pointer valid in the receiving process: so the structure is
written into the notifier's own process (VirtualAllocEx, WriteProcessMemory),
sent, and freed once the send returns, as Windows's own buffer would be gone.
The session ending needs no simulation: `wineboot --end-session` is the real
one. The session defaults to this process's own.
"""

from __future__ import annotations

import argparse
import sys
import uuid

from win32session import (
    WM_WTSSESSION_CHANGE,
    MonitorDisplayState,
    PowerBroadcast,
    PowerSetting,
    SessionNotificationMsg,
    UserActivityPresence,
    current_session_id,
)

#: Short names for the power broadcasts.
POWER_NAMES = {
    "suspend": PowerBroadcast.PBT_APMSUSPEND,
    "resume": PowerBroadcast.PBT_APMRESUMEAUTOMATIC,
    "resume_user": PowerBroadcast.PBT_APMRESUMESUSPEND,
    "power_status": PowerBroadcast.PBT_APMPOWERSTATUSCHANGE,
}
#: Short names for the power settings a notifier of session 1 and up
#: registers for, each with the value it sends.
SETTING_NAMES: dict[str, tuple[PowerSetting, int]] = {
    "display_off": (PowerSetting.GUID_SESSION_DISPLAY_STATUS, MonitorDisplayState.PowerMonitorOff),
    "display_on": (PowerSetting.GUID_SESSION_DISPLAY_STATUS, MonitorDisplayState.PowerMonitorOn),
    "display_dim": (PowerSetting.GUID_SESSION_DISPLAY_STATUS, MonitorDisplayState.PowerMonitorDim),
    "user_present": (PowerSetting.GUID_SESSION_USER_PRESENCE,
                     UserActivityPresence.PowerUserPresent),
    "user_not_present": (PowerSetting.GUID_SESSION_USER_PRESENCE,
                         UserActivityPresence.PowerUserNotPresent),
    "user_inactive": (PowerSetting.GUID_SESSION_USER_PRESENCE,
                      UserActivityPresence.PowerUserInactive),
}
#: ERROR_INVALID_WINDOW_HANDLE: a window that ended after it was found.
_GONE = 1400

if sys.platform == "win32":
    # The script's own declarations (the package declares only what it calls).
    import ctypes
    from ctypes import wintypes
    from typing import Any

    _k32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _u32 = ctypes.WinDLL("user32", use_last_error=True)

    def _check(result: Any, function: Any, args: Any) -> Any:
        if not result:
            raise ctypes.WinError(ctypes.get_last_error())
        return result

    def _declare(dll: Any, name: str, restype: Any, argtypes: tuple[Any, ...]) -> Any:
        function = getattr(dll, name)
        function.restype, function.argtypes, function.errcheck = restype, argtypes, _check
        return function

    _GetWindowThreadProcessId = _declare(
        _u32, "GetWindowThreadProcessId", wintypes.DWORD,
        (wintypes.HWND, ctypes.POINTER(wintypes.DWORD)))
    _OpenProcess = _declare(
        _k32, "OpenProcess", wintypes.HANDLE, (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD))
    _VirtualAllocEx = _declare(
        _k32, "VirtualAllocEx", ctypes.c_void_p,
        (wintypes.HANDLE, ctypes.c_void_p, ctypes.c_size_t, wintypes.DWORD, wintypes.DWORD))
    _WriteProcessMemory = _declare(
        _k32, "WriteProcessMemory", wintypes.BOOL,
        (wintypes.HANDLE, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
         ctypes.POINTER(ctypes.c_size_t)))
    _VirtualFreeEx = _declare(
        _k32, "VirtualFreeEx", wintypes.BOOL,
        (wintypes.HANDLE, ctypes.c_void_p, ctypes.c_size_t, wintypes.DWORD))
    _CloseHandle = _declare(_k32, "CloseHandle", wintypes.BOOL, (wintypes.HANDLE,))
    _PROCESS_VM_OPERATION = 0x0008
    _PROCESS_VM_WRITE = 0x0020
    _MEM_COMMIT_RESERVE = 0x1000 | 0x2000
    _MEM_RELEASE = 0x8000
    _PAGE_READWRITE = 0x04


def setting_buffer(setting: PowerSetting, value: int) -> bytes:
    """A POWERBROADCAST_SETTING: the GUID, DataLength, then a DWORD."""
    data = value.to_bytes(4, "little")
    return uuid.UUID(setting.value).bytes_le + len(data).to_bytes(4, "little") + data


def send_setting(hwnd: int, setting: PowerSetting, value: int) -> None:
    """Sends PBT_POWERSETTINGCHANGE to ``hwnd`` with the structure in the
    window's own process, where Windows would put it; frees it afterwards."""
    if sys.platform == "win32":
        from win32session import WM_POWERBROADCAST
        from win32session._win32 import user32

        pid = wintypes.DWORD()
        _GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        process = _OpenProcess(_PROCESS_VM_OPERATION | _PROCESS_VM_WRITE, False, pid.value)
        try:
            payload = setting_buffer(setting, value)
            address = _VirtualAllocEx(process, None, len(payload), _MEM_COMMIT_RESERVE,
                                      _PAGE_READWRITE)
            try:
                _WriteProcessMemory(process, address, payload, len(payload), None)
                user32.SendMessageW(hwnd, WM_POWERBROADCAST,
                                    PowerBroadcast.PBT_POWERSETTINGCHANGE.code, address)
            finally:
                _VirtualFreeEx(process, address, 0, _MEM_RELEASE)
        finally:
            _CloseHandle(process)
        return
    raise OSError("needs Windows")


def code_of(text: str) -> int | PowerBroadcast | tuple[PowerSetting, int]:
    setting = SETTING_NAMES.get(text.lower().replace("-", "_"))
    if setting is not None:
        return setting
    name = text.upper()
    for candidate in (name, f"WTS_{name}", f"WTS_SESSION_{name}"):  # LOCK will do
        if candidate in SessionNotificationMsg.__members__:
            return int(SessionNotificationMsg[candidate])
    power = POWER_NAMES.get(text.lower().replace("-", "_"))
    if power is None and name in PowerBroadcast.__members__:
        power = PowerBroadcast[name]
    if power is not None:
        return power
    try:
        return int(text, 0)
    except ValueError:
        known = ", ".join([*SessionNotificationMsg.__members__, *POWER_NAMES, *SETTING_NAMES])
        raise argparse.ArgumentTypeError(f"{text!r} is no event; known: {known}") from None


def notifier_windows() -> list[int]:
    """Every notifier window: message-only ones, then hidden top-level ones."""
    found: list[int] = []
    if sys.platform == "win32":
        from win32session._win32 import user32
        from win32session._notifier import pump as _pump

        for parent in (user32.HWND_MESSAGE, None):
            after = None
            while True:
                hwnd = user32.FindWindowExW(parent, after, None, _pump.WINDOW_TITLE)
                if not hwnd:
                    break
                if hwnd not in found:  # Wine lists message-only ones under NULL too
                    found.append(hwnd)
                after = hwnd
    return found


def main() -> int:
    # The docstring's first paragraph, as one line (its first line ends mid-sentence).
    summary = " ".join(__doc__.split("\n\n")[0].split()) if __doc__ else None
    parser = argparse.ArgumentParser(description=summary)
    parser.add_argument(
        "event", type=code_of,
        help="a SessionNotificationMsg name (WTS_SESSION_ may be left out), a number, or "
        f"suspend, resume, resume_user, power_status, or {', '.join(SETTING_NAMES)}",
    )
    parser.add_argument("session", nargs="?", type=int, help="the session id (default: ours)")
    args = parser.parse_args()
    if sys.platform != "win32":
        parser.error("run this with a Windows Python (scripts/winpy 3.12 ...)")
    from win32session import WM_POWERBROADCAST
    from win32session._win32 import user32

    session = current_session_id() if args.session is None else args.session
    reached = 0
    for hwnd in notifier_windows():
        try:
            if isinstance(args.event, tuple):
                send_setting(hwnd, *args.event)
            elif isinstance(args.event, PowerBroadcast):
                # Windows sends it; a send waits until the window has answered.
                user32.SendMessageW(hwnd, WM_POWERBROADCAST, args.event.code, 0)
            else:
                user32.PostMessageW(hwnd, WM_WTSSESSION_CHANGE, args.event, session)
        except OSError as exc:
            if exc.winerror != _GONE:  # a notifier that just stopped is no error
                raise
            continue
        reached += 1
    if isinstance(args.event, tuple):
        setting, value = args.event
        print(f"sent {setting.name}={value.name if hasattr(value, 'name') else value} "
              f"to {reached} notifier window(s)")
        return 0 if reached else 1
    if isinstance(args.event, PowerBroadcast):
        print(f"sent {args.event.name} to {reached} notifier window(s)")
        return 0 if reached else 1
    try:
        name = SessionNotificationMsg(args.event).name
    except ValueError:
        name = f"unknown code {args.event:#x}"
    print(f"posted {name} (session {session}) to {reached} notifier window(s)")
    return 0 if reached else 1


if __name__ == "__main__":
    sys.exit(main())
