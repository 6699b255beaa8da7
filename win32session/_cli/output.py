"""Where lines go: stdout, a file appended to, or a named pipe, failing
loudly.

``watch`` writes each event here, and so can the audit service, which has no
stdout at all. Every line is written and on its way to the disk or the reader
before :meth:`LineOutput.write_line` returns. A write that fails raises
:class:`OutputError`, whose ``str`` is one line naming the destination and
the error (with Windows's error code): the caller ends its run instead of
losing lines while it looks healthy, as an audit daemon decides what happens
when it cannot write (auditd's ``disk_full_action``) and never drops records
silently. A file whose last name was removed (its folder deleted, say: Unix
and Wine allow that while it is open) takes writes that nobody will ever read,
so that fails too.

Only a destination that keeps the lines is opened: a disk file, or a named
pipe named as one (``\\\\.\\pipe\\NAME``, written with ``FILE_WRITE_DATA``:
``FILE_APPEND_DATA`` means something else on a pipe). A reserved device name
(``nul.txt``, ``CON``: ``paths``), a folder, or a handle that
``GetFileType`` does not call a disk file raises :class:`UnsuitableOutput`
before any line is lost, and nothing is created.

When the reader of stdout goes away (``watch | head -1``), the error is a
:class:`ReaderGone`: the run should end quietly, as ``grep | head`` does, and
stdout is pointed at the null device so that Python's flush at exit has
nothing to complain about (the technique of Python's "Note on SIGPIPE").
Under Wine, as on Windows, ``WriteFile`` to a pipe whose read end is closed
fails with ERROR_NO_DATA (232), and to a Unix pipe whose reader ended with
ERROR_PIPE_NOT_CONNECTED (233); a file given with ``--output`` never counts
as a reader that went away: an audit trail that stops is a failure.

Encoding: UTF-8 and ``\\n``, whatever the ANSI code page, for a file and for
a redirected stdout alike, so that a user named ``Łukasz`` or ``王`` costs no
line (the ANSI code page, cp1252 here, has neither) and ``watch > log`` and
``watch --output log`` write the same bytes. A character that UTF-8 cannot
carry (a lone surrogate from a UTF-16 name) is written as ``\\udcxx``. A
console keeps Python's own path, ``WriteConsoleW``, which shows every
character; so does a ``sys.stdout`` without a file descriptor (a test's).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import threading

from .._log import logger
from .paths import device_name

if sys.platform == "win32":
    import ctypes
    import io
    import msvcrt
    from ctypes import wintypes

    from .._win32 import kernel32, shared

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO
    from types import TracebackType

__all__ = ["LineOutput", "OutputError", "ReaderGone", "UnsuitableOutput", "reader_gone",
           "utf8_stdio"]

#: The pipe's reader closed its end: what WriteFile says (``ctypes.WinError``
#: turns 109 and 232 into BrokenPipeError, not 233). Wine answers 232 for a
#: Windows pipe whose read end is closed, and 233 for a Unix pipe whose reader
#: ended (``win32session watch | head -1`` in a Linux shell).
#: https://learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-
ERROR_BROKEN_PIPE = 109
ERROR_NO_DATA = 232
ERROR_PIPE_NOT_CONNECTED = 233

ENCODING = "utf-8"
NEWLINE = "\n"


class OutputError(OSError):
    """A line could not be written, or the destination opened. ``str`` is
    one line: what could not be done, to what, and why."""

    def __init__(self, message: str, destination: str) -> None:
        super().__init__(message)
        self.destination = destination  # "stdout" or the file's path

    def __str__(self) -> str:
        return str(self.args[0])


class ReaderGone(OutputError):
    """The reader of stdout went away (a closed pipe): end quietly."""


class UnsuitableOutput(OutputError):
    """The path names no file that would keep the lines: a device (``NUL``,
    ``C:\\logs\\nul.txt``, ``CON``), a folder, an empty name. Bad input,
    not a failure of Windows: nothing was created."""


def reader_gone(exc: BaseException) -> bool:
    """Whether ``exc`` says that a pipe's reader closed its end: EPIPE, or
    Windows's ERROR_NO_DATA, ERROR_BROKEN_PIPE or ERROR_PIPE_NOT_CONNECTED."""
    if not isinstance(exc, OSError):
        return False
    winerror = getattr(exc, "winerror", None)
    return (isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE
            or winerror in (ERROR_NO_DATA, ERROR_BROKEN_PIPE, ERROR_PIPE_NOT_CONNECTED))


def describe(exc: BaseException) -> str:
    """The error as ``[WinError 112] WriteFile: Disk full.`` or ``[Errno 28]
    No space left on device``: its code, without a file name (the message
    around it names the destination once)."""
    if isinstance(exc, OSError) and exc.strerror:
        winerror = getattr(exc, "winerror", None)
        if winerror is not None:
            return f"[WinError {winerror}] {exc.strerror}"
        if exc.errno is not None:
            return f"[Errno {exc.errno}] {exc.strerror}"
        return str(exc.strerror)
    return str(exc) or type(exc).__name__


def _clean(text: str) -> str:
    """``text`` with what UTF-8 cannot carry (lone surrogates) escaped, so
    that no character can fail a write: the line goes out, marked."""
    return text.encode(ENCODING, "backslashreplace").decode(ENCODING)


class LineOutput:
    """Lines to stdout (``path`` None), appended to the file ``path``
    (created when missing, never truncated), or written to the named pipe
    ``path``, each in one piece and flushed before :meth:`write_line`
    returns. Safe from several threads.

    Raises :class:`UnsuitableOutput` when ``path`` names no file (a device,
    a folder), :class:`OutputError` when it cannot be opened, or when there
    is no stdout (a service, ``pythonw``). ``exclusive``: no one else may
    write the file while it is open, nor have it open for writing now (the
    audit trail).
    """

    def __init__(self, path: str | None = None, *, exclusive: bool = False) -> None:
        self.name = "stdout" if path is None else path
        #: Whether ``path`` is a named pipe: written to, not appended to.
        self.pipe = path is not None and sys.platform == "win32" and _is_pipe_path(path)
        self._path = path
        self._lock = threading.Lock()
        self._failed: OutputError | None = None
        # Python's text stream: a console (WriteConsoleW) or a stdout with no
        # descriptor. Otherwise None, and lines go to _fd as UTF-8 bytes.
        self._text: IO[str] | None = None
        self._fd: int | None = None
        if path is None:
            self._open_stdout()
        else:
            self._fd = _open_output(path, exclusive=exclusive)
        # A regular file can lose its last name while open (Unix, Wine):
        # checked after each line. A pipe or a device has no name to lose, nor
        # has a file that had none already (a test harness's temporary file).
        self._named = False
        if self._fd is not None:
            status = os.fstat(self._fd)
            self._named = stat.S_ISREG(status.st_mode) and status.st_nlink > 0

    def _open_stdout(self) -> None:
        stream = sys.stdout
        if stream is None:
            raise OutputError("cannot write to stdout: this process has none", self.name)
        try:
            stream.flush()  # what was printed before goes first
        except (OSError, ValueError) as exc:
            raise self._error(exc) from exc
        fd = _descriptor(stream)
        if fd is None:
            self._text = stream
        else:
            self._fd = fd

    def __repr__(self) -> str:
        return f"<LineOutput {self.name}>"

    def write_line(self, text: str) -> None:
        """Writes ``text`` and a newline, and flushes them; raises
        :class:`OutputError` (:class:`ReaderGone` for a closed stdout pipe)
        if they did not all go out, and again for every later line."""
        line = _clean(text) + NEWLINE
        with self._lock:
            if self._failed is not None:
                raise self._failed  # the destination is gone: no line after it
            try:
                if self._fd is None:
                    assert self._text is not None
                    self._text.write(line)
                    self._text.flush()
                else:
                    _write_all(self._fd, line.encode(ENCODING))
            except (OSError, ValueError) as exc:
                self._failed = self._error(exc)
                raise self._failed from exc
            if self._named and self._fd is not None and os.fstat(self._fd).st_nlink == 0:
                self._failed = OutputError(
                    f"cannot write to {self.name}: it was deleted (or its folder was) "
                    "while open, so its lines reach no file", self.name)
                raise self._failed

    def _error(self, exc: BaseException) -> OutputError:
        if self._path is None and reader_gone(exc):
            self._silence_stdout()
            return ReaderGone(f"cannot write to stdout: its reader went away "
                              f"({describe(exc)})", self.name)
        return OutputError(f"cannot write to {self.name}: {describe(exc)}", self.name)

    def _silence_stdout(self) -> None:
        """Points stdout's descriptor at the null device: Python flushes
        ``sys.stdout`` at exit, and would print "Exception ignored ...
        BrokenPipeError" for a pipe nobody reads."""
        stream = sys.stdout
        fd = self._fd if self._fd is not None else _descriptor(stream, console_too=True)
        if fd is None:
            return
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)
        except OSError as exc:
            # Only a message at exit is at stake; the run still ends.
            logger().debug("could not point stdout at %s: %r", os.devnull, exc)

    def fileno(self) -> int:
        """The file's descriptor (a file or a pipe only): for checks that
        must read the very file that is written (the audit trail)."""
        if self._path is None or self._fd is None:
            raise ValueError(f"{self.name} has no descriptor of its own")
        return self._fd

    def close(self) -> None:
        """Closes the file; stdout stays open."""
        with self._lock:
            if self._path is not None and self._fd is not None:
                fd, self._fd = self._fd, None
                os.close(fd)

    def __enter__(self) -> LineOutput:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def utf8_stdio() -> None:
    """Makes ``sys.stdout`` and ``sys.stderr`` write UTF-8 when redirected
    (a pipe, a file), whatever the ANSI code page, and escape what they
    cannot carry (``\\udcxx`` for a lone surrogate) instead of raising: the
    command line calls it once, first, so that no command's line, a user's
    name, a path, a service's name, can fail to print. A console keeps its
    own encoding (Windows's console takes every character); a stream that
    cannot be reconfigured (no ``reconfigure``, or already read from) is
    left as it is."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            if _is_console(stream):
                reconfigure(errors="backslashreplace")
            else:
                reconfigure(encoding=ENCODING, errors="backslashreplace")
        except (OSError, ValueError) as exc:
            logger().debug("could not reconfigure %r: %r", stream, exc)


def _is_console(stream: IO[str]) -> bool:
    """Whether ``stream`` is a console (Windows) or a terminal (elsewhere)."""
    if sys.platform == "win32":
        raw = getattr(stream, "buffer", None)
        raw = getattr(raw, "raw", raw)
        console = getattr(io, "_WindowsConsoleIO", None)
        return console is not None and isinstance(raw, console)
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def _descriptor(stream: IO[str] | None, console_too: bool = False) -> int | None:
    """``stream``'s file descriptor, or None when it has none, or when it is
    Python's console stream (unless ``console_too``), whose own path is kept."""
    if stream is None:
        return None
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is both
        return None
    if sys.platform == "win32" and not console_too and _is_console(stream):
        return None
    return fd


def _open_output(path: str, *, exclusive: bool = False) -> int:
    """A descriptor that appends to the file ``path``, or writes to the
    named pipe ``path``; :class:`UnsuitableOutput` for a path that is
    neither (a device, a folder), OutputError naming it if it cannot be
    opened. ``exclusive`` (Windows): shared for reading only, so that the
    open fails with a sharing violation (32) while another handle may write
    it."""
    if not path:
        raise UnsuitableOutput("cannot write to a file without a name", path)
    if "\0" in path:  # CreateFileW would stop at it, and open another file
        raise UnsuitableOutput(f"cannot write to {path!r}: a file name cannot hold a NUL "
                               "character", path)
    if _namespace_device(path) is not None:
        raise UnsuitableOutput(f"cannot write to {path}: it names a device, not a file, so "
                               "no line would be kept", path)
    device = None if _is_pipe_path(path) else device_name(path)
    if device is not None:
        raise UnsuitableOutput(
            f"cannot write to {path}: Windows opens the device {device} for that name, not "
            "a file, so no line would be kept; choose another name", path)
    pipe = sys.platform == "win32" and _is_pipe_path(path)
    if not pipe and os.path.isdir(path):
        raise UnsuitableOutput(f"cannot write to {path}: it is a folder, not a file", path)
    verb = "write to" if pipe else "append to"
    try:
        if sys.platform == "win32":
            return _open_windows(path, pipe, exclusive)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except UnsuitableOutput:
        raise
    except OSError as exc:
        raise OutputError(f"cannot open {path} to {verb} it: {describe(exc)}", path) from exc
    except ValueError as exc:  # a name this file system cannot hold (a lone surrogate)
        raise UnsuitableOutput(f"cannot write to {path!r}: no file can have that name "
                               f"here ({exc})", path) from exc
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        os.close(fd)
        raise UnsuitableOutput(f"cannot write to {path}: it is a device, not a file, so no "
                               "line would be kept", path)
    return fd


_DEVICE_NAMESPACES = ("\\\\.\\", "\\\\?\\", "\\??\\")


def _namespace_device(path: str) -> str | None:
    """``path`` when it names a device in the device namespace
    (``\\\\.\\COM1``, a volume ``\\\\.\\C:``, a disk), else None. A file on a
    volume or a share (``\\\\?\\C:\\logs\\a.jsonl``, ``\\\\?\\UNC\\...``) and a
    named pipe are not devices here.
    https://learn.microsoft.com/windows/win32/fileio/naming-a-file#win32-device-namespaces"""
    text = path.replace("/", "\\")
    for prefix in _DEVICE_NAMESPACES:
        if text.startswith(prefix):
            first, _, rest = text[len(prefix):].partition("\\")
            upper = first.upper()
            on_volume = (len(first) == 2 and first[1] == ":") or upper.startswith("VOLUME{")
            if (on_volume or upper in ("UNC", "PIPE")) and rest.strip("\\"):
                return None
            return path
    return None


def _is_pipe_path(path: str) -> bool:
    """Whether ``path`` names a named pipe: ``\\\\.\\pipe\\NAME`` (or
    ``\\\\?\\pipe\\NAME``), or one on another machine, ``\\\\HOST\\pipe\\NAME``
    (https://learn.microsoft.com/windows/win32/ipc/pipe-names)."""
    text = path.replace("/", "\\")
    if text.upper().startswith("\\\\?\\UNC\\"):
        text = "\\\\" + text[len("\\\\?\\UNC\\"):]
    if not text.startswith("\\\\"):
        return False
    parts = text[2:].split("\\", 2)
    return len(parts) == 3 and parts[0] != "" and parts[1].upper() == "PIPE" and bool(parts[2])


def _open_windows(path: str, pipe: bool, exclusive: bool = False) -> int:
    """``CreateFileW``, then ``GetFileType``: only a disk file keeps what is
    written (a console shows it, the null device drops it), and a pipe only
    where one was named."""
    if sys.platform == "win32":
        if pipe:
            # FILE_WRITE_DATA alone: FILE_APPEND_DATA on a pipe is the right
            # to create an instance of it (kernel32's note), and writes fail
            # without FILE_WRITE_DATA. The server made the pipe: OPEN_EXISTING.
            handle = kernel32.CreateFileW(path, kernel32.FILE_WRITE_DATA, 0, None,
                                          kernel32.OPEN_EXISTING, 0, None)
        else:
            # FILE_APPEND_DATA: Windows puts each write at the end of the
            # file, even when another process appends too.
            # exclusive (the audit trail): also READ_CONTROL and
            # FILE_READ_ATTRIBUTES, so that audit.trust checks this very handle.
            handle = kernel32.CreateFileW(
                path,
                kernel32.FILE_APPEND_DATA | (shared.READ_CONTROL | kernel32.FILE_READ_ATTRIBUTES
                                             if exclusive else 0),
                kernel32.FILE_SHARE_READ | (0 if exclusive else kernel32.FILE_SHARE_WRITE), None,
                kernel32.OPEN_ALWAYS, kernel32.FILE_ATTRIBUTE_NORMAL, None)
        try:
            ctypes.set_last_error(0)  # FILE_TYPE_UNKNOWN with 0 is an answer
            kind = kernel32.GetFileType(handle)
            wanted = kernel32.FILE_TYPE_PIPE if pipe else kernel32.FILE_TYPE_DISK
            if kind != wanted:
                raise UnsuitableOutput(f"cannot write to {path}: {_not_wanted(kind, pipe)}",
                                       path)
            fd: int = msvcrt.open_osfhandle(handle, os.O_WRONLY | (0 if pipe else os.O_APPEND))
            return fd
        except BaseException:
            kernel32.CloseHandle(handle)
            raise
    raise OSError("CreateFileW needs Windows")


def _not_wanted(kind: int, pipe: bool) -> str:
    """Why a handle of GetFileType's ``kind`` is refused."""
    if sys.platform == "win32":
        if kind == kernel32.FILE_TYPE_CHAR:
            return ("it is a character device (a console, a port, the null device), not a "
                    "file, so no line would be kept")
        if kind == kernel32.FILE_TYPE_PIPE:
            return "it is a pipe, not a file; name a named pipe as \\\\.\\pipe\\NAME"
    if pipe:
        return "it is not a pipe"
    return "Windows does not say what it is (GetFileType), so it is not a file"


def _write_all(fd: int, data: bytes) -> None:
    """Writes every byte of ``data`` to ``fd``, or raises the OSError that
    stopped it; under Windows with ``WriteFile``, for its error code."""
    while data:
        if sys.platform == "win32":
            written = wintypes.DWORD()
            kernel32.WriteFile(msvcrt.get_osfhandle(fd), data, len(data), ctypes.byref(written),
                               None)
            count = written.value
        else:
            count = os.write(fd, data)
        if count <= 0:  # a non-blocking pipe that is full: never wait in a loop
            raise OSError(errno.EAGAIN, "the destination took none of the line")
        data = data[count:]
