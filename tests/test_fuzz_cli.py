"""The command line under hostile input (issue 18): hypothesis drives every
command and option, with values from a hostile alphabet (empty, huge, NaN and
the infinities, device names, pipe, UNC and device-namespace paths, non-ANSI
text, lone surrogates, line breaks). The property, for every input: exit
status 0, 1 or 2, never an exception (a traceback), at most one line on
stderr, and stdout and stderr in UTF-8.

In-process, so that hundreds of inputs take seconds: ``main(argv)`` with
stdout and stderr as cp1252 text streams over bytes, as a redirected process
has them under Windows. What would block, take long or touch the machine is
stood in for, and only that:

- ``watch``: its Notifier is a stand-in that is ready at once, hands the
  callback one session event (its user a hostile name, too) and returns as
  after Ctrl+C. Its output, ``LineOutput`` with whatever path was given
  (files, devices, pipes, shares), is real.
- ``doctor``: its checks wait seconds for Windows's power values (tested in
  test_doctor.py); it answers 0 here.
- ``service run``: ``StartServiceCtrlDispatcherW`` fails with 1063 at once,
  what it answers in a console (Wine answers it after 10 s).
- Every Win32 call that would make, start, stop, change or delete a service,
  change a security descriptor or make a folder fails with 5 (access denied):
  whatever the fuzz finds, it cannot touch a service, ours or not, or a
  folder's protection.

The working folder is a fresh temporary one, and the random names hold no
folder separator or drive colon, so every file the fuzz makes lands there.

Then a handful of real processes, with Wine's crash debugger off (the
``AeDebug`` key's ``Debugger`` emptied, and the error mode without the crash
dialog), so that a crash fails the test at once instead of hanging it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import spawn, under_wine

import win32session._cli.watch as watch_command
from win32session.__main__ import main
from win32session._cli.parser import build_parser
from win32session import SessionEvent, SessionInfo, SessionNotificationMsg

windows = pytest.mark.windows
needs_win32 = pytest.mark.skipif(sys.platform != "win32", reason="runs Windows programs")

#: The hostile alphabet: values every option is given.
HOSTILE = [
    "", " ", "-", "--", "=", "0", "-0", "1e308", "1e400", "-1", "-1e-9", "nan", "-nan", "inf",
    "-inf", "Infinity", "0x10", "9" * 400, "x" * 5000,
    "nul", "NUL.txt", "nul. .jsonl", "CON", "CONOUT$", "conin$", "COM1", "lpt\u00b9", "aux:",
    "\\\\.\\pipe\\win32session-fuzz-nobody", "\\\\.\\pipe\\", "//./pipe/x",
    "\\\\win32session-no-host\\share\\a.jsonl", "\\\\?\\UNC\\win32session-no-host\\s\\a",
    "\\\\.\\C:", "\\\\.\\PhysicalDrive0", "\\\\?\\GLOBALROOT\\Device\\Null", "\\\\.\\nul",
    "\u0141ukasz \u738b", "\u202eevil", "\u65e5\u672c.jsonl", "\udc80", "a\ud800b",
    "two\nlines", "\r", "tab\there", "a\x00b", "\u2028", "--json", "--output", "-h",
    "x ", "x.", ".x", "a" * 257, "win32session-audit", "Spooler",
]
#: Random names: any character, lone surrogates included, but no folder
#: separator or drive colon, so that a file made by the fuzz lands in the
#: working folder.
RANDOM = st.text(st.characters(codec=None, exclude_categories=(),
                               exclude_characters="\\/:"), max_size=12)
VALUES = st.one_of(st.sampled_from(HOSTILE), RANDOM)


def _commands() -> list[tuple[list[str], list[tuple[str, bool]]]]:
    """Every command (``service`` with each action) and its options, each
    with whether it takes a value: read from the parser itself, so that an
    option added later is fuzzed too."""

    def options(parser: argparse.ArgumentParser) -> list[tuple[str, bool]]:
        return [(action.option_strings[-1], action.nargs != 0)
                for action in parser._actions if action.option_strings]

    def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return cast("dict[str, argparse.ArgumentParser]", action.choices)
        return {}

    found: list[tuple[list[str], list[tuple[str, bool]]]] = []
    for name, parser in subcommands(build_parser()).items():
        actions = subcommands(parser)
        found.append(([name], options(parser)))
        found += [([name, action], options(sub)) for action, sub in actions.items()]
    return found


COMMANDS = _commands()


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A command (or none, or a bogus one), some of its options in any
    order, each value from the hostile alphabet, sometimes missing, joined
    with ``=`` or stray."""
    path, options = draw(st.sampled_from([*COMMANDS, ([], COMMANDS[0][1])]))
    if draw(st.booleans()) and not path:
        path = [draw(VALUES)]
    words: list[list[str]] = []
    for option, takes_value in draw(st.lists(st.sampled_from(options), max_size=4)):
        if not takes_value:
            words.append([option])
            continue
        value = draw(VALUES)
        words.append(draw(st.sampled_from([[option, value], [f"{option}={value}"], [option]])))
    words += [[value] for value in draw(st.lists(VALUES, max_size=2))]
    return [*path, *(word for group in draw(st.permutations(words)) for word in group)]


class _ReadyNotifier:
    """Stands in for Notifier in ``watch``: ready at once, one event for the
    callback, then it returns as after Ctrl+C."""

    user = "nobody"

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._callbacks: list[Any] = []

    def subscribe(self, callback: Any) -> None:
        self._callbacks.append(callback)

    def stop(self, timeout: float | None = None) -> bool:
        return True

    def run(self, on_ready: Any = None) -> None:
        if on_ready is not None:
            on_ready()
        event = SessionEvent(SessionNotificationMsg.WTS_SESSION_LOCK, 1,
                             datetime.datetime.now(datetime.timezone.utc),
                             info=SessionInfo(1, user_name=self.user, domain="VM"))
        for callback in self._callbacks:
            callback(event)
        raise KeyboardInterrupt


#: Win32 calls that change the machine: the fuzz must never reach one for
#: real (a service, ours or not; a folder's or a file's protection).
_CHANGES = re.compile(r"^(CreateService|DeleteService|StartService(?!CtrlDispatcher)|"
                      r"ControlService|ChangeServiceConfig|Set\w*Security|CreateDirectory)")


@pytest.fixture
def hostile_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The stand-ins of the module docstring; returns the names of the calls
    that were refused (none is expected to be reached, but any may be)."""
    from win32session._cli import doctor as _doctor
    from win32session._win32 import advapi32, kernel32

    refused: list[str] = []

    def refuse(name: str) -> Any:
        def refused_call(*args: object) -> Any:
            refused.append(name)
            raise OSError(None, f"{name}: refused by the fuzz test", None, 5)
        return refused_call

    for module in (advapi32, kernel32):
        for name in dir(module):
            if _CHANGES.match(name) and callable(getattr(module, name)):
                monkeypatch.setattr(module, name, refuse(name))
    if hasattr(advapi32, "StartServiceCtrlDispatcherW"):
        def not_a_service(*args: object) -> Any:
            raise OSError(None, "StartServiceCtrlDispatcherW: not started by the service "
                          "control manager", None, 1063)
        monkeypatch.setattr(advapi32, "StartServiceCtrlDispatcherW", not_a_service)
    monkeypatch.setattr(watch_command, "Notifier", _ReadyNotifier)
    monkeypatch.setattr(_doctor, "run", lambda *args: 0)
    monkeypatch.chdir(tmp_path)
    return refused


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) as its process would run it: the exit status (argparse's
    own exit for --help and --version included), stdout and stderr, which
    must be UTF-8. Both streams are as a redirected process has them under
    Windows: text in the ANSI code page (cp1252 under Wine) over bytes."""
    buffers = io.BytesIO(), io.BytesIO()
    streams = [io.TextIOWrapper(buffer, encoding="cp1252", errors="strict")
               for buffer in buffers]
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = streams
    try:
        try:
            status = main(argv)
        except SystemExit as exited:  # --help, --version
            status = exited.code if isinstance(exited.code, int) else 1
        for stream in streams:
            stream.flush()
        out, err = (buffer.getvalue().decode("utf-8") for buffer in buffers)
    finally:
        sys.stdout, sys.stderr = saved
    return status, out, err


@settings(derandomize=True, max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=command_lines(), user=VALUES)
def test_any_command_line_exits_0_1_or_2_with_at_most_one_line(
    hostile_world: list[str], argv: list[str], user: str
) -> None:
    _ReadyNotifier.user = user
    check(argv)


def check(argv: list[str]) -> None:
    """The property, for one command line."""
    status, out, err = run_main(argv)
    assert status in (0, 1, 2), (argv, status, err)
    lines = err.splitlines()
    assert len(lines) <= 1 or (lines[0].startswith("watching ") and len(lines) == 2), (argv, err)
    if status == 2:
        assert out == "" and len(lines) == 1 and lines[0].startswith("win32session"), (argv, err)


def test_every_option_with_every_hostile_value(hostile_world: list[str]) -> None:
    # Exhaustive where the random search may miss: each option that takes a
    # value gets each value of the alphabet, spelled both ways.
    swept = 0
    for path, options in COMMANDS:
        for option, takes_value in options:
            if not takes_value:
                continue
            for value in HOSTILE:
                check([*path, option, value])
                check([*path, f"{option}={value}"])
                swept += 2
    assert swept >= 2 * len(HOSTILE) * 10  # watch, status, and --name of six actions...


@pytest.mark.skipif(sys.platform != "win32", reason="Win32 calls")
def test_the_guard_refuses_every_call_that_changes_a_service(hostile_world: list[str]) -> None:
    # The fuzz above cannot touch a service because each of these fails.
    from support import declaring_module

    for name in ("CreateServiceW", "DeleteService", "StartServiceW", "ControlService",
                 "ChangeServiceConfig2W", "CreateDirectoryW", "SetNamedSecurityInfoW"):
        with pytest.raises(OSError) as raised:
            getattr(declaring_module(name), name)(None)
        assert getattr(raised.value, "winerror", None) == 5
    assert hostile_world[-1] == "SetNamedSecurityInfoW"
    # Not ours: refused before any call; with --any-service, by the guard.
    assert run_main(["service", "stop", "--name", "Spooler"])[0] == 2
    assert run_main(["service", "stop", "--name", "Spooler", "--any-service"])[0] == 1


# --- Real processes (Windows, or Wine), with the crash debugger off. ---

AEDEBUG = r"Software\Microsoft\Windows NT\CurrentVersion\AeDebug"


@pytest.fixture(scope="module")
def crash_debugger_off() -> Iterator[None]:
    """A crashed child ends at once with its exception code. Windows: the
    error mode without the crash dialog (SEM_NOGPFAULTERRORBOX), which child
    processes inherit. Wine 8.0 ignores that mode and starts ``winedbg``,
    whose crash dialog waits on the X display: its AeDebug ``Debugger`` value
    is emptied, so Wine starts no debugger (kernelbase's start_debugger then
    fails), and put back afterwards."""
    if sys.platform != "win32":
        raise OSError("runs Windows programs")
    import msvcrt
    import winreg

    mode = msvcrt.GetErrorMode()
    msvcrt.SetErrorMode(mode | msvcrt.SEM_NOGPFAULTERRORBOX | msvcrt.SEM_FAILCRITICALERRORS)
    saved: tuple[Any, int] | None = None
    if under_wine():
        key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, AEDEBUG, 0, winreg.KEY_ALL_ACCESS)
        with contextlib.suppress(FileNotFoundError):
            saved = winreg.QueryValueEx(key, "Debugger")
        winreg.SetValueEx(key, "Debugger", 0, winreg.REG_SZ, "")
    try:
        yield
    finally:
        msvcrt.SetErrorMode(mode)
        if under_wine():
            if saved is None:
                winreg.DeleteValue(key, "Debugger")
            else:
                winreg.SetValueEx(key, "Debugger", 0, saved[1], saved[0])
            key.Close()


def run_child(*args: str, timeout: float = 60) -> tuple[int, str, str, float]:
    """``python ARGS`` with pipes: its status, stdout and stderr (UTF-8),
    and how long it took."""
    started = time.monotonic()
    process = spawn([sys.executable, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE)
    try:
        out, err = cast("tuple[bytes, bytes]", process.communicate(timeout=timeout))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
    return (process.returncode, out.decode("utf-8"), err.decode("utf-8"),
            time.monotonic() - started)


@windows
@needs_win32
def test_a_crash_in_a_child_fails_fast(crash_debugger_off: None) -> None:
    # The guard of the tests below: a real access violation (faulthandler
    # reads address 0) ends the child with its code, 0xC0000005, in seconds,
    # with no debugger and no dialog waiting. Under Wine, this child is the
    # "wine: Unhandled page fault on read access to 0000000000000000 ...
    # starting debugger..." line in every leg's output: Wine prints it on its
    # own Unix stderr before it looks for a debugger, and finds none.
    status, _, _, took = run_child("-c", "import faulthandler; faulthandler._read_null()")
    assert status & 0xFFFFFFFF == 0xC0000005
    assert took < 30


NOT_OURS = f"win32session-fuzz-{os.getpid()}-\u738b"


@windows
@needs_win32
@pytest.mark.parametrize(
    ("argv", "expected"),
    [(["bogus\udc80"], 2),
     (["status", "--idle-threshold", "-inf", "--json"], 2),
     (["status", "--idle-threshold", "-0"], 0),
     (["watch", "--output", "C:\\nul.txt"], 2),
     (["watch", "--json", "--output", "CONOUT$"], 2),
     (["--output", "\\\\.\\pipe\\win32session-fuzz-nobody"], 1),
     (["sessions", "x" * 20000], 2),
     (["service", "stop", "--name", NOT_OURS], 1),
     (["service", "uninstall", "--name", "\udc80" + NOT_OURS], 1),
     (["service", "status", "--name", "two\nlines"], 2)],
    ids=["bogus", "-inf", "-0", "nul.txt", "CONOUT$", "no-pipe", "huge", "stop", "uninstall",
         "newline"],
)
def test_hostile_command_lines_in_real_processes(
    crash_debugger_off: None, argv: list[str], expected: int
) -> None:
    # Real processes, nothing stood in for: the services named cannot exist,
    # so nothing is touched; the outputs are refused before anything opens.
    status, out, err, _ = run_child("-m", "win32session", *argv)
    assert status == expected, err
    assert "Traceback" not in err
    assert len(err.splitlines()) == (0 if expected == 0 else 1), err
    if expected == 0:
        assert "idle_threshold   0" in out.splitlines()


_RUN_WORDS = st.sampled_from(["--name", "--output", "--na", "--name=x", "-h", "--any-service",
                              "audit", "x y", "a/b", "", "-", "--", "C:\\t\\a.jsonl", "NUL",
                              "na\nme", "\x00", "w32s-audit"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(st.one_of(_RUN_WORDS, st.text(max_size=12)), max_size=6))
def test_the_service_run_fast_path_reads_what_the_parser_reads(words: list[str]) -> None:
    """``service run``'s own reading (no argparse, for the service control
    manager's start) either defers to the parser or agrees with it exactly."""
    from win32session._cli.main import _service_run

    argv = ["service", "run", *words]
    fast = _service_run(argv)
    if fast is None:
        return
    parsed = build_parser().parse_args(argv)
    assert (fast.command, fast.action, fast.name, fast.output) == (
        parsed.command, parsed.action, parsed.name, parsed.output)


def test_the_service_run_fast_path_reads_the_command_line_install_writes() -> None:
    from win32session._cli.main import _service_run

    fast = _service_run(["service", "run", "--name", "w32s-a", "--output", "C:\\t\\a.jsonl"])
    assert fast is not None and (fast.name, fast.output) == ("w32s-a", "C:\\t\\a.jsonl")
    assert _service_run(["service", "run"]) is not None  # the defaults
    for deferred in (["service", "run", "--name"], ["service", "run", "--na", "x"],
                     ["service", "run", "--name", "a", "--name", "b"],
                     ["service", "run", "--name", "a/b"], ["service", "status"]):
        assert _service_run(deferred) is None, deferred
