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
SYSTEM and Administrators may write (``folder``). At each start the
folder, the file and the log are checked before anything is appended, and
each file again through the handle it is written through (``trust``):
owned by SYSTEM or Administrators and writable by no one else (moved aside
and made afresh if not), not a link, one name, at the checked path; a file
that fails stops the start
(:attr:`ServiceExit.START_FAILED`) instead of being written. A missing file
is made with a protected DACL of its own, and each is opened shared for
reading only, so that no other process writes it while the service does.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os

from ... import __version__
from ..._codes import PowerBroadcast
from ..._events import Event, PowerEvent, SessionEvent
from ..._service.host import Service, ServiceExit
from ..output import LineOutput
from ..records import event_record

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Any, Final

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
    from .folder import default_output

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


def _open_exclusive(path: str) -> LineOutput:
    """The trail open for appending with no one else allowed to write it
    (FILE_SHARE_READ only): access is checked when a file is opened, so a
    writer that opened it before would write on; with it
    open, this open fails with a sharing violation, which fails the start
    (``UntrustedFile``, one line).
    https://learn.microsoft.com/windows/win32/fileio/creating-and-opening-files"""
    from ..output import OutputError

    try:
        return LineOutput(path, exclusive=True)
    except OutputError as exc:
        raise _sharing(exc, path) or exc from None


def _sharing(exc: OSError, path: str) -> OSError | None:
    """``UntrustedFile`` when ``exc`` (or its cause) is a sharing violation."""
    from .trust import UntrustedFile

    cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else exc
    if getattr(cause, "winerror", None) == ERROR_SHARING_VIOLATION:
        return UntrustedFile(f"{path} is open for writing in another process; the service "
                             "does not append to a file someone else may write")
    return None


#: Another handle's share mode refuses this open.
#: https://learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-
ERROR_SHARING_VIOLATION: Final = 32


def _handle(fd: int) -> int:
    """The Windows handle of the descriptor ``fd``."""
    import msvcrt

    handle: int = msvcrt.get_osfhandle(fd)  # type: ignore[attr-defined,unused-ignore]
    return handle


class _TrailLog(logging.FileHandler):
    """The service's ``.log``, written only once it was checked like the
    trail: until then (and for good if it fails) records go nowhere, so
    that no line reaches a file the service does not trust."""

    def __init__(self, path: str) -> None:
        # delay: opened by open_checked, after the checks.
        super().__init__(path, encoding="utf-8", delay=True)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        self.trusted = False

    def emit(self, record: logging.LogRecord) -> None:
        if self.trusted:
            super().emit(record)

    def _open(self) -> Any:
        """The log, opened like the trail: no one else may write it."""
        from ..output import _open_output

        return open(_open_output(self.baseFilename, exclusive=True), "a",
                    encoding="utf-8", closefd=True)

    def open_checked(self, owners: frozenset[str]) -> None:
        """Opens the log, then checks what was opened, through the handle
        written to (``trust.verify_handle``): ``UntrustedFile`` fails the
        start; a log that cannot be opened at all is left out."""
        from .trust import verify_handle

        with self.lock or contextlib.nullcontext():
            if self.stream is None:
                try:
                    self.stream = self._open()
                except OSError as exc:
                    sharing = _sharing(exc, self.baseFilename)
                    if sharing is not None:
                        raise sharing from None
                    # A log that cannot be opened is no reason not to audit:
                    # the service goes on without one, as before the checks.
                    return
        try:
            # Through the handle written to: the name may reach another file now.
            verify_handle(_handle(self.stream.fileno()), self.baseFilename, owners)
        except BaseException:
            self.close()
            raise
        self.trusted = True


def _secure_log(path: str, protect: bool, owners: frozenset[str],
                log: _TrailLog | None) -> None:
    """The folder (``protect``) and the log, checked, and the log opened:
    first, so that the log can say why the trail, or anything after, fails."""
    from ..paths import log_path
    from .folder import secure_trail

    moved = secure_trail(path, protect, owners, [log_path(path)], create=True)
    if log is not None:
        log.open_checked(owners)
    _say_moved(moved)


def _say_moved(moved: list[str]) -> None:
    """Each folder or file moved aside, in the service's log."""
    for line in moved:
        logging.getLogger("win32session").warning("%s", line)


def _build(name: str, path: str, protect: bool, log: _TrailLog | None = None) -> Service:
    service = Service(name, details=True, power=True)  # power: suspend and resume
    stream: list[LineOutput] = []  # the open file, from on_start to on_stop

    def write(record: dict[str, Any]) -> None:
        # ASCII JSON: every tool reads it, whatever its code page. Raises
        # OutputError (one line naming the file) when the line is not written.
        stream[0].write_line(json.dumps(record))

    @service.on_start
    def open_file() -> None:
        from ..paths import check_output
        from .folder import secure_trail
        from .trust import trail_owners, verify_handle

        check_output(path)
        owners = trail_owners()
        if log is None or not log.trusted:
            _secure_log(path, protect, owners, log)
        _say_moved(secure_trail(path, False, owners, [path], create=True))
        output = _open_exclusive(path)
        try:
            # What is open is what was checked, read through the write handle.
            verify_handle(_handle(output.fileno()), path, owners)
        except BaseException:
            output.close()
            raise
        stream.append(output)
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
    from ..paths import log_path
    from .trust import trail_owners

    path, protect = _destination(name, output)
    handler = _TrailLog(log_path(path))
    logger = logging.getLogger("win32session")
    logger.addHandler(handler)  # records nothing until the log is checked
    logger.setLevel(logging.INFO)
    try:
        # Before the service starts, so that a start that fails early (the
        # notifier's registration, say) is logged; the start hook tries again
        # and fails the start if this did not succeed.
        with contextlib.suppress(OSError, ValueError):
            _secure_log(path, protect, trail_owners(), handler)
        service = _build(name, path, protect, handler)
        return service.run()
    finally:
        logger.removeHandler(handler)
        handler.close()
