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
import re
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
from win32session._cli.output import (
    ERROR_BROKEN_PIPE,
    ERROR_NO_DATA,
    ERROR_PIPE_NOT_CONNECTED,
    LineOutput,
    OutputError,
    ReaderGone,
    UnsuitableOutput,
    _is_pipe_path,
    _namespace_device,
    describe,
    reader_gone,
    utf8_stdio,
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


def fill_up(fd: int) -> None:
    """Points ``fd`` at Linux's /dev/full (Z:\\dev\\full under Wine), which
    answers every write with ENOSPC: the disk filling up under an open file.
    Simulated only in that the file is swapped, not the disk filled."""
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        os.dup2(full, fd)
    finally:
        os.close(full)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_a_full_disk_fails_the_line_and_every_later_one(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    with LineOutput(str(log)) as out:
        out.write_line("kept")
        assert out._fd is not None
        fill_up(out._fd)
        with pytest.raises(OutputError) as raised:
            out.write_line("lost")
        # Linux's answer, or under Wine Windows's.
        assert str(raised.value) in (
            f"cannot write to {log}: [Errno 28] No space left on device",
            f"cannot write to {log}: [WinError 112] WriteFile: Disk full.")
        assert not isinstance(raised.value, ReaderGone)
        with pytest.raises(OutputError) as again:
            out.write_line("after")  # no line goes out after a lost one
        assert again.value is raised.value
    assert log.read_text(encoding="utf-8") == "kept\n"


#: Every form of a reserved DOS device name that Windows (some version of it)
#: opens as the device, in any folder (Naming Files, Paths, and Namespaces).
DEVICE_NAMES = ["nul", "NUL.txt", "nul.tar.gz", "Nul. .txt", "nul ", "nul...", "con", "CON.log",
                "prn", "aux.jsonl", "com1", "COM9.txt", "lpt1", "LPT9.x", "com\u00b9",
                "lpt\u00b2.txt", "COM\u00b3", "CONIN$", "conout$", "CONOUT$.txt", "nul:"]


@pytest.mark.parametrize("name", DEVICE_NAMES)
def test_a_device_name_is_refused_before_anything_is_opened(tmp_path: Path, name: str) -> None:
    # Any OS: the name alone decides, so nothing is opened, made or written.
    for path in (name, str(tmp_path / name)):
        with pytest.raises(UnsuitableOutput) as raised:
            LineOutput(path)
        message = str(raised.value)
        assert message.startswith(f"cannot write to {path}: Windows opens the device ")
        assert "not a file, so no line would be kept" in message
        assert len(message.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("path", "device"),
    [("\\\\.\\nul", True), ("\\\\.\\COM1", True), ("\\\\.\\C:", True),
     ("\\\\.\\PhysicalDrive0", True), ("\\\\?\\GLOBALROOT\\Device\\Null", True),
     ("//./nul", True), ("\\\\.\\pipe\\", True), ("\\??\\C:", True),
     ("\\\\?\\C:\\logs\\a.jsonl", False), ("\\\\.\\C:\\logs\\a.jsonl", False),
     ("\\\\?\\UNC\\server\\share\\a.jsonl", False), ("\\\\.\\pipe\\audit", False),
     ("\\\\?\\Volume{0}\\a.jsonl", False), ("C:\\logs\\a.jsonl", False)],
)
def test_the_device_namespace_names_devices_except_files_and_pipes(
    path: str, device: bool
) -> None:
    assert (_namespace_device(path) is not None) is device
    if device:
        with pytest.raises(UnsuitableOutput) as raised:
            LineOutput(path)
        assert str(raised.value) == (
            f"cannot write to {path}: it names a device, not a file, so no line would be kept")


@pytest.mark.parametrize(
    ("path", "pipe"),
    [("\\\\.\\pipe\\audit", True), ("\\\\.\\PIPE\\a\\b", True),
     ("\\\\?\\pipe\\audit", True), ("//./pipe/audit", True),
     ("\\\\server\\pipe\\audit", True), ("\\\\?\\UNC\\server\\pipe\\audit", True),
     ("\\\\.\\pipe\\", False), ("\\\\server\\share\\audit", False),
     ("pipe\\audit", False), ("C:\\pipe\\audit", False), ("\\\\\\pipe\\audit", False)],
)
def test_pipe_paths(path: str, pipe: bool) -> None:
    assert _is_pipe_path(path) is pipe


def test_an_empty_name_and_a_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsuitableOutput) as empty:
        LineOutput("")
    assert str(empty.value) == "cannot write to a file without a name"
    with pytest.raises(UnsuitableOutput) as folder:
        LineOutput(str(tmp_path))
    assert str(folder.value) == f"cannot write to {tmp_path}: it is a folder, not a file"


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs Linux's /dev/null")
@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_a_character_device_no_name_shows_is_refused_once_opened(device: str) -> None:
    # Nothing simulated: Linux's devices, which Wine's GetFileType calls
    # FILE_TYPE_CHAR (as Windows does NUL's and a console's); no name says so.
    with pytest.raises(UnsuitableOutput) as raised:
        LineOutput(device)
    if sys.platform == "win32":
        assert str(raised.value) == (
            f"cannot write to {device}: it is a character device (a console, a port, the null "
            "device), not a file, so no line would be kept")
    else:
        assert str(raised.value) == (
            f"cannot write to {device}: it is a device, not a file, so no line would be kept")


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


def test_utf8_stdio_makes_every_print_utf8_and_never_fail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Both streams on real pipes in an ANSI code page, as a redirected stdout
    # and stderr get them under Windows: after utf8_stdio(), print() of any
    # name goes out as UTF-8, and a lone surrogate is escaped, not raised.
    pipes = [os.pipe(), os.pipe()]
    streams = [open(write, "w", encoding="cp1252", errors="strict") for _, write in pipes]
    monkeypatch.setattr(sys, "stdout", streams[0])
    monkeypatch.setattr(sys, "stderr", streams[1])
    try:
        utf8_stdio()
        print(f"installed service {NAMES} \udc80")
        print(f"win32session: {NAMES}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = (os.read(read, 1000) for read, _ in pipes)
    finally:
        monkeypatch.undo()
        for stream in streams:
            stream.close()
        for read, _ in pipes:
            os.close(read)
    assert out == f"installed service {NAMES} \\udc80{os.linesep}".encode()
    assert err == f"win32session: {NAMES}{os.linesep}".encode()


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


#: watch in a child process whose output file's disk fills up right after it
#: is opened: its descriptor is pointed at Linux's /dev/full (fill_up).
WATCH_FILLING_UP = """
import os, sys
from win32session._cli import output as _output
real = _output._open_output
def filling_up(path, **options):
    fd = real(path, **options)
    full = os.open("/dev/full", os.O_WRONLY)
    os.dup2(full, fd)
    os.close(full)
    return fd
_output._open_output = filling_up
from win32session.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


@windows
@needs_win32
@pytest.mark.wine_only("Z:\\dev\\full is Linux's /dev/full under Wine")
def test_watch_on_a_full_disk_exits_1_naming_the_file(tmp_path: Path) -> None:
    # Simulated: only the file is swapped for Linux's /dev/full, which answers
    # ENOSPC, so WriteFile fails with ERROR_DISK_FULL (112), as on a full disk.
    log = tmp_path / "audit.log"
    child = Child("-c", WATCH_FILLING_UP, "--output", str(log))
    hwnd = find_notifier_window(child.process.pid)
    post(hwnd, M.WTS_SESSION_LOCK, own_session())
    assert child.wait() == 1, child.output()
    assert child.stdout == []
    assert "".join(child.stderr).splitlines() == [
        f"watching NOTIFY_FOR_THIS_SESSION; appending to {log}; Ctrl+C to stop",
        f"win32session: watch failed: cannot write to {log}: [WinError 112] "
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
    from win32session._queries import sessions as _sessions
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


# --- Named pipes (Windows, or Wine): a real pipe server in this process. ---

#: Access rights, as CreateFileW asks NtCreateFile for them: a generic right
#: is mapped to a pipe's specific rights ("Named Pipe Security and Access
#: Rights": GENERIC_WRITE is FILE_GENERIC_WRITE, which holds FILE_APPEND_DATA,
#: that is FILE_CREATE_PIPE_INSTANCE), and SYNCHRONIZE and
#: FILE_READ_ATTRIBUTES are always added (ReactOS's and Wine's CreateFileW).
FILE_WRITE_DATA, FILE_APPEND_DATA, FILE_READ_ATTRIBUTES = 0x0002, 0x0004, 0x0080
SYNCHRONIZE, GENERIC_WRITE, GENERIC_READ = 0x00100000, 0x40000000, 0x80000000
#: READ_CONTROL | FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA |
#: FILE_WRITE_ATTRIBUTES | SYNCHRONIZE
FILE_GENERIC_WRITE = 0x00120116
FILE_GENERIC_READ = 0x00120089
#: The test pipe's DACL: Everyone may write data (and what CreateFileW adds),
#: nothing else; FILE_CREATE_PIPE_INSTANCE is for the server alone.
PIPE_SDDL = "D:P(A;;0x00100082;;;WD)"
PIPE_GRANTED = FILE_WRITE_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE


def asked_of_the_pipe(access: int) -> int:
    """The rights CreateFileW(``access``) asks of a named pipe."""
    rights = access & ~(GENERIC_READ | GENERIC_WRITE)
    if access & GENERIC_WRITE:
        rights |= FILE_GENERIC_WRITE
    if access & GENERIC_READ:
        rights |= FILE_GENERIC_READ
    return rights | SYNCHRONIZE | FILE_READ_ATTRIBUTES


@contextlib.contextmanager
def pipe_server(name: str, sddl: str | None = None) -> Iterator[int]:
    """A named pipe's server end (inbound, bytes), made with CPython's own
    _winapi; with ``sddl``, the pipe gets that security descriptor."""
    if sys.platform != "win32":
        raise OSError("runs Windows programs")
    import _winapi as cpython
    import ctypes

    from win32session._win32 import advapi32, kernel32

    attributes = 0
    descriptor = ctypes.c_void_p()
    if sddl is not None and sys.platform == "win32":
        advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl, 1, ctypes.byref(descriptor), None)
        security = kernel32.SECURITY_ATTRIBUTES(ctypes.sizeof(kernel32.SECURITY_ATTRIBUTES),
                                                descriptor, False)
        attributes = ctypes.addressof(security)
    handle = cpython.CreateNamedPipe(name, cpython.PIPE_ACCESS_INBOUND,
                                     0, 1, 65536,  # PIPE_TYPE_BYTE | PIPE_WAIT
                                     65536, 0, attributes)
    try:
        yield handle
    finally:
        cpython.CloseHandle(handle)
        if descriptor.value and sys.platform == "win32":
            kernel32.LocalFree(descriptor.value)


def accept(server: int) -> None:
    """ConnectNamedPipe: the client may have connected already (535)."""
    if sys.platform != "win32":
        raise OSError("runs Windows programs")
    import _winapi as cpython

    try:
        cpython.ConnectNamedPipe(server)
    except OSError as exc:
        if getattr(exc, "winerror", None) != cpython.ERROR_PIPE_CONNECTED:
            raise


def read_pipe(server: int, timeout: float = 30.0) -> bytes:
    """One ReadFile from the pipe's server end, on a thread that has ended."""
    if sys.platform != "win32":
        raise OSError("runs Windows programs")
    import _winapi as cpython

    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(cpython.ReadFile(server, 65536)[0]),
                              daemon=True)
    reader.start()
    reader.join(timeout)
    assert not reader.is_alive(), f"nothing read from the pipe in {timeout} s"
    return got[0]


@pytest.fixture
def strict_pipe_access(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """What Windows checks and Wine 8.0 does not: CreateFileW of a pipe is
    denied (error 5) unless the pipe's DACL grants every right asked for.
    Wine opened a pipe whose DACL gives only FILE_WRITE_DATA with
    GENERIC_WRITE. Checked here against PIPE_SDDL's grant, for paths under
    \\\\.\\pipe\\; returns the access of each open, as asked."""
    if sys.platform != "win32":
        raise OSError("runs Windows programs")
    from win32session._win32 import kernel32

    real = kernel32.CreateFileW
    asked: list[int] = []

    def checked(path: str, access: int, *rest: object) -> int:
        if path.lower().startswith("\\\\.\\pipe\\"):
            asked.append(access)
            if asked_of_the_pipe(access) & ~PIPE_GRANTED:
                raise OSError(None, "CreateFileW: Access denied.", None, 5)
        result: int = real(path, access, *rest)
        return result

    monkeypatch.setattr(kernel32, "CreateFileW", checked)
    return asked


@windows
@needs_win32
def test_a_named_pipe_is_written_with_file_write_data_alone(strict_pipe_access: list[int]) -> None:
    # Real: the pipe, its DACL (which Wine keeps but does not check: the
    # fixture does), WriteFile and ReadFile. Wine itself refuses a write
    # through a handle opened with FILE_APPEND_DATA alone (error 5).
    name = f"\\\\.\\pipe\\win32session-test-{os.getpid()}"
    with pipe_server(name, PIPE_SDDL) as server:
        with LineOutput(name) as out:
            accept(server)
            assert out.pipe and out.name == name
            out.write_line(f"logon  VM\\{NAMES}")
            assert read_pipe(server) == f"logon  VM\\{NAMES}\n".encode()
    assert strict_pipe_access == [FILE_WRITE_DATA]


@windows
@needs_win32
def test_a_pipe_nobody_serves_is_one_line() -> None:
    name = f"\\\\.\\pipe\\win32session-nobody-{os.getpid()}"
    with pytest.raises(OutputError) as raised:
        LineOutput(name)
    assert str(raised.value) == (
        f"cannot open {name} to write to it: [WinError 2] CreateFileW: File not found.")


@windows
@needs_win32
def test_watch_writes_to_a_named_pipe_until_its_reader_goes(
    processes: list[subprocess.Popen[bytes]],
) -> None:
    # A real pipe server in this process, `watch --json --output \\.\pipe\NAME`
    # as a real process. When the server closes its end, the next line fails:
    # the trail stops, so watch exits 1 with one line (a pipe given with
    # --output is no stdout whose reader may end the run quietly).
    name = f"\\\\.\\pipe\\win32session-watch-{os.getpid()}"
    with pipe_server(name) as server:
        watcher = start_watch("-m", "win32session", "watch", "--json", "--output", name)
        processes.append(watcher)
        hwnd = find_notifier_window(watcher.pid)
        accept(server)
        post(hwnd, M.WTS_SESSION_LOCK, own_session())
        line = read_pipe(server)
    assert line.endswith(b"\n") and b'"reason": "WTS_SESSION_LOCK"' in line
    post_until_gone(hwnd, watcher)
    assert watcher.returncode == 1
    assert watcher.stderr is not None
    lines = watcher.stderr.read().decode("utf-8").splitlines()
    assert lines[0] == f"watching NOTIFY_FOR_THIS_SESSION; writing to {name}; Ctrl+C to stop"
    # Wine answers 232 (ERROR_NO_DATA) as Windows does for a pipe being
    # closed; 109 (ERROR_BROKEN_PIPE) and 233 are what Windows may answer.
    assert len(lines) == 2, lines
    # (Their text is the system's: Wine says "Pipe closed.")
    assert re.fullmatch(rf"win32session: watch failed: cannot write to {re.escape(name)}: "
                        r"\[WinError (232|109|233)\] WriteFile: .+", lines[1]), lines
