"""The command line: ``win32session`` (or ``python -m win32session``).

``watch`` (the default) prints one line per session event until Ctrl+C, or
JSON Lines with ``--json``, appended to a file with ``--output``; with
``--power`` also sleep, wake and the power settings, with ``--ending`` the
session ending (each such line written before Windows gets its answer).
``status`` prints this session's state once: locked, idle, power, in use.
``sessions`` lists the sessions on this machine. ``selftest`` posts every
known code, and one unknown, to its own notifier's window and checks that each
arrives decoded (``--selftest`` still works too). ``doctor`` checks what this
Windows answers to each call the library relies on, for a bug report
(``_doctor``).

Every command's lines, and every error line, are UTF-8 on a redirected
stdout and stderr whatever the ANSI code page, except on a console, which
shows every character anyway (``_output.utf8_stdio``, called first). ``watch
--output`` takes a disk file or a named pipe (``\\\\.\\pipe\\NAME``); a device
(``NUL``, ``nul.txt``, ``CON``, ``CONOUT$``) or a folder is bad input.

Exit status: 0 on success and after Ctrl+C, 1 when Windows fails (one line on
stderr says what failed), 2 for bad arguments (one line on stderr, whatever
the argument holds: a line break in it is escaped). When
``watch`` cannot write a line (a full disk, a deleted file) the run ends after
a clean teardown, with one line naming the file and the error and 1: no later
event is lost while it looks healthy. When the reader of its stdout goes away
(``watch | head -1``) it ends quietly with 0: the consumer ended the run, as
Ctrl+C does (a Unix tool dies of SIGPIPE, a status that ``set -o pipefail``
takes for a failure).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from . import __version__
from ._cli.output import LineOutput, OutputError, ReaderGone, UnsuitableOutput, utf8_stdio
from ._cli.records import event_record, format_event
from ._cli.selftest import round_trip
from ._codes import (
    ACLineStatus,
    ConnectState,
    IdleState,
    NotifyType,
)
from ._events import Event, PowerStatus, SessionInfo
from ._notifier.notifier import Notifier
from ._queries.sessions import current_session_id, list_sessions

PROG = "win32session"
_COMMANDS = ("watch", "status", "sessions", "selftest", "doctor", "service")
#: ``status --idle-threshold``'s default: a minute without keyboard or mouse
#: input. Someone reading or listening touches nothing for a while; a minute
#: keeps them "in use" without waiting for Windows's own idle timeouts (the
#: screen saver's and the display's are many minutes).
DEFAULT_IDLE_THRESHOLD = 60.0


class _CommandLineError(Exception):
    """Bad arguments: exit 2 with one line."""


#: What ``str.splitlines`` breaks a line at: escaped in every message, so
#: that a hostile argument (a name with a newline) still makes one line.
_LINE_BREAKS = {ord(c): c.encode("unicode_escape").decode("ascii")
                for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


def _error(message: object) -> None:
    """``message`` as one line on stderr."""
    print(str(message).translate(_LINE_BREAKS), file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: what is wrong, where to look.
        raise _CommandLineError(f"{self.prog}: {message} (see {self.prog} --help)")


# --- Formats. ---


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


def status_record(
    session_id: int,
    locked: bool | None,
    idle: float,
    threshold: float,
    state: IdleState,
    power: PowerStatus,
) -> dict[str, Any]:
    """``status --json``: this session's state as one object. ``in_use`` is
    ``idle_state`` ``active``: not locked, and input within the threshold."""
    ac_line = power.ac_line
    return {
        "session_id": session_id,
        "locked": locked,
        "idle_seconds": round(idle, 3),
        "idle_threshold": threshold,
        "idle_state": state.value,
        "in_use": state is IdleState.ACTIVE,
        "ac_line": ac_line.name if isinstance(ac_line, ACLineStatus) else ac_line,
        "battery_percent": power.battery_percent,
        "battery_saver": power.battery_saver,
    }


def format_status(record: dict[str, Any]) -> list[str]:
    """``status``: one aligned ``key  value`` line per key of the record
    (``-`` where Windows does not say, ``yes``/``no`` for booleans)."""
    width = max(len(key) for key in record)
    lines = []
    for key, value in record.items():
        text = _cell(value)
        if key == "idle_seconds":
            text = f"{value:.1f}"
        elif key == "idle_threshold":
            text = f"{value:g}"
        lines.append(f"{key:<{width}}  {text}")
    return lines


# --- Commands. ---


def watch(
    scope: NotifyType,
    as_json: bool,
    output: str | None,
    power: bool = False,
    ending: bool = False,
) -> int:
    """Writes each event until Ctrl+C, or until a line cannot be written:
    then the run ends after a clean teardown, and the OutputError is raised
    (one line, naming the destination), unless stdout's reader went away,
    which ends it quietly with 0."""
    with LineOutput(output) as out:
        notifier = Notifier(scope, details=True, power=power, ending=ending)
        failed: list[OutputError] = []

        def write(event: Event) -> None:
            # On the pump thread, inside the window procedure: a session-ending
            # line is written and flushed before Windows gets its answer (and
            # may end this process right after WM_ENDSESSION).
            if failed:
                return  # the run is ending: no line goes anywhere after a lost one
            line = json.dumps(event_record(event)) if as_json else format_event(event)
            try:
                out.write_line(line)
            except OutputError as exc:
                failed.append(exc)
                notifier.stop()  # from a callback: the pump ends when it returns

        notifier.subscribe(write)
        extra = [name for name, wanted in (("power", power), ("session ending", ending))
                 if wanted]
        what = f" with {' and '.join(extra)} events" if extra else ""
        verb = "writing to" if out.pipe else "appending to"
        where = f"; {verb} {output}" if output else ""
        try:
            notifier.run(on_ready=lambda: print(
                f"watching {scope.name}{what}{where}; Ctrl+C to stop", file=sys.stderr,
                flush=True))
        except KeyboardInterrupt:
            pass
    if failed and not isinstance(failed[0], ReaderGone):
        raise failed[0]
    return 0


def status(as_json: bool, threshold: float) -> int:
    """This session's state, once."""
    from ._queries.activity import idle_seconds, idle_state_from, power_status, this_session_locked

    # Each asked of Windows once: the state is worked out from these very
    # answers, so the lines printed cannot disagree with one another.
    locked = this_session_locked()
    idle = idle_seconds()
    state = idle_state_from(locked, idle, threshold)
    record = status_record(current_session_id(), locked, idle, threshold, state,
                           power_status())
    if as_json:
        print(json.dumps(record))
    else:
        print("\n".join(format_status(record)))
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
    arrivals = round_trip()
    for arrival in arrivals:
        got = "nothing" if arrival.event is None else arrival.event.reason_name
        mark = "ok  " if arrival.ok else "FAIL"
        print(f"{mark}  {arrival.code:#04x} {arrival.name:<28} got {got}")
    passed = sum(arrival.ok for arrival in arrivals)
    verdict = "passed" if passed == len(arrivals) else "FAILED"
    print(
        f"selftest {verdict}: {passed} of {len(arrivals)} codes decoded "
        f"(session {current_session_id()}, Python {sys.version.split()[0]})"
    )
    return 0 if passed == len(arrivals) else 1


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


# --- The service command. ---

SERVICE_NAME = "win32session-audit"
#: ``service install``'s flag that accepts a user-writable interpreter
#: (``_trust.ALLOW_FLAG``; spelled here so that the parser imports no more).
ALLOW_USER_WRITABLE = "--allow-user-writable-python"
SERVICE_DISPLAY_NAME = "win32session audit trail"
SERVICE_DESCRIPTION = ("Writes every Windows session change (logon, logoff, lock, unlock, "
                       "remote connections) with its user, and each suspend and resume, to "
                       "a JSON Lines file, from boot.")


def service_display_name(name: str) -> str:
    """``win32session audit trail (NAME)``: display names are unique too, so
    each audit service's carries its name. Past Windows's 256 characters, the
    name alone (a display name may equal its own service's name).
    https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-createservicew"""
    display = f"{SERVICE_DISPLAY_NAME} ({name})"
    return display if len(display) <= 256 else name


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


def service_record(state: Any) -> dict[str, Any]:
    """``service status --json``: a ServiceStatus as one object.
    ``service_exit_code`` is the code without the customer bit that the
    service host adds for the event log; ``service_exit`` names it when it is
    a ``ServiceExit`` (``OUTPUT_FAILED``), else null."""
    from ._service.host import ServiceExit

    recovery = state.recovery
    specific = state.win32_exit_code == 1066  # ERROR_SERVICE_SPECIFIC_ERROR
    code = state.service_exit_code
    return {
        "name": state.name,
        "display_name": state.display_name,
        "state": state.state,
        "pid": state.pid,
        "win32_exit_code": state.win32_exit_code,
        "service_exit_code": code,
        "service_exit": (ServiceExit(code).name
                         if specific and code in {int(e) for e in ServiceExit} else None),
        "start_type": state.start_type,
        "command_line": state.command_line,
        "account": state.account,
        "description": state.description,
        "restart_delays": None if recovery is None else list(recovery.restart_delays),
        "reset_seconds": None if recovery is None else recovery.reset_seconds,
        "service_sid": state.service_sid,
        "required_privileges": (None if state.required_privileges is None
                                else list(state.required_privileges)),
    }


def service(args: argparse.Namespace) -> int:
    """``service ACTION``: one line for each outcome; a failure (access
    denied among them: an Administrator prompt is needed) is one line on
    stderr and exit status 1."""
    try:
        return _service_action(args)
    except OSError as exc:
        _error(f"{PROG}: service {args.action}: {exc}")
        # 2 for a service that is not ours (NotAuditService): bad input.
        status: int = getattr(exc, "exit_status", 1)
        return status


def _service_action(args: argparse.Namespace) -> int:
    if args.action == "run":
        from ._cli.audit import service as _audit

        return _audit.run(args.name, args.output)
    from ._platform import require_windows

    require_windows()
    if args.action == "install":
        return _install(args)
    _manage(args)
    return 0


def _install(args: argparse.Namespace) -> int:
    """``service install``: bad input is one line and 2, before anything is
    made; an interpreter others can change (unless the flag accepts it) or a
    trail file that cannot be trusted is one line and 1, with nothing
    installed; ``--check`` prints each precondition and installs nothing."""
    from ._cli.audit import trust as _trust
    from ._cli.audit.folder import check_name, default_output
    from ._cli.audit.image_path import Interpreter, service_command_line
    from ._cli.paths import check_output

    name = args.name
    checks: list[_trust.Check] = []
    output = ""
    try:
        check_name(name)
        checks.append(_trust.Check(f"service name {name}"))
        output = check_output(default_output(name) if args.output is None else args.output)
        checks.append(_trust.Check(f"output {output}"))
    except ValueError as exc:
        if not args.check:
            _error(f"{PROG}: service install: {exc}")
            return 2
        checks.append(_trust.Check("service name and output", str(exc), overridable=False))
    protect = args.output is None
    interpreter = Interpreter.running()
    command = ""
    try:
        command = service_command_line(name, output, interpreter)
        checks.append(_trust.Check("package installed for every account"))
    except ValueError as exc:
        checks.append(_trust.Check("package installed for every account", str(exc),
                                   overridable=False))
    if sys.platform == "win32":
        checks += _trust.interpreter_checks(interpreter, _trust.read_descriptor,
                                            _trust.profiles_directory())
    if args.check:
        return _print_checks(checks, output, protect)
    refused = _trust.refusal(checks)
    if refused and (not args.allow_user_writable_python
                    or not all(c.overridable for c in checks if not c.ok)):
        _error(f"{PROG}: service install: {refused}")
        return 1
    if sys.platform == "win32":  # the form mypy narrows on; require_windows() raised
        from ._cli.audit.folder import secure_trail
        from ._service import mgr as manager

        for moved in secure_trail(output, protect, _trust.TRAIL_OWNERS):
            print(f"{PROG}: service install: {moved}")
        manager.install(name, service_display_name(name), SERVICE_DESCRIPTION, command)
    if refused:  # accepted by the flag: said once, after it was done
        failed = next(c for c in checks if not c.ok)
        _error(f"{PROG}: service install: warning: {failed.problem}; installed anyway, as "
               f"{ALLOW_USER_WRITABLE} asks")
    print(f"installed service {name}: automatic start, restarted after a failure; "
          f"appends to {output}")
    return 0


def _print_checks(checks: list[Any], output: str, protect: bool) -> int:
    """``service install --check``: every precondition, one line each."""
    from ._cli.audit import trust as _trust

    lines = [_trust.elevation_check(), *checks]
    if output:
        lines += _trust.trail_checks(output, protect)
    for check in lines:
        print(check.line())
    return 0 if all(check.ok for check in lines) else 1


def _manage(args: argparse.Namespace) -> None:
    if sys.platform != "win32":  # the form mypy narrows on; require_windows() raised
        return
    from ._service import mgr as manager

    name = args.name
    # Only win32session's own audit services, unless --any-service
    # (``service uninstall --name Spooler`` must not delete the Print Spooler).
    only_audit = not args.any_service
    if args.action == "start":
        pid = manager.start(name, only_audit=only_audit)
        print(f"started service {name}: running, process {pid}")
    elif args.action == "stop":
        manager.stop(name, only_audit=only_audit)
        print(f"stopped service {name}")
    elif args.action == "uninstall":
        if manager.uninstall(name, only_audit=only_audit):
            print(f"uninstalled service {name}")
        else:
            print(f"uninstalled service {name}: it goes once every program that has it "
                  "open (the Services console, say) closes it")
    else:
        record = service_record(manager.status(name, only_audit=only_audit))
        if args.json:
            print(json.dumps(record))
        else:
            delays = record["restart_delays"]
            if delays is not None:
                record["restart_delays"] = ", ".join(f"{d:g} s" for d in delays) or "none"
            privileges = record["required_privileges"]
            if privileges is not None:
                record["required_privileges"] = ", ".join(privileges) or "all of its account's"
            print("\n".join(format_status(record)))


def _seconds(text: str) -> float:
    """A finite number of seconds, 0 or more (JSON has no infinity); ``-0``
    is 0, printed so."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, 0 or more, "
                                         f"got {text!r}")
    return value + 0.0  # -0.0 + 0.0 is 0.0


#: CreateServiceW: "The maximum string length is 256 characters" and
#: "Forward-slash (/) and backslash (\\) are not valid service name characters."
#: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-createservicew
MAX_SERVICE_NAME = 256


def _service_name(text: str) -> str:
    """``--name``: what Windows accepts as a service name, and what
    ``service install`` accepts (``_audit_folder.check_name``: the name is
    also a file's), for every action: a name install refuses cannot be a
    service of ours, and a name with a line break could not be said in one
    line."""
    if not text:
        raise argparse.ArgumentTypeError("needs a service name, got ''")
    if len(text) > MAX_SERVICE_NAME:
        raise argparse.ArgumentTypeError(
            f"a service name has at most {MAX_SERVICE_NAME} characters, got {len(text)}")
    bad = sorted({c for c in text
                  if c in "/\\" or ord(c) < 32 or ord(c) == 127 or ord(c) in _LINE_BREAKS})
    if bad:
        raise argparse.ArgumentTypeError(
            f"a service name cannot hold {''.join(bad)!r}, got {text!r}")
    from ._cli.audit.folder import check_name

    try:
        check_name(text)  # what install accepts: any other name is not ours
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _output_file(text: str) -> str:
    """``--output``: a name (what it names is checked when it is opened)."""
    if not text:
        raise argparse.ArgumentTypeError("needs a file name, got ''")
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"a file name cannot hold a NUL character, got {text!r}")
    return text


#: Options whose value is a number: argparse takes ``-inf``, ``-1e3`` or
#: ``-nan`` after them for an option, so such a value is joined to its
#: option (``--idle-threshold=-inf``) and reaches the number's own check.
_NUMBER_OPTIONS = ("--idle-threshold",)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _normalise(argv: list[str]) -> list[str]:
    """``--selftest`` (the old spelling), options without a command (they
    are ``watch``'s), an unknown command, and negative numbers."""
    if argv == ["--selftest"]:
        return ["selftest"]
    joined: list[str] = []
    for arg in argv:
        if joined and joined[-1] in _NUMBER_OPTIONS and arg.startswith("-") and _is_number(arg):
            joined[-1] = f"{joined[-1]}={arg}"
        elif arg.startswith("--") and arg.endswith("=") and arg.count("=") == 1:
            # "--name=": Python 3.13's argparse hands the option [] and not its
            # type's check; as two words, the check sees "".
            joined += [arg[:-1], ""]
        else:
            joined.append(arg)
    if joined and (joined[0] in _COMMANDS or joined[0] in ("-h", "--help", "--version")):
        return joined
    if joined and not joined[0].startswith("-"):
        raise _CommandLineError(
            f"{PROG}: unknown command {joined[0]!r} (choose from {', '.join(_COMMANDS)}; "
            f"see {PROG} --help)")
    return ["watch", *joined]


def main(argv: Sequence[str] | None = None) -> int:
    # Before anything is printed: every command's lines, and every error
    # line, go out whatever the characters (_output.utf8_stdio).
    utf8_stdio()
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(_normalise(arguments))
        for key, value in vars(args).items():
            if isinstance(value, list):  # "--name=--": argparse's [] skips the check
                raise _CommandLineError(f"{PROG}: --{key.replace('_', '-')} needs one value "
                                        f"(see {PROG} --help)")
    except _CommandLineError as exc:
        _error(exc)
        return 2
    try:
        if args.command == "sessions":
            return sessions(args.json)
        if args.command == "selftest":
            return selftest()
        if args.command == "doctor":
            from ._cli import doctor as _doctor  # loaded only for the doctor

            return _doctor.run()
        if args.command == "status":
            return status(args.json, args.idle_threshold)
        if args.command == "service":
            return service(args)
        scope = (
            NotifyType.NOTIFY_FOR_ALL_SESSIONS if args.all_sessions
            else NotifyType.NOTIFY_FOR_THIS_SESSION
        )
        return watch(scope, args.json, args.output, args.power, args.ending)
    except KeyboardInterrupt:
        return 0
    except UnsuitableOutput as exc:  # bad input: nothing was opened or created
        _error(f"{PROG}: {args.command}: {exc}")
        return 2
    except OSError as exc:
        _error(f"{PROG}: {args.command} failed: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
