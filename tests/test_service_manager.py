"""Service management through the real service control manager (Wine's SCM
under Wine): install, status, start, stop, uninstall, and the command line.

The service each test installs is ``tiny_service.py``: win32session's own
host with no callbacks (the host and the audit service are tested in
tests/test_service_host.py).
Every test's service has a name of its own and is stopped and deleted after
the test, whether it passed or not (the ``service_name`` fixture).

Only access denied is faked: Wine runs every process as an administrator, so
the SCM never refuses; the declaration is patched to fail as Windows would.
The rights of each handle are checked by the strict layer
(tests/strict_service.py), on under Wine in this process and in the command
line's (``run_cli``), since Wine's SCM checks none.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import strict_service
from support import spawn, under_wine

pytestmark = pytest.mark.windows
# Everything below exists on Windows (or Windows CPython under Wine) only;
# conftest skips the tests marked windows elsewhere.
if sys.platform == "win32":
    from win32session._win32 import advapi32, shared
    from win32session._cli.audit.image_path import Interpreter, service_command_line
    from win32session._cli import scm as manager

    TINY_SERVICE = Path(__file__).parent / "services" / "tiny_service.py"
    _serial = itertools.count(1)


    def tiny_command(name: str, mode: str = "run") -> str:
        """The command line of the tiny test service in ``mode``."""
        return subprocess.list2cmdline([sys.executable, str(TINY_SERVICE), name, mode])


    def remove_service(name: str) -> None:
        """Stops and deletes ``name`` whatever its state; nothing if it is gone."""
        try:
            manager.uninstall(name, timeout=10)
        except manager.ServiceNotInstalled:
            return
        except OSError:
            pass
        # Whatever uninstall could not do: Wine's SCM ends a service's process
        # when asked to stop it a second time, and deletes it once stopped.
        scm = advapi32.OpenSCManagerW(None, None, advapi32.SC_MANAGER_CONNECT)
        try:
            try:
                handle = advapi32.OpenServiceW(scm, name, advapi32.SERVICE_STOP | shared.DELETE)
            except OSError:
                return
            try:
                for _ in range(2):
                    try:
                        advapi32.ControlService(handle, advapi32.SERVICE_CONTROL_STOP,
                                                ctypes.byref(advapi32.SERVICE_STATUS()))
                    except OSError:
                        pass
                try:
                    advapi32.DeleteService(handle)
                except OSError:
                    pass
            finally:
                advapi32.CloseServiceHandle(handle)
        finally:
            advapi32.CloseServiceHandle(scm)


    @pytest.fixture
    def service_name() -> Iterator[str]:
        name = f"w32s-test-{os.getpid()}-{next(_serial)}"
        try:
            yield name
        finally:
            remove_service(name)


    def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
        """``python -m win32session ARGS``, with the strict layer on under Wine."""
        process = spawn([sys.executable, "-c", strict_service.CHILD_MAIN,
                         str(Path(__file__).parent), "win32session", *args],
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stdout, stderr = process.communicate(timeout=90)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


    def test_install_start_stop_uninstall(service_name: str) -> None:
        command = tiny_command(service_name)
        manager.install(service_name, "Tiny test service", "Stands in for the audit service.",
                        command)

        installed = manager.status(service_name)
        assert installed.display_name == "Tiny test service"
        assert installed.description == "Stands in for the audit service."
        assert installed.start_type == "auto"
        assert installed.command_line == command
        assert installed.account == "LocalSystem"
        assert (installed.state, installed.pid) == ("stopped", None)

        pid = manager.start(service_name, timeout=30)
        running = manager.status(service_name)
        assert (running.state, running.pid) == ("running", pid)
        assert pid > 0

        manager.stop(service_name, timeout=30)
        stopped = manager.status(service_name)
        assert (stopped.state, stopped.pid, stopped.win32_exit_code) == ("stopped", None, 0)

        manager.uninstall(service_name)
        with pytest.raises(manager.ServiceNotInstalled) as caught:
            manager.status(service_name)
        assert caught.value.winerror == advapi32.ERROR_SERVICE_DOES_NOT_EXIST
        assert str(caught.value) == f"service {service_name!r} is not installed"


    def test_the_failure_actions_read_back(service_name: str) -> None:
        """What QueryServiceConfig2W gives back for the failure actions set at
        install. Wine 8.0's SCM accepts SERVICE_CONFIG_FAILURE_ACTIONS and keeps
        nothing (it answers ERROR_INVALID_LEVEL to the query, and to the
        non-crash flag): there, the test asserts exactly that."""
        manager.install(service_name, "Tiny", "Tiny.", tiny_command(service_name))
        if under_wine():
            assert manager.status(service_name).recovery is None
            scm = advapi32.OpenSCManagerW(None, None, advapi32.SC_MANAGER_CONNECT)
            handle = advapi32.OpenServiceW(scm, service_name, advapi32.SERVICE_QUERY_CONFIG)
            try:
                needed = ctypes.c_ulong()
                with pytest.raises(OSError) as caught:
                    advapi32.QueryServiceConfig2W(handle, advapi32.SERVICE_CONFIG_FAILURE_ACTIONS,
                                                  None, 0, ctypes.byref(needed))
                assert caught.value.winerror == advapi32.ERROR_INVALID_LEVEL
            finally:
                advapi32.CloseServiceHandle(handle)
                advapi32.CloseServiceHandle(scm)
        else:
            assert manager.query_recovery(service_name) == manager.DEFAULT_RECOVERY


    def test_least_privilege_reads_back(
        service_name: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The service SID and the privileges set at install: what install
        passes to ChangeServiceConfig2W, and what QueryServiceConfig2W gives
        back. Wine 8.0's SCM knows neither level (ERROR_INVALID_LEVEL to the
        change and to the query): the install goes on, and the test asserts
        exactly that there."""
        passed: dict[int, object] = {}
        change = advapi32.ChangeServiceConfig2W
        # A multi-string: each name ended by a NUL, and one more at the end.
        expected = "SeChangeNotifyPrivilege\0\0"

        def spy(handle: int, level: int, info: object) -> int:
            if level == advapi32.SERVICE_CONFIG_SERVICE_SID_INFO:
                sid = strict_service._structure_at(info, advapi32.SERVICE_SID_INFO)
                passed[level] = sid.dwServiceSidType
            elif level == advapi32.SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO:
                listed = strict_service._structure_at(
                    info, advapi32.SERVICE_REQUIRED_PRIVILEGES_INFOW)
                address = ctypes.cast(ctypes.pointer(listed),
                                      ctypes.POINTER(ctypes.c_void_p))[0]
                passed[level] = ctypes.wstring_at(address, len(expected))
            return change(handle, level, info)

        monkeypatch.setattr(advapi32, "ChangeServiceConfig2W", spy)
        manager.install(service_name, "Tiny", "Tiny.", tiny_command(service_name))
        assert passed == {advapi32.SERVICE_CONFIG_SERVICE_SID_INFO: 1,  # UNRESTRICTED
                          advapi32.SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO: expected}
        installed = manager.status(service_name)
        if under_wine():
            assert (installed.service_sid, installed.required_privileges) == (None, None)
            with manager._open(service_name, advapi32.SERVICE_QUERY_CONFIG, "query") as service:
                for level in (advapi32.SERVICE_CONFIG_SERVICE_SID_INFO,
                              advapi32.SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO):
                    with pytest.raises(OSError) as caught:
                        advapi32.QueryServiceConfig2W(service.handle, level, None, 0,
                                                      ctypes.byref(ctypes.c_ulong()))
                    assert caught.value.winerror == advapi32.ERROR_INVALID_LEVEL
        else:
            assert installed.service_sid == "unrestricted"
            assert installed.required_privileges == manager.REQUIRED_PRIVILEGES
        assert manager.REQUIRED_PRIVILEGES == ("SeChangeNotifyPrivilege",)


    def test_installing_twice_names_the_service(service_name: str) -> None:
        manager.install(service_name, "Tiny", "Tiny.", tiny_command(service_name))
        with pytest.raises(manager.ServiceError) as caught:
            manager.install(service_name, "Tiny", "Tiny.", tiny_command(service_name))
        assert caught.value.winerror == advapi32.ERROR_SERVICE_EXISTS
        assert f"service {service_name!r}" in str(caught.value)
        assert "exists already" in str(caught.value)
        assert "uninstall it first" not in str(caught.value)  # not ours to uninstall


    def test_a_service_that_stops_as_it_starts_gives_its_exit_codes(service_name: str) -> None:
        manager.install(service_name, "Tiny", "Tiny.", tiny_command(service_name, "fail"),
                        start="demand")
        with pytest.raises(manager.ServiceError) as caught:
            manager.start(service_name, timeout=30)
        assert caught.value.winerror == advapi32.ERROR_SERVICE_SPECIFIC_ERROR
        # A code of its own (Service.fail(42)) in a service that is not the
        # audit service: from outside, the customer bit cannot be told from
        # a bit of the code, so it is shown as Windows keeps it.
        assert "its exit code is 0x2000002A (service-specific)" in str(caught.value)
        after = manager.status(service_name)
        assert (after.state, after.win32_exit_code, after.service_exit_code) == (
            "stopped", 1066, 42 | advapi32.CUSTOMER_BIT)


    def test_a_process_that_never_starts_the_service(service_name: str) -> None:
        """The process exits before it calls StartServiceCtrlDispatcherW."""
        manager.install(service_name, "Tiny", "Tiny.", tiny_command(service_name, "exit"),
                        start="demand")
        with pytest.raises(manager.ServiceError) as caught:
            manager.start(service_name, timeout=30)
        assert f"service {service_name!r}" in str(caught.value)
        assert manager.status(service_name).state == "stopped"


    def test_stop_and_uninstall_of_a_stopped_service(service_name: str) -> None:
        manager.install(service_name, "Tiny", "Tiny.", tiny_command(service_name))
        manager.stop(service_name)  # nothing to do: not an error
        manager.uninstall(service_name)
        with pytest.raises(manager.ServiceNotInstalled):
            manager.stop(service_name)


    def test_access_denied_asks_for_an_administrator(
        service_name: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Faked: Wine runs every process as an administrator, so its SCM never
        denies access; OpenSCManagerW is made to fail with error 5 as Windows's
        does for a process that is not elevated."""

        def denied(*args: object) -> int:
            raise ctypes.WinError(shared.ERROR_ACCESS_DENIED)

        monkeypatch.setattr(advapi32, "OpenSCManagerW", denied)
        for action in (lambda: manager.install(service_name, "T", "T.", "x"),
                       lambda: manager.start(service_name), lambda: manager.status(service_name)):
            with pytest.raises(manager.NeedsAdministrator) as caught:
                action()
            assert caught.value.winerror == shared.ERROR_ACCESS_DENIED
            assert "an Administrator prompt is needed" in str(caught.value)


    _DENIED_CLI = """
import ctypes, sys
from win32session._win32 import advapi32, shared
def denied(*args):
    raise ctypes.WinError(shared.ERROR_ACCESS_DENIED)
advapi32.OpenSCManagerW = denied
from win32session.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


    def test_cli_access_denied_is_one_line(service_name: str, tmp_path: Path) -> None:
        """Faked as above, in the command line's own process."""
        process = spawn([sys.executable, "-c", _DENIED_CLI, "service", "install", "--name",
                         service_name, "--output", str(tmp_path / "audit.jsonl"),
                         "--allow-user-writable-python"], stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 1
        assert stdout == ""
        assert stderr.count("\n") == 1
        assert stderr.startswith("win32session: service install: cannot install service")
        assert "an Administrator prompt is needed" in stderr


    def test_cli_install_status_uninstall(service_name: str, tmp_path: Path) -> None:
        """The real command line the audit service is installed with."""
        output = str(tmp_path / "audit.jsonl")
        installed = run_cli("service", "install", "--name", service_name, "--output", output,
                            "--allow-user-writable-python")
        assert installed.returncode == 0, installed.stderr
        assert installed.stdout == (f"installed service {service_name}: automatic start, "
                                    f"restarted after a failure; appends to {output}\n")

        shown = run_cli("service", "status", "--name", service_name, "--json")
        assert shown.returncode == 0, shown.stderr
        record = json.loads(shown.stdout)
        assert record["command_line"] == service_command_line(service_name, output)
        assert record["command_line"].endswith(
            f"-m win32session service run --name {service_name} --output {output}")
        assert (record["state"], record["start_type"], record["display_name"]) == (
            "stopped", "auto", f"win32session audit trail ({service_name})")

        text = run_cli("service", "status", "--name", service_name)
        assert text.returncode == 0, text.stderr
        lines = text.stdout.splitlines()
        assert lines[0].split() == ["name", service_name]
        assert ["state", "stopped"] in [line.split() for line in lines]
        assert len({line.index(line.split()[1]) for line in lines}) == 1  # aligned

        removed = run_cli("service", "uninstall", "--name", service_name)
        assert (removed.returncode, removed.stdout) == (0, f"uninstalled service {service_name}\n")
        gone = run_cli("service", "status", "--name", service_name)
        assert gone.returncode == 1
        assert gone.stderr == (f"win32session: service status: service {service_name!r} "
                               "is not installed\n")


    def test_cli_start_stop(service_name: str) -> None:
        """The tiny service is not an audit service: --any-service."""
        manager.install(service_name, "Tiny", "Tiny.", tiny_command(service_name), start="demand")
        started = run_cli("service", "start", "--name", service_name, "--any-service")
        assert started.returncode == 0, started.stderr
        pid = manager.status(service_name).pid
        assert started.stdout == f"started service {service_name}: running, process {pid}\n"
        again = run_cli("service", "start", "--name", service_name, "--any-service")
        assert again.returncode == 1
        assert again.stderr == (f"win32session: service start: service {service_name!r} "
                                "is running already\n")
        stopped = run_cli("service", "stop", "--name", service_name, "--any-service")
        assert (stopped.returncode, stopped.stdout) == (0, f"stopped service {service_name}\n")
        assert manager.status(service_name).state == "stopped"


    def test_recovery_after_a_crash(service_name: str) -> None:
        """The service's process is ended by TerminateProcess (os.kill), so it
        never reports STOPPED: a crash. Windows's SCM restarts it after the
        configured delay (1 s here). Wine 8.0's SCM does not: it keeps no failure
        actions, and it does not even notice that the process has gone (the
        service stays "running" with the dead process's id); the test asserts
        exactly that there."""
        manager.install(service_name, "Tiny", "Tiny.", tiny_command(service_name),
                        start="demand", recovery=manager.Recovery((1.0,), 3600, True))
        pid = manager.start(service_name, timeout=30)
        os.kill(pid, signal.SIGTERM)  # TerminateProcess(pid's handle, 15)
        deadline = time.monotonic() + 8
        while True:
            now = manager.status(service_name)
            if now.state == "running" and now.pid not in (None, pid):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.25)  # another process's restart: nothing to wait on
        if under_wine():
            assert (now.state, now.pid) == ("running", pid)
            assert now.recovery is None
        else:
            assert now.state == "running" and now.pid not in (None, pid)
            assert now.recovery == manager.Recovery((1.0,), 3600, True)


    def test_a_display_name_taken_by_another_service(service_name: str) -> None:
        manager.install(service_name, f"Display {service_name}", "Tiny.",
                        tiny_command(service_name))
        other = f"{service_name}-b"
        try:
            with pytest.raises(manager.ServiceError) as caught:
                manager.install(other, f"Display {service_name}", "Tiny.", tiny_command(other))
            assert caught.value.winerror == advapi32.ERROR_DUPLICATE_SERVICE_NAME
            assert "another service has that display name" in str(caught.value)
        finally:
            remove_service(other)


    def test_control_refuses_what_only_the_scm_sends(service_name: str) -> None:
        manager.install(service_name, f"Tiny {service_name}", "Tiny.",
                        tiny_command(service_name), start="demand")
        manager.start(service_name)
        with pytest.raises(manager.ServiceError) as caught:
            manager.control(service_name, 0xE)  # SERVICE_CONTROL_SESSIONCHANGE
        assert caught.value.winerror == 87
        assert f"cannot control service {service_name!r}" in str(caught.value)
        # With the right ControlService's page names for it: SERVICE_INTERROGATE.
        manager.control(service_name, advapi32.SERVICE_CONTROL_INTERROGATE)
        assert manager.status(service_name).state == "running"
        manager.stop(service_name)


    def test_the_strict_layer_is_on_under_wine() -> None:
        """Under Wine, in this process and in the command line's child."""
        assert strict_service.active() == under_wine()
        child = spawn([sys.executable, "-c", strict_service.CHILD_MAIN,
                       str(Path(__file__).parent), "strict_service_probe"],
                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE, text=True)
        stdout, stderr = child.communicate(timeout=60)
        assert (child.returncode, stdout.strip()) == (0, str(under_wine())), stderr


    def test_a_handle_without_the_right_is_refused(service_name: str) -> None:
        """Each call on a handle opened with SERVICE_QUERY_STATUS alone fails
        with error 5, as Windows's SCM fails it (under Wine, the strict layer
        does); the one right it has works."""
        manager.install(service_name, f"Tiny {service_name}", "Tiny.",
                        tiny_command(service_name), start="demand")
        scm = advapi32.OpenSCManagerW(None, None, advapi32.SC_MANAGER_CONNECT)
        handle = advapi32.OpenServiceW(scm, service_name, advapi32.SERVICE_QUERY_STATUS)
        try:
            text = advapi32.SERVICE_DESCRIPTIONW("changed")
            needed = ctypes.c_ulong()
            calls: list[Callable[[], object]] = [
                lambda: advapi32.StartServiceW(handle, 0, None),
                lambda: advapi32.ControlService(handle, advapi32.SERVICE_CONTROL_STOP,
                                                ctypes.byref(advapi32.SERVICE_STATUS())),
                lambda: advapi32.ControlService(handle, 200,
                                                ctypes.byref(advapi32.SERVICE_STATUS())),
                lambda: advapi32.ChangeServiceConfig2W(
                    handle, advapi32.SERVICE_CONFIG_DESCRIPTION, ctypes.byref(text)),
                lambda: advapi32.QueryServiceConfigW(handle, None, 0, ctypes.byref(needed)),
                lambda: advapi32.DeleteService(handle),
            ]
            for call in calls:
                with pytest.raises(OSError) as caught:
                    call()
                assert caught.value.winerror == shared.ERROR_ACCESS_DENIED
            status = advapi32.SERVICE_STATUS_PROCESS()
            advapi32.QueryServiceStatusEx(handle, advapi32.SC_STATUS_PROCESS_INFO,
                                          ctypes.byref(status), ctypes.sizeof(status),
                                          ctypes.byref(needed))
            assert status.dwCurrentState == advapi32.SERVICE_STOPPED
        finally:
            advapi32.CloseServiceHandle(handle)
            advapi32.CloseServiceHandle(scm)
        # The SCM handle's SC_MANAGER_CONNECT is not SC_MANAGER_CREATE_SERVICE.
        with manager._scm(advapi32.SC_MANAGER_CONNECT) as connect_only, pytest.raises(
                OSError) as refused:
            advapi32.CreateServiceW(connect_only, f"{service_name}-x", None, 0,
                                    advapi32.SERVICE_WIN32_OWN_PROCESS,
                                    advapi32.SERVICE_DEMAND_START, 1, "x", None, None,
                                    None, None, None)
        assert refused.value.winerror == shared.ERROR_ACCESS_DENIED
        assert manager.status(service_name).state == "stopped"


    def test_restart_actions_need_service_start(service_name: str) -> None:
        """The sentence of ChangeServiceConfig2W's page behind issue 15's item 1:
        a handle with SERVICE_CHANGE_CONFIG alone may set a description, but
        not failure actions that restart the service."""
        manager.install(service_name, f"Tiny {service_name}", "Tiny.",
                        tiny_command(service_name), start="demand")
        with manager._scm(advapi32.SC_MANAGER_CONNECT) as scm:
            handle = advapi32.OpenServiceW(scm, service_name, advapi32.SERVICE_CHANGE_CONFIG)
            try:
                text = advapi32.SERVICE_DESCRIPTIONW("changed")
                advapi32.ChangeServiceConfig2W(handle, advapi32.SERVICE_CONFIG_DESCRIPTION,
                                               ctypes.byref(text))
                with pytest.raises(OSError) as caught:
                    manager._set_recovery(handle, manager.DEFAULT_RECOVERY)
                assert caught.value.winerror == shared.ERROR_ACCESS_DENIED
            finally:
                advapi32.CloseServiceHandle(handle)
        assert manager.status(service_name).description == "changed"


    # --- Issue 18, items 1 and 7: only our own services, and more than one. ---

    def _interpreter(venv: bool) -> Interpreter:
        base = r"C:\Program Files\Python312\python.exe"
        executable = r"C:\envs\a b\Scripts\python.exe" if venv else base
        prefix = r"C:\envs\a b" if venv else r"C:\Program Files\Python312"
        return Interpreter(executable, base, prefix, r"C:\Program Files\Python312",
                           prefix + r"\Lib\site-packages")


    @pytest.mark.parametrize("args", [
        ["a"], ["a b", "c"], [""], ['say "hi"'], ["C:\\dir\\"], ["C:\\a b\\"],
        ['\\"'], ["\\\\", 'x"y"z'], ["tab\there"], ['"', '""', "\\\\\\"],
    ])
    def test_split_command_line_inverts_list2cmdline(args: list[str]) -> None:
        program = r"C:\Program Files\Python312\python.exe"
        line = subprocess.list2cmdline([program, *args])
        assert manager.split_command_line(line) == [program, *args]


    @pytest.mark.parametrize("venv", [False, True])
    @pytest.mark.parametrize("name", ["win32session-audit", "a b", 'q"uote', "x\\"])
    def test_our_command_lines_are_recognised(venv: bool, name: str) -> None:
        line = service_command_line(name, r"C:\ProgramData\win32session\x y.jsonl",
                                    _interpreter(venv))
        assert manager.audit_service_name(line) == name


    @pytest.mark.parametrize("line", [
        r"C:\Windows\System32\spoolsv.exe",
        r'"C:\Program Files\Python312\python.exe" -I -m other service run --name x',
        r'"C:\Program Files\Python312\python.exe" -m win32session service run --name x',
        r'"C:\Program Files\Python312\python.exe" -I -m win32session watch --name x',
        r'"C:\Program Files\Python312\python.exe" -I -m win32session service run',
        r'"C:\Program Files\Python312\python.exe" -I -S -c "import evil" C:\v\python.exe '
        r"win32session service run --name x",
        "",
    ])
    def test_other_command_lines_are_not_ours(line: str) -> None:
        assert manager.audit_service_name(line) is None

    @pytest.mark.parametrize(("code", "ours", "shown"), [
        (0x20000004, False, 4),  # ServiceExit.OUTPUT_FAILED, from any service
        (0x2000004D, True, 77),  # the audit service's own code
        (0x2000004D, False, 0x2000004D),  # another program's: maybe its own bit
        (0x20000000 | 0x1234, False, 0x20001234),
        (4, False, 4),
    ])
    def test_the_customer_bit_is_dropped_only_where_it_is_ours(
            code: int, ours: bool, shown: int) -> None:
        """The SERVICE_STATUS_PROCESS that QueryServiceStatusEx fills in, as
        Windows would for a stopped service: another program's code keeps
        every bit it set."""
        state = advapi32.SERVICE_STATUS_PROCESS()
        state.dwWin32ExitCode = advapi32.ERROR_SERVICE_SPECIFIC_ERROR
        state.dwServiceSpecificExitCode = code
        line = (service_command_line("audit", r"C:\ProgramData\win32session\audit.jsonl",
                                     _interpreter(False))
                if ours else r"C:\Program Files\Other\other.exe --service")
        assert manager._service_exit_code(state, line) == shown


    def test_the_cli_touches_no_other_programs_service(service_name: str,
                                                       tmp_path: Path) -> None:
        """A service win32session did not install (the tiny one, with its own
        display name) is refused by start, stop, status and uninstall with
        one line and exit 2, and left as it was; --any-service acts on it."""
        manager.install(service_name, f"Other {service_name}", "Another program's.",
                        tiny_command(service_name), start="demand")
        for action in ("start", "stop", "status", "uninstall"):
            refused = run_cli("service", action, "--name", service_name)
            assert (refused.returncode, refused.stdout) == (2, ""), refused.stderr
            assert refused.stderr == (
                f"win32session: service {action}: service {service_name!r} is not a "
                f"win32session audit service: not touching it (--any-service to "
                f"{'query' if action == 'status' else action} it all the same)\n")
        assert manager.status(service_name).state == "stopped"
        installed = run_cli("service", "install", "--name", service_name,
                            "--output", str(tmp_path / "x.jsonl"),
                            "--allow-user-writable-python")
        assert installed.returncode == 1
        assert "exists already (choose another --name)" in installed.stderr
        assert "uninstall it first" not in installed.stderr
        assert manager.status(service_name).command_line == tiny_command(service_name)
        forced = run_cli("service", "uninstall", "--name", service_name, "--any-service")
        assert (forced.returncode, forced.stdout) == (0, f"uninstalled service {service_name}\n")


    def test_two_audit_services_coexist(service_name: str, tmp_path: Path) -> None:
        """Each display name carries the service's name (issue 18, item 7);
        a second install of the same name says to uninstall it first."""
        other = f"{service_name}-b"
        try:
            for name in (service_name, other):
                installed = run_cli("service", "install", "--name", name,
                                    "--output", str(tmp_path / f"{name}.jsonl"),
                                    "--allow-user-writable-python")
                assert installed.returncode == 0, installed.stderr
            for name in (service_name, other):
                shown = run_cli("service", "status", "--name", name, "--json")
                assert shown.returncode == 0, shown.stderr
                assert json.loads(shown.stdout)["display_name"] == (
                    f"win32session audit trail ({name})")
            again = run_cli("service", "install", "--name", other,
                            "--output", str(tmp_path / "again.jsonl"),
                            "--allow-user-writable-python")
            assert again.returncode == 1
            assert again.stderr == (
                f"win32session: service install: cannot install service {other!r}: a "
                "win32session audit service of that name exists already (uninstall it "
                "first, or choose another --name)\n")
            removed = run_cli("service", "uninstall", "--name", other)
            assert removed.returncode == 0, removed.stderr
        finally:
            remove_service(other)


    def test_a_display_name_within_windows_limit() -> None:
        """CreateServiceW takes display names of up to 256 characters."""
        from win32session._cli.service import service_display_name

        assert service_display_name("x") == "win32session audit trail (x)"
        longest = "n" * 256
        assert service_display_name(longest) == longest
        assert len(service_display_name("n" * 229)) == 256
