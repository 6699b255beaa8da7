"""``win32session service``: install, control and run the audit service.

Install checks first what the service would trust (``audit.trust``); the
other actions manage it through the service control manager, and touch only
win32session's own audit services unless ``--any-service``; ``run`` is what
the service control manager starts (``audit.service``).
"""

from __future__ import annotations

import json
import sys

from .values import ALLOW_USER_WRITABLE, PROG, error
from .records import format_status

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace
    from typing import Any

    #: What ``main`` parsed: argparse's, or ``service run``'s own reading.
    Arguments = argparse.Namespace | SimpleNamespace

__all__ = ["SERVICE_DESCRIPTION", "SERVICE_DISPLAY_NAME", "service", "service_display_name",
           "service_record"]

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


def service_record(state: Any) -> dict[str, Any]:
    """``service status --json``: a ServiceStatus as one object.
    ``service_exit_code`` is the code without the customer bit that the
    service host adds for the event log; ``service_exit`` names it when it is
    a ``ServiceExit`` (``OUTPUT_FAILED``), else null."""
    from .._service.host import ServiceExit

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


def service(args: Arguments) -> int:
    """``service ACTION``: one line for each outcome; a failure (access
    denied among them: an Administrator prompt is needed) is one line on
    stderr and exit status 1."""
    try:
        return _service_action(args)
    except OSError as exc:
        error(f"{PROG}: service {args.action}: {exc}")
        # 2 for a service that is not ours (NotAuditService): bad input.
        status: int = getattr(exc, "exit_status", 1)
        return status


def _service_action(args: Arguments) -> int:
    if args.action == "run":
        from .audit import service as _audit

        return _audit.run(args.name, args.output)
    from .._platform import require_windows

    require_windows()
    if args.action == "install":
        return _install(args)
    _manage(args)
    return 0


def _install(args: Arguments) -> int:
    """``service install``: bad input is one line and 2, before anything is
    made; an interpreter others can change (unless the flag accepts it) or a
    trail file that cannot be trusted is one line and 1, with nothing
    installed; ``--check`` prints each precondition and installs nothing."""
    from .audit import trust as _trust
    from .audit.folder import check_name, default_output
    from .audit.image_path import Interpreter, service_command_line
    from .paths import check_output

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
            error(f"{PROG}: service install: {exc}")
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
        error(f"{PROG}: service install: {refused}")
        return 1
    if sys.platform == "win32":  # the form mypy narrows on; require_windows() raised
        from .audit.folder import secure_trail
        from . import scm as manager

        for moved in secure_trail(output, protect, _trust.TRAIL_OWNERS):
            print(f"{PROG}: service install: {moved}")
        manager.install(name, service_display_name(name), SERVICE_DESCRIPTION, command)
    if refused:  # accepted by the flag: said once, after it was done
        failed = next(c for c in checks if not c.ok)
        error(f"{PROG}: service install: warning: {failed.problem}; installed anyway, as "
               f"{ALLOW_USER_WRITABLE} asks")
    print(f"installed service {name}: automatic start, restarted after a failure; "
          f"appends to {output}")
    return 0


def _print_checks(checks: list[Any], output: str, protect: bool) -> int:
    """``service install --check``: every precondition, one line each."""
    from .audit import trust as _trust

    lines = [_trust.elevation_check(), *checks]
    if output:
        lines += _trust.trail_checks(output, protect)
    for check in lines:
        print(check.line())
    return 0 if all(check.ok for check in lines) else 1


def _manage(args: Arguments) -> None:
    if sys.platform != "win32":  # the form mypy narrows on; require_windows() raised
        return
    from . import scm as manager

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
