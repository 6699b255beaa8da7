"""``win32session doctor``: what this Windows answers to each call the
library relies on, one line per check, for a bug report.

A check is a small function that asks Windows one thing and returns a
:class:`Result`: ``ok`` (the answer a working Windows gives), ``differs`` (an
answer that is not: the doctor then exits 1), or ``unavailable`` (Windows has
no answer to give right now, which is no defect: no session attached to the
console, for one). :data:`CHECKS` lists them in order; one more is a function
and a line there.

Under Wine (ntdll exports ``wine_get_version``) an answer that is one of Wine
8.0's known stubs is named ``wine stub`` instead of ``differs`` and does not
make the doctor fail. Each check recognises the stub by the answer itself (an
unregistration that returns FALSE with error 0, say), never by "this is Wine"
alone: a different failure under Wine still differs.

Windows only; :func:`run` raises the usual "needs Windows" ``OSError`` elsewhere.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .. import __version__
from .._platform import require_windows

if sys.platform == "win32":
    import contextlib
    import ctypes
    import os
    import winreg
    from collections.abc import Iterator

    from .._win32 import kernel32, ntdll, user32, wtsapi32
    from .._codes import NotifyType, PowerSetting
    from .._events import SessionInfo
    from .._queries import sessions as _sessions
    from . import selftest as _selftest

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import IO, Final

# CHECKS, and each check, exist on Windows only.
__all__ = ["Verdict", "Result", "System", "Check", "run", "format_line", "summary"]


class Verdict(enum.Enum):
    """What a check concluded from Windows's answer."""

    OK = "ok"
    """The answer a working Windows gives."""
    DIFFERS = "differs"
    """Another answer: worth a bug report. The doctor exits 1."""
    UNAVAILABLE = "unavailable"
    """Windows has nothing to answer right now; no defect."""
    WINE_STUB = "wine stub"
    """Under Wine, one of its known stub answers; no defect of this machine."""


@dataclass(frozen=True)
class Result:
    """What a check concluded, and what Windows answered, in words."""

    verdict: Verdict
    answer: str


@dataclass(frozen=True)
class System:
    """What every check may need, asked once before the first."""

    session_id: int
    """This process's session (``ProcessIdToSessionId``)."""
    wine: str | None
    """Wine's version under Wine (``wine_get_version``); None on Windows."""

    def not_ok(self, answer: str, *, wine_stub: bool) -> Result:
        """``differs``; or ``wine stub`` when this is Wine and the check knows
        ``answer`` to be one of Wine's stubs."""
        verdict = Verdict.WINE_STUB if wine_stub and self.wine else Verdict.DIFFERS
        return Result(verdict, answer)


Check = Callable[[System], Result]

_VERDICT_WIDTH: Final = max(len(v.value) for v in Verdict)


def format_line(name: str, result: Result, name_width: int) -> str:
    """One check's line: verdict, name, answer, in columns."""
    return f"{result.verdict.value:<{_VERDICT_WIDTH}}  {name:<{name_width}}  {result.answer}"


def summary(results: Sequence[Result]) -> tuple[str, int]:
    """The last line and the exit status: 1 when any check differs, else 0."""
    differ = sum(r.verdict is Verdict.DIFFERS for r in results)
    stubs = sum(r.verdict is Verdict.WINE_STUB for r in results)
    if differ:
        return f"doctor: {differ} of {len(results)} checks differ", 1
    if stubs:
        return (f"doctor: nothing differs; {stubs} of {len(results)} answers are "
                "Wine's known stubs"), 0
    return f"doctor: nothing differs ({len(results)} checks)", 0


def run(out: IO[str] | None = None) -> int:
    """Prints the header, then each check's line as it finishes, then the
    summary, to ``out`` (stdout); returns the exit status."""
    stream = sys.stdout if out is None else out

    def say(line: str) -> None:
        print(line, file=stream, flush=True)  # each line shows before a slow check

    if sys.platform == "win32":
        system = System(_sessions.current_session_id(), _wine_version())
        for line in header(system):
            say(line)
        width = max(len(name) for name, _ in CHECKS)
        results = []
        for name, check in CHECKS:
            result = run_check(check, system)
            results.append(result)
            say(format_line(name, result, width))
        line, status = summary(results)
        say(line)
        return status
    require_windows()
    raise AssertionError("unreachable")


if sys.platform == "win32":

    def run_check(check: Check, system: System) -> Result:
        """``check(system)``; a check that raises differs, with the error, so
        that the checks after it still run."""
        try:
            return check(system)
        except Exception as exc:
            return Result(Verdict.DIFFERS, f"the check failed: {type(exc).__name__}: {exc}")

    # --- The header. ---

    def _wine_version() -> str | None:
        if ntdll.wine_get_version is None:
            return None
        version = ntdll.wine_get_version()
        return version.decode("ascii", "replace") if version else "(version unknown)"

    _CURRENT_VERSION: Final = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"

    def _registry_product() -> str:
        """ProductName, DisplayVersion and build.UBR from the registry, as
        far as they are there (Windows 11 still calls itself "Windows 10"
        in ProductName; its build, 22000 and later, tells)."""
        values: dict[str, object] = {}
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, _CURRENT_VERSION) as key:
                for name in ("ProductName", "DisplayVersion", "CurrentBuildNumber", "UBR"):
                    with contextlib.suppress(OSError):
                        values[name] = winreg.QueryValueEx(key, name)[0]
        except OSError as exc:
            return f"not in the registry ({exc.strerror or exc})"
        build = str(values.get("CurrentBuildNumber", "?"))
        if "UBR" in values:
            build += f".{values['UBR']}"
        words = [str(values.get("ProductName", "(no ProductName)"))]
        if "DisplayVersion" in values:
            words.append(str(values["DisplayVersion"]))
        return f"{' '.join(words)}, build {build}"

    def header(system: System) -> list[str]:
        """Who is asking and on what: versions, bitness, session, Wine."""
        windows = sys.getwindowsversion()
        service_pack = f" {windows.service_pack}" if windows.service_pack else ""
        bits = ctypes.sizeof(ctypes.c_void_p) * 8
        # The machine from the environment, as platform did before Python
        # 3.12 asked WMI, which Wine 8.0 cannot answer (propsys crashes).
        # PROCESSOR_ARCHITEW6432 is set for a 32-bit process on a 64-bit one.
        machine = (os.environ.get("PROCESSOR_ARCHITEW6432")
                   or os.environ.get("PROCESSOR_ARCHITECTURE", "unknown machine"))
        wine = (
            f"{system.wine}; its known stubs are marked 'wine stub' and do not fail the doctor"
            if system.wine else "no"
        )
        rows = [
            ("win32session", __version__),
            ("Python", f"{sys.version.split()[0]}, {bits}-bit, {machine}"),
            ("Windows", f"{windows.major}.{windows.minor}.{windows.build}{service_pack} "
                        f"(sys.getwindowsversion); {_registry_product()} (registry)"),
            ("Wine", wine),
            ("session", f"{system.session_id} (this process's)"),
        ]
        return ["win32session doctor", *(f"  {key:<12}  {value}" for key, value in rows)]

    # --- What Windows said, in words. ---

    def _error(exc: OSError) -> str:
        """A failed call's error code and Windows's text for it. The _win32
        errchecks raise an OSError without winerror for error 0."""
        code = exc.winerror or 0
        if not code:
            return "error 0 (no error code)"
        return f"error {code} ({ctypes.FormatError(code).strip()})"

    def _fresh_last_error() -> None:
        """Zeroes the last error ctypes hands to the next call. A call that
        fails without setting one (as Wine's stubs do) would otherwise report
        whatever an earlier call on this thread left, as if it were its own."""
        ctypes.set_last_error(0)

    def _false(function: str, exc: OSError) -> str:
        return f"{function} returned FALSE, {_error(exc)}"

    @contextlib.contextmanager
    def _own_window() -> Iterator[int]:
        """A message-only window of the predefined STATIC class, for a moment:
        no class of ours to register, no window procedure to keep alive. It is
        not a notifier's, so the checks see the bare API."""
        hwnd: int = user32.CreateWindowExW(
            0, "STATIC", "win32session doctor", 0, 0, 0, 0, 0,
            user32.HWND_MESSAGE, None, kernel32.GetModuleHandleW(None), None,
        )
        try:
            yield hwnd
        finally:
            user32.DestroyWindow(hwnd)

    _SCOPE: Final = NotifyType.NOTIFY_FOR_THIS_SESSION

    # --- The checks, in the order they run. ---

    def check_registration(system: System) -> Result:
        """WTSRegisterSessionNotification on a window of our own returns TRUE."""
        call = f"WTSRegisterSessionNotification({_SCOPE.name})"
        with _own_window() as hwnd:
            try:
                _fresh_last_error()
                wtsapi32.WTSRegisterSessionNotification(hwnd, int(_SCOPE))
            except OSError as exc:
                return system.not_ok(_false(call, exc), wine_stub=False)
            with contextlib.suppress(OSError):  # the next check's business
                wtsapi32.WTSUnRegisterSessionNotification(hwnd)
        return Result(Verdict.OK, f"{call} returned TRUE")

    def check_unregistration(system: System) -> Result:
        """WTSUnRegisterSessionNotification of a registered window returns TRUE.
        Wine 8.0's stub returns FALSE with error 0."""
        call = "WTSUnRegisterSessionNotification"
        with _own_window() as hwnd:
            try:
                _fresh_last_error()
                wtsapi32.WTSRegisterSessionNotification(hwnd, int(_SCOPE))
            except OSError as exc:
                return Result(Verdict.UNAVAILABLE, "nothing to unregister: "
                              + _false("WTSRegisterSessionNotification", exc))
            try:
                _fresh_last_error()
                wtsapi32.WTSUnRegisterSessionNotification(hwnd)
            except OSError as exc:
                return system.not_ok(_false(call, exc), wine_stub=not exc.winerror)
        return Result(Verdict.OK, f"{call} returned TRUE")

    def _describe_listed(info: SessionInfo) -> str:
        state = getattr(info.state, "name", info.state)
        return f"session {info.session_id}: station {info.station_name!r}, state {state}"

    def check_listing(system: System) -> Result:
        """list_sessions() (WTSEnumerateSessionsW) lists this process's session,
        with a station name and a state. Wine 8.0's stub lists none."""
        try:
            _fresh_last_error()
            listed = _sessions.list_sessions()
        except OSError as exc:
            return system.not_ok(f"WTSEnumerateSessionsW failed: {_error(exc)}", wine_stub=False)
        if not listed:
            return system.not_ok("WTSEnumerateSessionsW listed no sessions", wine_stub=True)
        ids = ", ".join(str(s.session_id) for s in listed)
        ours = [s for s in listed if s.session_id == system.session_id]
        if not ours:
            return system.not_ok(f"{len(listed)} listed ({ids}), not ours "
                                 f"({system.session_id})", wine_stub=False)
        answer = f"{len(listed)} listed ({ids}); {_describe_listed(ours[0])}"
        if ours[0].station_name is None or ours[0].state is None:
            return system.not_ok(answer, wine_stub=False)
        return Result(Verdict.OK, answer)

    def _why_no_lock_state(session_id: int) -> tuple[str, bool]:
        """Why ``locked`` is None, asked of WTSSessionInfoEx itself, and whether
        that is Wine 8.0's stub (the class fails with error 0)."""
        try:
            _fresh_last_error()
            extended = _sessions._info_ex(session_id)
        except OSError as exc:
            return f"WTSSessionInfoEx failed, {_error(exc)}", not exc.winerror
        if extended is None:
            return "WTSSessionInfoEx answered no WTSINFOEX_LEVEL1_W", False
        flags = extended.SessionFlags & 0xFFFFFFFF
        return f"WTSSessionInfoEx SessionFlags {flags:#x} (neither lock nor unlock)", False

    def check_lock_state(system: System) -> Result:
        """session_info(our session).locked is True or False, not None.
        Wine 8.0 answers only the user and domain classes."""
        session = system.session_id
        try:
            info = _sessions.session_info(session)
        except (LookupError, OSError) as exc:
            return system.not_ok(f"session_info({session}) failed: {exc}", wine_stub=False)
        if info.locked is not None:
            state = "locked" if info.locked else "not locked"
            return Result(Verdict.OK, f"session {session} is {state} (WTSSessionInfoEx)")
        why, stub = _why_no_lock_state(session)
        return system.not_ok(f"session {session}: locked is None: {why}", wine_stub=stub)

    def check_console(system: System) -> Result:
        """WTSGetActiveConsoleSessionId: which session has the console, and
        whether it is ours. Either is fine; none attached is unavailable."""
        console = _sessions.active_console_session_id()
        if console is None:
            return Result(Verdict.UNAVAILABLE,
                          "no session is attached to the console (0xFFFFFFFF)")
        whose = ("this process's" if console == system.session_id
                 else f"not this process's ({system.session_id}: a remote or service session)")
        return Result(Verdict.OK, f"session {console}, {whose}")

    def check_selftest(system: System) -> Result:
        """The selftest's round trip: every code posted to a live notifier's
        window arrives decoded."""
        try:
            arrivals = _selftest.round_trip()
        except OSError as exc:
            return system.not_ok(f"the notifier did not start: {exc}", wine_stub=False)
        passed = sum(a.ok for a in arrivals)
        answer = f"{passed} of {len(arrivals)} codes posted to a notifier arrived decoded"
        failed = [a for a in arrivals if not a.ok]
        if not failed:
            return Result(Verdict.OK, answer)
        first = failed[0]
        got = "nothing" if first.event is None else first.event.reason_name
        return system.not_ok(f"{answer}; {first.code:#04x} {first.name}: got {got}",
                             wine_stub=False)

    #: What Wine 8.0's power registrations return instead of a handle.
    _WINE_DUMMY_HANDLE: Final = 0xDEADBEEF
    #: How long Windows gets to send the initial power-setting values.
    _INITIAL_VALUES_SECONDS: Final = 3.0

    def check_power_registration(system: System) -> Result:
        """RegisterSuspendResumeNotification and RegisterPowerSettingNotification
        return real handles, and each is undone: the power source of a
        notifier with power=True, on a window of our own. Wine 8.0 returns a
        dummy 0xDEADBEEF."""
        from .._sources.power import PowerChanges

        source = PowerChanges(lambda event, kinds: None, system.session_id)
        with _own_window() as hwnd:
            try:
                _fresh_last_error()
                source.register(hwnd)
            except OSError as exc:
                return system.not_ok(
                    f"registration {len(source.handles) + 1} failed: {_error(exc)}",
                    wine_stub=False)
            finally:
                handles = source.handles
                source.unregister(hwnd)
        values = set(handles)
        answer = f"{len(handles)} registrations returned " + (
            f"handle {next(iter(values)):#x} each" if len(values) == 1 and len(handles) > 1
            else "distinct handles")
        for setting, refusal in source.refused:
            answer += f"; {setting.name} refused ({_error(refusal)})"
        if values == {_WINE_DUMMY_HANDLE}:
            return system.not_ok(answer + " (a dummy: Wine sends no power events)",
                                 wine_stub=True)
        return Result(Verdict.OK, answer)

    def _has_battery() -> bool:
        """Whether GetSystemPowerStatus knows of a system battery: not when
        BatteryFlag says BATTERY_FLAG_NO_BATTERY (128), nor when it is 255
        (unknown status), in which cases Windows need send no battery value.
        https://learn.microsoft.com/windows/win32/api/winbase/ns-winbase-system_power_status"""
        status = kernel32.SYSTEM_POWER_STATUS()
        kernel32.GetSystemPowerStatus(ctypes.byref(status))
        flag = int(status.BatteryFlag)
        return flag != 255 and not flag & kernel32.BATTERY_FLAG_NO_BATTERY

    def check_power_initial_values(system: System) -> Result:
        """After registration Windows sends each setting's current value
        (``initial``), which is how a notifier knows the display is already
        off. Wine 8.0 never sends WM_POWERBROADCAST."""
        import threading

        from .._notifier.notifier import Notifier

        arrived: dict[str, str] = {}
        changed = threading.Condition()

        def note(event: object) -> None:
            setting = getattr(event, "setting_name", None)
            if getattr(event, "initial", False) and setting is not None:
                value = getattr(event, "value", None)
                with changed:
                    arrived[setting] = getattr(value, "name", str(value))
                    changed.notify_all()

        notifier = Notifier(power=True)
        notifier.subscribe(note)
        from .._sources.power import OPTIONAL_SETTINGS, settings_for_session

        settings = settings_for_session(system.session_id)
        registered = [setting.name for setting in settings]
        # A desktop without a battery may get no battery value at all.
        no_battery = (set() if _has_battery()
                      else {PowerSetting.GUID_BATTERY_PERCENTAGE_REMAINING})
        wanted = [setting.name for setting in settings
                  if setting not in OPTIONAL_SETTINGS  # not on every Windows
                  and setting not in no_battery]
        with notifier, changed:
            changed.wait_for(lambda: all(name in arrived for name in wanted),
                             _INITIAL_VALUES_SECONDS)
        if not arrived:
            return system.not_ok(
                f"no initial value within {_INITIAL_VALUES_SECONDS:g} s",
                wine_stub=system.wine is not None)
        missing = [name for name in wanted if name not in arrived]
        values = ", ".join(f"{name.removeprefix('GUID_')}={arrived[name]}"
                           for name in registered if name in arrived)
        if missing:
            return system.not_ok(f"{values}; none for {', '.join(missing)}", wine_stub=False)
        return Result(Verdict.OK, values)

    #: Every check, in order: (name, function). One more is a line here.
    CHECKS: Final[Sequence[tuple[str, Check]]] = (
        ("registration", check_registration),
        ("unregistration", check_unregistration),
        ("session listing", check_listing),
        ("lock state", check_lock_state),
        ("console session", check_console),
        ("power registration", check_power_registration),
        ("power initial values", check_power_initial_values),
        ("selftest", check_selftest),
    )
