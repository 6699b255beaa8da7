"""The strict access-rights layer: the service control manager's checks that
Wine 8.0 leaves out, made by the test bed.

Windows grants a service-manager or service handle the rights it was opened
with (``OpenSCManagerW``, ``CreateServiceW``, ``OpenServiceW``), and each
call on the handle fails with error 5 (access denied) when a right its
documentation names is missing. Wine's SCM checks none of them, so a handle
opened with too few rights works under Wine and fails on Windows: the first
``service install`` did exactly that (issue 15, item 1).

:func:`enable` wraps those functions in ``win32session._win32.advapi32`` (the
module every call goes through): each handle remembers its kind and the rights it
was granted, and each call checks :data:`RULES`, a table taken from
Microsoft's page of each function (the sentence is in the table), and fails
with ``ctypes.WinError(5)`` as Windows would. The pytest plugin
(``pytest_configure`` below, loaded by tests/conftest.py) enables it for
every test run under Wine; :data:`CHILD_MAIN` does the same in the child
processes the tests start (the command line, the test services). On real
Windows the SCM itself checks, and the layer stays off.

Only the handle's rights are checked: the caller's token (elevation, the
SE_SHUTDOWN_NAME privilege that SC_ACTION_REBOOT needs) is not, since Wine
runs every process as an administrator and the tests' services ask no
reboot.

Also here: :func:`event_log_text`, a service-specific exit code as the
System log's event 7024 shows it.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import pytest

__all__ = ["CHILD_MAIN", "RULES", "Rule", "active", "disable", "enable",
           "enable_under_wine", "event_log_text", "granted"]

_PAGE: Final = "https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-"
_RIGHTS_PAGE: Final = ("https://learn.microsoft.com/windows/win32/services/"
                       "service-security-and-access-rights")

# The rights, as Microsoft's "Service Security and Access Rights" lists them
# (the same values as win32session._win32.advapi32's, repeated here so that the
# table reads on any OS).
SC_MANAGER_CONNECT: Final = 0x0001
SC_MANAGER_CREATE_SERVICE: Final = 0x0002
SC_MANAGER_ENUMERATE_SERVICE: Final = 0x0004
SC_MANAGER_LOCK: Final = 0x0008
SC_MANAGER_QUERY_LOCK_STATUS: Final = 0x0010
SC_MANAGER_MODIFY_BOOT_CONFIG: Final = 0x0020
SERVICE_QUERY_CONFIG: Final = 0x0001
SERVICE_CHANGE_CONFIG: Final = 0x0002
SERVICE_QUERY_STATUS: Final = 0x0004
SERVICE_ENUMERATE_DEPENDENTS: Final = 0x0008
SERVICE_START: Final = 0x0010
SERVICE_STOP: Final = 0x0020
SERVICE_PAUSE_CONTINUE: Final = 0x0040
SERVICE_INTERROGATE: Final = 0x0080
SERVICE_USER_DEFINED_CONTROL: Final = 0x0100
DELETE: Final = 0x00010000
READ_CONTROL: Final = 0x00020000  # STANDARD_RIGHTS_READ, _WRITE and _EXECUTE
STANDARD_RIGHTS_REQUIRED: Final = 0x000F0000
MAXIMUM_ALLOWED: Final = 0x02000000
GENERIC_ALL: Final = 0x10000000
GENERIC_EXECUTE: Final = 0x20000000
GENERIC_WRITE: Final = 0x40000000
GENERIC_READ: Final = 0x80000000
SC_MANAGER_ALL_ACCESS: Final = STANDARD_RIGHTS_REQUIRED | 0x3F
SERVICE_ALL_ACCESS: Final = STANDARD_RIGHTS_REQUIRED | 0x1FF

#: What each generic right means on each kind of handle (the same page).
GENERIC_MAPPING: Final = {
    "scm": {
        GENERIC_READ: READ_CONTROL | SC_MANAGER_ENUMERATE_SERVICE | SC_MANAGER_QUERY_LOCK_STATUS,
        GENERIC_WRITE: READ_CONTROL | SC_MANAGER_CREATE_SERVICE | SC_MANAGER_MODIFY_BOOT_CONFIG,
        GENERIC_EXECUTE: READ_CONTROL | SC_MANAGER_CONNECT | SC_MANAGER_LOCK,
        GENERIC_ALL: SC_MANAGER_ALL_ACCESS,
        MAXIMUM_ALLOWED: SC_MANAGER_ALL_ACCESS,  # an administrator's, as under Wine
    },
    "service": {
        GENERIC_READ: READ_CONTROL | SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS
        | SERVICE_INTERROGATE | SERVICE_ENUMERATE_DEPENDENTS,
        GENERIC_WRITE: READ_CONTROL | SERVICE_CHANGE_CONFIG,
        GENERIC_EXECUTE: READ_CONTROL | SERVICE_START | SERVICE_STOP | SERVICE_PAUSE_CONTINUE
        | SERVICE_USER_DEFINED_CONTROL,
        GENERIC_ALL: SERVICE_ALL_ACCESS,
        MAXIMUM_ALLOWED: SERVICE_ALL_ACCESS,
    },
}

_NAMES: Final = {
    "scm": {SC_MANAGER_CONNECT: "SC_MANAGER_CONNECT",
            SC_MANAGER_CREATE_SERVICE: "SC_MANAGER_CREATE_SERVICE",
            SC_MANAGER_ENUMERATE_SERVICE: "SC_MANAGER_ENUMERATE_SERVICE",
            SC_MANAGER_LOCK: "SC_MANAGER_LOCK",
            SC_MANAGER_QUERY_LOCK_STATUS: "SC_MANAGER_QUERY_LOCK_STATUS",
            SC_MANAGER_MODIFY_BOOT_CONFIG: "SC_MANAGER_MODIFY_BOOT_CONFIG"},
    "service": {SERVICE_QUERY_CONFIG: "SERVICE_QUERY_CONFIG",
                SERVICE_CHANGE_CONFIG: "SERVICE_CHANGE_CONFIG",
                SERVICE_QUERY_STATUS: "SERVICE_QUERY_STATUS",
                SERVICE_ENUMERATE_DEPENDENTS: "SERVICE_ENUMERATE_DEPENDENTS",
                SERVICE_START: "SERVICE_START", SERVICE_STOP: "SERVICE_STOP",
                SERVICE_PAUSE_CONTINUE: "SERVICE_PAUSE_CONTINUE",
                SERVICE_INTERROGATE: "SERVICE_INTERROGATE",
                SERVICE_USER_DEFINED_CONTROL: "SERVICE_USER_DEFINED_CONTROL"},
}
_STANDARD_NAMES: Final = {DELETE: "DELETE", READ_CONTROL: "READ_CONTROL",
                          0x00040000: "WRITE_DAC", 0x00080000: "WRITE_OWNER"}


def rights_text(kind: str, rights: int) -> str:
    """``SERVICE_START | DELETE``: the rights' names, for a failure's text."""
    names = {**_NAMES[kind], **_STANDARD_NAMES}
    shown = [name for bit, name in sorted(names.items()) if rights & bit]
    rest = rights & ~sum(names)
    if rest:
        shown.append(hex(rest))
    return " | ".join(shown) or "nothing"


@dataclass(frozen=True)
class Rule:
    """One row of the table: ``function`` called with ``case`` (an info
    level, a control, or ``""`` for every call) on a handle of ``kind``
    (``scm`` or ``service``) needs ``rights``, as ``sentence`` on ``url`` says."""

    function: str
    case: str
    kind: str
    rights: int
    sentence: str
    url: str


RULES: Final[tuple[Rule, ...]] = (
    Rule("CreateServiceW", "", "scm", SC_MANAGER_CREATE_SERVICE,
         "[hSCManager] must have the SC_MANAGER_CREATE_SERVICE access right.",
         _PAGE + "createservicew"),
    Rule("OpenServiceW", "", "scm", SC_MANAGER_CONNECT,
         "The SC_MANAGER_CONNECT access right is implicitly specified by calling this "
         "function. (OpenSCManagerW's page: every SCM handle has it)",
         _PAGE + "openscmanagerw"),
    Rule("StartServiceW", "", "service", SERVICE_START,
         "[hService] must have the SERVICE_START access right.", _PAGE + "startservicew"),
    Rule("QueryServiceStatusEx", "SC_STATUS_PROCESS_INFO", "service", SERVICE_QUERY_STATUS,
         "[hService] must have the SERVICE_QUERY_STATUS access right.",
         _PAGE + "queryservicestatusex"),
    Rule("QueryServiceConfigW", "", "service", SERVICE_QUERY_CONFIG,
         "[hService] must have the SERVICE_QUERY_CONFIG access right.",
         _PAGE + "queryserviceconfigw"),
    Rule("QueryServiceConfig2W", "every level", "service", SERVICE_QUERY_CONFIG,
         "[hService] must have the SERVICE_QUERY_CONFIG access right.",
         _PAGE + "queryserviceconfig2w"),
    Rule("ChangeServiceConfig2W", "every level", "service", SERVICE_CHANGE_CONFIG,
         "[hService] must have the SERVICE_CHANGE_CONFIG access right.",
         _PAGE + "changeserviceconfig2w"),
    Rule("ChangeServiceConfig2W", "SERVICE_CONFIG_FAILURE_ACTIONS with SC_ACTION_RESTART",
         "service", SERVICE_CHANGE_CONFIG | SERVICE_START,
         "If the service controller handles the SC_ACTION_RESTART action, hService must "
         "have the SERVICE_START access right. (ReactOS's RChangeServiceConfig2W adds "
         "SERVICE_START to the access it requires for this level)",
         _PAGE + "changeserviceconfig2w"),
    Rule("ControlService", "SERVICE_CONTROL_STOP", "service", SERVICE_STOP,
         "The hService handle must have the SERVICE_STOP access right.",
         _PAGE + "controlservice"),
    Rule("ControlService", "SERVICE_CONTROL_PAUSE, _CONTINUE, _PARAMCHANGE, _NETBIND*",
         "service", SERVICE_PAUSE_CONTINUE,
         "The hService handle must have the SERVICE_PAUSE_CONTINUE access right.",
         _PAGE + "controlservice"),
    Rule("ControlService", "SERVICE_CONTROL_INTERROGATE", "service", SERVICE_INTERROGATE,
         "The hService handle must have the SERVICE_INTERROGATE access right.",
         _PAGE + "controlservice"),
    Rule("ControlService", "user-defined, 128 to 255", "service", SERVICE_USER_DEFINED_CONTROL,
         "The hService handle must have the SERVICE_USER_DEFINED_CONTROL access right.",
         _PAGE + "controlservice"),
    Rule("ControlService", "any other control", "service", 0,
         "ERROR_INVALID_PARAMETER: The requested control code is undefined. (The SCM "
         "refuses it, as Wine's does: no right to check)",
         _PAGE + "controlservice"),
    Rule("DeleteService", "", "service", DELETE,
         "[hService] must have the DELETE access right.", _PAGE + "deleteservice"),
    Rule("NotifyServiceStatusChangeW", "a service", "service", SERVICE_QUERY_STATUS,
         "Handles to services are returned by the OpenService or CreateService function "
         "and must have the SERVICE_QUERY_STATUS access right.",
         _PAGE + "notifyservicestatuschangew"),
    Rule("NotifyServiceStatusChangeW", "the SCM", "scm", SC_MANAGER_ENUMERATE_SERVICE,
         "Handles to the service control manager are returned by the OpenSCManager "
         "function and must have the SC_MANAGER_ENUMERATE_SERVICE access right.",
         _PAGE + "notifyservicestatuschangew"),
    Rule("CloseServiceHandle", "", "either", 0,
         "[hSCObject] A handle to the service control manager object or the service "
         "object to close. (No right; a handle that is not open is error 6)",
         _PAGE + "closeservicehandle"),
)

_SC_ACTION_RESTART: Final = 1
_SERVICE_CONFIG_FAILURE_ACTIONS: Final = 2
_CONTROL_CASES: Final = {
    1: "SERVICE_CONTROL_STOP",
    **dict.fromkeys((2, 3, 6, 7, 8, 9, 10),
                    "SERVICE_CONTROL_PAUSE, _CONTINUE, _PARAMCHANGE, _NETBIND*"),
    4: "SERVICE_CONTROL_INTERROGATE",
    **dict.fromkeys(range(128, 256), "user-defined, 128 to 255"),
}
_ERROR_ACCESS_DENIED: Final = 5
_ERROR_INVALID_HANDLE: Final = 6


def _rule(function: str, case: str) -> Rule:
    for rule in RULES:
        if (rule.function, rule.case) == (function, case):
            return rule
    raise AssertionError(f"no rule for {function} {case!r}")


# --- The handles. ----------------------------------------------------------------

_lock = threading.Lock()
#: Every open SC_HANDLE: its kind ("scm" or "service") and granted rights.
_handles: dict[int, tuple[str, int]] = {}
#: The declarations the layer replaced, to put back.
_originals: dict[str, Any] = {}


def _map_generic(kind: str, access: int) -> int:
    mapped = access & ~(GENERIC_ALL | GENERIC_EXECUTE | GENERIC_WRITE | GENERIC_READ
                        | MAXIMUM_ALLOWED)
    for generic, specific in GENERIC_MAPPING[kind].items():
        if access & generic:
            mapped |= specific
    return mapped


def granted(handle: int) -> tuple[str, int] | None:
    """The kind of ``handle`` and the rights it was opened with; None when
    the layer does not know it (closed, or never opened)."""
    with _lock:
        return _handles.get(handle)


def _win_error(code: int, text: str) -> OSError:
    """What ctypes.WinError(code, text) makes (PermissionError for 5)."""
    return OSError(None, text, None, code)


def _denied(function: str, kind: str, has: int, rule: Rule) -> OSError:
    missing = rule.rights & ~has
    return _win_error(
        _ERROR_ACCESS_DENIED,
        f"{function}: Access is denied. [strict layer: the handle has "
        f"{rights_text(kind, has)}; {rule.case or 'it'} needs {rights_text(kind, missing)}: "
        f"{rule.sentence} {rule.url}]")


def _check(function: str, handle: object, case: str) -> None:
    """Raises WinError(5) when ``handle`` lacks what ``function`` needs for
    ``case``; WinError(6) when it is not an open handle of the right kind."""
    with _lock:
        known = _handles.get(handle) if isinstance(handle, int) else None
    if known is None:
        raise _win_error(
            _ERROR_INVALID_HANDLE,
            f"{function}: The handle is invalid. [strict layer: {handle!r} is no open "
            "service-manager or service handle]")
    kind, has = known
    rule = _rule(function, case)
    if rule.kind not in (kind, "either"):
        raise _win_error(
            _ERROR_INVALID_HANDLE,
            f"{function}: The handle is invalid. [strict layer: a {kind} handle where "
            f"{rule.url} takes a {rule.kind} handle]")
    if rule.rights & ~has:
        raise _denied(function, kind, has, rule)


def _structure_at(argument: object, kind: Any) -> Any:
    """The structure a pointer argument points to: ``ctypes.byref(s)``,
    ``ctypes.pointer(s)``, or an address."""
    if argument is None:
        return None
    target = getattr(argument, "_obj", None)  # what ctypes.byref() refers to
    if isinstance(target, kind):
        return target
    contents = getattr(argument, "contents", None)
    if contents is not None:
        return ctypes.cast(argument, ctypes.POINTER(kind)).contents  # type: ignore[arg-type]
    address = getattr(argument, "value", argument)
    if isinstance(address, int) and address:
        return kind.from_address(address)
    raise AssertionError(f"the strict layer cannot read {argument!r} as {kind.__name__}")


def _failure_actions_case(level: int, info: object) -> str:
    if level != _SERVICE_CONFIG_FAILURE_ACTIONS or info is None:
        return "every level"
    from win32session._win32 import advapi32

    if sys.platform != "win32":  # pragma: no cover - enable() is Windows only
        raise AssertionError
    actions = _structure_at(info, advapi32.SERVICE_FAILURE_ACTIONSW)
    if any(actions.lpsaActions[i].Type == _SC_ACTION_RESTART for i in range(actions.cActions)):
        return "SERVICE_CONFIG_FAILURE_ACTIONS with SC_ACTION_RESTART"
    return "every level"


# --- The wrappers. ---------------------------------------------------------------


def _opener(name: str, kind: str, access_at: int,
            parent: tuple[str, str] | None) -> Callable[..., Any]:
    original = _originals[name]

    def opened(*args: Any) -> Any:
        if parent is not None:
            _check(name, args[0], parent[1])
        handle = original(*args)
        access = args[access_at]
        rights = _map_generic(kind, int(access or 0))
        if kind == "scm":
            rights |= SC_MANAGER_CONNECT  # "implicitly specified by calling this function"
        with _lock:
            _handles[int(handle)] = (kind, rights)
        return handle

    return opened


def _checker(name: str, case: Callable[..., str]) -> Callable[..., Any]:
    original = _originals[name]

    def checked(*args: Any) -> Any:
        _check(name, args[0], case(*args))
        return original(*args)

    return checked


def _close(*args: Any) -> Any:
    _check("CloseServiceHandle", args[0], "")
    result = _originals["CloseServiceHandle"](*args)
    with _lock:
        _handles.pop(args[0], None)
    return result


def _notify_case(handle: object, *rest: object) -> str:
    known = granted(handle) if isinstance(handle, int) else None
    return "the SCM" if known is not None and known[0] == "scm" else "a service"


def _wrappers() -> Iterator[tuple[str, Callable[..., Any]]]:
    yield "OpenSCManagerW", _opener("OpenSCManagerW", "scm", 2, None)
    yield "CreateServiceW", _opener("CreateServiceW", "service", 3, ("scm", ""))
    yield "OpenServiceW", _opener("OpenServiceW", "service", 2, ("scm", ""))
    yield "CloseServiceHandle", _close
    yield "StartServiceW", _checker("StartServiceW", lambda *a: "")
    yield "QueryServiceStatusEx", _checker("QueryServiceStatusEx",
                                           lambda *a: "SC_STATUS_PROCESS_INFO")
    yield "QueryServiceConfigW", _checker("QueryServiceConfigW", lambda *a: "")
    yield "QueryServiceConfig2W", _checker("QueryServiceConfig2W", lambda *a: "every level")
    yield "ChangeServiceConfig2W", _checker(
        "ChangeServiceConfig2W", lambda handle, level, info: _failure_actions_case(level, info))
    yield "ControlService", _checker(
        "ControlService",
        lambda handle, control, *rest: _CONTROL_CASES.get(control, "any other control"))
    yield "DeleteService", _checker("DeleteService", lambda *a: "")
    yield "NotifyServiceStatusChangeW", _checker("NotifyServiceStatusChangeW", _notify_case)


def enable() -> None:
    """Wraps win32session._win32.advapi32's service-manager declarations (once)."""
    from win32session._win32 import advapi32

    with _lock:
        if _originals:
            return
        for name in ("OpenSCManagerW", "CreateServiceW", "OpenServiceW", "CloseServiceHandle",
                     "StartServiceW", "QueryServiceStatusEx", "QueryServiceConfigW",
                     "QueryServiceConfig2W", "ChangeServiceConfig2W", "ControlService",
                     "DeleteService", "NotifyServiceStatusChangeW"):
            _originals[name] = getattr(advapi32, name)
    for name, wrapper in _wrappers():
        wrapper.__name__ = name
        wrapper.__wrapped__ = _originals[name]  # type: ignore[attr-defined]
        setattr(advapi32, name, wrapper)


def disable() -> None:
    """Puts the declarations back (the layer's own tests)."""
    from win32session._win32 import advapi32

    with _lock:
        for name, original in _originals.items():
            setattr(advapi32, name, original)
        _originals.clear()
        _handles.clear()


def active() -> bool:
    """Whether the layer wraps the declarations now."""
    if sys.platform != "win32":
        return False
    from win32session._win32 import advapi32

    return getattr(advapi32.StartServiceW, "__wrapped__", None) is not None


def enable_under_wine() -> bool:
    """Enables the layer when this Windows is Wine; whether it did."""
    if sys.platform != "win32":
        return False
    from support import under_wine

    if under_wine():
        enable()
        return True
    return False


def pytest_configure(config: pytest.Config) -> None:
    """The plugin's one hook: the layer is on for every test run under Wine."""
    enable_under_wine()


#: ``python -c CHILD_MAIN TESTS_DIR MODULE ARGS...``: runs ``MODULE`` as
#: ``python -m MODULE ARGS...`` would, with the layer on under Wine (the
#: embeddable CPython ignores PYTHONPATH, hence the folder argument).
CHILD_MAIN: Final = (
    "import sys;sys.path.insert(0,sys.argv.pop(1));import strict_service;"
    "strict_service.enable_under_wine();import runpy;"
    "runpy.run_module(sys.argv.pop(1),run_name='__main__',alter_sys=True)"
)


# --- Exit codes as the System log shows them. -----------------------------------

_FORMAT_MESSAGE_FROM_SYSTEM: Final = 0x00001000
_FORMAT_MESSAGE_IGNORE_INSERTS: Final = 0x00000200


def system_message(code: int) -> str | None:
    """FormatMessageW(FROM_SYSTEM) of ``code``: the system's text for it, or
    None when there is none. Event 7024 ("The %1 service terminated with the
    following service-specific error: %2") fills %2 this way, so a code with
    a system message reads as that unrelated Win32 error.
    https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-formatmessagew"""
    if sys.platform != "win32":
        raise OSError("FormatMessageW needs Windows")
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    format_message = kernel32.FormatMessageW
    format_message.restype = ctypes.c_uint32
    format_message.argtypes = (ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint32,
                               ctypes.c_uint32, ctypes.c_wchar_p, ctypes.c_uint32,
                               ctypes.c_void_p)
    buffer = ctypes.create_unicode_buffer(2048)
    length = format_message(_FORMAT_MESSAGE_FROM_SYSTEM | _FORMAT_MESSAGE_IGNORE_INSERTS,
                            None, code, 0, buffer, len(buffer), None)
    return buffer.value[:length].strip() if length else None


def event_log_text(code: int) -> str:
    """The service-specific exit code as event 7024 shows it: the system's
    message when it has one, else the number."""
    return system_message(code) or str(code)
