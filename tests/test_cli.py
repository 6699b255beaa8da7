"""The command line. Arguments, formats and errors are checked in-process on
any OS; the commands themselves run as real processes, each in a console of its
own under Windows (or Wine), with events posted to their windows and Ctrl+C
pressed in their consoles."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import Child, find_notifier_window, post, spawn, under_wine

import win32session
from win32session import ConnectState, SessionEvent, SessionInfo, SessionNotificationMsg
from win32session.__main__ import (
    event_record,
    format_event,
    format_sessions,
    main,
    session_record,
)

M = SessionNotificationMsg
WHEN = datetime.datetime(2026, 11, 21, 9, 40, 10, 123456, tzinfo=datetime.timezone.utc)
windows = pytest.mark.windows
needs_win32 = pytest.mark.skipif(sys.platform != "win32", reason="runs Windows programs")


# --- Arguments (any OS). ---


@pytest.mark.parametrize(
    "argv",
    [["--bogus"], ["watch", "--json=yes"], ["sessions", "--all-sessions"], ["selftest", "x"],
     ["watch", "--output"], ["nonsense"]],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("win32session")
    assert "--help" in err


@pytest.mark.parametrize("command", [[], ["watch"], ["sessions"], ["selftest"]])
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
@pytest.mark.parametrize("argv", [[], ["--json"], ["sessions"], ["selftest"], ["--selftest"]])
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
        "time": "2026-11-21T09:40:10.123456+00:00", "reason": "WTS_SESSION_REMOTE_CONTROL",
        "code": 9, "session_id": 2, "user": "ada", "domain": "LAB", "remote_control": True,
    }
    unknown = event_record(SessionEvent(0x42, 1, WHEN))
    assert (unknown["reason"], unknown["code"], unknown["user"]) == (0x42, 0x42, None)
    assert json.loads(json.dumps(record)) == record
    assert datetime.datetime.fromisoformat(record["time"]) == WHEN


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
    assert set(first) == {"time", "reason", "code", "session_id", "user", "domain",
                          "remote_control"}
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
    from win32session import _winapi

    def denied(hwnd: int, flags: int) -> int:
        raise OSError(None, "WTSRegisterSessionNotification: Access is denied.", None, 5)

    monkeypatch.setattr(_winapi, "WTSRegisterSessionNotification", denied)
    assert main(["watch"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "win32session: watch failed: [WinError 5] WTSRegisterSessionNotification: "
        "Access is denied."]


SIMULATE = Path(__file__).resolve().parent.parent / "scripts" / "simulate_event.py"


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
