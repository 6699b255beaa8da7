"""A minimal Windows service for the service-management tests and benchmark.

    python tiny_service.py NAME MODE

The service control manager starts it; it is not for a console. MODE:

- ``run``: reports RUNNING, answers STOP, reports STOPPED with exit code 0;
- ``fail``: reports STOPPED at once with ERROR_SERVICE_SPECIFIC_ERROR and
  service-specific code 42 (a service that cannot start, and says why);
- ``exit``: exits with status 3 before it ever talks to the SCM (a process
  that fails to start as a service).

It declares its own few ctypes functions: it stands in for the service host,
which is built apart from service management, so that these tests exercise
management alone.
"""

from __future__ import annotations

import sys

if sys.platform != "win32":  # pragma: no cover - started by the SCM only
    raise SystemExit("tiny_service.py runs under the Windows service control manager")

import ctypes
import threading
from ctypes import wintypes
from typing import Any

_advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)

SERVICE_WIN32_OWN_PROCESS = 0x10
SERVICE_STOPPED, SERVICE_RUNNING = 1, 4
SERVICE_ACCEPT_STOP = 0x1
SERVICE_CONTROL_STOP, SERVICE_CONTROL_INTERROGATE = 1, 4
NO_ERROR, ERROR_CALL_NOT_IMPLEMENTED, ERROR_SERVICE_SPECIFIC_ERROR = 0, 120, 1066


class SERVICE_STATUS(ctypes.Structure):
    _fields_ = [(name, wintypes.DWORD) for name in (
        "dwServiceType", "dwCurrentState", "dwControlsAccepted", "dwWin32ExitCode",
        "dwServiceSpecificExitCode", "dwCheckPoint", "dwWaitHint")]


SERVICE_MAIN = ctypes.WINFUNCTYPE(None, wintypes.DWORD, ctypes.POINTER(wintypes.LPWSTR))
HANDLER_EX = ctypes.WINFUNCTYPE(
    wintypes.DWORD, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID, wintypes.LPVOID)


class SERVICE_TABLE_ENTRYW(ctypes.Structure):
    _fields_ = [("lpServiceName", wintypes.LPWSTR), ("lpServiceProc", SERVICE_MAIN)]


def _check(result: Any, func: Any, args: Any) -> Any:
    if not result:
        raise ctypes.WinError(ctypes.get_last_error())
    return result


StartServiceCtrlDispatcherW = _advapi32.StartServiceCtrlDispatcherW
StartServiceCtrlDispatcherW.argtypes = (ctypes.POINTER(SERVICE_TABLE_ENTRYW),)
StartServiceCtrlDispatcherW.restype = wintypes.BOOL
StartServiceCtrlDispatcherW.errcheck = _check
RegisterServiceCtrlHandlerExW = _advapi32.RegisterServiceCtrlHandlerExW
RegisterServiceCtrlHandlerExW.argtypes = (wintypes.LPCWSTR, HANDLER_EX, wintypes.LPVOID)
RegisterServiceCtrlHandlerExW.restype = wintypes.HANDLE
RegisterServiceCtrlHandlerExW.errcheck = _check
SetServiceStatus = _advapi32.SetServiceStatus
SetServiceStatus.argtypes = (wintypes.HANDLE, ctypes.POINTER(SERVICE_STATUS))
SetServiceStatus.restype = wintypes.BOOL
SetServiceStatus.errcheck = _check

NAME, MODE = sys.argv[1], sys.argv[2]
_stop = threading.Event()
_handle = wintypes.HANDLE()


def _report(state: int, exit_code: int = NO_ERROR, specific: int = 0) -> None:
    status = SERVICE_STATUS(
        SERVICE_WIN32_OWN_PROCESS, state,
        SERVICE_ACCEPT_STOP if state == SERVICE_RUNNING else 0, exit_code, specific, 0, 0)
    SetServiceStatus(_handle, ctypes.byref(status))


def _handler(control: int, event_type: int, data: int | None, context: int | None) -> int:
    if control == SERVICE_CONTROL_STOP:
        _stop.set()
        return NO_ERROR
    if control == SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR
    return ERROR_CALL_NOT_IMPLEMENTED


def _main(argc: int, argv: object) -> None:
    _handle.value = RegisterServiceCtrlHandlerExW(NAME, _HANDLER, None)
    if MODE == "fail":
        _report(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, 42)
        return
    _report(SERVICE_RUNNING)
    _stop.wait()
    _report(SERVICE_STOPPED)


# Both thunks are held by the module: the SCM's threads call them for as long
# as the process lives.
_HANDLER = HANDLER_EX(_handler)
_MAIN = SERVICE_MAIN(_main)

if __name__ == "__main__":
    if MODE == "exit":
        sys.exit(3)
    table = (SERVICE_TABLE_ENTRYW * 2)(SERVICE_TABLE_ENTRYW(NAME, _MAIN), SERVICE_TABLE_ENTRYW())
    StartServiceCtrlDispatcherW(table)
