"""Where lines go: stdout, or a file appended to, failing loudly.

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
from typing import IO

from ._log import logger

if sys.platform == "win32":
    import ctypes
    import io
    import msvcrt
    from ctypes import wintypes

    from . import _winapi as _api

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["LineOutput", "OutputError", "ReaderGone", "reader_gone"]

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
    """Lines to stdout (``path`` None) or appended to the file ``path``
    (created when missing, never truncated), each written in one piece and
    flushed before :meth:`write_line` returns. Safe from several threads.

    Raises :class:`OutputError` when the file cannot be opened, or when
    there is no stdout (a service, ``pythonw``). ``exclusive``: no one else
    may write the file while it is open, nor have it open for writing now
    (the audit trail).
    """

    def __init__(self, path: str | None = None, *, exclusive: bool = False) -> None:
        self.name = "stdout" if path is None else path
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
            self._fd = _open_append(path, exclusive=exclusive)
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


def _descriptor(stream: IO[str] | None, console_too: bool = False) -> int | None:
    """``stream``'s file descriptor, or None when it has none, or when it is
    Python's console stream (unless ``console_too``), whose own path is kept."""
    if stream is None:
        return None
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is both
        return None
    if sys.platform == "win32" and not console_too:
        raw = getattr(stream, "buffer", None)
        raw = getattr(raw, "raw", raw)
        console = getattr(io, "_WindowsConsoleIO", None)
        if console is not None and isinstance(raw, console):
            return None
    return fd


def _open_append(path: str, *, exclusive: bool = False) -> int:
    """A descriptor that appends to ``path``; OutputError naming it if not.
    ``exclusive`` (Windows): shared for reading only, so that the open fails
    with a sharing violation (32) while another handle may write it."""
    try:
        if sys.platform == "win32":
            # FILE_APPEND_DATA: Windows puts each write at the end of the
            # file, even when another process appends too.
            handle = _api.CreateFileW(
                path, _api.FILE_APPEND_DATA,
                _api.FILE_SHARE_READ | (0 if exclusive else _api.FILE_SHARE_WRITE), None,
                _api.OPEN_ALWAYS, _api.FILE_ATTRIBUTE_NORMAL, None)
            try:
                return msvcrt.open_osfhandle(handle, os.O_WRONLY | os.O_APPEND)
            except OSError:
                _api.CloseHandle(handle)
                raise
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise OutputError(f"cannot open {path} to append to it: {describe(exc)}",
                          path) from exc


def _write_all(fd: int, data: bytes) -> None:
    """Writes every byte of ``data`` to ``fd``, or raises the OSError that
    stopped it; under Windows with ``WriteFile``, for its error code."""
    while data:
        if sys.platform == "win32":
            written = wintypes.DWORD()
            _api.WriteFile(msvcrt.get_osfhandle(fd), data, len(data), ctypes.byref(written),
                           None)
            count = written.value
        else:
            count = os.write(fd, data)
        if count <= 0:  # a non-blocking pipe that is full: never wait in a loop
            raise OSError(errno.EAGAIN, "the destination took none of the line")
        data = data[count:]
