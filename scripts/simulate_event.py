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

It finds every notifier's window by its title "win32session", message-only
(FindWindowExW(HWND_MESSAGE, ...)) or hidden top-level, and posts
WM_WTSSESSION_CHANGE to each, as the session manager would; a PBT_* event is
sent as WM_POWERBROADCAST (without data: power settings carry a pointer that
only the test suite, in the notifier's own process, can hand over). The
session ending needs no simulation: `wineboot --end-session` is the real one.
The session defaults to this process's own.
"""

from __future__ import annotations

import argparse
import sys

from win32session import (
    WM_WTSSESSION_CHANGE,
    PowerBroadcast,
    SessionNotificationMsg,
    current_session_id,
)

#: Short names for the power broadcasts.
POWER_NAMES = {
    "suspend": PowerBroadcast.PBT_APMSUSPEND,
    "resume": PowerBroadcast.PBT_APMRESUMEAUTOMATIC,
    "resume_user": PowerBroadcast.PBT_APMRESUMESUSPEND,
    "power_status": PowerBroadcast.PBT_APMPOWERSTATUSCHANGE,
}
#: ERROR_INVALID_WINDOW_HANDLE: a window that ended after it was found.
_GONE = 1400


def code_of(text: str) -> int | PowerBroadcast:
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
        known = ", ".join([*SessionNotificationMsg.__members__, *POWER_NAMES])
        raise argparse.ArgumentTypeError(f"{text!r} is no event; known: {known}") from None


def notifier_windows() -> list[int]:
    """Every notifier window: message-only ones, then hidden top-level ones."""
    found: list[int] = []
    if sys.platform == "win32":
        from win32session import _pump, _winapi

        for parent in (_winapi.HWND_MESSAGE, None):
            after = None
            while True:
                hwnd = _winapi.FindWindowExW(parent, after, None, _pump.WINDOW_TITLE)
                if not hwnd:
                    break
                if hwnd not in found:  # Wine lists message-only ones under NULL too
                    found.append(hwnd)
                after = hwnd
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("event", type=code_of,
                        help="a SessionNotificationMsg name (WTS_SESSION_ may be left out), "
                        "a number, or suspend, resume, resume_user, power_status")
    parser.add_argument("session", nargs="?", type=int, help="the session id (default: ours)")
    args = parser.parse_args()
    if sys.platform != "win32":
        parser.error("run this with a Windows Python (scripts/winpy 3.12 ...)")
    from win32session import WM_POWERBROADCAST, _winapi

    session = current_session_id() if args.session is None else args.session
    reached = 0
    for hwnd in notifier_windows():
        try:
            if isinstance(args.event, PowerBroadcast):
                # Windows sends it; a send waits until the window has answered.
                _winapi.SendMessageW(hwnd, WM_POWERBROADCAST, args.event.code, 0)
            else:
                _winapi.PostMessageW(hwnd, WM_WTSSESSION_CHANGE, args.event, session)
        except OSError as exc:
            if exc.winerror != _GONE:  # a notifier that just stopped is no error
                raise
            continue
        reached += 1
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
