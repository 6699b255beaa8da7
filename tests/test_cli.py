"""The command line. Arguments, formats and errors are checked in-process on
any OS; the commands themselves run as real processes, each in a console of its
own under Windows (or Wine), with events posted to their windows and Ctrl+C
pressed in their consoles."""

from __future__ import annotations

import datetime
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

import pytest
from support import (
    Child,
    end_session,
    find_notifier_window,
    post,
    send_power,
    spawn,
    under_wine,
)

import win32session
from win32session import (
    ACLineStatus,
    ConnectState,
    EndSessionFlags,
    IdleState,
    MonitorDisplayState,
    PowerBroadcast,
    PowerEvent,
    PowerSetting,
    PowerStatus,
    SessionEnding,
    SessionEndingEvent,
    SessionEvent,
    SessionInfo,
    SessionNotificationMsg,
    UserActivityPresence,
)
from win32session.__main__ import main
from win32session._cli.main import _normalise
from win32session._cli.parser import build_parser as _parser
from win32session._cli.records import (
    event_record,
    format_event,
    format_sessions,
    format_status,
    session_record,
    status_record,
)

M = SessionNotificationMsg
P = PowerBroadcast
S = PowerSetting
WHEN = datetime.datetime(2026, 11, 21, 9, 40, 10, 123456, tzinfo=datetime.timezone.utc)
windows = pytest.mark.windows
needs_win32 = pytest.mark.skipif(sys.platform != "win32", reason="runs Windows programs")


# --- Arguments (any OS). ---


@pytest.mark.parametrize(
    "argv",
    [["--bogus"], ["watch", "--json=yes"], ["sessions", "--all-sessions"], ["selftest", "x"],
     ["watch", "--output"], ["nonsense"], ["watch", "--power=yes"], ["sessions", "--power"],
     ["selftest", "--ending"], ["status", "--all-sessions"], ["status", "--power"],
     ["status", "--output", "x"], ["status", "--idle-threshold"],
     ["status", "--idle-threshold", "-1"], ["status", "--idle-threshold", "nan"],
     ["status", "--idle-threshold", "inf"], ["status", "--idle-threshold", "soon"],
     ["status", "extra"], ["watch", "--idle-threshold", "5"],
     ["status", "--idle-threshold", "-inf"], ["status", "--idle-threshold", "-1e3"],
     ["status", "--idle-threshold", "-nan"], ["status", "--idle-threshold=-inf"],
     ["status", "--idle-threshold", "1e400"], ["watch", "--output", ""], ["--output", ""],
     ["service", "status", "--name", ""], ["service", "stop", "--name", "a\\b"],
     ["service", "uninstall", "--name", "a/b"], ["service", "start", "--name", "x" * 257],
     ["service", "status", "--name", "two\nlines"], ["service"], ["service", "bogus"],
     ["service", "stop", "--name="],
     ["service", "status", "--name", "a\u2028b"], ["service", "run", "--name", " x"],
     ["watch", "--output", "a\x00b"]],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("win32session")
    assert "--help" in err


@pytest.mark.parametrize("command", [[], ["watch"], ["status"], ["sessions"], ["selftest"]])
def test_version_and_help_for_each_command(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"win32session {win32session.__version__}"
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: win32session {' '.join(command)}".rstrip())


@pytest.mark.skipif(sys.platform == "win32", reason="checks the error away from Windows")
@pytest.mark.parametrize(
    "argv",
    [[], ["--json"], ["--power", "--ending"], ["watch", "--ending", "--json"], ["status"],
     ["status", "--json"], ["sessions"], ["selftest"], ["--selftest"]],
)
def test_off_windows_each_command_exits_1_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "needs Windows" in err


def test_an_output_file_that_cannot_be_opened_exits_1_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no such folder" / "audit.jsonl"
    assert main(["watch", "--output", str(missing)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith(f"win32session: watch failed: cannot open {missing}")


@pytest.mark.parametrize("command", ["bogus", "stauts", "\u738b", "watch2", "Watch"])
def test_an_unknown_command_is_named_with_the_commands(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"win32session: unknown command {command!r} (choose from watch, status, "
                   "sessions, selftest, doctor, service; see win32session --help)\n")


@pytest.mark.parametrize(
    ("value", "said"),
    [("-inf", "'-inf'"), ("inf", "'inf'"), ("nan", "'nan'"), ("-nan", "'-nan'"),
     ("-1", "'-1'"), ("-1e-9", "'-1e-9'"), ("1e400", "'1e400'")],
)
def test_idle_threshold_infinities_nan_and_negatives_say_so(
    value: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # "-inf" looks like an option to argparse: it must still reach the check.
    assert main(["status", "--idle-threshold", value]) == 2
    assert capsys.readouterr().err == (
        "win32session status: argument --idle-threshold: must be a finite number of "
        f"seconds, 0 or more, got {said} (see win32session status --help)\n")


@pytest.mark.parametrize("value", ["-0", "-0.0", "0", "-0e5"])
def test_minus_zero_is_zero_in_text_and_json(value: str) -> None:
    args = _parser().parse_args(_normalise(["status", "--idle-threshold", value]))
    threshold = args.idle_threshold
    assert threshold == 0 and math.copysign(1, threshold) == 1
    record = status_record(1, False, 3.0, threshold, IdleState.IDLE,
                           PowerStatus(ACLineStatus.AC_LINE_ONLINE, None, False))
    assert json.dumps(record["idle_threshold"]) == "0.0"
    assert "idle_threshold   0" in format_status(record)


@pytest.mark.parametrize("name", ["nul.txt", "NUL", "CON", "CONOUT$", "conin$", "com1.jsonl",
                                  "LPT\u00b9", "aux. .log", "prn"])
def test_watch_refuses_a_device_name_with_exit_2(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any OS: the refusal comes before anything is opened, made or watched.
    monkeypatch.chdir(tmp_path)
    for path in (name, str(tmp_path / name)):
        assert main(["watch", "--json", "--output", path]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.startswith(f"win32session: watch: cannot write to {path}: Windows opens "
                              "the device ")
        assert err.endswith(", not a file, so no line would be kept; choose another name\n")
        assert len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_watch_refuses_a_folder_and_a_device_path_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["watch", "--output", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"win32session: watch: cannot write to {tmp_path}: it is a folder, not a file\n")
    assert main(["watch", "--output", "\\\\.\\COM1"]) == 2
    assert capsys.readouterr().err == (
        "win32session: watch: cannot write to \\\\.\\COM1: it names a device, not a file, "
        "so no line would be kept\n")


# --- Formats (any OS). ---


def test_format_event_shows_local_time_reason_session_and_user() -> None:
    info = SessionInfo(2, user_name="ada", domain="LAB")
    line = format_event(SessionEvent(M.WTS_SESSION_LOCK, 2, WHEN, info=info))
    local = WHEN.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert line == f"{local}  WTS_SESSION_LOCK             session 2  LAB\\ada"
    unknown = format_event(SessionEvent(0x42, 1, WHEN))
    assert unknown.endswith("unknown code 0x42            session 1")


def test_event_record_is_the_documented_json_object() -> None:
    info = SessionInfo(2, user_name="ada", domain="LAB")
    record = event_record(SessionEvent(M.WTS_SESSION_REMOTE_CONTROL, 2, WHEN, True, info))
    assert record == {
        "time": "2026-11-21T09:40:10.123456+00:00", "event": "session",
        "reason": "WTS_SESSION_REMOTE_CONTROL", "code": 9, "session_id": 2, "user": "ada",
        "domain": "LAB", "remote_control": True,
    }
    unknown = event_record(SessionEvent(0x42, 1, WHEN))
    assert (unknown["reason"], unknown["code"], unknown["user"]) == (0x42, 0x42, None)
    assert json.loads(json.dumps(record)) == record
    assert datetime.datetime.fromisoformat(record["time"]) == WHEN


def test_power_lines_in_the_same_columns() -> None:
    local = WHEN.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    display = PowerEvent(P.PBT_POWERSETTINGCHANGE, WHEN, S.GUID_SESSION_DISPLAY_STATUS,
                         MonitorDisplayState.PowerMonitorOff, bytes(4), True)
    assert format_event(display) == (
        f"{local}  PBT_POWERSETTINGCHANGE       "
        "GUID_SESSION_DISPLAY_STATUS=PowerMonitorOff (initial)")
    assert format_event(PowerEvent(P.PBT_APMSUSPEND, WHEN)) == f"{local}  PBT_APMSUSPEND"
    assert format_event(PowerEvent(0x1234, WHEN)) == f"{local}  unknown PBT code 0x1234"
    guid = "01234567-89ab-cdef-0123-456789abcdef"
    raw = PowerEvent(P.PBT_POWERSETTINGCHANGE, WHEN, guid, 7, b"\x07\0\0\0")
    assert format_event(raw).endswith(f"  PBT_POWERSETTINGCHANGE       {guid}=7")
    battery = PowerEvent(P.PBT_POWERSETTINGCHANGE, WHEN, S.GUID_BATTERY_PERCENTAGE_REMAINING, 57)
    assert format_event(battery).endswith("GUID_BATTERY_PERCENTAGE_REMAINING=57")
    not_a_dword = PowerEvent(P.PBT_POWERSETTINGCHANGE, WHEN, guid, None, b"\x01\x02")
    assert format_event(not_a_dword).endswith(f"{guid}=0x0102")


def test_ending_lines_say_why_and_whether_it_ends() -> None:
    local = WHEN.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    logoff = EndSessionFlags.ENDSESSION_LOGOFF
    query = SessionEndingEvent(SessionEnding.WM_QUERYENDSESSION, WHEN, logoff)
    assert format_event(query) == f"{local}  WM_QUERYENDSESSION           logoff"
    end = SessionEndingEvent(SessionEnding.WM_ENDSESSION, WHEN, EndSessionFlags(0), True)
    assert format_event(end) == (
        f"{local}  WM_ENDSESSION                shutdown or restart  ending=True")
    cancelled = SessionEndingEvent(SessionEnding.WM_ENDSESSION, WHEN, logoff, False)
    assert format_event(cancelled).endswith("logoff  ending=False")


def test_power_and_ending_records_are_the_documented_json_objects() -> None:
    display = PowerEvent(P.PBT_POWERSETTINGCHANGE, WHEN, S.GUID_SESSION_USER_PRESENCE,
                         UserActivityPresence.PowerUserNotPresent, b"\x01\0\0\0", True)
    assert event_record(display) == {
        "time": "2026-11-21T09:40:10.123456+00:00", "event": "power",
        "kind": "PBT_POWERSETTINGCHANGE", "code": 0x8013,
        "setting": "GUID_SESSION_USER_PRESENCE", "value": 1, "value_name": "PowerUserNotPresent",
        "initial": True,
    }
    suspend = event_record(PowerEvent(P.PBT_APMSUSPEND, WHEN))
    assert {k: suspend[k] for k in ("kind", "code", "setting", "value", "value_name",
                                    "initial")} == {
        "kind": "PBT_APMSUSPEND", "code": 4, "setting": None, "value": None,
        "value_name": None, "initial": False}
    assert (event_record(PowerEvent(0x1234, WHEN))["kind"],
            event_record(PowerEvent(0x1234, WHEN))["code"]) == (0x1234, 0x1234)
    guid = "01234567-89ab-cdef-0123-456789abcdef"
    raw = event_record(PowerEvent(P.PBT_POWERSETTINGCHANGE, WHEN, guid, 9, bytes(4)))
    assert (raw["setting"], raw["value"], raw["value_name"]) == (guid, 9, None)
    battery = event_record(
        PowerEvent(P.PBT_POWERSETTINGCHANGE, WHEN, S.GUID_BATTERY_PERCENTAGE_REMAINING, 57))
    assert (battery["value"], battery["value_name"]) == (57, None)
    flags = EndSessionFlags.ENDSESSION_LOGOFF | EndSessionFlags.ENDSESSION_CRITICAL
    assert event_record(SessionEndingEvent(SessionEnding.WM_QUERYENDSESSION, WHEN, flags)) == {
        "time": "2026-11-21T09:40:10.123456+00:00", "event": "ending",
        "kind": "WM_QUERYENDSESSION", "code": 0x11,
        "flags": ["ENDSESSION_CRITICAL", "ENDSESSION_LOGOFF"], "ending": None,
    }
    end = event_record(
        SessionEndingEvent(SessionEnding.WM_ENDSESSION, WHEN, EndSessionFlags(0), True))
    assert (end["kind"], end["code"], end["flags"], end["ending"]) == (
        "WM_ENDSESSION", 0x16, [], True)
    for record in (raw, battery, end):
        assert json.loads(json.dumps(record)) == record


def test_status_record_and_lines() -> None:
    power = PowerStatus(ACLineStatus.AC_LINE_OFFLINE, 57, True)
    record = status_record(2, None, 75.04321, 60.0, IdleState.IDLE, power)
    assert record == {
        "session_id": 2, "locked": None, "idle_seconds": 75.043, "idle_threshold": 60.0,
        "idle_state": "idle", "in_use": False, "ac_line": "AC_LINE_OFFLINE",
        "battery_percent": 57, "battery_saver": True,
    }
    assert format_status(record) == [
        "session_id       2",
        "locked           -",
        "idle_seconds     75.0",
        "idle_threshold   60",
        "idle_state       idle",
        "in_use           no",
        "ac_line          AC_LINE_OFFLINE",
        "battery_percent  57",
        "battery_saver    yes",
    ]
    active = status_record(1, False, 1.5, 30.0, IdleState.ACTIVE, PowerStatus(7, None, False))
    assert (active["in_use"], active["ac_line"], active["locked"]) == (True, 7, False)
    locked = status_record(1, True, 0.0, 60.0, IdleState.LOCKED, power)
    assert (locked["in_use"], locked["idle_state"]) == (False, "locked")
    assert format_status(active)[1] == "locked           no"


def test_sessions_table_and_json() -> None:
    listed = [
        SessionInfo(0, "Services", ConnectState.WTSDisconnected),
        SessionInfo(2, "RDP-Tcp#0", ConnectState.WTSActive, "bob", "LAB", "HOME-PC", False),
        SessionInfo(7, None, 42, "ada", None, None, True),
    ]
    assert format_sessions(listed) == [
        "ID  STATION    STATE         USER     CLIENT   LOCKED",
        "0   Services   Disconnected  -        -        -",
        "2   RDP-Tcp#0  Active        LAB\\bob  HOME-PC  no",
        "7   -          42            ada      -        yes",
    ]
    assert session_record(listed[1]) == {
        "session_id": 2, "station": "RDP-Tcp#0", "state": "WTSActive", "user": "bob",
        "domain": "LAB", "client": "HOME-PC", "locked": False,
    }
    assert session_record(listed[2])["state"] == 42
    assert format_sessions([]) == ["ID  STATION  STATE  USER  CLIENT  LOCKED"]


# --- The commands, for real (Windows, or Windows CPython under Wine). ---

USER = os.environ.get("USERNAME", "")
DOMAIN = os.environ.get("USERDOMAIN", "")


def own_session() -> int:
    return win32session.current_session_id()


def finish_with_ctrl_c(child: Child) -> None:
    child.ctrl_c()
    assert child.wait() == 0, child.output()
    assert "Traceback" not in "".join(child.stderr), child.output()


@windows
@needs_win32
def test_watch_prints_each_event_with_its_user_until_ctrl_c() -> None:
    child = Child("-m", "win32session")  # watch is the default
    hwnd = find_notifier_window(child.process.pid)
    session = own_session()
    post(hwnd, M.WTS_SESSION_LOCK, session)
    post(hwnd, M.WTS_SESSION_LOCK, session + 1)  # another session: not watched
    post(hwnd, 0x42, session)
    lock = child.expect("WTS_SESSION_LOCK")
    unknown = child.expect("unknown code 0x42")
    finish_with_ctrl_c(child)
    assert lock.rstrip().endswith(f"session {session}  {DOMAIN}\\{USER}")
    assert f"session {session}" in unknown
    assert len(child.stdout) == 2
    assert "watching NOTIFY_FOR_THIS_SESSION; Ctrl+C to stop" in "".join(child.stderr)


@windows
@needs_win32
def test_watch_all_sessions_json_lines() -> None:
    child = Child("-m", "win32session", "watch", "--all-sessions", "--json")
    hwnd = find_notifier_window(child.process.pid)
    post(hwnd, M.WTS_REMOTE_CONNECT, 0xFFFFFFFF)
    post(hwnd, 0x42, 3)
    child.expect('"WTS_REMOTE_CONNECT"')
    child.expect('"reason": 66')
    finish_with_ctrl_c(child)
    first, second = (json.loads(line) for line in child.stdout)
    assert set(first) == {"time", "event", "reason", "code", "session_id", "user", "domain",
                          "remote_control"}
    assert first["event"] == second["event"] == "session"
    assert (first["reason"], first["code"], first["session_id"]) == ("WTS_REMOTE_CONNECT", 3,
                                                                    0xFFFFFFFF)
    assert (second["reason"], second["code"], second["session_id"]) == (0x42, 0x42, 3)
    assert (second["user"], second["domain"], second["remote_control"]) == (USER, DOMAIN, None)
    when = datetime.datetime.fromisoformat(first["time"])
    assert when.utcoffset() == datetime.timedelta(0)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) < 120


@windows
@needs_win32
def test_watch_output_appends_and_flushes_each_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text('{"kept": true}\n', encoding="utf-8")
    child = Child("-m", "win32session", "--all-sessions", "--json", "--output", str(log))
    hwnd = find_notifier_window(child.process.pid)
    post(hwnd, M.WTS_SESSION_LOGON, 4)
    # Read while the writer still runs: the line must already be in the file.
    deadline = time.monotonic() + 20
    while len(log.read_text(encoding="utf-8").splitlines()) < 2:
        assert time.monotonic() < deadline, "the line never reached the file"
        time.sleep(0.02)  # another process writes it: there is nothing to wait on
    post(hwnd, M.WTS_SESSION_LOGOFF, 4)
    while len(log.read_text(encoding="utf-8").splitlines()) < 3:
        assert time.monotonic() < deadline, "the second line never reached the file"
        time.sleep(0.02)
    finish_with_ctrl_c(child)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"kept": true}'
    assert [json.loads(line)["reason"] for line in lines[1:]] == [
        "WTS_SESSION_LOGON", "WTS_SESSION_LOGOFF"]
    assert child.stdout == []
    assert f"appending to {log}" in "".join(child.stderr)


def run_command(*args: str) -> subprocess.CompletedProcess[str]:
    process = spawn([sys.executable, "-m", "win32session", *args], stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


SIMULATE = Path(__file__).resolve().parent.parent / "scripts" / "simulate_event.py"


def simulate(*args: str) -> str:
    """Runs scripts/simulate_event.py, which plays Windows's part for every
    notifier window; returns what it printed."""
    result = subprocess.run([sys.executable, str(SIMULATE), *args], capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@windows
@needs_win32
def test_watch_power_json_lines_with_session_lines() -> None:
    # Simulated: Windows's sends. PBT codes go straight from this process
    # (SendMessageW, no data); a setting goes through the simulator, which
    # writes a real POWERBROADCAST_SETTING into the watcher's own process.
    child = Child("-m", "win32session", "watch", "--power", "--json")
    hwnd = find_notifier_window(child.process.pid)
    before = datetime.datetime.now(datetime.timezone.utc)
    assert send_power(hwnd, P.PBT_APMSUSPEND.code) == 1  # returns once handled
    after = datetime.datetime.now(datetime.timezone.utc)
    child.expect('"PBT_APMSUSPEND"')
    simulate("display_off")
    child.expect('"PowerMonitorOff"')
    simulate("display_on")
    child.expect('"PowerMonitorOn"')
    assert send_power(hwnd, 0x1234) == 1
    child.expect('"kind": 4660')
    post(hwnd, M.WTS_SESSION_LOCK, own_session())
    child.expect('"WTS_SESSION_LOCK"')
    finish_with_ctrl_c(child)
    records = [json.loads(line) for line in child.stdout]
    if not under_wine():  # Windows also sends each setting's value at once
        records = [r for r in records if not r.get("initial")]
    suspend, off, on, unknown, lock = records
    assert suspend == {"time": suspend["time"], "event": "power", "kind": "PBT_APMSUSPEND",
                       "code": 4, "setting": None, "value": None, "value_name": None,
                       "initial": False}
    # Stamped in UTC while Windows's send lasted. The same clock, read in two
    # processes: a second's slack for its resolution, not a time budget.
    when = datetime.datetime.fromisoformat(suspend["time"])
    assert when.utcoffset() == datetime.timedelta(0)
    slack = datetime.timedelta(seconds=1)
    assert before - slack <= when <= after + slack, (before, suspend["time"], after)
    assert (off["kind"], off["code"], off["setting"], off["value"], off["value_name"]) == (
        "PBT_POWERSETTINGCHANGE", 0x8013, "GUID_SESSION_DISPLAY_STATUS", 0, "PowerMonitorOff")
    # Windows sends each setting's value right after registration; Wine never
    # does, so there the first one simulated is what the watcher takes as initial.
    assert (off["initial"], on["initial"], on["value"]) == (under_wine(), False, 1)
    assert (unknown["kind"], unknown["code"], unknown["setting"]) == (0x1234, 0x1234, None)
    assert (lock["event"], lock["reason"], lock["user"]) == ("session", "WTS_SESSION_LOCK", USER)
    assert "watching NOTIFY_FOR_THIS_SESSION with power events; Ctrl+C to stop" in "".join(
        child.stderr)


@windows
@needs_win32
def test_watch_power_text_lines() -> None:
    child = Child("-m", "win32session", "watch", "--power", "--all-sessions")
    hwnd = find_notifier_window(child.process.pid)
    simulate("user_not_present")
    line = child.expect("=PowerUserNotPresent")
    assert line.rstrip().endswith(
        "  PBT_POWERSETTINGCHANGE       GUID_SESSION_USER_PRESENCE=PowerUserNotPresent"
        + (" (initial)" if under_wine() else ""))  # see the test above
    assert send_power(hwnd, P.PBT_APMRESUMEAUTOMATIC.code) == 1
    assert child.expect("PBT_APMRESUMEAUTOMATIC").rstrip().endswith("  PBT_APMRESUMEAUTOMATIC")
    finish_with_ctrl_c(child)


#: The watcher's main() in a child process, saying whether it ever returned:
#: a process that Windows (here Wine) ends after WM_ENDSESSION never does.
MAIN_SAYS_IF_IT_RETURNS = """
import sys
from win32session.__main__ import main
code = main(sys.argv[1:])
print("main returned", code, flush=True)
sys.exit(code)
"""


@windows
@needs_win32
@pytest.mark.wine_only("wineboot --end-session is Wine's; on Windows the session ending is "
                       "checked by hand (it ends the test run's session)")
@pytest.mark.parametrize("as_json", [True, False], ids=["json-output-file", "text-stdout"])
def test_watch_ending_writes_its_lines_before_wine_ends_it(tmp_path: Path, as_json: bool) -> None:
    # Nothing simulated: wineboot sends WM_QUERYENDSESSION and WM_ENDSESSION
    # to every top-level window, as Windows does at shutdown, then ends their
    # processes. Each line must be flushed from the callback, before the
    # answer: the process is gone right after the last one.
    assert os.environ.get("DISPLAY"), "a top-level window under Wine needs an X display (Xvfb)"
    log = tmp_path / "ending.jsonl"
    log.write_text('{"kept": true}\n', encoding="utf-8")
    args = ["watch", "--ending", "--power"]
    args += ["--json", "--output", str(log)] if as_json else []
    child = Child("-c", MAIN_SAYS_IF_IT_RETURNS, *args)
    hwnd = find_notifier_window(child.process.pid, top_level=True)
    post(hwnd, M.WTS_SESSION_LOCK, own_session())  # the same window, for every source
    if as_json:
        deadline = time.monotonic() + 20
        while len(log.read_text(encoding="utf-8").splitlines()) < 2:
            assert time.monotonic() < deadline, "the lock line never reached the file"
            time.sleep(0.02)  # another process writes it: there is nothing to wait on
    else:
        child.expect("WTS_SESSION_LOCK")
    end_session()
    child.wait(60)
    stdout = "".join(child.stdout)
    assert "main returned" not in stdout, child.output()  # Wine ended it, as Windows would
    assert "Traceback" not in "".join(child.stderr), child.output()
    if as_json:
        lines = log.read_text(encoding="utf-8").splitlines()
        assert lines[0] == '{"kept": true}'
        records = [json.loads(line) for line in lines[1:]]
        assert [r["event"] for r in records] == ["session", "ending", "ending"]
        query, end = records[1:]
        assert {k: v for k, v in query.items() if k != "time"} == {
            "event": "ending", "kind": "WM_QUERYENDSESSION", "code": 0x11, "flags": [],
            "ending": None}
        assert {k: v for k, v in end.items() if k != "time"} == {
            "event": "ending", "kind": "WM_ENDSESSION", "code": 0x16, "flags": [],
            "ending": True}
        assert stdout == ""
    else:
        lines = stdout.splitlines()
        assert len(lines) == 3, child.output()
        assert lines[1].endswith("  WM_QUERYENDSESSION           shutdown or restart")
        assert lines[2].endswith("  WM_ENDSESSION                shutdown or restart  ending=True")
    assert "with power and session ending events" in "".join(child.stderr)


@windows
@needs_win32
def test_watch_ending_without_a_top_level_window_exits_1_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Faked: Wine fails CreateWindowExW this way (no error code) when the
    # process has no X display, and the test run has one. A child process
    # without DISPLAY in its environment still gets one from Wine, so this
    # runs in-process, through the real errcheck convention's message.
    from win32session._win32 import user32

    def no_display(*args: Any) -> Any:
        raise OSError("CreateWindowExW failed and Windows gave no error code")

    monkeypatch.setattr(user32, "CreateWindowExW", no_display)
    assert main(["watch", "--ending", "--power"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "win32session: watch failed: cannot create the hidden top-level window that the "
        "session-ending events need (ending=True): CreateWindowExW failed and Windows gave "
        "no error code"]


#: main() in a child process whose user is ``argv[1]``. Under Wine,
#: WTSQuerySessionInformationW(WTSUserName) answers with the WINEUSERNAME
#: of the process that asks, so the name is Windows's real answer; Wine's
#: WTSEnumerateSessionsW lists no session, so the listing is faked as this
#: session alone, described by that real answer. On Windows the listing's
#: user name alone is replaced.
MAIN_AS = """
import dataclasses, os, sys
name, wine = sys.argv[1], sys.argv[2] == "wine"
if wine:
    os.environ["WINEUSERNAME"] = name
from win32session._queries import sessions as _sessions
import win32session._cli.commands as commands
from win32session.__main__ import main
def listing():
    info = _sessions.session_info(_sessions.current_session_id())
    return [info if wine else dataclasses.replace(info, user_name=name)]
commands.list_sessions = listing
sys.exit(main(sys.argv[3:]))
"""
NAMES = "\u0141ukasz \u738b"  # Łukasz 王: neither is in cp1252


def run_as(name: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """MAIN_AS with stdout and stderr pipes, read as bytes (the encoding is
    under test)."""
    process = spawn([sys.executable, "-c", MAIN_AS, name, "wine" if under_wine() else "windows",
                     *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE)
    stdout, stderr = cast("tuple[bytes, bytes]", process.communicate(timeout=120))
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@windows
@needs_win32
def test_sessions_prints_any_user_name_to_a_redirected_stdout() -> None:
    # Under Wine the ANSI code page is cp1252, which has neither name: the
    # table must still come out, in UTF-8, with no traceback.
    table = run_as(NAMES, "sessions")
    assert (table.returncode, table.stderr) == (0, b""), table.stderr.decode("utf-8", "replace")
    header, row = table.stdout.decode("utf-8").splitlines()
    assert header.split()[:4] == ["ID", "STATION", "STATE", "USER"]
    assert f"\\{NAMES}  " in row or row.endswith(f"\\{NAMES}")
    listed = run_as(NAMES, "sessions", "--json")
    assert listed.returncode == 0
    assert json.loads(listed.stdout)[0]["user"] == NAMES


@windows
@needs_win32
@pytest.mark.parametrize("action", ["stop", "status", "uninstall", "start"])
def test_a_service_name_in_any_script_is_one_utf8_line(action: str) -> None:
    # A service that cannot exist (nothing is touched): the error line names
    # it in UTF-8 on a redirected stderr, not as \u738b escapes.
    name = f"win32session-test-{NAMES}-{os.getpid()}"
    result = run_as("nobody", "service", action, "--name", name)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 1, err
    assert result.stdout == b"" and len(err.splitlines()) == 1
    assert err.startswith(f"win32session: service {action}: ") and name in err


@windows
@needs_win32
def test_watch_names_an_output_in_any_script_in_one_utf8_line(tmp_path: Path) -> None:
    missing = tmp_path / NAMES / "audit.jsonl"
    result = run_as("nobody", "watch", "--output", str(missing))
    assert result.returncode == 1
    assert result.stderr.decode("utf-8").startswith(
        f"win32session: watch failed: cannot open {missing} to append to it: [WinError 3] ")
    assert len(result.stderr.splitlines()) == 1


STATUS_KEYS = ["session_id", "locked", "idle_seconds", "idle_threshold", "idle_state", "in_use",
               "ac_line", "battery_percent", "battery_saver"]


@windows
@needs_win32
def test_status_json_and_text() -> None:
    listed = run_command("status", "--json")
    assert listed.returncode == 0, listed.stderr
    record = json.loads(listed.stdout)
    assert list(record) == STATUS_KEYS
    assert record["session_id"] == own_session()
    assert record["idle_threshold"] == 60
    assert isinstance(record["idle_seconds"], float) and record["idle_seconds"] >= 0
    assert record["idle_state"] in ("active", "idle", "locked")
    assert record["in_use"] is (record["idle_state"] == "active")
    assert record["ac_line"] in [m.name for m in ACLineStatus] or isinstance(
        record["ac_line"], int)
    assert isinstance(record["battery_saver"], bool)
    if under_wine():
        # Wine says nothing of the lock, is always on AC and has no battery.
        assert (record["locked"], record["ac_line"], record["battery_percent"]) == (
            None, "AC_LINE_ONLINE", None)
    table = run_command("status")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert [line.split()[0] for line in lines] == STATUS_KEYS
    assert all(len(line.split(None, 1)) == 2 for line in lines)
    assert len({line.index(line.split()[1], len(line.split()[0])) for line in lines}) == 1
    assert lines[0].split()[1] == str(own_session())


@windows
@needs_win32
def test_status_asks_windows_each_question_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Real calls, counted: the lock state and the idle time are asked once
    # and the idle state is worked out from those same answers, so the
    # printed lines cannot disagree.
    from win32session._win32 import user32
    from win32session._queries import sessions as _sessions

    counts = {"session_info": 0, "GetLastInputInfo": 0}
    for module, name in ((_sessions, "session_info"), (user32, "GetLastInputInfo")):
        real = getattr(module, name)

        def counted(*args: object, _real: Any = real, _name: str = name) -> Any:
            counts[_name] += 1
            return _real(*args)

        monkeypatch.setattr(module, name, counted)
    assert main(["status", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert counts == {"session_info": 1, "GetLastInputInfo": 1}
    assert record["in_use"] is (record["idle_state"] == "active")


@windows
@needs_win32
def test_status_idle_threshold_decides_in_use() -> None:
    never = json.loads(run_command("status", "--json", "--idle-threshold", "1e9").stdout)
    now = json.loads(run_command("status", "--json", "--idle-threshold", "0").stdout)
    if never["locked"]:
        pytest.fail("the test run's session is locked")  # never so under Wine
    assert (never["idle_state"], never["in_use"], never["idle_threshold"]) == ("active", True, 1e9)
    assert (now["idle_state"], now["in_use"]) == ("idle", False)  # idle >= 0: always idle


@windows
@needs_win32
def test_sessions_lists_what_windows_lists() -> None:
    table = run_command("sessions")
    listed = run_command("sessions", "--json")
    assert table.returncode == listed.returncode == 0, table.stderr + listed.stderr
    assert table.stdout.splitlines()[0].split() == ["ID", "STATION", "STATE", "USER", "CLIENT",
                                                    "LOCKED"]
    records = json.loads(listed.stdout)
    if under_wine():
        assert records == [] and len(table.stdout.splitlines()) == 1  # Wine lists none
    else:
        assert any(r["session_id"] == own_session() and r["user"] == USER for r in records)


@windows
@needs_win32
@pytest.mark.parametrize("spelling", ["selftest", "--selftest"])
def test_selftest_passes(spelling: str) -> None:
    result = run_command(spelling)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(SessionNotificationMsg) + 2
    assert all(line.startswith("ok") for line in lines[:-1])
    assert "(unknown code)" in lines[-2]
    assert lines[-1].startswith(f"selftest passed: {len(SessionNotificationMsg) + 1} of")


@windows
@needs_win32
def test_a_windows_failure_exits_1_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Fake: Wine's registration never fails; Access denied is forced.
    from win32session._win32 import wtsapi32

    def denied(hwnd: int, flags: int) -> int:
        raise OSError(None, "WTSRegisterSessionNotification: Access is denied.", None, 5)

    monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", denied)
    assert main(["watch"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "win32session: watch failed: [WinError 5] WTSRegisterSessionNotification: "
        "Access is denied."]


@windows
@needs_win32
@pytest.mark.parametrize(
    ("args", "reason", "session", "said"),
    [(["WTS_SESSION_LOCK"], M.WTS_SESSION_LOCK, None, "WTS_SESSION_LOCK"),
     (["session_logon", "7"], M.WTS_SESSION_LOGON, 7, "WTS_SESSION_LOGON"),
     (["0x42", "3"], 0x42, 3, "unknown code 0x42")],
)
def test_the_readme_simulator_posts_to_every_notifier(
    args: list[str], reason: int, session: int | None, said: str
) -> None:
    from support import Collector

    first, second = Collector(), Collector()
    with win32session.Notifier(1) as a, win32session.Notifier(1) as b:
        a.subscribe(first)
        b.subscribe(second)
        result = subprocess.run([sys.executable, str(SIMULATE), *args], capture_output=True,
                                text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        expected = own_session() if session is None else session
        for collector in (first, second):
            event = collector.wait_for(1)[0]
            assert (event.reason, event.session_id) == (reason, expected)
    assert result.stdout.strip() == f"posted {said} (session {expected}) to 2 notifier window(s)"


@windows
@needs_win32
def test_the_simulator_rejects_an_unknown_name_and_says_when_nobody_listens() -> None:
    bad = subprocess.run([sys.executable, str(SIMULATE), "WTS_SESSION_NAP"], capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert bad.returncode == 2 and "WTS_SESSION_LOCK" in bad.stderr
    nobody = subprocess.run([sys.executable, str(SIMULATE), "lock"], capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert nobody.returncode == 1 and "to 0 notifier window(s)" in nobody.stdout


def test_line_breaks_are_escaped_as_the_unicode_escape_codec_writes_them() -> None:
    # The table is spelled out so that no command loads the codec; it must
    # say what the codec says, for every character str.splitlines breaks at.
    from win32session._cli.values import _LINE_BREAKS

    breaks = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
    assert _LINE_BREAKS == {ord(c): c.encode("unicode_escape").decode("ascii") for c in breaks}
    assert {c for c in map(chr, range(0x3000)) if len(f"a{c}b".splitlines()) > 1} == set(breaks)
