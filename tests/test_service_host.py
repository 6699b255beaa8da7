"""The service host and the audit service, for real through Wine's service
control manager: install, start, controls, stop, uninstall.

Wine's SCM starts the service's process, calls its ServiceMain and handler,
and keeps its status for real. What it cannot do is send session changes or
power events: ControlService refuses SERVICE_CONTROL_SESSIONCHANGE and
POWEREVENT with error 87, as Windows does (asserted below). So the test sends
a user-defined control, and the service (tests/services/host_service.py) then calls its
own registered handler with the control and a real WTSSESSION_NOTIFICATION
or POWERBROADCAST_SETTING, as the SCM would: only Windows's part is
simulated. Every test removes its service, even when it fails.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import remove_from_linux, under_wine

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

import strict_service  # noqa: E402

from win32session import ServiceExit  # noqa: E402
from win32session._win32 import advapi32  # noqa: E402
from win32session._cli import scm as manager  # noqa: E402

HERE = Path(__file__).resolve().parent
SERVICE_SCRIPT = HERE / "services" / "host_service.py"
SIMULATE_LOGON, SIMULATE_LOCK_BAD, SIMULATE_PRESENCE, FAIL = 200, 201, 202, 203
SIMULATE_SUSPEND, SIMULATE_RESUME_AUTOMATIC, SIMULATE_RESUME_SUSPEND = 204, 205, 206
_serial = itertools.count(1)


def read_lines(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """The service writes from its own process: nothing here can wait on it."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen in {timeout} s"
        time.sleep(0.05)


@pytest.fixture
def service_name() -> Iterator[str]:
    name = f"w32s-test-{os.getpid()}-{next(_serial)}"
    yield name
    try:
        manager.uninstall(name)
    except manager.ServiceNotInstalled:
        pass


def install_host(name: str, mode: str, output: Path) -> None:
    command = subprocess.list2cmdline(
        [sys.executable, str(SERVICE_SCRIPT), mode, name, str(output)])
    manager.install(name, f"win32session test {name}", "a test service", command,
                    start="demand")


def test_sessions_reach_the_callbacks_through_the_real_handler(
    service_name: str, tmp_path: Path
) -> None:
    output = tmp_path / "custom.jsonl"
    install_host(service_name, "custom", output)
    pid = manager.start(service_name)
    assert pid and manager.status(service_name).state == "running"
    # Windows's answer to the real thing, which is why it is simulated:
    with pytest.raises(OSError) as refused:
        manager.control(service_name, 0xE)
    assert refused.value.winerror == 87
    manager.control(service_name, SIMULATE_LOCK_BAD)  # a callback raises: logged only
    manager.control(service_name, SIMULATE_LOGON)
    wait_until(lambda: any(r.get("step") == "event" for r in read_lines(output)), "the logon")
    assert manager.status(service_name).state == "running"
    manager.stop(service_name)
    status = manager.status(service_name)
    assert (status.state, status.win32_exit_code) == ("stopped", 0)
    records = read_lines(output)
    assert [r["step"] for r in records] == ["start", "event", "stop"]
    assert records[0]["strict"] == under_wine()  # the strict layer, in the service too
    event = records[1]
    assert (event["what"], event["session"]) == ("WTS_SESSION_LOGON", 3)
    assert event["user"]  # captured on arrival (Wine names a user for any session)
    assert records[2] == {"step": "stop", "exit_code": 0, "reason": None}


def test_power_settings_through_the_handler(service_name: str, tmp_path: Path) -> None:
    output = tmp_path / "power.jsonl"
    install_host(service_name, "custom-power", output)
    manager.start(service_name)
    manager.control(service_name, SIMULATE_PRESENCE)
    manager.control(service_name, SIMULATE_PRESENCE)
    wait_until(lambda: sum(r.get("step") == "event" for r in read_lines(output)) == 2,
               "two presence events")
    manager.stop(service_name)
    events = [r for r in read_lines(output) if r["step"] == "event"]
    assert [(e["setting"], e["value"], e["initial"]) for e in events] == [
        ("GUID_GLOBAL_USER_PRESENCE", 2, True), ("GUID_GLOBAL_USER_PRESENCE", 2, False)]


def test_a_fatal_error_stops_with_a_service_specific_code(
    service_name: str, tmp_path: Path
) -> None:
    output = tmp_path / "fail.jsonl"
    install_host(service_name, "custom", output)
    manager.start(service_name)
    manager.control(service_name, FAIL)
    wait_until(lambda: manager.status(service_name).state == "stopped", "the stop")
    status = manager.status(service_name)
    # A code of its own: status cannot tell that the customer bit is the
    # service host's, so it shows the code as Windows keeps it.
    assert (status.win32_exit_code, status.service_exit_code) == (1066, 77 | 0x20000000)
    assert read_lines(output)[-1] == {"step": "stop", "exit_code": 77,
                                      "reason": "the test asked"}


def reported_exit_codes(name: str) -> tuple[int, int]:
    """dwWin32ExitCode and dwServiceSpecificExitCode as the SCM keeps them:
    what the System log's event 7024 is written from."""
    scm = advapi32.OpenSCManagerW(None, None, advapi32.SC_MANAGER_CONNECT)
    try:
        handle = advapi32.OpenServiceW(scm, name, advapi32.SERVICE_QUERY_STATUS)
        try:
            status = advapi32.SERVICE_STATUS_PROCESS()
            needed = ctypes.c_ulong()
            advapi32.QueryServiceStatusEx(handle, advapi32.SC_STATUS_PROCESS_INFO,
                                          ctypes.byref(status), ctypes.sizeof(status),
                                          ctypes.byref(needed))
        finally:
            advapi32.CloseServiceHandle(handle)
    finally:
        advapi32.CloseServiceHandle(scm)
    return status.dwWin32ExitCode, status.dwServiceSpecificExitCode


def test_exit_codes_are_no_win32_errors_in_the_event_log(
    service_name: str, tmp_path: Path
) -> None:
    """Issue 15, item 6: the SCM formats dwServiceSpecificExitCode with the
    system's messages for event 7024, so ServiceExit's 1 to 4 would read
    "Invalid function." ... "Too many open files." (Wine's texts, below).
    The host reports each with the customer bit, which no system message
    has; status shows the plain code."""
    for code in ServiceExit:
        assert strict_service.system_message(int(code)) is not None  # why the bit
        assert strict_service.event_log_text(int(code) | 0x20000000) == str(
            int(code) | 0x20000000)
    install_host(service_name, "fail-start", tmp_path / "fail-start.jsonl")
    with pytest.raises(OSError, match="its exit code is 1 .service-specific."):
        manager.start(service_name)
    win32, specific = reported_exit_codes(service_name)
    assert (win32, specific) == (1066, 0x20000000 | ServiceExit.START_FAILED)
    assert strict_service.system_message(specific) is None
    assert strict_service.event_log_text(specific) == str(specific)
    assert manager.status(service_name).service_exit_code == ServiceExit.START_FAILED
    shown = subprocess.run(
        [sys.executable, "-c", strict_service.CHILD_MAIN, str(HERE), "win32session", "service",
         "status", "--name", service_name, "--json", "--any-service"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert (record["win32_exit_code"], record["service_exit_code"], record["service_exit"]) == (
        1066, 1, "START_FAILED")


def test_a_start_that_fails_reports_start_failed(service_name: str, tmp_path: Path) -> None:
    output = tmp_path / "fail-start.jsonl"
    install_host(service_name, "fail-start", output)
    with pytest.raises(OSError, match="did not start|stopped as it started"):
        manager.start(service_name)
    status = manager.status(service_name)
    assert (status.state, status.win32_exit_code, status.service_exit_code) == (
        "stopped", 1066, 1)
    steps = [r["step"] for r in read_lines(output)]
    assert steps == ["start", "stop"]


def test_the_audit_service_writes_sessions_and_its_own_start_and_stop(
    service_name: str, tmp_path: Path
) -> None:
    output = tmp_path / "audit.jsonl"
    install_host(service_name, "audit", output)
    manager.start(service_name)
    manager.control(service_name, SIMULATE_LOGON)
    wait_until(lambda: len(read_lines(output)) >= 2, "the logon line")
    manager.stop(service_name)
    start, logon, stop = read_lines(output)
    assert {k: start[k] for k in ("event", "state", "service")} == {
        "event": "service", "state": "start", "service": service_name}
    assert {k: logon[k] for k in ("event", "reason", "session_id")} == {
        "event": "session", "reason": "WTS_SESSION_LOGON", "session_id": 3}
    assert logon["user"] and "client" in logon and "domain" in logon
    assert {k: stop[k] for k in ("state", "exit_code", "reason")} == {
        "state": "stop", "exit_code": 0, "reason": None}


def test_the_audit_service_makes_the_missing_folder_of_its_output(
    service_name: str, tmp_path: Path
) -> None:
    """``service install --output C:\\audit\\trail.jsonl`` names a folder
    that need not exist yet: the service makes it at its start instead of
    failing every start (and every restart) with START_FAILED."""
    output = tmp_path / "not yet" / "audit.jsonl"
    install_host(service_name, "audit", output)
    manager.start(service_name)
    wait_until(lambda: len(read_lines(output)) >= 1, "the start line")
    manager.stop(service_name)
    assert [r["state"] for r in read_lines(output)] == ["start", "stop"]


def test_the_audit_trail_shows_the_gap_of_a_suspend(service_name: str, tmp_path: Path) -> None:
    """Issue 15's Fast Startup: a "Shut down" hibernates session 0 and the
    service gets no stop, only POWEREVENT's suspend and resume. Simulated as
    the SCM would call the handler (event type, lpEventData NULL); a power
    setting (presence) in between is not written."""
    output = tmp_path / "audit.jsonl"
    install_host(service_name, "audit", output)
    manager.start(service_name)
    for code in (SIMULATE_SUSPEND, SIMULATE_PRESENCE, SIMULATE_RESUME_AUTOMATIC,
                 SIMULATE_RESUME_SUSPEND, SIMULATE_LOGON):
        manager.control(service_name, code)
    wait_until(lambda: any(r.get("event") == "session" for r in read_lines(output)),
               "the logon line")
    manager.stop(service_name)
    records = read_lines(output)
    assert [(r["event"], r.get("kind") or r.get("state") or r.get("reason"))
            for r in records] == [
        ("service", "start"), ("power", "PBT_APMSUSPEND"), ("power", "PBT_APMRESUMEAUTOMATIC"),
        ("power", "PBT_APMRESUMESUSPEND"), ("session", "WTS_SESSION_LOGON"),
        ("service", "stop")]
    suspend = records[1]
    assert suspend == {"time": suspend["time"], "event": "power", "kind": "PBT_APMSUSPEND",
                       "code": 4, "setting": None, "value": None, "value_name": None,
                       "initial": False}


def test_outside_the_service_control_manager_one_line_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "win32session", "service", "run", "--name", "w32s-nowhere",
         "--output", str(tmp_path / "x.jsonl")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "not started by the service control manager" in lines[0]
    assert "win32session service start --name w32s-nowhere" in lines[0]
    assert "watch" in lines[0]
    assert not (tmp_path / "x.jsonl").exists()


def test_a_service_run_from_a_program_raises_not_a_service_error_with_1063() -> None:
    # Real: this test process was not started by the service control
    # manager, so StartServiceCtrlDispatcherW fails with
    # ERROR_FAILED_SERVICE_CONTROLLER_CONNECT, on Windows and under Wine.
    # https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-startservicectrldispatcherw
    from win32session import NotAServiceError, Service

    with pytest.raises(NotAServiceError) as raised:
        Service("w32s-nowhere").run()
    assert isinstance(raised.value, OSError)
    assert raised.value.winerror == 1063
    assert len(str(raised.value).splitlines()) == 1
    assert "w32s-nowhere was not started by the service control manager" in str(raised.value)


@pytest.mark.wine_only("Windows refuses to delete an open file")
def test_the_audit_service_stops_when_its_file_is_gone(
    service_name: str, tmp_path: Path
) -> None:
    """Its folder removed while it runs (from Linux: Unix and Wine allow it):
    the next line cannot reach a file anyone will read, so the service stops
    with OUTPUT_FAILED instead of losing events while it looks healthy, and
    Windows's recovery (on real Windows) restarts it."""
    folder = tmp_path / "trail"
    folder.mkdir()
    install_host(service_name, "audit", folder / "audit.jsonl")
    manager.start(service_name)
    remove_from_linux(folder)
    manager.control(service_name, SIMULATE_LOGON)
    wait_until(lambda: manager.status(service_name).state == "stopped", "the stop")
    status = manager.status(service_name)
    assert (status.win32_exit_code, status.service_exit_code) == (1066, 4)
