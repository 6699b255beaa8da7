"""The audit service: what ``win32session service run`` runs under the
service control manager.

It appends one JSON object per line to its file: every session change on the
machine, from boot, with the user, domain and client read when the event
arrives (after a logoff the names are soon gone), a line when the service
starts and when it stops, and each suspend and resume (the gaps: with Fast
Startup a "Shut down" hibernates instead of stopping the service). Each line
is flushed before the next event. A line that cannot be written stops the service with
:attr:`ServiceExit.OUTPUT_FAILED` and the reason in its log, instead of
losing events while it looks healthy.

The default file lives in ``%ProgramData%\\win32session``, a folder that only
SYSTEM and Administrators may write (``_audit_folder``).
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Any, Final

from . import __version__
from ._codes import PowerBroadcast
from ._events import Event, PowerEvent, SessionEvent
from ._output import LineOutput
from ._records import event_record
from ._service import Service, ServiceExit

__all__ = ["audit_record", "build", "run"]


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def audit_record(event: Event) -> dict[str, Any]:
    """One event as the audit file has it: ``watch --json``'s record, and for
    a session change the client's name too (a remote session's computer)."""
    record = event_record(event)
    if isinstance(event, SessionEvent):
        record["client"] = event.info.client_name if event.info is not None else None
    return record


def _destination(name: str, output: str | None) -> tuple[str, bool]:
    """The file to append to, and whether it is the default one, whose
    folder is given the protected ACL."""
    if output is not None:
        return output, False
    from ._audit_folder import default_output

    return default_output(name), True


#: The power events the trail records: the gaps. With Fast Startup (the
#: default "Shut down") session 0 hibernates, and the service gets a suspend
#: and a resume instead of a stop and a start. Power settings (display,
#: presence) are no audit matter and are not written.
#: https://learn.microsoft.com/windows/win32/power/wm-powerbroadcast
RECORDED_POWER_EVENTS: Final = frozenset({
    PowerBroadcast.PBT_APMSUSPEND, PowerBroadcast.PBT_APMRESUMEAUTOMATIC,
    PowerBroadcast.PBT_APMRESUMESUSPEND})


def build(name: str, output: str | None) -> Service:
    """The audit service ``name``, appending to ``output`` (None: the default
    file, in the protected folder), ready to :meth:`~Service.run`."""
    return _build(name, *_destination(name, output))


def _build(name: str, path: str, protect: bool) -> Service:
    service = Service(name, details=True, power=True)  # power: suspend and resume
    stream: list[LineOutput] = []  # the open file, from on_start to on_stop

    def write(record: dict[str, Any]) -> None:
        # ASCII JSON: every tool reads it, whatever its code page. Raises
        # OutputError (one line naming the file) when the line is not written.
        stream[0].write_line(json.dumps(record))

    @service.on_start
    def open_file() -> None:
        if protect:
            from ._audit_folder import ensure_protected_folder

            ensure_protected_folder(os.path.dirname(path))
        stream.append(LineOutput(path))
        write({"time": _now(), "event": "service", "state": "start", "service": name,
               "pid": os.getpid(), "version": __version__})

    @service.notifier.subscribe
    def record(event: Event) -> None:
        if isinstance(event, PowerEvent) and event.kind not in RECORDED_POWER_EVENTS:
            return
        try:
            write(audit_record(event))
        except OSError as exc:
            service.fail(ServiceExit.OUTPUT_FAILED, str(exc))

    @service.on_stop
    def close_file(exit_code: int) -> None:
        if not stream:
            return
        try:
            write({"time": _now(), "event": "service", "state": "stop", "service": name,
                   "exit_code": exit_code, "reason": service.reason})
        finally:
            stream.pop().close()

    return service


def run(name: str, output: str | None) -> int:
    """Runs the audit service ``name`` until the service control manager
    stops it, appending to ``output`` (None: the default file under
    ``%ProgramData%\\win32session``); the service's exit code. Its log (why
    it stopped, if not asked to) goes next to the file, as ``.log``."""
    import logging

    path, protect = _destination(name, output)
    service = _build(name, path, protect)
    # delay: opened at the first record, so a log that cannot be written is
    # no reason not to audit (logging reports its own failure and goes on).
    handler = logging.FileHandler(os.path.splitext(path)[0] + ".log", encoding="utf-8",
                                  delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("win32session")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        return service.run()
    finally:
        logger.removeHandler(handler)
        handler.close()
