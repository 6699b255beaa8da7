"""A service for tests/test_service_host.py, run by Wine's real service
control manager: ``python host_service.py MODE NAME OUTPUT``.

MODE ``custom`` is a Service with its own callbacks writing JSON lines to
OUTPUT; MODE ``audit`` is the real audit service (``_audit.build``), and
``custom-power`` the custom one with ``power=True``. ``fail-start`` is a
service whose ``on_start`` raises.

Windows's part is simulated, and only that: Wine's ControlService refuses
SERVICE_CONTROL_SESSIONCHANGE and POWEREVENT (error 87, as Windows does), so
the test sends user-defined controls instead, and each one makes the service
call its own registered control handler (through the very thunk Windows
calls) with the control and a real WTSSESSION_NOTIFICATION or
POWERBROADCAST_SETTING, built for the call and scribbled over after it, as
the service control manager would.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys

if sys.platform != "win32":  # pragma: no cover - started by the SCM only
    raise SystemExit("host_service.py runs under the Windows service control manager")

# The embeddable CPython's ._pth leaves the script's folder off sys.path; the
# test bed's helpers live in tests/, one folder up.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import strict_service
from support import power_setting_buffer, session_notification_buffer

from win32session import Event, PowerEvent, Service, SessionEvent
from win32session._win32 import advapi32

SIMULATE_LOGON = 200  # SESSIONCHANGE, WTS_SESSION_LOGON, session 3
SIMULATE_LOCK_BAD = 201  # SESSIONCHANGE, WTS_SESSION_LOCK, session 66: a callback raises
SIMULATE_PRESENCE = 202  # POWEREVENT, PBT_POWERSETTINGCHANGE, global presence = 2
FAIL = 203  # service.fail(77, ...)
SIMULATE_SUSPEND = 204  # POWEREVENT, PBT_APMSUSPEND (no event data)
SIMULATE_RESUME_AUTOMATIC = 205  # POWEREVENT, PBT_APMRESUMEAUTOMATIC
SIMULATE_RESUME_SUSPEND = 206  # POWEREVENT, PBT_APMRESUMESUSPEND

def main() -> int:
    strict_service.enable_under_wine()  # as in the test process
    mode, name, output = sys.argv[1:4]
    if mode == "audit":
        from win32session._cli.audit import service as _audit

        service = _audit.build(name, output)
    else:
        service = Service(name, power=mode == "custom-power")
        out = open(output, "a", encoding="utf-8")  # closed in on_stop

        def write(**record: object) -> None:
            out.write(json.dumps(record) + "\n")
            out.flush()

        @service.on_start
        def started() -> None:
            write(step="start", accepted_power=service.notifier.power,
                  strict=strict_service.active())
            if mode == "fail-start":
                raise OSError("the test's on_start fails")

        @service.notifier.subscribe
        def event(event: Event) -> None:
            if isinstance(event, SessionEvent):
                if event.session_id == 66:
                    raise RuntimeError("a callback that raises")
                write(step="event", what=event.reason_name, session=event.session_id,
                      user=event.info.user_name if event.info is not None else None)
            elif isinstance(event, PowerEvent):
                write(step="event", what=event.kind_name, setting=event.setting_name,
                      value=None if event.value is None else int(event.value),
                      initial=event.initial)

        @service.on_stop
        def stopped(exit_code: int) -> None:
            write(step="stop", exit_code=exit_code, reason=service.reason)
            out.close()

    handler = None

    def call_handler(control: int, event_type: int,
                     data: ctypes.Array[ctypes.c_char] | None) -> None:
        assert handler is not None
        if data is None:  # suspend and resume: lpEventData is NULL
            handler(control, event_type, None, None)
            return
        handler(control, event_type, ctypes.addressof(data), None)
        ctypes.memset(data, 0xEE, len(data))  # gone, as after Windows's call

    @service.on_control(SIMULATE_LOGON)
    def logon() -> None:
        call_handler(advapi32.SERVICE_CONTROL_SESSIONCHANGE, 5, session_notification_buffer(3))

    @service.on_control(SIMULATE_LOCK_BAD)
    def lock_bad() -> None:
        call_handler(advapi32.SERVICE_CONTROL_SESSIONCHANGE, 7, session_notification_buffer(66))

    @service.on_control(SIMULATE_PRESENCE)
    def presence() -> None:
        call_handler(advapi32.SERVICE_CONTROL_POWEREVENT, 0x8013, power_setting_buffer(
            "786e8a1d-b427-4344-9207-09e70bdcbea9", (2).to_bytes(4, "little")))

    for code, event_type in ((SIMULATE_SUSPEND, 0x4), (SIMULATE_RESUME_AUTOMATIC, 0x12),
                             (SIMULATE_RESUME_SUSPEND, 0x7)):
        service.on_control(code)(
            lambda t=event_type: call_handler(advapi32.SERVICE_CONTROL_POWEREVENT, t, None))

    @service.on_control(FAIL)
    def fail() -> None:
        service.fail(77, "the test asked")

    @service.on_start
    def find_handler() -> None:
        nonlocal handler
        handler = service._thunks[1]  # the handler Windows calls

    return service.run()


if __name__ == "__main__":
    sys.exit(main())
