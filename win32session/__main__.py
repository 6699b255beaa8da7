"""The command line: ``python -m win32session`` (or ``win32session``).

Without options it prints one line per session event until Ctrl+C.
``--selftest`` posts every known code, and one unknown, to its own notifier's
window and checks that each arrives decoded.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from . import __version__
from ._events import WM_WTSSESSION_CHANGE, NotifyType, SessionEvent, SessionNotificationMsg
from ._notifier import Notifier

#: A wParam no Windows version sends today, to check unknown codes come through.
_UNKNOWN_CODE = 0x7F
_SELFTEST_WAIT_SECONDS = 10.0


def format_event(event: SessionEvent) -> str:
    """One readable line: local time, reason, session."""
    when = event.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    line = f"{when}  {event.reason_name:<28} session {event.session_id}"
    if event.remote_control is not None:
        line += f"  remote_control={event.remote_control}"
    return line


def _print_event(event: SessionEvent) -> None:
    print(format_event(event), flush=True)


def watch(scope: NotifyType) -> int:
    notifier = Notifier(scope)
    notifier.subscribe(_print_event)
    print(f"watching {scope.name}; Ctrl+C to stop", file=sys.stderr, flush=True)
    try:
        notifier.run()
    except KeyboardInterrupt:
        pass
    return 0


def selftest() -> int:
    """Posts every code to a live notifier and checks what arrives."""
    if sys.platform != "win32":
        Notifier().start()  # raises the "needs Windows" error
        return 1
    from . import _winapi
    from ._sessions import current_session_id

    session = current_session_id()
    codes: list[int] = [*SessionNotificationMsg, _UNKNOWN_CODE]
    received: list[SessionEvent] = []
    all_arrived = threading.Event()

    def collect(event: SessionEvent) -> None:
        received.append(event)
        if len(received) == len(codes):
            all_arrived.set()

    with Notifier(NotifyType.NOTIFY_FOR_THIS_SESSION) as notifier:
        notifier.subscribe(collect)
        for code in codes:
            _winapi.PostMessageW(notifier.hwnd, WM_WTSSESSION_CHANGE, code, session)
        all_arrived.wait(_SELFTEST_WAIT_SECONDS)

    failures = 0
    for index, code in enumerate(codes):
        event = received[index] if index < len(received) else None
        want_enum = code in SessionNotificationMsg._value2member_map_
        ok = (
            event is not None
            and event.reason == code
            and isinstance(event.reason, SessionNotificationMsg) == want_enum
            and event.session_id == session
        )
        failures += not ok
        name = SessionNotificationMsg(code).name if want_enum else "(unknown code)"
        got = "nothing" if event is None else event.reason_name
        print(f"{'ok  ' if ok else 'FAIL'}  {code:#04x} {name:<28} got {got}")
    verdict = "passed" if failures == 0 else "FAILED"
    print(
        f"selftest {verdict}: {len(codes) - failures} of {len(codes)} codes decoded "
        f"(session {session}, Python {sys.version.split()[0]})"
    )
    return 0 if failures == 0 else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="win32session",
        description="Print Windows session changes (lock, logon, RDP, ...) as they happen.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--all-sessions", action="store_true",
        help="hear about every session on the machine, not only this one",
    )
    parser.add_argument(
        "--selftest", action="store_true",
        help="post every event code to a live notifier, check each arrives decoded",
    )
    args = parser.parse_args(argv)
    try:
        if args.selftest:
            return selftest()
        scope = (
            NotifyType.NOTIFY_FOR_ALL_SESSIONS if args.all_sessions
            else NotifyType.NOTIFY_FOR_THIS_SESSION
        )
        return watch(scope)
    except OSError as exc:
        print(f"win32session: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
