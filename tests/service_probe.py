"""A minimal pure-ctypes Windows service, and the test's side of the SCM.

Run as ``python -m service_probe --name NAME --output FILE`` by the service
control manager, it reports RUNNING and, when told to stop, appends one JSON
line saying which interpreter it is (``sys.executable``, ``sys.prefix``...)
and where ``win32session`` and the venv-only marker package were imported
from, then reports STOPPED. It imports nothing of win32session's before the
report, so that an import failure is what the report says.

Imported by a test, it gives the other side: install, start, stop and remove
a service through advapi32. Test machinery only: the package's declarations
stay in win32session/_winapi.py (service management comes with the service
commands); this file must also run where only a venv can import win32session.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)

    class SERVICE_STATUS(ctypes.Structure):
        _fields_ = [(n, wintypes.DWORD) for n in (
            "dwServiceType", "dwCurrentState", "dwControlsAccepted", "dwWin32ExitCode",
            "dwServiceSpecificExitCode", "dwCheckPoint", "dwWaitHint")]

    class SERVICE_STATUS_PROCESS(ctypes.Structure):
        _fields_ = [(n, wintypes.DWORD) for n in (
            "dwServiceType", "dwCurrentState", "dwControlsAccepted", "dwWin32ExitCode",
            "dwServiceSpecificExitCode", "dwCheckPoint", "dwWaitHint", "dwProcessId",
            "dwServiceFlags")]

    SERVICE_MAIN = ctypes.WINFUNCTYPE(None, wintypes.DWORD, ctypes.POINTER(wintypes.LPWSTR))
    HANDLER_EX = ctypes.WINFUNCTYPE(wintypes.DWORD, wintypes.DWORD, wintypes.DWORD,
                                    wintypes.LPVOID, wintypes.LPVOID)

    class SERVICE_TABLE_ENTRYW(ctypes.Structure):
        _fields_ = [("lpServiceName", wintypes.LPWSTR), ("lpServiceProc", SERVICE_MAIN)]

    def _check(result: Any, func: Any, args: Any) -> Any:
        if not result:
            code = ctypes.get_last_error()
            raise ctypes.WinError(code, f"{func.__name__}: {ctypes.FormatError(code)}")
        return result

    def _fn(dll: Any, name: str, restype: Any, *argtypes: Any) -> Any:
        function = getattr(dll, name)
        function.restype, function.argtypes, function.errcheck = restype, argtypes, _check
        return function

    _SC_HANDLE = wintypes.HANDLE
    _LPW = wintypes.LPCWSTR
    _DW = wintypes.DWORD
    StartServiceCtrlDispatcherW = _fn(_advapi32, "StartServiceCtrlDispatcherW", wintypes.BOOL,
                                      ctypes.POINTER(SERVICE_TABLE_ENTRYW))
    RegisterServiceCtrlHandlerExW = _fn(_advapi32, "RegisterServiceCtrlHandlerExW",
                                        wintypes.HANDLE, _LPW, HANDLER_EX, wintypes.LPVOID)
    SetServiceStatus = _fn(_advapi32, "SetServiceStatus", wintypes.BOOL, wintypes.HANDLE,
                           ctypes.POINTER(SERVICE_STATUS))
    OpenSCManagerW = _fn(_advapi32, "OpenSCManagerW", _SC_HANDLE, _LPW, _LPW, _DW)
    CreateServiceW = _fn(_advapi32, "CreateServiceW", _SC_HANDLE, _SC_HANDLE, _LPW, _LPW, _DW,
                         _DW, _DW, _DW, _LPW, _LPW, wintypes.LPDWORD, _LPW, _LPW, _LPW)
    OpenServiceW = _fn(_advapi32, "OpenServiceW", _SC_HANDLE, _SC_HANDLE, _LPW, _DW)
    StartServiceW = _fn(_advapi32, "StartServiceW", wintypes.BOOL, _SC_HANDLE, _DW,
                        wintypes.LPVOID)
    ControlService = _fn(_advapi32, "ControlService", wintypes.BOOL, _SC_HANDLE, _DW,
                         ctypes.POINTER(SERVICE_STATUS))
    QueryServiceStatusEx = _fn(_advapi32, "QueryServiceStatusEx", wintypes.BOOL, _SC_HANDLE,
                               ctypes.c_int, ctypes.POINTER(SERVICE_STATUS_PROCESS), _DW,
                               wintypes.LPDWORD)
    DeleteService = _fn(_advapi32, "DeleteService", wintypes.BOOL, _SC_HANDLE)
    CloseServiceHandle = _fn(_advapi32, "CloseServiceHandle", wintypes.BOOL, _SC_HANDLE)

SERVICE_WIN32_OWN_PROCESS = 0x10
SERVICE_DEMAND_START = 3
SERVICE_ERROR_NORMAL = 1
SERVICE_ALL_ACCESS = 0xF01FF
SC_MANAGER_ALL_ACCESS = 0xF003F
SERVICE_CONTROL_STOP = 1
SERVICE_CONTROL_INTERROGATE = 4
SERVICE_ACCEPT_STOP = 1
SERVICE_STOPPED, SERVICE_START_PENDING, SERVICE_STOP_PENDING, SERVICE_RUNNING = 1, 2, 3, 4
ERROR_SERVICE_DOES_NOT_EXIST = 1060
ERROR_SERVICE_NOT_ACTIVE = 1062
NO_ERROR = 0
ERROR_CALL_NOT_IMPLEMENTED = 120


def report() -> dict[str, Any]:
    """What this interpreter is, and what it can import."""
    facts: dict[str, Any] = {
        "executable": sys.executable,
        "base_executable": getattr(sys, "_base_executable", None),
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "path": sys.path,
        "pid": os.getpid(),
    }
    for module in ("win32session", "w32s_venv_only"):
        try:
            facts[module] = __import__(module).__file__
        except ImportError as exc:
            facts[module] = f"ImportError: {exc}"
    return facts


if sys.platform == "win32":

    def _serve(name: str, output: str) -> None:
        """The service: RUNNING until STOP, then the report, then STOPPED."""
        stop = threading.Event()
        status = SERVICE_STATUS(SERVICE_WIN32_OWN_PROCESS, SERVICE_START_PENDING, 0, 0, 0, 0, 3000)
        handle: list[int] = []

        def handler(control: int, event_type: int, data: Any, context: Any) -> int:
            if control == SERVICE_CONTROL_STOP:
                stop.set()
                return NO_ERROR
            if control == SERVICE_CONTROL_INTERROGATE:
                return NO_ERROR
            return ERROR_CALL_NOT_IMPLEMENTED

        handler_thunk = HANDLER_EX(handler)  # kept alive until the dispatcher returns

        def service_main(argc: int, argv: Any) -> None:
            handle.append(RegisterServiceCtrlHandlerExW(name, handler_thunk, None))
            status.dwCurrentState, status.dwControlsAccepted = SERVICE_RUNNING, SERVICE_ACCEPT_STOP
            status.dwWaitHint = 0
            SetServiceStatus(handle[0], ctypes.byref(status))
            stop.wait()
            with open(output, "a", encoding="utf-8") as file:
                file.write(json.dumps(report()) + "\n")
            status.dwCurrentState, status.dwControlsAccepted = SERVICE_STOPPED, 0
            SetServiceStatus(handle[0], ctypes.byref(status))

        main_thunk = SERVICE_MAIN(service_main)  # likewise
        table = (SERVICE_TABLE_ENTRYW * 2)(SERVICE_TABLE_ENTRYW(name, main_thunk),
                                           SERVICE_TABLE_ENTRYW(None, SERVICE_MAIN()))
        StartServiceCtrlDispatcherW(table)


    class InstalledService:
        """A demand-start LocalSystem service, removed by ``remove`` whatever
        state it is in (a test calls it in ``finally``)."""

        def __init__(self, name: str, command_line: str) -> None:
            self.name = name
            self.scm = OpenSCManagerW(None, None, SC_MANAGER_ALL_ACCESS)
            try:
                self.handle = CreateServiceW(
                    self.scm, name, name, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                    SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, command_line, None, None, None,
                    None, None)
            except OSError:
                CloseServiceHandle(self.scm)
                raise

        def status(self) -> tuple[int, int, int]:
            """(state, process id, Win32 exit code), from QueryServiceStatusEx."""
            info = SERVICE_STATUS_PROCESS()
            needed = wintypes.DWORD()
            QueryServiceStatusEx(self.handle, 0, ctypes.byref(info), ctypes.sizeof(info),
                                 ctypes.byref(needed))
            return info.dwCurrentState, info.dwProcessId, info.dwWin32ExitCode

        def wait_for(self, state: int, timeout: float = 60.0) -> tuple[int, int, int]:
            deadline = time.monotonic() + timeout
            while True:
                now = self.status()
                if now[0] == state or time.monotonic() > deadline:
                    return now
                time.sleep(0.05)  # the SCM offers no wait for a state but NotifyServiceStatusChange

        def start(self) -> None:
            StartServiceW(self.handle, 0, None)

        def stop(self) -> None:
            ControlService(self.handle, SERVICE_CONTROL_STOP, ctypes.byref(SERVICE_STATUS()))

        def remove(self) -> None:
            """Stops the service if it runs (ending its process if it does not
            stop), deletes it and closes the handles."""
            try:
                state, pid, _ = self.status()
                if state != SERVICE_STOPPED:
                    try:
                        self.stop()
                    except OSError as exc:
                        if exc.winerror != ERROR_SERVICE_NOT_ACTIVE:
                            raise
                    if self.wait_for(SERVICE_STOPPED, 30)[0] != SERVICE_STOPPED and pid:
                        os.kill(pid, 9)  # TerminateProcess
                        self.wait_for(SERVICE_STOPPED, 30)
            finally:
                try:
                    DeleteService(self.handle)
                finally:
                    CloseServiceHandle(self.handle)
                    CloseServiceHandle(self.scm)


def main(argv: list[str]) -> int:
    name = argv[argv.index("--name") + 1]
    output = argv[argv.index("--output") + 1]
    if sys.platform == "win32":
        _serve(name, output)
        return 0
    raise OSError("a Windows service needs Windows")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
