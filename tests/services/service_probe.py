"""A minimal pure-ctypes Windows service, and the test's side of the SCM.

Run as ``python -m service_probe --name NAME --output FILE`` by the service
control manager, it reports RUNNING and, when told to stop, appends one JSON
line saying which interpreter it is (``sys.executable``, ``sys.prefix``...)
and where ``win32session`` and the venv-only marker package were imported
from, then reports STOPPED. It imports nothing of win32session's before the
report, so that an import failure is what the report says.

Its few ctypes declarations are its own because it must run where only a
venv can import win32session; the test installs, starts, stops and removes
it with win32session's own service management.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import Any

if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)

    class SERVICE_STATUS(ctypes.Structure):
        _fields_ = [(n, wintypes.DWORD) for n in (
            "dwServiceType", "dwCurrentState", "dwControlsAccepted", "dwWin32ExitCode",
            "dwServiceSpecificExitCode", "dwCheckPoint", "dwWaitHint")]

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

    _LPW = wintypes.LPCWSTR
    StartServiceCtrlDispatcherW = _fn(_advapi32, "StartServiceCtrlDispatcherW", wintypes.BOOL,
                                      ctypes.POINTER(SERVICE_TABLE_ENTRYW))
    RegisterServiceCtrlHandlerExW = _fn(_advapi32, "RegisterServiceCtrlHandlerExW",
                                        wintypes.HANDLE, _LPW, HANDLER_EX, wintypes.LPVOID)
    SetServiceStatus = _fn(_advapi32, "SetServiceStatus", wintypes.BOOL, wintypes.HANDLE,
                           ctypes.POINTER(SERVICE_STATUS))

SERVICE_WIN32_OWN_PROCESS = 0x10
SERVICE_CONTROL_STOP = 1
SERVICE_CONTROL_INTERROGATE = 4
SERVICE_ACCEPT_STOP = 1
SERVICE_STOPPED, SERVICE_START_PENDING, SERVICE_RUNNING = 1, 2, 4
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



def main(argv: list[str]) -> int:
    name = argv[argv.index("--name") + 1]
    output = argv[argv.index("--output") + 1]
    if sys.platform == "win32":
        _serve(name, output)
        return 0
    raise OSError("a Windows service needs Windows")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
