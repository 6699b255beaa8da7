"""Is anybody using this machine right now? Questions answered at once, from
any thread, with no notifier: seconds since the last input, the power status,
and an idle state like Electron's ``powerMonitor.getSystemIdleState``.

They import on any OS and raise ``OSError`` off Windows.
"""

from __future__ import annotations

import sys

from .._codes import ACLineStatus, IdleState
from .._events import PowerStatus
from .._platform import require_windows

if sys.platform == "win32":
    import ctypes

    from .._win32 import kernel32, user32

__all__ = [
    "idle_seconds",
    "idle_state",
    "idle_state_from",
    "power_status",
    "this_session_locked",
    "ticks_between",
]

_TICK_WRAP = 1 << 32  # GetTickCount is a DWORD of milliseconds: 49.7 days
#: How far ahead of GetTickCount a last-input tick may be and still read as
#: "ahead" (0 s): SendInput's caller gives its own time, a little off. Any
#: other difference is real elapsed time, up to the 49.7-day wrap.
_AHEAD_MS = 60 * 60 * 1000


def ticks_between(earlier: int, later: int) -> int:
    """Milliseconds from tick ``earlier`` to tick ``later``, across the
    DWORD's wrap (a tick count read just after the wrap is smaller than one
    read just before it); 0 when ``earlier`` is up to an hour ahead of
    ``later``.

    The last input's tick "is not guaranteed to be incremental" and may be
    less than a prior event's (SendInput's caller supplies its own time), so
    it can be slightly ahead of GetTickCount: that reads 0, not 49.7 days.
    Only a difference within an hour of the wrap is taken for that; any
    other is time elapsed (modulo 49.7 days), so an idle time of weeks
    reads as weeks.
    https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-getlastinputinfo
    """
    elapsed = (later - earlier) % _TICK_WRAP
    return 0 if elapsed >= _TICK_WRAP - _AHEAD_MS else elapsed


def idle_seconds() -> float:
    """Seconds since the last keyboard or mouse input in this session
    (``GetLastInputInfo``, against ``GetTickCount``); 0 when the last input's
    tick is ahead of the tick count.

    https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-getlastinputinfo
    """
    if sys.platform == "win32":
        info = user32.LASTINPUTINFO()
        info.cbSize = ctypes.sizeof(user32.LASTINPUTINFO)
        user32.GetLastInputInfo(ctypes.byref(info))
        return ticks_between(info.dwTime, kernel32.GetTickCount()) / 1000.0
    require_windows()
    raise AssertionError("unreachable")


def power_status() -> PowerStatus:
    """AC or battery, the battery's charge, and battery saver, as
    ``GetSystemPowerStatus`` says now.

    https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-getsystempowerstatus
    """
    if sys.platform == "win32":
        status = kernel32.SYSTEM_POWER_STATUS()
        kernel32.GetSystemPowerStatus(ctypes.byref(status))
        return decode_power_status(
            status.ACLineStatus, status.BatteryFlag, status.BatteryLifePercent,
            status.SystemStatusFlag,
        )
    require_windows()
    raise AssertionError("unreachable")


def decode_power_status(
    ac_line: int, battery_flag: int, battery_percent: int, status_flag: int
) -> PowerStatus:
    """A :class:`PowerStatus` from ``SYSTEM_POWER_STATUS``'s bytes."""
    no_battery = battery_flag != 255 and battery_flag & 128  # BATTERY_FLAG_NO_BATTERY
    percent = None if no_battery or battery_percent > 100 else battery_percent
    try:
        line: ACLineStatus | int = ACLineStatus(ac_line)
    except ValueError:
        line = ac_line
    return PowerStatus(line, percent, bool(status_flag & 1))


def idle_state(threshold: float) -> IdleState:
    """``LOCKED`` when this session is locked, ``IDLE`` when nobody has
    touched the keyboard or mouse for ``threshold`` seconds, else ``ACTIVE``.

    The lock state is what ``WTSSessionInfoEx`` says (see
    :attr:`SessionInfo.locked`); where Windows does not say, as under Wine,
    the session counts as unlocked. ``threshold`` must be a number of
    seconds, 0 or more (``TypeError``, ``ValueError`` otherwise).
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise TypeError(f"threshold must be a number of seconds, got {threshold!r}")
    if not threshold >= 0:  # NaN too
        raise ValueError(f"threshold must be 0 or more seconds, got {threshold!r}")
    require_windows()
    return idle_state_from(this_session_locked(), idle_seconds(), threshold)


def this_session_locked() -> bool | None:
    """Whether this process's session is locked, where Windows says
    (``SessionInfo.locked``); None where it does not, or cannot describe it."""
    from . import sessions as _sessions

    try:
        return _sessions.session_info(_sessions.current_session_id()).locked
    except (LookupError, OSError):
        return None


def idle_state_from(locked: bool | None, idle: float, threshold: float) -> IdleState:
    """The idle state for answers already asked of Windows: a lock state
    Windows does not give counts as unlocked."""
    if locked:
        return IdleState.LOCKED
    return IdleState.IDLE if idle >= threshold else IdleState.ACTIVE
