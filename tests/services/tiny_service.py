"""A minimal Windows service for the service-management tests and benchmark.

    python tiny_service.py NAME MODE

The service control manager starts it; it is not for a console. MODE:

- ``run``: reports RUNNING, answers STOP, reports STOPPED with exit code 0;
- ``fail``: stops before RUNNING with ERROR_SERVICE_SPECIFIC_ERROR and
  service-specific code 42 (a service that cannot start, and says why);
- ``exit``: exits with status 3 before it ever talks to the SCM (a process
  that fails to start as a service).

It is win32session's own host (``Service``) with no callbacks: the host's
behaviour is tested in tests/test_service_host.py, and these tests are about
management. The strict access-rights layer (strict_service.py) is on in it
under Wine, as in the tests' own process.
"""

from __future__ import annotations

import os
import sys

from win32session import Service

if __name__ == "__main__":
    # The embeddable CPython's ._pth leaves the script's folder off sys.path;
    # the test bed's helpers live in tests/, one folder up.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import strict_service

    strict_service.enable_under_wine()  # as in the test process
    name, mode = sys.argv[1], sys.argv[2]
    if mode == "exit":
        sys.exit(3)
    service = Service(name, details=False)
    if mode == "fail":
        service.on_start(lambda: service.fail(42, "tiny_service.py was asked to fail"))
    sys.exit(service.run())
