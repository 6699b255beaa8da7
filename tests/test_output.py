"""Lines that fail loudly (``_output``) and ``watch`` ending on them.

The module's parts run on any OS against real pipes, files and devices; the
``watch`` command runs as a real process under Windows (or Wine), with session
events posted to its window as Windows would, and its stdout pipe, its output
file or that file's folder taken away for real.
"""

from __future__ import annotations

import contextlib
import errno
import io
import locale
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

import pytest
from support import (
    Child,
    find_notifier_window,
    own_session,
    post,
    remove_from_linux,
    spawn,
    under_wine,
)

from win32session import SessionNotificationMsg
from win32session._output import (
    ERROR_BROKEN_PIPE,
    ERROR_NO_DATA,
    ERROR_PIPE_NOT_CONNECTED,
    LineOutput,
    OutputError,
    ReaderGone,
    describe,
    reader_gone,
)

M = SessionNotificationMsg
windows = pytest.mark.windows
needs_win32 = pytest.mark.skipif(sys.platform != "win32", reason="runs Windows programs")
NAMES = "\u0141ukasz \u738b"  # Łukasz 王: neither is in cp1252


class _WindowsError(OSError):
    """An OSError as Windows raises it, with its error code, on any OS."""

    def __init__(self, winerror: int) -> None:
        super().__init__(errno.EINVAL, "the C runtime's answer")
        self.winerror = winerror


# --- The module's pure parts (any OS). ---


def test_reader_gone_is_a_closed_pipe_and_nothing_else() -> None:
    assert reader_gone(BrokenPipeError(errno.EPIPE, "Broken pipe"))
    assert reader_gone(OSError(errno.EPIPE, "Broken pipe"))
    assert reader_gone(_WindowsError(ERROR_NO_DATA))  # what Wine's WriteFile gives
    assert reader_gone(_WindowsError(ERROR_BROKEN_PIPE))
    assert reader_gone(_WindowsError(ERROR_PIPE_NOT_CONNECTED))  # Wine, a Unix pipe
    assert not reader_gone(OSError(errno.EINVAL, "Invalid argument"))  # the C runtime's
    assert not reader_gone(OSError(errno.ENOSPC, "No space left on device"))
    assert not reader_gone(_WindowsError(112))  # ERROR_DISK_FULL
    assert not reader_gone(ValueError("I/O operation on closed file"))


def test_describe_gives_the_code_and_no_file_name() -> None:
    assert describe(_WindowsError(112)) == "[WinError 112] the C runtime's answer"
    assert describe(OSError(errno.ENOSPC, "No space left on device", "audit.jsonl")) == (
        "[Errno 28] No space left on device")
    assert describe(OSError("WriteFile failed and Windows gave no error code")) == (
        "WriteFile failed and Windows gave no error code")
    assert describe(ValueError("I/O operation on closed file")) == "I/O operation on closed file"


def test_output_error_is_one_line_and_an_os_error() -> None:
    error = OutputError("cannot write to audit.jsonl: [Errno 28] No space left on device",
                        "audit.jsonl")
    assert isinstance(error, OSError) and error.destination == "audit.jsonl"
    assert str(error) == "cannot write to audit.jsonl: [Errno 28] No space left on device"
    assert issubclass(ReaderGone, OutputError)


# --- Files, for real (any OS; under Windows through CreateFileW and WriteFile). ---


def test_a_file_is_appended_to_in_utf8_with_newlines(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    log.write_bytes(b"kept\n")
    with LineOutput(str(log)) as out:
        assert out.name == str(log)
        out.write_line(f"logon  VM\\{NAMES}")
        assert log.read_bytes() == f"kept\nlogon  VM\\{NAMES}\n".encode()  # already there
        out.write_line("lone \udc80 surrogate")  # UTF-16 names can hold one
    assert log.read_bytes().decode("utf-8").splitlines() == [
        "kept", f"logon  VM\\{NAMES}", "lone \\udc80 surrogate"]


def test_two_writers_append_without_overwriting_each_other(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    with LineOutput(str(log)) as first, LineOutput(str(log)) as second:
        first.write_line("one")
        second.write_line("two")
        first.write_line("three")
    assert log.read_text(encoding="utf-8").splitlines() == ["one", "two", "three"]


def test_a_file_that_cannot_be_opened_names_itself(tmp_path: Path) -> None:
    missing = tmp_path / "no such folder" / "audit.log"
    with pytest.raises(OutputError) as raised:
        LineOutput(str(missing))
    message = str(raised.value)
    assert message.startswith(f"cannot open {missing} to append to it: [")
    assert len(message.splitlines()) == 1 and message.count(str(missing)) == 1


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_a_full_device_fails_the_line_and_every_later_one() -> None:
    out = LineOutput("/dev/full")
    try:
        with pytest.raises(OutputError) as raised:
            out.write_line("lost")
        # Linux's answer, or under Wine (where /dev/full is Z:\\dev\\full) Windows's.
        assert str(raised.value) in (
            "cannot write to /dev/full: [Errno 28] No space left on device",
            "cannot write to /dev/full: [WinError 112] WriteFile: Disk full.")
        assert not isinstance(raised.value, ReaderGone)
        with pytest.raises(OutputError) as again:
            out.write_line("after")  # no line goes out after a lost one
        assert again.value is raised.value
    finally:
        out.close()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows refuses to delete an open file")
def test_a_file_whose_folder_was_removed_fails(tmp_path: Path) -> None:
    # Unix semantics, as under Wine: the folder goes, the open file takes
    # writes that no name leads to any more.
    folder = tmp_path / "logs"
    folder.mkdir()
    with LineOutput(str(folder / "audit.log")) as out:
        out.write_line("kept")
        shutil.rmtree(folder)
        with pytest.raises(OutputError) as raised:
            out.write_line("lost")
    assert str(raised.value) == (
        f"cannot write to {folder / 'audit.log'}: it was deleted (or its folder was) while "
        "open, so its lines reach no file")


# --- Stdout (any OS): a real pipe behind sys.stdout. ---


@contextlib.contextmanager
def piped_stdout(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[IO[str], int]]:
    """sys.stdout writing to a real pipe in an ANSI code page, as a
    redirected stdout; yields it and the read end's descriptor. Set in the
    test itself: pytest sets its own sys.stdout again between a fixture and
    the test."""
    read_end, write_end = os.pipe()
    stream = open(write_end, "w", encoding="cp1252", errors="strict")
    monkeypatch.setattr(sys, "stdout", stream)
    try:
        yield stream, read_end
    finally:
        monkeypatch.undo()
        stream.close()
        with contextlib.suppress(OSError):  # the test may have closed it
            os.close(read_end)


def test_a_redirected_stdout_gets_utf8_whatever_its_code_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with piped_stdout(monkeypatch) as (stream, read_end):
        stream.write("printed before\n")  # still buffered: it must go first
        out = LineOutput()
        assert out.name == "stdout"
        out.write_line(f"logon  VM\\{NAMES}")
        data = os.read(read_end, 1000)
    # The first line is sys.stdout's own, with its newline translated.
    assert data == f"printed before{os.linesep}logon  VM\\{NAMES}\n".encode()


def test_a_closed_stdout_pipe_is_a_reader_gone_and_stdout_goes_to_null(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with piped_stdout(monkeypatch) as (stream, read_end):
        out = LineOutput()
        out.write_line("first")
        os.close(read_end)
        with pytest.raises(ReaderGone) as raised:
            out.write_line("second")
        assert str(raised.value).startswith("cannot write to stdout: its reader went away (")
        assert reader_gone(raised.value.__cause__ or raised.value)
        stream.write("printed at exit\n")
        stream.flush()  # Python's own flush at exit: the null device takes it, no error


def test_stdout_without_a_descriptor_is_written_as_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = LineOutput()
    out.write_line(f"logon  VM\\{NAMES}")
    assert capsys.readouterr().out == f"logon  VM\\{NAMES}\n"


def test_no_stdout_at_all_is_an_output_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)  # a service, or pythonw
    with pytest.raises(OutputError) as raised:
        LineOutput()
    assert str(raised.value) == "cannot write to stdout: this process has none"


def test_a_closed_text_stdout_is_an_output_error(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    out = LineOutput()
    stream.close()
    with pytest.raises(OutputError) as raised:
        out.write_line("lost")
    assert str(raised.value) == "cannot write to stdout: I/O operation on closed file"


# --- watch, for real (Windows, or Windows CPython under Wine). ---


def start_watch(*args: str) -> subprocess.Popen[bytes]:
    """``python ARGS`` in a hidden console of its own, its stdout and stderr
    pipes read by the test itself (bytes: the encoding is under test)."""
    if sys.platform != "win32":
        raise OSError("runs Windows programs")
    startup = subprocess.STARTUPINFO()
    startup.dwFlags |= subprocess.STARTF_USESHOWWINDOW
    startup.wShowWindow = subprocess.SW_HIDE
    process = spawn([sys.executable, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, creationflags=subprocess.CREATE_NEW_CONSOLE,
                    startupinfo=startup)
    return cast("subprocess.Popen[bytes]", process)  # spawn is typed for text


def read_line(stream: IO[bytes] | None, timeout: float = 30.0) -> bytes:
    """One line from ``stream``, read on a thread that has finished when this
    returns (a pipe is not closed under a thread reading it)."""
    assert stream is not None
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert not reader.is_alive(), f"no line in {timeout} s"
    return got[0]


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The watchers a test starts, killed if the test leaves one running."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def post_until_gone(hwnd: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Posts a lock event to ``hwnd`` every 0.2 s until ``process`` ends by
    itself; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        assert time.monotonic() < deadline, "the watcher kept running"
        try:
            post(hwnd, M.WTS_SESSION_LOCK, own_session())
        except OSError:
            pass  # the window is gone: the process is ending
        time.sleep(0.2)  # another process reacts: there is nothing to wait on


@windows
@needs_win32
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_watch_ends_quietly_when_its_reader_goes_away(
    processes: list[subprocess.Popen[bytes]], as_json: bool
) -> None:
    # `win32session watch --json | head -1`: the reader closes its end of the
    # pipe after the first line; the events posted after it must end the
    # watcher by itself, with status 0 and nothing but the watching line on stderr.
    watcher = start_watch("-m", "win32session", *(["--json"] if as_json else []))
    processes.append(watcher)
    hwnd = find_notifier_window(watcher.pid)
    post(hwnd, M.WTS_SESSION_LOCK, own_session())
    assert b"WTS_SESSION_LOCK" in read_line(watcher.stdout)
    assert watcher.stdout is not None and watcher.stderr is not None
    watcher.stdout.close()
    post_until_gone(hwnd, watcher)
    assert watcher.returncode == 0
    assert watcher.stderr.read().decode().splitlines() == [
        "watching NOTIFY_FOR_THIS_SESSION; Ctrl+C to stop"]


@windows
@needs_win32
@pytest.mark.wine_only("Z:\\dev\\full is Linux's /dev/full under Wine")
def test_watch_on_a_full_disk_exits_1_naming_the_file() -> None:
    # Nothing simulated: Wine writes to Linux's /dev/full, which answers
    # ENOSPC, and WriteFile fails with ERROR_DISK_FULL (112).
    child = Child("-m", "win32session", "--output", "Z:\\dev\\full")
    hwnd = find_notifier_window(child.process.pid)
    post(hwnd, M.WTS_SESSION_LOCK, own_session())
    assert child.wait() == 1, child.output()
    assert child.stdout == []
    assert "".join(child.stderr).splitlines() == [
        "watching NOTIFY_FOR_THIS_SESSION; appending to Z:\\dev\\full; Ctrl+C to stop",
        "win32session: watch failed: cannot write to Z:\\dev\\full: [WinError 112] "
        "WriteFile: Disk full."]


@windows
@needs_win32
@pytest.mark.wine_only("Windows refuses to delete an open file")
def test_watch_exits_1_when_its_file_is_deleted(tmp_path: Path) -> None:
    # Nothing simulated: the folder is removed by Linux's rm while the watcher
    # holds the file open; its writes still succeed, into a file with no name.
    folder = tmp_path / "logs"
    folder.mkdir()
    log = folder / "audit.jsonl"
    child = Child("-m", "win32session", "--json", "--output", str(log))
    hwnd = find_notifier_window(child.process.pid)
    post(hwnd, M.WTS_SESSION_LOCK, own_session())
    deadline = time.monotonic() + 30
    while not log.exists() or not log.read_bytes().endswith(b"\n"):
        assert time.monotonic() < deadline, "the first line never reached the file"
        time.sleep(0.02)  # another process writes it: there is nothing to wait on
    remove_from_linux(folder)
    post(hwnd, M.WTS_SESSION_UNLOCK, own_session())
    assert child.wait() == 1, child.output()
    assert "".join(child.stderr).splitlines()[1:] == [
        f"win32session: watch failed: cannot write to {log}: it was deleted (or its folder "
        "was) while open, so its lines reach no file"]


#: watch in a child process whose user's name is ``argv[1]``. Under Wine,
#: WTSQuerySessionInformationW(WTSUserName) answers with the WINEUSERNAME
#: variable of the process that asks, so the name is set there and Windows's
#: answer is real. On Windows the answer cannot be chosen: session_info's
#: user name alone is replaced.
WATCH_AS = """
import dataclasses, os, sys
name, wine = sys.argv[1], sys.argv[2] == "wine"
if wine:
    os.environ["WINEUSERNAME"] = name
else:
    from win32session import _sessions
    real = _sessions.session_info
    _sessions.session_info = lambda session: dataclasses.replace(real(session), user_name=name)
from win32session.__main__ import main
sys.exit(main(sys.argv[3:]))
"""


@windows
@needs_win32
def test_watch_writes_any_user_name_to_a_redirected_stdout(
    processes: list[subprocess.Popen[bytes]],
) -> None:
    # Text output, not JSON, to a pipe; under Wine the ANSI code page is
    # cp1252, which has neither name: each line must still arrive, in UTF-8.
    if under_wine():
        assert locale.getpreferredencoding(False) == "cp1252"
    watcher = start_watch("-c", WATCH_AS, NAMES, "wine" if under_wine() else "windows")
    processes.append(watcher)
    hwnd = find_notifier_window(watcher.pid)
    post(hwnd, M.WTS_SESSION_LOCK, own_session())
    post(hwnd, M.WTS_SESSION_UNLOCK, own_session())
    lock, unlock = read_line(watcher.stdout), read_line(watcher.stdout)
    domain = os.environ.get("USERDOMAIN", "")
    assert lock.decode("utf-8").endswith(
        f"  {'WTS_SESSION_LOCK':<28} session {own_session()}  {domain}\\{NAMES}\n")
    assert unlock.decode("utf-8").endswith(f"session {own_session()}  {domain}\\{NAMES}\n")
    watcher.kill()
    watcher.wait(30)
