r"""A Windows service of your own, in one file: from boot, who logs on and
off, locks and unlocks, and how many users are online, in a log file.

Install and start it from an Administrator PowerShell (the first path is
your python.exe, the second this file):

    New-Service MySessions -BinaryPathName '"C:\Python313\python.exe" C:\svc\audit_service.py'
    Start-Service MySessions

It writes audit_service.log next to this file. ``Stop-Service MySessions``
and ``sc.exe delete MySessions`` take it away. Run from a console, it says
it is a service and exits.
"""

from __future__ import annotations

import datetime
import pathlib
import sys
from typing import TextIO

from win32session import NotAServiceError, Service, SessionEvent, SessionInfo, SessionTracker
from win32session import SessionNotificationMsg as M

LOG = pathlib.Path(__file__).with_name("audit_service.log")
service = Service(sys.argv[1] if len(sys.argv) > 1 else "MySessions")
users = SessionTracker(service.notifier)  # follows the service's events
log: list[TextIO] = []  # open while the service runs


def write(text: str) -> None:
    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    log[0].write(f"{now}  {text}\n")
    log[0].flush()  # each line on disk before the next event


@users.on_start
def logged_on(info: SessionInfo) -> None:
    write(f"logon   {info.account} (session {info.session_id}): {users.count} online")


@users.on_end
def logged_off(info: SessionInfo) -> None:
    write(f"logoff  {info.account} (session {info.session_id}): {users.count} online")


@service.notifier.on(M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK)
def lock(event: SessionEvent) -> None:
    what = event.reason_name.removeprefix("WTS_SESSION_").lower()
    write(f"{what:<7} session {event.session_id}")


@service.on_start
def started() -> None:
    log.append(open(LOG, "a", encoding="utf-8"))
    write(f"started: {users.count} online")


@service.on_stop
def stopped(exit_code: int) -> None:
    write(f"stopped (exit code {exit_code})")
    log.pop().close()


if __name__ == "__main__":
    try:
        sys.exit(service.run())
    except NotAServiceError as exc:
        print(exc.strerror, file=sys.stderr)
        sys.exit(1)
