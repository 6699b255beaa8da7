"""How long service management takes, through the real service control manager.

Each round installs a service under a new name, starts it, stops it and
uninstalls it with ``win32session._cli.scm``, timing each step; the
table shows the medians over the rounds, and the slowest round. The service is
``tests/services/tiny_service.py`` (the library's host with no callbacks), or with
``--audit`` the audit service itself, installed with the very command line
``win32session service install`` registers (appending to a file in a
temporary folder); for that one, the service process's CPU time while idle is
measured too (``GetProcessTimes`` over ``--idle-seconds`` with nothing
happening, after a settling second).

    python benchmarks/service_lifecycle.py [--audit] [--rounds N] [--json FILE]

It needs an Administrator (and on Linux, a Windows CPython under Wine:
``scripts/winpy 3.12 benchmarks/service_lifecycle.py`` with the wheel
installed). Every service it installs is uninstalled, even after a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

if sys.platform != "win32":
    raise SystemExit("service_lifecycle.py measures the Win32 API: run it with a Windows Python")

import ctypes
import tempfile
from ctypes import wintypes

from win32session._cli.audit.image_path import service_command_line
from win32session._cli import scm as manager

TINY_SERVICE = Path(__file__).resolve().parent.parent / "tests" / "services" / "tiny_service.py"
STEPS = ("install", "start (to RUNNING)", "stop (to STOPPED)", "uninstall")
IDLE = "idle CPU"

# The benchmark's own declarations (the library needs neither): a process's
# CPU times. https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-getprocesstimes
_kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
_kernel32.OpenProcess.restype = wintypes.HANDLE
_kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
_kernel32.GetProcessTimes.restype = wintypes.BOOL
_kernel32.GetProcessTimes.argtypes = (wintypes.HANDLE, *[ctypes.POINTER(wintypes.FILETIME)] * 4)
_kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
PROCESS_QUERY_LIMITED_INFORMATION = 0x1000


def process_cpu_seconds(pid: int) -> float:
    """User plus kernel CPU time of process ``pid`` so far."""
    handle = _kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        times = [wintypes.FILETIME() for _ in range(4)]
        if not _kernel32.GetProcessTimes(handle, *[ctypes.byref(t) for t in times]):
            raise ctypes.WinError(ctypes.get_last_error())
        return sum((t.dwHighDateTime << 32 | t.dwLowDateTime) for t in times[2:]) / 1e7
    finally:
        _kernel32.CloseHandle(handle)


def one_round(name: str, audit: bool, idle_seconds: float | None, folder: str) -> dict[str, float]:
    """Installs, starts, stops and uninstalls the service ``name``; the time
    of each step. With ``audit`` and ``idle_seconds`` (None: not measured),
    also the service process's CPU time while idle."""
    if audit:
        command = service_command_line(name, str(Path(folder) / f"{name}.jsonl"))
    else:
        command = subprocess.list2cmdline([sys.executable, str(TINY_SERVICE), name, "run"])
    times: dict[str, float] = {}
    began = time.perf_counter()
    # Display names must be unique too (error 1078), the name's included.
    manager.install(name, f"Benchmark service {name}", "Timed by service_lifecycle.py.",
                    command, start="demand")
    times["install"] = time.perf_counter() - began
    try:
        began = time.perf_counter()
        pid = manager.start(name)
        times["start (to RUNNING)"] = time.perf_counter() - began
        if audit and idle_seconds is not None:
            time.sleep(1.0)  # settling: the start's own work is done
            before = process_cpu_seconds(pid)
            time.sleep(idle_seconds)
            times[IDLE] = process_cpu_seconds(pid) - before
        began = time.perf_counter()
        manager.stop(name)
        times["stop (to STOPPED)"] = time.perf_counter() - began
    finally:
        began = time.perf_counter()
        manager.uninstall(name)
        times["uninstall"] = time.perf_counter() - began
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--audit", action="store_true",
                        help="the audit service, as `service install` registers it")
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures to FILE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rounds = [one_round(f"w32s-bench-{os.getpid()}-{i}", args.audit, args.idle_seconds,
                            folder) for i in range(args.rounds)]
    which = "the audit service" if args.audit else "tiny_service.py"
    print(f"service lifecycle of {which}, {args.rounds} rounds, Python "
          f"{platform.python_version()} ({platform.architecture()[0]})")
    print("| step | median | slowest |")
    print("| --- | ---: | ---: |")
    if args.audit:
        values = [r[IDLE] for r in rounds]
        print(f"| {IDLE} over {args.idle_seconds:g} s | {statistics.median(values) * 1000:.0f} ms"
              f" | {max(values) * 1000:.0f} ms |")
    for step in STEPS:
        values = [r[step] for r in rounds]
        print(f"| {step} | {statistics.median(values) * 1000:.1f} ms | "
              f"{max(values) * 1000:.1f} ms |")
    if args.json:
        Path(args.json).write_text(json.dumps(rounds, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
