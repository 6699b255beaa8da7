"""The command line: ``win32session`` (or ``python -m win32session``).

``watch`` (the default) prints one line per session event until Ctrl+C, or
JSON Lines with ``--json``, appended to a file with ``--output``. ``sessions``
lists the sessions on this machine. ``selftest`` posts every known code, and
one unknown, to its own notifier's window and checks that each arrives decoded
(``--selftest`` still works too).

Exit status: 0 on success and after Ctrl+C, 1 when Windows fails (one line on
stderr says what failed), 2 for bad arguments (one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import IO, Any, NoReturn

from . import __version__
from ._codes import WM_WTSSESSION_CHANGE, ConnectState, NotifyType, SessionNotificationMsg
from ._events import SessionEvent, SessionInfo
from ._notifier import Notifier
from ._sessions import current_session_id, list_sessions

PROG = "win32session"
#: A wParam no Windows version sends today, to check unknown codes come through.
_UNKNOWN_CODE = 0x7F
_SELFTEST_WAIT_SECONDS = 10.0
_COMMANDS = ("watch", "sessions", "selftest")


class _CommandLineError(Exception):
    """Bad arguments: exit 2 with one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: what is wrong, where to look.
        raise _CommandLineError(f"{self.prog}: {message} (see {self.prog} --help)")


# --- Formats. ---


def format_event(event: SessionEvent) -> str:
    """One readable line: local time, reason, session, and the user when known."""
    when = event.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    line = f"{when}  {event.reason_name:<28} session {event.session_id}"
    if event.info is not None and event.info.account is not None:
        line += f"  {event.info.account}"
    if event.remote_control is not None:
        line += f"  remote_control={event.remote_control}"
    return line


def event_record(event: SessionEvent) -> dict[str, Any]:
    """One event as a JSON object (``--json``)."""
    reason = event.reason
    info = event.info
    return {
        "time": event.timestamp.isoformat(),
        "reason": reason.name if isinstance(reason, SessionNotificationMsg) else int(reason),
        "code": int(reason),
        "session_id": event.session_id,
        "user": info.user_name if info is not None else None,
        "domain": info.domain if info is not None else None,
        "remote_control": event.remote_control,
    }


def session_record(info: SessionInfo) -> dict[str, Any]:
    """One session as a JSON object (``sessions --json``)."""
    state = info.state
    return {
        "session_id": info.session_id,
        "station": info.station_name,
        "state": state.name if isinstance(state, ConnectState) else state,
        "user": info.user_name,
        "domain": info.domain,
        "client": info.client_name,
        "locked": info.locked,
    }


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, ConnectState):
        return value.name.removeprefix("WTS")
    return str(value)


def format_sessions(sessions: Sequence[SessionInfo]) -> list[str]:
    """The sessions as a table: a header, then a row each."""
    header = ("ID", "STATION", "STATE", "USER", "CLIENT", "LOCKED")
    rows = [
        (str(s.session_id), _cell(s.station_name), _cell(s.state), _cell(s.account),
         _cell(s.client_name), _cell(s.locked))
        for s in sessions
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in [header, *rows]]


# --- Commands. ---


@contextlib.contextmanager
def _destination(path: str | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    try:
        # Appended to, never truncated: an audit trail keeps its history.
        stream = open(path, "a", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise OSError(f"cannot open {path} to append to it: {exc.strerror or exc}") from exc
    with stream:
        yield stream


def watch(scope: NotifyType, as_json: bool, output: str | None) -> int:
    with _destination(output) as out:
        notifier = Notifier(scope, details=True)

        def write(event: SessionEvent) -> None:
            line = json.dumps(event_record(event)) if as_json else format_event(event)
            out.write(line + "\n")
            out.flush()  # each line reaches the file before the next event

        notifier.subscribe(write)
        where = f"; appending to {output}" if output else ""
        try:
            notifier.run(on_ready=lambda: print(
                f"watching {scope.name}{where}; Ctrl+C to stop", file=sys.stderr, flush=True))
        except KeyboardInterrupt:
            pass
    return 0


def sessions(as_json: bool) -> int:
    listed = list_sessions()
    if as_json:
        print(json.dumps([session_record(s) for s in listed], indent=2))
    else:
        print("\n".join(format_sessions(listed)))
    return 0


def selftest() -> int:
    """Posts every code to a live notifier and checks what arrives."""
    if sys.platform != "win32":
        Notifier().start()  # raises the "needs Windows" error
        return 1
    from . import _winapi

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


# --- Arguments. ---


def _parser() -> _Parser:
    version = f"{PROG} {__version__}"
    parser = _Parser(
        prog=PROG,
        description="Windows session changes (lock, logon, RDP, ...) from the command line.",
        epilog="Without a command, runs 'watch'. Each command has its own --help.",
    )
    parser.add_argument("--version", action="version", version=version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    watch_parser = commands.add_parser(
        "watch", help="print each session event until Ctrl+C (the default)",
        description="Print one line per session event until Ctrl+C: local time, "
        "reason, session id, and DOMAIN\\user when Windows says.",
    )
    watch_parser.add_argument("--version", action="version", version=version)
    watch_parser.add_argument(
        "--all-sessions", action="store_true",
        help="hear about every session on the machine, not only this one",
    )
    watch_parser.add_argument(
        "--json", action="store_true",
        help="JSON Lines: one object per event (time in ISO 8601 UTC, reason, code, "
        "session_id, user, domain, remote_control)",
    )
    watch_parser.add_argument(
        "--output", metavar="FILE",
        help="append to FILE instead of printing, flushing each line",
    )

    sessions_parser = commands.add_parser(
        "sessions", help="list the sessions on this machine",
        description="List the sessions on this machine: id, WinStation, state, "
        "user, remote client, lock state ('-' where Windows does not say).",
    )
    sessions_parser.add_argument("--version", action="version", version=version)
    sessions_parser.add_argument("--json", action="store_true", help="a JSON array instead")

    selftest_parser = commands.add_parser(
        "selftest", help="check that every event code arrives decoded",
        description="Post every event code, and one unknown code, to a live "
        "notifier's window and check that each arrives decoded.",
    )
    selftest_parser.add_argument("--version", action="version", version=version)
    return parser


def _normalise(argv: list[str]) -> list[str]:
    """``--selftest`` (the old spelling) and options without a command."""
    if argv == ["--selftest"]:
        return ["selftest"]
    if argv and (argv[0] in _COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return argv
    return ["watch", *argv]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(_normalise(arguments))
    except _CommandLineError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        if args.command == "sessions":
            return sessions(args.json)
        if args.command == "selftest":
            return selftest()
        scope = (
            NotifyType.NOTIFY_FOR_ALL_SESSIONS if args.all_sessions
            else NotifyType.NOTIFY_FOR_THIS_SESSION
        )
        return watch(scope, args.json, args.output)
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"{PROG}: {args.command} failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
