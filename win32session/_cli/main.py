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
(``doctor``).

Every command's lines, and every error line, are UTF-8 on a redirected
stdout and stderr whatever the ANSI code page, except on a console, which
shows every character anyway (``output.utf8_stdio``, called first). ``watch
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

import sys
from collections.abc import Sequence
from types import SimpleNamespace

from .output import UnsuitableOutput, utf8_stdio
from .values import PROG, SERVICE_NAME, CommandLineError, error, output_file, service_name

TYPE_CHECKING = False  # argparse loads only when a command line is parsed
if TYPE_CHECKING:
    import argparse

__all__ = ["main"]

_COMMANDS = ("watch", "status", "sessions", "selftest", "doctor", "service")


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
        raise CommandLineError(
            f"{PROG}: unknown command {joined[0]!r} (choose from {', '.join(_COMMANDS)}; "
            f"see {PROG} --help)")
    return ["watch", *joined]


def _parse(arguments: list[str]) -> argparse.Namespace:
    from .parser import build_parser

    return build_parser().parse_args(_normalise(arguments))


def _service_run(arguments: list[str]) -> SimpleNamespace | None:
    """``service run [--name NAME] [--output FILE]``, the form the service
    control manager runs (``audit.image_path`` writes it), read without
    argparse: its import and its parser cost each start of the audit service
    tens of milliseconds under Wine. Each value passes the parser's own
    check; any other form, or a value that fails its check, is None, and the
    parser reads it (and words the error) as for every command."""
    if arguments[:2] != ["service", "run"]:
        return None
    given: dict[str, str] = {}
    rest = arguments[2:]
    while rest:
        option, *value = rest[:2]
        if option not in ("--name", "--output") or option in given or not value \
                or value[0].startswith("-"):
            return None
        given[option] = value[0]
        rest = rest[2:]
    try:
        name = service_name(given.get("--name", SERVICE_NAME))
        output = output_file(given["--output"]) if "--output" in given else None
    except ValueError:
        return None
    return SimpleNamespace(command="service", action="run", name=name, output=output)


def main(argv: Sequence[str] | None = None) -> int:
    # Before anything is printed: every command's lines, and every error
    # line, go out whatever the characters (output.utf8_stdio).
    utf8_stdio()
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _service_run(arguments) or _parse(arguments)
        for key, value in vars(args).items():
            if isinstance(value, list):  # "--name=--": argparse's [] skips the check
                raise CommandLineError(f"{PROG}: --{key.replace('_', '-')} needs one value "
                                       f"(see {PROG} --help)")
    except CommandLineError as exc:
        error(exc)
        return 2
    # Each command imports what it uses, and only then: the audit service's
    # ``service run`` starts under the service control manager's clock.
    try:
        if args.command == "sessions":
            from .commands import sessions

            return sessions(args.json)
        if args.command == "selftest":
            from .commands import selftest

            return selftest()
        if args.command == "doctor":
            from .doctor import run

            return run()
        if args.command == "status":
            from .commands import status

            return status(args.json, args.idle_threshold)
        if args.command == "service":
            from .service import service

            return service(args)
        from .._codes import NotifyType
        from .watch import watch

        scope = (
            NotifyType.NOTIFY_FOR_ALL_SESSIONS if args.all_sessions
            else NotifyType.NOTIFY_FOR_THIS_SESSION
        )
        return watch(scope, args.json, args.output, args.power, args.ending)
    except KeyboardInterrupt:
        return 0
    except UnsuitableOutput as exc:  # bad input: nothing was opened or created
        error(f"{PROG}: {args.command}: {exc}")
        return 2
    except OSError as exc:
        error(f"{PROG}: {args.command} failed: {exc}")
        return 1
