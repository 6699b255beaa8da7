"""Plays Windows's part: posts a session event to every running notifier.

Under Wine nobody locks a screen or logs on over Remote Desktop, so to see
win32session (its command line, an example, your program) react, run this in
another terminal, with the same Windows CPython:

    scripts/winpy 3.12 scripts/simulate_event.py WTS_SESSION_LOCK
    scripts/winpy 3.12 scripts/simulate_event.py logon 2
    scripts/winpy 3.12 scripts/simulate_event.py remote_connect 2
    scripts/winpy 3.12 scripts/simulate_event.py 0x42

It finds every notifier's message-only window (FindWindowExW(HWND_MESSAGE, ...)
by the window title "win32session") and posts WM_WTSSESSION_CHANGE to each,
as the session manager would. The session defaults to this process's own.
"""

from __future__ import annotations

import argparse
import sys

from win32session import WM_WTSSESSION_CHANGE, SessionNotificationMsg, current_session_id


def code_of(text: str) -> int:
    name = text.upper()
    for candidate in (name, f"WTS_{name}", f"WTS_SESSION_{name}"):  # LOCK will do
        if candidate in SessionNotificationMsg.__members__:
            return int(SessionNotificationMsg[candidate])
    try:
        return int(text, 0)
    except ValueError:
        known = ", ".join(SessionNotificationMsg.__members__)
        raise argparse.ArgumentTypeError(f"{text!r} is no event; known: {known}") from None


def notifier_windows() -> list[int]:
    found: list[int] = []
    if sys.platform == "win32":
        from win32session import _pump, _winapi

        after = None
        while True:
            hwnd = _winapi.FindWindowExW(_winapi.HWND_MESSAGE, after, None, _pump.WINDOW_TITLE)
            if not hwnd:
                return found
            found.append(hwnd)
            after = hwnd
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "event", type=code_of,
        help="a SessionNotificationMsg name (WTS_SESSION_ may be left out) or a number",
    )
    parser.add_argument("session", nargs="?", type=int, help="the session id (default: ours)")
    args = parser.parse_args()
    if sys.platform != "win32":
        parser.error("run this with a Windows Python (scripts/winpy 3.12 ...)")
    from win32session import _winapi

    session = current_session_id() if args.session is None else args.session
    windows = notifier_windows()
    for hwnd in windows:
        _winapi.PostMessageW(hwnd, WM_WTSSESSION_CHANGE, args.event, session)
    try:
        name = SessionNotificationMsg(args.event).name
    except ValueError:
        name = f"unknown code {args.event:#x}"
    print(f"posted {name} (session {session}) to {len(windows)} notifier window(s)")
    return 0 if windows else 1


if __name__ == "__main__":
    sys.exit(main())
