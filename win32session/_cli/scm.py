"""Service management: install, start, stop, query and uninstall a Windows
service through the service control manager (SCM).

Management only, as Go's ``x/sys/windows/svc/mgr`` keeps it apart from
``svc``: the code that runs inside a service (the dispatcher and the control
handler) is the library's (:mod:`win32session._service`), and the audit
service itself is ``audit.service``'s. Only the command line manages
services, so this client of the service control manager is the application's,
and it knows the audit service's command line (``audit.image_path``). Every handle is
closed in a ``finally``; every failure is an ``OSError`` whose message is one
line naming the service, and access denied is :class:`NeedsAdministrator`.

Waiting for a state uses ``NotifyServiceStatusChangeW``, no polling: its
callback is an APC, run while this thread sleeps alertably in ``SleepEx``
(Wine 8.0 implements it). Only where an SCM refuses it does the wait fall
back to polling, at the pace Microsoft's "Starting a Service" sample derives
from ``dwWaitHint``, bounded by the caller's timeout.

Windows only: the command line checks the platform before importing it.
"""

from __future__ import annotations

import sys

if sys.platform != "win32":  # pragma: no cover - guarded by the importer
    raise ImportError("win32session._cli.scm needs Windows")

import contextlib
import ctypes
import time
from collections.abc import Iterator, Sequence
from ctypes import wintypes
from dataclasses import dataclass

from .._win32 import advapi32, kernel32, shared
from .._log import logger
from .audit.trust import REQUIRED_PRIVILEGES as _TRAIL_PRIVILEGES

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

# For mypy on other platforms: what follows names declarations that
# win32session._win32 makes on Windows alone.
assert sys.platform == "win32"

__all__ = [
    "DEFAULT_RECOVERY",
    "NeedsAdministrator",
    "REQUIRED_PRIVILEGES",
    "Recovery",
    "ServiceError",
    "ServiceNotInstalled",
    "ServiceStatus",
    "control",
    "install",
    "query_recovery",
    "start",
    "status",
    "stop",
    "uninstall",
]

DEFAULT_TIMEOUT: Final = 30.0
"""Seconds ``start`` and ``stop`` wait: the SCM's own limit for a service
to answer a control (ERROR_SERVICE_REQUEST_TIMEOUT comes after 30 s)."""


# --- Errors. -------------------------------------------------------------------


class ServiceError(OSError):
    """A service operation failed; ``str()`` is one line naming the service,
    ``winerror`` the Windows error code."""

    def __init__(self, message: str, winerror: int) -> None:
        # The four-argument form sets winerror (and errno from it).
        super().__init__(0, message, None, winerror)

    def __str__(self) -> str:
        return str(self.strerror)


class NeedsAdministrator(ServiceError):
    """Access denied (error 5): managing services takes an elevated process."""


class ServiceNotInstalled(ServiceError):
    """No service of that name (error 1060, ERROR_SERVICE_DOES_NOT_EXIST)."""


class NotAuditService(ServiceError):
    """The service is not win32session's audit service (its registered
    command line says so), and the caller asked to touch no other: bad input,
    so the command line exits 2."""

    exit_status: Final = 2


@contextlib.contextmanager
def _explained(name: str, action: str) -> Iterator[None]:
    """Turns a Win32 failure into a ServiceError whose message says what to do."""
    try:
        yield
    except ServiceError:
        raise
    except OSError as exc:
        code = exc.winerror or 0
        if code == shared.ERROR_ACCESS_DENIED:
            raise NeedsAdministrator(
                f"cannot {action} service {name!r}: access denied; an Administrator "
                "prompt is needed (a command prompt opened with 'Run as administrator')",
                code) from exc
        if code == advapi32.ERROR_SERVICE_DOES_NOT_EXIST:
            raise ServiceNotInstalled(f"service {name!r} is not installed", code) from exc
        if code == advapi32.ERROR_SERVICE_EXISTS:
            raise ServiceError(
                f"cannot {action} service {name!r}: a service of that name exists "
                "already (choose another --name)", code) from exc
        if code == advapi32.ERROR_DUPLICATE_SERVICE_NAME:
            raise ServiceError(
                f"cannot {action} service {name!r}: another service has that display "
                "name (or it is the name of another service)", code) from exc
        if code == advapi32.ERROR_SERVICE_MARKED_FOR_DELETE:
            # https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-deleteservice
            raise ServiceError(
                f"cannot {action} service {name!r}: it is marked for deletion and goes "
                "once it has stopped and every handle to it is closed (close the "
                "Services console and any other tool that has it open)", code) from exc
        reason = exc.strerror or str(exc)
        raise ServiceError(f"cannot {action} service {name!r}: {reason} (error {code})",
                           code) from exc


# --- Recovery (failure actions). -----------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """What the SCM does when the service fails.

    ``restart_delays``: seconds before the 1st, 2nd, ... restart; after the
    last, the SCM repeats the last one. ``reset_seconds``: a failure-free
    stretch after which the count starts again. ``on_non_crash_failures``: a
    STOPPED with a non-zero exit code also counts as a failure, not only a
    process that ends without reporting STOPPED.
    https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_failure_actionsw
    """

    restart_delays: tuple[float, ...]
    reset_seconds: int
    on_non_crash_failures: bool


DEFAULT_RECOVERY: Final = Recovery((5.0, 5.0, 60.0), 24 * 3600, True)
"""Restart 5 s after a first and a second failure: an audit trail loses the
session changes made while it is down, and 5 s lets a crashed process's files
and pipes go. Then every 60 s, since the last action repeats: a service that
keeps failing is not respawned in a tight loop, yet comes back once what broke
it is fixed (a full disk freed). A day without failures starts the count
again. Non-crash failures count too: the audit service stops with a non-zero
exit code when it cannot write, and should try again rather than stay down."""


# --- Handles. ------------------------------------------------------------------


@contextlib.contextmanager
def _scm(access: int) -> Iterator[int]:
    handle = advapi32.OpenSCManagerW(None, None, access)
    try:
        yield handle
    finally:
        advapi32.CloseServiceHandle(handle)


class _Service:
    """An open service handle, and the notification buffers it may still
    write to: those must outlive the handle (closing it cancels them)."""

    def __init__(self, handle: int) -> None:
        self.handle = handle
        self.pending: list[advapi32.SERVICE_NOTIFYW] = []


@contextlib.contextmanager
def _open(name: str, access: int, action: str, only_audit: bool = False) -> Iterator[_Service]:
    """Service ``name`` opened with ``access``; with ``only_audit``, refused
    (:class:`NotAuditService`) unless its registered command line is
    win32session's audit service's, checked on the same handle."""
    if only_audit:
        access |= advapi32.SERVICE_QUERY_CONFIG
    with _explained(name, action), _scm(advapi32.SC_MANAGER_CONNECT) as scm:
        service = _Service(advapi32.OpenServiceW(scm, name, access))
        try:
            if only_audit and audit_service_name(_config(service.handle)[1]) != name:
                raise NotAuditService(
                    f"service {name!r} is not a win32session audit service: not touching "
                    f"it (--any-service to {action} it all the same)",
                    shared.ERROR_INVALID_PARAMETER)
            yield service
        finally:
            advapi32.CloseServiceHandle(service.handle)
            service.pending.clear()  # cancelled by the close: safe to free now


def _config(handle: int) -> tuple[advapi32.QUERY_SERVICE_CONFIGW, str]:
    """QueryServiceConfigW's answer, and the registered command line."""
    needed = wintypes.DWORD()
    advapi32.QueryServiceConfigW(handle, None, 0, ctypes.byref(needed))
    buffer = ctypes.create_string_buffer(needed.value)
    advapi32.QueryServiceConfigW(handle, buffer, needed.value, ctypes.byref(needed))
    # from_buffer keeps the buffer, where the strings are, alive with it.
    config = advapi32.QUERY_SERVICE_CONFIGW.from_buffer(buffer)
    return config, config.lpBinaryPathName or ""


# --- Telling our service from another program's. -------------------------------


def split_command_line(text: str) -> list[str]:
    """``text`` split into arguments as the C runtime of python.exe splits
    it (``list2cmdline``'s inverse): the program name ends at the first
    space or, quoted, at the next quote; then 2n backslashes before a quote
    are n and the quote toggles quoting, 2n+1 are n and a literal quote,
    other backslashes are literal, and ``""`` inside quotes is a quote.
    https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments"""
    args: list[str] = []
    i, n = 0, len(text)
    if text.startswith('"'):
        end = text.find('"', 1)
        end = n if end < 0 else end
        args.append(text[1:end])
        i = end + 1
    else:
        while i < n and text[i] not in " \t":
            i += 1
        args.append(text[:i])
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            return args
        current: list[str] = []
        quoted = False
        while i < n and (quoted or text[i] not in " \t"):
            if text[i] == "\\":
                start = i
                while i < n and text[i] == "\\":
                    i += 1
                count = i - start
                if i < n and text[i] == '"':
                    current.append("\\" * (count // 2))
                    if count % 2:
                        current.append('"')
                        i += 1
                else:
                    current.append("\\" * count)
            elif text[i] == '"':
                if quoted and i + 1 < n and text[i + 1] == '"':
                    current.append('"')
                    i += 2
                else:
                    quoted = not quoted
                    i += 1
            else:
                current.append(text[i])
                i += 1
        args.append("".join(current))


def audit_service_name(command_line: str) -> str | None:
    """The ``--name`` of the audit service that ``command_line`` runs, or
    None when it runs anything else. Ours is what ``audit.image_path`` builds,
    by any interpreter: ``PYTHON -I -m win32session service run ...``, or for
    a venv ``PYTHON -I -S -c BOOTSTRAP VENV_PYTHON win32session service run
    ...``; compared argument by argument, not as text, so that quoting and
    the interpreter's path do not matter."""
    from .audit.image_path import VENV_BOOTSTRAP

    args = split_command_line(command_line)[1:]
    if args[:3] == ["-I", "-m", "win32session"]:
        rest = args[3:]
    elif args[:4] == ["-I", "-S", "-c", VENV_BOOTSTRAP] and args[5:6] == ["win32session"]:
        rest = args[6:]
    else:
        return None
    if rest[:2] != ["service", "run"]:
        return None
    options = rest[2:]
    for i, option in enumerate(options[:-1]):
        if option == "--name":
            return options[i + 1]
    return None


def _registered_audit(name: str) -> bool:
    """Whether service ``name`` exists and is a win32session audit service."""
    try:
        with _open(name, advapi32.SERVICE_QUERY_CONFIG, "query") as service:
            return audit_service_name(_config(service.handle)[1]) == name
    except OSError:
        return False


def _query(service: _Service) -> advapi32.SERVICE_STATUS_PROCESS:
    status = advapi32.SERVICE_STATUS_PROCESS()
    needed = wintypes.DWORD()
    advapi32.QueryServiceStatusEx(service.handle, advapi32.SC_STATUS_PROCESS_INFO,
                                  ctypes.byref(status), ctypes.sizeof(status),
                                  ctypes.byref(needed))
    return status


# --- Waiting for a state. ------------------------------------------------------

#: Addresses of the SERVICE_NOTIFYW buffers whose callback has run.
_notified: set[int] = set()


def _on_notify(parameter: int | None) -> None:
    # An APC on the waiting thread, inside SleepEx: record and return at once.
    if parameter:
        _notified.add(parameter)


# The SCM keeps this thunk's address in every pending request; the module
# holds it for the life of the process, so that it is never freed while an
# APC may still call it.
_NOTIFY_THUNK: Final = advapi32.PFN_SC_NOTIFY_CALLBACK(_on_notify)

_MASKS: Final = {
    state: 1 << (state - 1)  # SERVICE_NOTIFY_STOPPED is 1 << (SERVICE_STOPPED - 1), ...
    for state in range(advapi32.SERVICE_STOPPED, advapi32.SERVICE_PAUSED + 1)
}


def _wait_for(service: _Service, states: frozenset[int],
              timeout: float) -> advapi32.SERVICE_STATUS_PROCESS | None:
    """The status once the service is in one of ``states``, or None after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    mask = 0
    for state in states:
        mask |= _MASKS[state]
    while True:
        notify = advapi32.SERVICE_NOTIFYW()
        notify.dwVersion = advapi32.SERVICE_NOTIFY_STATUS_CHANGE
        notify.pfnNotifyCallback = _NOTIFY_THUNK
        try:
            # Fires at once if the service is in one of the states already.
            # https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-notifyservicestatuschangew
            advapi32.NotifyServiceStatusChangeW(service.handle, mask, ctypes.byref(notify))
        except OSError as exc:
            logger().debug("NotifyServiceStatusChangeW: %s; polling instead", exc)
            return _poll_for(service, states, deadline)
        service.pending.append(notify)
        address = ctypes.addressof(notify)
        while address not in _notified:
            left = deadline - time.monotonic()
            if left <= 0:
                return None  # the handle's close cancels the request
            kernel32.SleepEx(max(1, int(left * 1000)), True)
        _notified.discard(address)
        service.pending.remove(notify)
        if notify.dwNotificationStatus != 0:
            # ERROR_SERVICE_MARKED_FOR_DELETE, for one: the handle is useless now.
            raise ctypes.WinError(notify.dwNotificationStatus)
        reached: advapi32.SERVICE_STATUS_PROCESS = notify.ServiceStatus
        if reached.dwCurrentState in states:
            return reached
        # Another change came first (it is not in the mask only when the SCM
        # reports more than asked): ask again.


def _poll_for(service: _Service, states: frozenset[int],
              deadline: float) -> advapi32.SERVICE_STATUS_PROCESS | None:
    """The fallback: short bounded polls while a change is pending, a tenth
    of the service's wait hint, between 50 ms and 1 s (Microsoft's "Starting a
    Service" sample takes a tenth, between 1 and 10 s).
    https://learn.microsoft.com/windows/win32/services/starting-a-service"""
    while True:
        status = _query(service)
        if status.dwCurrentState in states:
            return status
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        time.sleep(min(left, max(0.05, min(1.0, status.dwWaitHint / 10000))))


# --- What the command line offers. ---------------------------------------------

_START_TYPES: Final = {
    advapi32.SERVICE_BOOT_START: "boot", advapi32.SERVICE_SYSTEM_START: "system",
    advapi32.SERVICE_AUTO_START: "auto", advapi32.SERVICE_DEMAND_START: "demand",
    advapi32.SERVICE_DISABLED: "disabled",
}
_STATES: Final = {
    advapi32.SERVICE_STOPPED: "stopped", advapi32.SERVICE_START_PENDING: "start_pending",
    advapi32.SERVICE_STOP_PENDING: "stop_pending", advapi32.SERVICE_RUNNING: "running",
    advapi32.SERVICE_CONTINUE_PENDING: "continue_pending",
    advapi32.SERVICE_PAUSE_PENDING: "pause_pending", advapi32.SERVICE_PAUSED: "paused",
}


def _set_recovery(handle: int, recovery: Recovery) -> None:
    actions = (advapi32.SC_ACTION * len(recovery.restart_delays))(*(
        advapi32.SC_ACTION(advapi32.SC_ACTION_RESTART, round(delay * 1000))
        for delay in recovery.restart_delays))
    failure_actions = advapi32.SERVICE_FAILURE_ACTIONSW(
        recovery.reset_seconds, None, None, len(actions), actions)
    advapi32.ChangeServiceConfig2W(handle, advapi32.SERVICE_CONFIG_FAILURE_ACTIONS,
                                   ctypes.byref(failure_actions))
    flag = advapi32.SERVICE_FAILURE_ACTIONS_FLAG(recovery.on_non_crash_failures)
    try:
        # https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_failure_actions_flag
        advapi32.ChangeServiceConfig2W(handle, advapi32.SERVICE_CONFIG_FAILURE_ACTIONS_FLAG,
                                       ctypes.byref(flag))
    except OSError as exc:
        if exc.winerror != advapi32.ERROR_INVALID_LEVEL:
            raise
        # Wine 8.0 knows no such level; a crash still counts as a failure.
        logger().info("this SCM cannot count a non-crash stop as a failure: %s", exc)


#: The privileges the audit service runs with: the SCM removes every other
#: one from LocalSystem's token when it starts the process. It writes files
#: in a folder whose ACL gives SYSTEM full control, reads session details and
#: registers for power settings: none of that needs a privilege but traversing
#: folders (SeChangeNotifyPrivilege, which Windows never removes anyway; named
#: to say so). A folder or file a user made first is moved aside, not taken
#: over, so ``audit.trust.REQUIRED_PRIVILEGES`` adds none.
#: https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_required_privileges_infow
REQUIRED_PRIVILEGES: Final = ("SeChangeNotifyPrivilege", *_TRAIL_PRIVILEGES)

_SID_TYPES: Final = {
    advapi32.SERVICE_SID_TYPE_NONE: "none", advapi32.SERVICE_SID_TYPE_UNRESTRICTED: "unrestricted",
    advapi32.SERVICE_SID_TYPE_RESTRICTED: "restricted",
}


def _set_optional(handle: int, level: int, info: ctypes.Structure, what: str) -> None:
    """ChangeServiceConfig2W for a level Wine 8.0 does not know (it answers
    ERROR_INVALID_LEVEL: logged, and the install goes on; Windows has known
    them since Vista)."""
    try:
        advapi32.ChangeServiceConfig2W(handle, level, ctypes.byref(info))
    except OSError as exc:
        if exc.winerror != advapi32.ERROR_INVALID_LEVEL:
            raise
        logger().info("this SCM keeps no %s: %s", what, exc)


def _set_least_privilege(handle: int, privileges: Sequence[str]) -> None:
    """A service SID of its own in the process token (so that files and
    other objects can grant this service alone), and only ``privileges``.
    https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_sid_info"""
    _set_optional(handle, advapi32.SERVICE_CONFIG_SERVICE_SID_INFO,
                  advapi32.SERVICE_SID_INFO(advapi32.SERVICE_SID_TYPE_UNRESTRICTED), "service SID")
    listed = "".join(f"{name}\0" for name in privileges) + "\0"
    _set_optional(handle, advapi32.SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO,
                  advapi32.SERVICE_REQUIRED_PRIVILEGES_INFOW(listed), "required privileges")


#: The rights ``install`` opens the new service with: exactly what its later
#: calls need. ChangeServiceConfig2W needs SERVICE_CHANGE_CONFIG, and for
#: failure actions that restart the service SERVICE_START too ("If the service
#: controller handles the SC_ACTION_RESTART action, hService must have the
#: SERVICE_START access right"); DeleteService, if the rest fails, DELETE.
#: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-changeserviceconfig2w
_INSTALL_ACCESS: Final = advapi32.SERVICE_CHANGE_CONFIG | advapi32.SERVICE_START | shared.DELETE


def install(
    name: str,
    display_name: str,
    description: str,
    command_line: str,
    *,
    start: str = "auto",
    recovery: Recovery = DEFAULT_RECOVERY,
    privileges: Sequence[str] = REQUIRED_PRIVILEGES,
) -> None:
    """Installs service ``name`` to run ``command_line`` as LocalSystem in a
    process of its own, started at boot (``start="auto"``) or on demand
    (``"demand"``), restarted after a failure as ``recovery`` says, with a
    service SID and no privilege but ``privileges``.
    https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-createservicew"""
    try:
        _install(name, display_name, description, command_line, start, recovery, privileges)
    except ServiceError as exc:
        if exc.winerror == advapi32.ERROR_SERVICE_EXISTS and _registered_audit(name):
            raise ServiceError(
                f"cannot install service {name!r}: a win32session audit service of that "
                "name exists already (uninstall it first, or choose another --name)",
                exc.winerror) from exc
        raise


def _install(name: str, display_name: str, description: str, command_line: str,
             start: str, recovery: Recovery, privileges: Sequence[str]) -> None:
    start_type = {"auto": advapi32.SERVICE_AUTO_START,
                  "demand": advapi32.SERVICE_DEMAND_START}[start]
    with _explained(name, "install"), _scm(
            advapi32.SC_MANAGER_CONNECT | advapi32.SC_MANAGER_CREATE_SERVICE) as scm:
        handle = advapi32.CreateServiceW(
            scm, name, display_name, _INSTALL_ACCESS,
            advapi32.SERVICE_WIN32_OWN_PROCESS, start_type, advapi32.SERVICE_ERROR_NORMAL,
            command_line, None, None, None,
            None,  # lpServiceStartName NULL: LocalSystem
            None)
        try:
            try:
                text = advapi32.SERVICE_DESCRIPTIONW(description)
                advapi32.ChangeServiceConfig2W(handle, advapi32.SERVICE_CONFIG_DESCRIPTION,
                                               ctypes.byref(text))
                _set_recovery(handle, recovery)
                _set_least_privilege(handle, privileges)
            except BaseException:
                # Half a service is worse than none: take it away again.
                with contextlib.suppress(OSError):
                    advapi32.DeleteService(handle)
                raise
        finally:
            advapi32.CloseServiceHandle(handle)


#: How long ``uninstall`` waits for the SCM to remove a deleted service.
REMOVAL_WAIT: Final = 5.0


def uninstall(name: str, timeout: float = DEFAULT_TIMEOUT, *, only_audit: bool = False) -> bool:
    """Stops service ``name`` if it runs, then deletes it; whether it is gone.

    The SCM removes a deleted service once it has stopped and every handle
    to it is closed: under Wine, some 40 ms after its process ends. This
    waits up to :data:`REMOVAL_WAIT` seconds for that, so that an install of
    the same name right after does not meet ERROR_SERVICE_MARKED_FOR_DELETE;
    False if another program (the Services console, say) still holds it.
    https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-deleteservice"""
    with _open(name, advapi32.SERVICE_STOP | advapi32.SERVICE_QUERY_STATUS | shared.DELETE,
               "uninstall", only_audit) as service:
        if _query(service).dwCurrentState != advapi32.SERVICE_STOPPED:
            try:
                _stop(name, service, timeout)
            except OSError as exc:
                # Deleted all the same: the SCM removes it when it stops.
                logger().warning("%s; deleting it all the same", exc)
        advapi32.DeleteService(service.handle)
    deadline = time.monotonic() + min(timeout, REMOVAL_WAIT)
    while _exists(name):
        if time.monotonic() >= deadline:
            return False
        # Nothing announces the removal (status notifications end with the
        # handle): short bounded polls while it is pending.
        time.sleep(0.02)
    return True


def _exists(name: str) -> bool:
    with _scm(advapi32.SC_MANAGER_CONNECT) as scm:
        try:
            handle = advapi32.OpenServiceW(scm, name, advapi32.SERVICE_QUERY_STATUS)
        except OSError as exc:
            if exc.winerror == advapi32.ERROR_SERVICE_DOES_NOT_EXIST:
                return False
            raise
        advapi32.CloseServiceHandle(handle)
        return True


@dataclass(frozen=True)
class ServiceStatus:
    """A service's state and configuration, as the SCM reports them."""

    name: str
    display_name: str
    state: str
    """``stopped``, ``start_pending``, ``stop_pending``, ``running``, ..."""
    pid: int | None
    """The service's process while it runs; None when there is none."""
    win32_exit_code: int
    service_exit_code: int
    """Meaningful when ``win32_exit_code`` is 1066 (ERROR_SERVICE_SPECIFIC_ERROR);
    without the customer bit (0x20000000) the service host adds, for the
    audit service and for a ``ServiceExit`` code; as Windows keeps it for
    any other (a code of your own given to ``Service.fail`` shows the bit)."""
    start_type: str
    """``auto``, ``demand``, ``disabled``, ``boot`` or ``system``."""
    command_line: str
    account: str | None
    description: str | None
    recovery: Recovery | None
    """None where the SCM cannot say (Wine 8.0 keeps no failure actions)."""
    service_sid: str | None = None
    """``unrestricted``, ``restricted`` or ``none``; None where the SCM
    cannot say (Wine 8.0)."""
    required_privileges: tuple[str, ...] | None = None
    """The privileges the SCM leaves in the service's token; ``()`` when
    none were set (then it keeps all of its account's); None where the SCM
    cannot say (Wine 8.0)."""


def _read_config2(handle: int, level: int) -> ctypes.Array[ctypes.c_char] | None:
    """QueryServiceConfig2W's buffer for ``level``; None when the SCM knows
    no such level (ERROR_INVALID_LEVEL)."""
    needed = wintypes.DWORD()
    try:
        if advapi32.QueryServiceConfig2W(handle, level, None, 0, ctypes.byref(needed)):
            return None  # nothing to say at all
        buffer = ctypes.create_string_buffer(needed.value)
        advapi32.QueryServiceConfig2W(handle, level, buffer, needed.value, ctypes.byref(needed))
    except OSError as exc:
        if exc.winerror == advapi32.ERROR_INVALID_LEVEL:
            return None
        raise
    return buffer


def _recovery(handle: int) -> Recovery | None:
    buffer = _read_config2(handle, advapi32.SERVICE_CONFIG_FAILURE_ACTIONS)
    if buffer is None:
        return None
    actions = advapi32.SERVICE_FAILURE_ACTIONSW.from_buffer(buffer)
    delays = tuple(actions.lpsaActions[i].Delay / 1000 for i in range(actions.cActions)
                   if actions.lpsaActions[i].Type == advapi32.SC_ACTION_RESTART)
    flag = _read_config2(handle, advapi32.SERVICE_CONFIG_FAILURE_ACTIONS_FLAG)
    non_crash = (flag is not None and bool(
        advapi32.SERVICE_FAILURE_ACTIONS_FLAG.from_buffer(flag).fFailureActionsOnNonCrashFailures))
    return Recovery(delays, actions.dwResetPeriod, non_crash)


def _service_sid(handle: int) -> str | None:
    buffer = _read_config2(handle, advapi32.SERVICE_CONFIG_SERVICE_SID_INFO)
    if buffer is None:
        return None
    kind = advapi32.SERVICE_SID_INFO.from_buffer(buffer).dwServiceSidType
    return _SID_TYPES.get(kind, str(kind))


def _required_privileges(handle: int) -> tuple[str, ...] | None:
    buffer = _read_config2(handle, advapi32.SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO)
    if buffer is None:
        return None
    address = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_void_p))[0]
    names: list[str] = []
    while address:
        name = ctypes.wstring_at(address)
        if not name:
            break
        names.append(name)
        address += (len(name) + 1) * ctypes.sizeof(ctypes.c_wchar)
    return tuple(names)


def query_recovery(name: str) -> Recovery | None:
    """Service ``name``'s failure actions as the SCM keeps them (None when it
    keeps none, or cannot say)."""
    with _open(name, advapi32.SERVICE_QUERY_CONFIG, "query") as service:
        return _recovery(service.handle)


def status(name: str, *, only_audit: bool = False) -> ServiceStatus:
    """Service ``name``'s state and configuration; ServiceNotInstalled when
    there is no such service."""
    with _open(name, advapi32.SERVICE_QUERY_CONFIG | advapi32.SERVICE_QUERY_STATUS,
               "query", only_audit) as service:
        state = _query(service)
        config, command_line = _config(service.handle)
        described = _read_config2(service.handle, advapi32.SERVICE_CONFIG_DESCRIPTION)
        description = (advapi32.SERVICE_DESCRIPTIONW.from_buffer(described).lpDescription
                       if described is not None else None)
        return ServiceStatus(
            name=name,
            display_name=config.lpDisplayName or name,
            state=_STATES.get(state.dwCurrentState, str(state.dwCurrentState)),
            pid=state.dwProcessId or None,
            win32_exit_code=state.dwWin32ExitCode,
            service_exit_code=_service_exit_code(state, command_line),
            start_type=_START_TYPES.get(config.dwStartType, str(config.dwStartType)),
            command_line=command_line,
            account=config.lpServiceStartName,
            description=description or None,
            recovery=_recovery(service.handle),
            service_sid=_service_sid(service.handle),
            required_privileges=_required_privileges(service.handle),
        )


def _service_exit_code(state: advapi32.SERVICE_STATUS_PROCESS,
                       command_line: str | None = None) -> int:
    """The service-specific exit code, without the customer bit where it is
    win32session's service host that set it (``Service.fail``):
    when the service is the audit service (``command_line``), or when the
    code without it is a ``ServiceExit``. Any other service's code is shown
    as Windows keeps it: the bit may be part of its own code."""
    from .._service.host import ServiceExit

    code = int(state.dwServiceSpecificExitCode)
    bare = code & ~advapi32.CUSTOMER_BIT
    if code & advapi32.CUSTOMER_BIT and (
            bare in {int(e) for e in ServiceExit}
            or (command_line is not None and audit_service_name(command_line) is not None)):
        return bare
    return code


def _exit_codes(state: advapi32.SERVICE_STATUS_PROCESS) -> str:
    code = state.dwWin32ExitCode
    if code == advapi32.ERROR_SERVICE_SPECIFIC_ERROR:
        specific = _service_exit_code(state)
        # A code that keeps the customer bit reads better as it was set.
        shown = f"0x{specific:08X}" if specific & advapi32.CUSTOMER_BIT else str(specific)
        return f"its exit code is {shown} (service-specific)"
    return f"exit code {code}: {ctypes.FormatError(code)}"


def start(name: str, timeout: float = DEFAULT_TIMEOUT, *, only_audit: bool = False) -> int:
    """Starts service ``name`` and waits until it runs; returns its process
    id. If it stops instead, the error gives its exit codes.
    https://learn.microsoft.com/windows/win32/services/starting-a-service"""
    with _open(name, advapi32.SERVICE_START | advapi32.SERVICE_QUERY_STATUS, "start",
               only_audit) as service:
        try:
            advapi32.StartServiceW(service.handle, 0, None)
        except OSError as exc:
            if exc.winerror == advapi32.ERROR_SERVICE_ALREADY_RUNNING:
                raise ServiceError(f"service {name!r} is running already", exc.winerror
                                   ) from exc
            after = _query(service)
            if after.dwCurrentState == advapi32.SERVICE_STOPPED and after.dwWin32ExitCode:
                # Wine's StartServiceW waits for the start and fails with 1053
                # when the service stops at once: its own codes say more.
                raise ServiceError(f"service {name!r} did not start: {_exit_codes(after)}",
                                   after.dwWin32ExitCode) from exc
            raise
        reached = _wait_for(service, frozenset({advapi32.SERVICE_RUNNING,
                                                advapi32.SERVICE_STOPPED}),
                            timeout)
        if reached is None:
            raise ServiceError(f"service {name!r} did not report running within "
                               f"{timeout:g} s", advapi32.ERROR_SERVICE_REQUEST_TIMEOUT)
        if reached.dwCurrentState == advapi32.SERVICE_STOPPED:
            raise ServiceError(f"service {name!r} stopped as it started: "
                               f"{_exit_codes(reached)}", reached.dwWin32ExitCode)
        return int(reached.dwProcessId)


def _stop(name: str, service: _Service, timeout: float) -> None:
    answer = advapi32.SERVICE_STATUS()
    try:
        advapi32.ControlService(service.handle, advapi32.SERVICE_CONTROL_STOP, ctypes.byref(answer))
    except OSError as exc:
        if exc.winerror != advapi32.ERROR_SERVICE_NOT_ACTIVE:
            raise
        return  # stopped already
    if _wait_for(service, frozenset({advapi32.SERVICE_STOPPED}), timeout) is None:
        raise ServiceError(f"service {name!r} did not stop within {timeout:g} s",
                           advapi32.ERROR_SERVICE_REQUEST_TIMEOUT)


def stop(name: str, timeout: float = DEFAULT_TIMEOUT, *, only_audit: bool = False) -> None:
    """Asks service ``name`` to stop and waits until it has; nothing to do if
    it is stopped already.
    https://learn.microsoft.com/windows/win32/services/stopping-a-service"""
    with _open(name, advapi32.SERVICE_STOP | advapi32.SERVICE_QUERY_STATUS, "stop",
               only_audit) as service:
        _stop(name, service, timeout)


def control(name: str, code: int) -> None:
    """Sends control ``code`` to service ``name``: a user-defined code
    (128-255) or one the SCM lets a program send. SERVICE_CONTROL_SESSIONCHANGE
    and SERVICE_CONTROL_POWEREVENT are the SCM's own: it refuses them (87).
    https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-controlservice"""
    with _open(name, _control_right(code) | advapi32.SERVICE_QUERY_STATUS, "control") as service:
        advapi32.ControlService(service.handle, code, ctypes.byref(advapi32.SERVICE_STATUS()))


def _control_right(code: int) -> int:
    """The right ControlService's page names for ``code``: SERVICE_STOP for
    STOP, SERVICE_INTERROGATE for INTERROGATE, SERVICE_PAUSE_CONTINUE for
    PAUSE, CONTINUE, PARAMCHANGE and the NETBIND codes, and
    SERVICE_USER_DEFINED_CONTROL for 128 to 255 (and for the rest, which the
    SCM refuses with error 87 whatever the handle)."""
    if code == advapi32.SERVICE_CONTROL_STOP:
        return advapi32.SERVICE_STOP
    if code == advapi32.SERVICE_CONTROL_INTERROGATE:
        return advapi32.SERVICE_INTERROGATE
    if code in (2, 3, 6, 7, 8, 9, 10):
        return advapi32.SERVICE_PAUSE_CONTINUE
    return advapi32.SERVICE_USER_DEFINED_CONTROL
