"""The command line's arguments: the parser with every command's options,
each checked as ``values`` says.

Importing it loads argparse and nothing of Windows: ``main`` parses first,
then imports what the chosen command needs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .. import __version__
from .values import (
    ALLOW_USER_WRITABLE,
    DEFAULT_IDLE_THRESHOLD,
    PROG,
    SERVICE_NAME,
    CommandLineError,
    output_file,
    seconds,
    service_name,
)

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Any, NoReturn

__all__ = ["build_parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: what is wrong, where to look.
        raise CommandLineError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> _Parser:
    """The parser for every command, built anew (it holds no state)."""
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
        "--power", action="store_true",
        help="also sleep and wake, and the power settings (user presence, display, "
        "power source, battery, energy saver); Windows sends each setting's value "
        "at once, marked (initial)",
    )
    watch_parser.add_argument(
        "--ending", action="store_true",
        help="also the session ending (logoff, shutdown, restart), each line written "
        "before Windows is answered; needs a hidden top-level window (under Wine, "
        "an X display)",
    )
    watch_parser.add_argument(
        "--json", action="store_true",
        help="JSON Lines: one object per event, with time (ISO 8601 UTC) and event "
        "(session, power or ending); session events: reason, code, session_id, user, "
        "domain, remote_control; power: kind, code, setting, value, value_name, "
        "initial; ending: kind, code, flags, ending",
    )
    watch_parser.add_argument(
        "--output", metavar="FILE", type=_output_file,
        help="append to FILE instead of printing, flushing each line (a disk file, or a "
        "named pipe \\\\.\\pipe\\NAME; a device such as NUL or CON is refused)",
    )

    status_parser = commands.add_parser(
        "status", help="print this session's state once: locked, idle, power, in use",
        description="Print this session's state once: its id, whether it is locked "
        "('-' where Windows does not say), seconds since the last keyboard or mouse "
        "input, the idle state, whether it is in use, the power source, the "
        "battery's charge and battery saver. 'In use' means: not locked, and input "
        "within the idle threshold (idle_state 'active'); 'idle' is no input for "
        "that long, 'locked' a locked session.",
    )
    status_parser.add_argument("--version", action="version", version=version)
    status_parser.add_argument("--json", action="store_true", help="one JSON object instead")
    status_parser.add_argument(
        "--idle-threshold", metavar="SECONDS", type=_seconds,
        default=DEFAULT_IDLE_THRESHOLD,
        help="seconds without input after which the session is idle, not in use "
        f"(default {DEFAULT_IDLE_THRESHOLD:g}: someone reading touches nothing for a "
        "while)",
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

    doctor_parser = commands.add_parser(
        "doctor", help="check what this Windows answers, for a bug report",
        description="Check, one line each, what this Windows answers to the calls "
        "win32session relies on: ok, differs or unavailable. Exit 0 when nothing "
        "differs, 1 otherwise; under Wine, its known stub answers say 'wine stub' "
        "and do not count.",
    )
    doctor_parser.add_argument("--version", action="version", version=version)
    _service_parser(commands, version)
    return parser


def _service_parser(commands: Any, version: str) -> None:
    service_parser = commands.add_parser(
        "service", help="install and control the audit service (needs an Administrator)",
        description="The audit service: a Windows service that appends every session "
        "change to a JSON Lines file from boot. Installing, starting, stopping and "
        "uninstalling need an Administrator prompt.",
    )
    service_parser.add_argument("--version", action="version", version=version)
    actions = service_parser.add_subparsers(dest="action", metavar="ACTION",
                                            parser_class=_Parser, required=True)
    helps = {
        "install": "install the service: automatic start, restarted after a failure",
        "start": "start the service and wait until it runs",
        "stop": "stop the service and wait until it has stopped",
        "status": "print the service's state and configuration",
        "uninstall": "stop the service if it runs, then remove it",
        "run": "what the service control manager starts; not for a console",
    }
    for action, text in helps.items():
        parser = actions.add_parser(action, help=text, description=text[0].upper() + text[1:]
                                    + ".")
        parser.add_argument("--name", default=SERVICE_NAME, type=_service_name,
                            help=f"the service's name (default {SERVICE_NAME})")
        if action in ("install", "run"):
            parser.add_argument("--output", metavar="FILE",
                                help="the JSON Lines file to append to (default: "
                                "%%ProgramData%%\\win32session\\NAME.jsonl)")
        if action == "install":
            parser.add_argument(
                "--check", action="store_true",
                help="print every precondition of the install, OK or FAIL, one line each, "
                "and install nothing; exit 0 when all pass")
            parser.add_argument(
                ALLOW_USER_WRITABLE, action="store_true",
                help="install even when users can change the interpreter, the standard "
                "library, the venv or the package: any of them could then run code as "
                "LocalSystem (a privilege escalation)")
        if action == "status":
            parser.add_argument("--json", action="store_true", help="one JSON object instead")
        if action in ("start", "stop", "status", "uninstall"):
            parser.add_argument(
                "--any-service", action="store_true",
                help="act on the service even if it is not a win32session audit service "
                "(it may be another program's, such as Spooler: use with care)")


def _argparse_type(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """``check`` for argparse: its ValueError becomes the option's error, in
    the check's own words (argparse would otherwise say "invalid value")."""
    def checked(text: str) -> Any:
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    checked.__name__ = check.__name__
    return checked


_seconds = _argparse_type(seconds)
_service_name = _argparse_type(service_name)
_output_file = _argparse_type(output_file)
