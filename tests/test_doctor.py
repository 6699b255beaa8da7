"""``win32session doctor``: the command as a real process under Wine (every
line, Wine's stubs named, exit 0), each check's verdict with the answers Wine
cannot give faked, and, on any OS, its arguments, its verdict arithmetic and
its error away from Windows.

What Wine 8.0 really answers, as the doctor sees it: registration TRUE;
unregistration FALSE with error 0; no sessions listed; WTSSessionInfoEx failing
with error 0, so no lock state; console session 1, ours; the selftest passes.
"""

from __future__ import annotations

import io
import re
import sys

import pytest
from support import Child, under_wine

import win32session
from win32session import ConnectState, SessionInfo, SessionNotificationMsg
from win32session.__main__ import main
from win32session._cli.doctor import Result, System, Verdict, format_line, run, summary

windows = pytest.mark.windows
ON_WINDOWS = System(session_id=1, wine=None)
ON_WINE = System(session_id=1, wine="8.0")


# --- Arguments, verdicts and the error away from Windows (any OS). ---


@pytest.mark.parametrize("argv", [["doctor", "x"], ["doctor", "--json"], ["doctor", "--all"]])
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"win32session: unrecognized arguments: {argv[1]} (see win32session --help)"]


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["doctor", "--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"win32session {win32session.__version__}\n"
    with pytest.raises(SystemExit) as exited:
        main(["doctor", "--help"])
    assert exited.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert help_text.startswith("usage: win32session doctor [-h] [--version]")
    assert "Exit 0 when nothing differs, 1 otherwise" in help_text
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "doctor" in capsys.readouterr().out


@pytest.mark.skipif(sys.platform == "win32", reason="checks the error away from Windows")
def test_off_windows_it_exits_1_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "win32session: doctor failed: win32session needs Windows: session notifications "
        f"come from the Win32 API (this is sys.platform {sys.platform!r})"]
    with pytest.raises(OSError, match="needs Windows"):
        run(io.StringIO())


def test_a_known_wine_stub_counts_only_under_wine() -> None:
    assert ON_WINE.not_ok("FALSE, error 0", wine_stub=True).verdict is Verdict.WINE_STUB
    assert ON_WINE.not_ok("FALSE, error 5", wine_stub=False).verdict is Verdict.DIFFERS
    assert ON_WINDOWS.not_ok("FALSE, error 0", wine_stub=True).verdict is Verdict.DIFFERS


def test_the_exit_status_is_1_only_when_something_differs() -> None:
    ok = Result(Verdict.OK, "TRUE")
    stub = Result(Verdict.WINE_STUB, "none listed")
    unavailable = Result(Verdict.UNAVAILABLE, "no console session")
    differs = Result(Verdict.DIFFERS, "FALSE, error 5")
    assert summary([ok, unavailable]) == ("doctor: nothing differs (2 checks)", 0)
    assert summary([ok, stub, stub]) == (
        "doctor: nothing differs; 2 of 3 answers are Wine's known stubs", 0)
    assert summary([ok, stub, differs]) == ("doctor: 1 of 3 checks differ", 1)


def test_a_line_is_verdict_check_and_answer_in_columns() -> None:
    assert format_line("lock state", Result(Verdict.OK, "session 2 is locked"), 15) == (
        "ok           lock state       session 2 is locked")
    assert format_line("selftest", Result(Verdict.WINE_STUB, "x"), 8) == (
        "wine stub    selftest  x")


# --- On Windows, or Windows CPython under Wine. ---

if sys.platform == "win32":
    import ctypes

    from win32session._win32 import ntdll, user32, wtsapi32
    from win32session._cli import doctor as _doctor
    from win32session._cli import selftest as _selftest
    from win32session._cli.doctor import CHECKS
    from win32session._queries import sessions as _sessions

    def doctor_process() -> tuple[int, list[str], str]:
        """Exit status, stdout lines and stderr of ``python -m win32session doctor``.

        In a console of its own (Child). Seen under Wine: a console-less child
        that creates the first window of a fresh Wine session starts
        ``explorer.exe /desktop``, and the child's output pipes then stay open
        after it ends, so reading them to the end never finishes."""
        child = Child("-m", "win32session", "doctor")
        status = child.wait(120)
        child.expect("doctor: ")  # the last line: every line is in child.stdout now
        return status, [line.rstrip("\n") for line in child.stdout], "".join(child.stderr)

    def verdicts(lines: list[str]) -> dict[str, tuple[str, str]]:
        """Each check line, parsed back: check name -> (verdict, answer)."""
        parsed = {}
        for line, (name, _) in zip(lines, CHECKS, strict=True):
            verdict, rest = line[:11].rstrip(), line[13:]
            assert rest.startswith(name), line
            parsed[name] = (verdict, rest[len(name):].strip())
        return parsed

    def denied(*args: object) -> int:
        raise OSError(None, "Access is denied.", None, 5)

    def windows_power(monkeypatch: pytest.MonkeyPatch) -> None:
        """Fakes what Wine cannot give: distinct handles from the power
        registrations, and the OS's part after each setting's registration,
        sending its current value (1) from another thread with a real
        POWERBROADCAST_SETTING, as Windows does."""
        import itertools
        import threading

        from support import dword, send_power_setting

        from win32session._sources.power import guid_text

        handles = itertools.count(0x1000)
        real_setting = user32.RegisterPowerSettingNotification

        def suspend_resume(hwnd: int, flags: int) -> int:
            return next(handles)

        def setting(hwnd: int, guid: object, flags: int) -> int:
            real_setting(hwnd, guid, flags)
            text = guid_text(guid._obj)  # type: ignore[attr-defined]
            threading.Thread(target=send_power_setting, args=(hwnd, text, dword(1)),
                             daemon=True).start()
            return next(handles)

        monkeypatch.setattr(user32, "RegisterSuspendResumeNotification", suspend_resume)
        monkeypatch.setattr(user32, "RegisterPowerSettingNotification", setting)
        monkeypatch.setattr(user32, "UnregisterSuspendResumeNotification", lambda handle: 1)
        monkeypatch.setattr(user32, "UnregisterPowerSettingNotification", lambda handle: 1)

    def no_error_code(*args: object) -> int:
        raise OSError("failed and Windows gave no error code")  # the _win32 errchecks' error 0

    ACCESS_DENIED = f"error 5 ({ctypes.FormatError(5).strip()})"

    # -- The real thing. --

    @windows
    def test_the_doctor_as_a_process() -> None:
        status, lines, stderr = doctor_process()
        assert status == 0, (lines, stderr)
        assert stderr == ""
        session = _sessions.current_session_id()
        version = sys.getwindowsversion()
        bits = ctypes.sizeof(ctypes.c_void_p) * 8
        assert lines[0] == "win32session doctor"
        assert lines[1] == f"  win32session  {win32session.__version__}"
        assert lines[2].startswith(f"  Python        {sys.version.split()[0]}, {bits}-bit, ")
        assert lines[3].startswith(
            f"  Windows       {version.major}.{version.minor}.{version.build}")
        assert "(sys.getwindowsversion); " in lines[3] and lines[3].endswith(" (registry)")
        assert lines[5] == f"  session       {session} (this process's)"
        checks = verdicts(lines[6:-1])
        assert list(checks) == [name for name, _ in CHECKS]
        codes = len(SessionNotificationMsg) + 1
        selftest = f"{codes} of {codes} codes posted to a notifier arrived decoded"
        if under_wine():
            # Every answer here is what Wine 8.0 really gives; the version is
            # whichever Wine this is, as ntdll says.
            assert ntdll.wine_get_version is not None
            answer = ntdll.wine_get_version()
            assert answer is not None
            wine = answer.decode("ascii")
            assert lines[4] == (f"  Wine          {wine}; its known stubs are marked 'wine stub' "
                                "and do not fail the doctor")
            assert checks == {
                "registration": (
                    "ok", "WTSRegisterSessionNotification(NOTIFY_FOR_THIS_SESSION) returned "
                    "TRUE"),
                "unregistration": (
                    "wine stub", "WTSUnRegisterSessionNotification returned FALSE, error 0 "
                    "(no error code)"),
                "session listing": ("wine stub", "WTSEnumerateSessionsW listed no sessions"),
                "lock state": (
                    "wine stub", "session 1: locked is None: WTSSessionInfoEx failed, "
                    "error 0 (no error code)"),
                "console session": ("ok", "session 1, this process's"),
                "power registration": (
                    "wine stub", "7 registrations returned handle 0xdeadbeef each (a dummy: "
                    "Wine sends no power events)"),
                "power initial values": ("wine stub", "no initial value within 3 s"),
                "selftest": ("ok", selftest),
            }
            assert lines[-1] == "doctor: nothing differs; 5 of 8 answers are Wine's known stubs"
        else:
            assert lines[4] == "  Wine          no"
            assert all(v in ("ok", "unavailable") for v, _ in checks.values()), checks
            assert checks["selftest"] == ("ok", selftest)
            assert lines[-1] == f"doctor: nothing differs ({len(CHECKS)} checks)"
        assert len(lines) == 6 + len(CHECKS) + 1

    @windows
    def test_wine_is_told_from_windows_by_ntdlls_export() -> None:
        if under_wine():
            # Under Wine (its registry key says so), ntdll names its version.
            assert ntdll.wine_get_version is not None
            version = ntdll.wine_get_version()
            assert version is not None and re.fullmatch(rb"\d+\.\d+(\.\d+)?(-rc\d+)?", version)
        else:
            assert ntdll.wine_get_version is None

    @windows
    @pytest.mark.wine_only("Wine's stubs are what this run is about")
    def test_a_run_as_if_on_windows_reports_wines_stubs_as_differences(
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Fake: hides Wine's export, so Wine's real answers are judged as
        # Windows's would be: the stubs then differ and the doctor exits 1.
        monkeypatch.setattr(ntdll, "wine_get_version", None)
        out = io.StringIO()
        assert run(out) == 1
        lines = out.getvalue().splitlines()
        assert lines[4] == "  Wine          no"
        checks = verdicts(lines[6:-1])
        assert [name for name, (v, _) in checks.items() if v == "differs"] == [
            "unregistration", "session listing", "lock state", "power registration",
            "power initial values"]
        assert "wine stub" not in out.getvalue()
        assert lines[-1] == "doctor: 5 of 8 checks differ"

    @windows
    def test_a_windows_that_answers_everything_passes_with_exit_0(
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Fake: a real Windows's answers where Wine gives its stubs (an
        # unregistration returning TRUE, our session listed, a lock state).
        session = _sessions.current_session_id()
        ours = SessionInfo(session, "Console", ConnectState.WTSActive, "ada", "LAB", None, False)
        monkeypatch.setattr(ntdll, "wine_get_version", None)
        monkeypatch.setattr(wtsapi32, "WTSUnRegisterSessionNotification", lambda hwnd: 1)
        monkeypatch.setattr(_sessions, "list_sessions", lambda: [ours])
        monkeypatch.setattr(_sessions, "session_info", lambda session: ours)
        windows_power(monkeypatch)
        out = io.StringIO()
        assert run(out) == 0
        lines = out.getvalue().splitlines()
        checks = verdicts(lines[6:-1])
        assert {verdict for verdict, _ in checks.values()} == {"ok"}, checks
        assert checks["power registration"] == ("ok", "7 registrations returned distinct handles")
        assert checks["power initial values"] == (
            "ok", "SESSION_USER_PRESENCE=PowerUserNotPresent, SESSION_DISPLAY_STATUS="
            "PowerMonitorOn, ACDC_POWER_SOURCE=PoDc, BATTERY_PERCENTAGE_REMAINING=1, "
            "POWER_SAVING_STATUS=1, ENERGY_SAVER_STATUS=ENERGY_SAVER_STANDARD")
        assert lines[-1] == "doctor: nothing differs (8 checks)"

    @windows
    def test_a_registration_failing_under_wine_fails_the_run(
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Fake: Access denied, which Wine's registration never answers.
        monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", denied)
        out = io.StringIO()
        assert run(out) == 1
        checks = verdicts(out.getvalue().splitlines()[6:-1])
        assert checks["registration"][0] == "differs"
        assert checks["unregistration"][0] == "unavailable"  # nothing was registered
        # A notifier cannot register either: no initial values, no selftest.
        assert checks["power initial values"][0] == "differs"
        assert checks["selftest"][0] == "differs"
        assert out.getvalue().splitlines()[-1].startswith("doctor: 3 of 8 checks differ")

    @windows
    def test_a_check_that_raises_differs_and_the_others_still_run(
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Fake: a bug in the console check, which nothing real can raise.
        def broken() -> int:
            raise RuntimeError("boom")

        monkeypatch.setattr(_sessions, "active_console_session_id", broken)
        out = io.StringIO()
        assert run(out) == 1
        checks = verdicts(out.getvalue().splitlines()[6:-1])
        assert checks["console session"] == ("differs", "the check failed: RuntimeError: boom")
        assert checks["selftest"][0] == "ok"

    # -- Registration: Wine's registration never fails, so failures are faked. --

    @windows
    @pytest.mark.parametrize("system", [ON_WINDOWS, ON_WINE])
    def test_a_registration_failing_with_a_code_differs_even_under_wine(
        monkeypatch: pytest.MonkeyPatch, system: System
    ) -> None:
        # Fake: Access denied, which Wine never answers; not one of its stubs.
        monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", denied)
        assert _doctor.check_registration(system) == Result(
            Verdict.DIFFERS, "WTSRegisterSessionNotification(NOTIFY_FOR_THIS_SESSION) "
            f"returned FALSE, {ACCESS_DENIED}")

    @windows
    def test_the_registration_check_destroys_its_window(monkeypatch: pytest.MonkeyPatch) -> None:
        windows_made: list[int] = []
        create = user32.CreateWindowExW

        def recording_create(*args: object) -> int:
            hwnd: int = create(*args)
            windows_made.append(hwnd)
            return hwnd

        monkeypatch.setattr(user32, "CreateWindowExW", recording_create)  # real, recorded
        assert _doctor.check_registration(ON_WINE).verdict is Verdict.OK
        (hwnd,) = windows_made
        assert not user32.IsWindow(hwnd)

    # -- Unregistration. --

    @windows
    @pytest.mark.wine_only("Windows's unregistration returns TRUE")
    def test_unregistration_false_with_error_0_is_wines_stub_and_differs_on_windows() -> None:
        # Real: Wine 8.0 answers FALSE and sets no error, so the code read is
        # whatever the thread had; an earlier call's must not show through.
        ctypes.set_last_error(1400)  # ERROR_INVALID_WINDOW_HANDLE, left by IsWindow
        answer = "WTSUnRegisterSessionNotification returned FALSE, error 0 (no error code)"
        assert _doctor.check_unregistration(ON_WINE) == Result(Verdict.WINE_STUB, answer)
        assert _doctor.check_unregistration(ON_WINDOWS) == Result(Verdict.DIFFERS, answer)

    @windows
    @pytest.mark.parametrize(
        ("system", "fake", "verdict", "answer"),
        [(ON_WINE, denied, Verdict.DIFFERS, f"returned FALSE, {ACCESS_DENIED}"),
         (ON_WINDOWS, no_error_code, Verdict.DIFFERS, "returned FALSE, error 0 (no error code)"),
         (ON_WINDOWS, lambda hwnd: 1, Verdict.OK, "returned TRUE")],
    )
    def test_unregistration_answers(
        monkeypatch: pytest.MonkeyPatch, system: System, fake: object, verdict: Verdict,
        answer: str,
    ) -> None:
        # Fake: Windows's TRUE and an error code Wine never gives, and Wine's
        # own answer judged as on Windows.
        monkeypatch.setattr(wtsapi32, "WTSUnRegisterSessionNotification", fake)
        assert _doctor.check_unregistration(system) == Result(
            verdict, f"WTSUnRegisterSessionNotification {answer}")

    @windows
    def test_nothing_to_unregister_when_registration_fails(
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Fake: Wine's registration never fails.
        monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", denied)
        assert _doctor.check_unregistration(ON_WINDOWS) == Result(
            Verdict.UNAVAILABLE,
            f"nothing to unregister: WTSRegisterSessionNotification returned FALSE, "
            f"{ACCESS_DENIED}")

    # -- The session listing: Wine lists none, so listings are faked. --

    SERVICES = SessionInfo(0, "Services", ConnectState.WTSDisconnected)
    OURS = SessionInfo(1, "Console", ConnectState.WTSActive, "ada", "LAB", None, False)

    @windows
    @pytest.mark.parametrize(
        ("system", "listed", "verdict", "answer"),
        [(ON_WINDOWS, [SERVICES, OURS], Verdict.OK,
          "2 listed (0, 1); session 1: station 'Console', state WTSActive"),
         (ON_WINE, [SERVICES, OURS], Verdict.OK,
          "2 listed (0, 1); session 1: station 'Console', state WTSActive"),
         (ON_WINDOWS, [SERVICES], Verdict.DIFFERS, "1 listed (0), not ours (1)"),
         (ON_WINE, [SERVICES], Verdict.DIFFERS, "1 listed (0), not ours (1)"),
         (ON_WINDOWS, [SessionInfo(1, None, 42)], Verdict.DIFFERS,
          "1 listed (1); session 1: station None, state 42"),
         (ON_WINDOWS, [], Verdict.DIFFERS, "WTSEnumerateSessionsW listed no sessions"),
         (ON_WINE, [], Verdict.WINE_STUB, "WTSEnumerateSessionsW listed no sessions")],
    )
    def test_the_listing_must_hold_our_session_with_station_and_state(
        monkeypatch: pytest.MonkeyPatch, system: System, listed: list[SessionInfo],
        verdict: Verdict, answer: str,
    ) -> None:
        # Fake: a real Windows's listings (Wine's is always empty).
        monkeypatch.setattr(_sessions, "list_sessions", lambda: listed)
        assert _doctor.check_listing(system) == Result(verdict, answer)

    @windows
    def test_a_listing_that_fails_differs(monkeypatch: pytest.MonkeyPatch) -> None:
        # Fake: Wine's listing never fails.
        monkeypatch.setattr(_sessions, "list_sessions", denied)
        assert _doctor.check_listing(ON_WINE) == Result(
            Verdict.DIFFERS, f"WTSEnumerateSessionsW failed: {ACCESS_DENIED}")

    # -- The lock state: Wine never says, so Windows's answers are faked. --

    @windows
    @pytest.mark.parametrize(("locked", "said"), [(False, "not locked"), (True, "locked")])
    def test_a_known_lock_state_is_ok(
        monkeypatch: pytest.MonkeyPatch, locked: bool, said: str
    ) -> None:
        # Fake: Windows answers WTSSessionInfoEx; Wine does not.
        monkeypatch.setattr(_sessions, "session_info",
                            lambda session: SessionInfo(session, locked=locked))
        assert _doctor.check_lock_state(ON_WINDOWS) == Result(
            Verdict.OK, f"session 1 is {said} (WTSSessionInfoEx)")

    @windows
    def test_an_unknown_lock_state_differs_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
        # Fake: a Windows that answers WTSSessionInfoEx with WTS_SESSIONSTATE_UNKNOWN.
        extended = wtsapi32.WTSINFOEX_LEVEL1_W(SessionId=1, SessionFlags=-1)
        monkeypatch.setattr(_sessions, "session_info", lambda session: SessionInfo(session))
        monkeypatch.setattr(_sessions, "_info_ex", lambda session: extended)
        assert _doctor.check_lock_state(ON_WINE) == Result(
            Verdict.DIFFERS, "session 1: locked is None: WTSSessionInfoEx SessionFlags "
            "0xffffffff (neither lock nor unlock)")

    @windows
    @pytest.mark.wine_only("Wine's answer")
    def test_wines_unanswered_lock_state_is_its_stub_and_differs_on_windows() -> None:
        # Real: Wine 8.0 fails WTSSessionInfoEx and sets no error (see above).
        session = _sessions.current_session_id()
        ctypes.set_last_error(1400)
        answer = (f"session {session}: locked is None: WTSSessionInfoEx failed, "
                  "error 0 (no error code)")
        system = System(session, "8.0")
        assert _doctor.check_lock_state(system) == Result(Verdict.WINE_STUB, answer)
        assert _doctor.check_lock_state(System(session, None)) == Result(Verdict.DIFFERS, answer)

    @windows
    def test_a_lock_state_unanswered_with_a_code_differs_even_under_wine(
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Fake: an error code for WTSSessionInfoEx, which Wine never gives.
        monkeypatch.setattr(_sessions, "session_info", lambda session: SessionInfo(session))
        monkeypatch.setattr(_sessions, "_info_ex", denied)
        assert _doctor.check_lock_state(ON_WINE) == Result(
            Verdict.DIFFERS, f"session 1: locked is None: WTSSessionInfoEx failed, "
            f"{ACCESS_DENIED}")

    @windows
    def test_our_session_not_described_at_all_differs(monkeypatch: pytest.MonkeyPatch) -> None:
        # Fake: session_info failing, which it never does under Wine.
        def gone(session: int) -> SessionInfo:
            raise LookupError(f"there is no session {session}")

        monkeypatch.setattr(_sessions, "session_info", gone)
        assert _doctor.check_lock_state(ON_WINE) == Result(
            Verdict.DIFFERS, "session_info(1) failed: there is no session 1")

    # -- The console session: Wine's is always ours, so others are faked. --

    @windows
    @pytest.mark.parametrize(
        ("console", "verdict", "answer"),
        [(1, Verdict.OK, "session 1, this process's"),
         (2, Verdict.OK, "session 2, not this process's (1: a remote or service session)"),
         (None, Verdict.UNAVAILABLE, "no session is attached to the console (0xFFFFFFFF)")],
    )
    def test_the_console_session_is_said_either_way(
        monkeypatch: pytest.MonkeyPatch, console: int | None, verdict: Verdict, answer: str
    ) -> None:
        # Fake: a console session that is not ours, and none at all (mid-switch).
        monkeypatch.setattr(_sessions, "active_console_session_id", lambda: console)
        assert _doctor.check_console(ON_WINDOWS) == Result(verdict, answer)

    # -- The selftest: reuses the selftest's round trip. --

    @windows
    def test_a_code_that_does_not_come_back_fails_the_selftest_check(
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Fake: the round trip always works under Wine; one arrival is lost.
        real = _selftest.round_trip

        def losing_one() -> list[_selftest.Arrival]:
            arrivals = real()
            lost = arrivals[6]
            return [*arrivals[:6], _selftest.Arrival(lost.code, None, lost.session_id),
                    *arrivals[7:]]

        monkeypatch.setattr(_selftest, "round_trip", losing_one)
        codes = len(SessionNotificationMsg) + 1
        assert _doctor.check_selftest(ON_WINE) == Result(
            Verdict.DIFFERS, f"{codes - 1} of {codes} codes posted to a notifier arrived "
            "decoded; 0x07 WTS_SESSION_LOCK: got nothing")

    @windows
    def test_a_notifier_that_cannot_start_fails_the_selftest_check(
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Fake: Wine's registration never fails.
        monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", denied)
        result = _doctor.check_selftest(ON_WINE)
        assert result.verdict is Verdict.DIFFERS
        assert result.answer.startswith("the notifier did not start: [WinError 5]")


if sys.platform == "win32":

    # -- Power: Wine returns a dummy handle and never sends a value. --

    @windows
    @pytest.mark.parametrize("system", [ON_WINDOWS, ON_WINE])
    def test_a_power_registration_failing_differs_even_under_wine(
        monkeypatch: pytest.MonkeyPatch, system: System
    ) -> None:
        # Fake: Access denied, which Wine never answers.
        monkeypatch.setattr(user32, "RegisterPowerSettingNotification", denied)
        result = _doctor.check_power_registration(system)
        assert result == Result(Verdict.DIFFERS, f"registration 2 failed: {ACCESS_DENIED}")

    @windows
    def test_an_energy_saver_refused_on_older_windows_is_still_ok(
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Fake: distinct handles, and GUID_ENERGY_SAVER_STATUS refused as a
        # Windows before 11 24H2 may refuse it.
        import itertools

        from win32session._sources.power import guid_text

        handles = itertools.count(0x1000)

        def setting(hwnd: int, guid: object, flags: int) -> int:
            if guid_text(guid._obj).startswith("550e8400"):  # type: ignore[attr-defined]
                raise OSError(None, "The parameter is incorrect.", None, 87)
            return next(handles)

        monkeypatch.setattr(user32, "RegisterSuspendResumeNotification",
                            lambda h, f: next(handles))
        monkeypatch.setattr(user32, "RegisterPowerSettingNotification", setting)
        monkeypatch.setattr(user32, "UnregisterSuspendResumeNotification", lambda handle: 1)
        monkeypatch.setattr(user32, "UnregisterPowerSettingNotification", lambda handle: 1)
        result = _doctor.check_power_registration(ON_WINDOWS)
        assert result.verdict is Verdict.OK
        assert result.answer == (
            "6 registrations returned distinct handles; GUID_ENERGY_SAVER_STATUS refused "
            f"(error 87 ({ctypes.FormatError(87).strip()}))")
