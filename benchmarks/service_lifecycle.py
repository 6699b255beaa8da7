"""How long service management takes, through the real service control manager.

Each round installs ``tests/tiny_service.py`` (a minimal pure-ctypes service)
under a new name, starts it, stops it and uninstalls it with
``win32session._service_manager``, timing each step; the table shows the
medians over the rounds, and the slowest round.

    python benchmarks/service_lifecycle.py [--rounds N] [--json FILE]

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

from win32session import _service_manager as manager

TINY_SERVICE = Path(__file__).resolve().parent.parent / "tests" / "tiny_service.py"
STEPS = ("install", "start (to RUNNING)", "stop (to STOPPED)", "uninstall")


def one_round(name: str) -> dict[str, float]:
    command = subprocess.list2cmdline([sys.executable, str(TINY_SERVICE), name, "run"])
    times: dict[str, float] = {}
    began = time.perf_counter()
    # Display names must be unique too (error 1078), the name's included.
    manager.install(name, f"Benchmark service {name}", "Timed by service_lifecycle.py.",
                    command, start="demand")
    times["install"] = time.perf_counter() - began
    try:
        began = time.perf_counter()
        manager.start(name)
        times["start (to RUNNING)"] = time.perf_counter() - began
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
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures to FILE")
    args = parser.parse_args()
    rounds = [one_round(f"w32s-bench-{os.getpid()}-{i}") for i in range(args.rounds)]
    print(f"service lifecycle, {args.rounds} rounds, Python {platform.python_version()} "
          f"({platform.architecture()[0]})")
    print("| step | median | slowest |")
    print("| --- | ---: | ---: |")
    for step in STEPS:
        values = [r[step] for r in rounds]
        print(f"| {step} | {statistics.median(values) * 1000:.1f} ms | "
              f"{max(values) * 1000:.1f} ms |")
    if args.json:
        Path(args.json).write_text(json.dumps(rounds, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
