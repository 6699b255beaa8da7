"""Who is in each session: questions to Remote Desktop Services (wtsapi32).

Every session on a Windows machine, the console's and each Remote Desktop
one, is a Remote Desktop Services session; these functions ask about them on
the local machine. The answers are :class:`SessionInfo` values, copied out of
the buffers Windows allocates, which are freed with ``WTSFreeMemory`` on every
path, errors included.

The functions import on any OS and raise ``OSError`` off Windows.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from .._codes import ConnectState, decode_state
from .._events import SessionInfo
from .._log import logger
from .._platform import require_windows

if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    from .._win32 import kernel32, shared, wtsapi32

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final, TypeVar

    _T = TypeVar("_T")

__all__ = [
    "list_sessions",
    "session_info",
    "current_session_id",
    "active_console_session_id",
]


#: Session ids are DWORDs; this one means "the caller's session" to wtsapi32,
#: which would describe a session under an id that is not its own.
_WTS_CURRENT_SESSION: Final = 0xFFFFFFFF

#: WTSINFOEX_LEVEL1.SessionFlags values.
#: https://learn.microsoft.com/windows/win32/api/wtsapi32/ns-wtsapi32-wtsinfoex_level1_w
WTS_SESSIONSTATE_LOCK: Final = 0x0
WTS_SESSIONSTATE_UNLOCK: Final = 0x1
WTS_SESSIONSTATE_UNKNOWN: Final = 0xFFFFFFFF


def lock_state(session_flags: int, windows_version: tuple[int, int]) -> bool | None:
    """Whether ``SessionFlags`` says locked (True), unlocked (False) or
    neither (None), on the given (major, minor) version of Windows.

    On Windows 7 and Server 2008 R2 (6.1) a documented defect swaps the two
    flags: there LOCK means unlocked and UNLOCK means locked.
    """
    flags = session_flags & 0xFFFFFFFF  # a LONG: UNKNOWN arrives as -1
    if flags not in (WTS_SESSIONSTATE_LOCK, WTS_SESSIONSTATE_UNLOCK):
        return None
    locked = flags == WTS_SESSIONSTATE_LOCK
    return not locked if windows_version == (6, 1) else locked


def _check_session_id(session_id: object) -> int:
    if isinstance(session_id, bool) or not isinstance(session_id, int):
        raise TypeError(f"session_id must be an int, got {session_id!r}")
    if not 0 <= session_id < _WTS_CURRENT_SESSION:
        raise ValueError(
            f"session_id must be from 0 to {_WTS_CURRENT_SESSION - 1:#x}, got {session_id!r}"
            " (for this process's own session, use current_session_id())"
        )
    return session_id


def current_session_id() -> int:
    """The session this process runs in (``ProcessIdToSessionId``)."""
    if sys.platform == "win32":
        session = wintypes.DWORD()
        kernel32.ProcessIdToSessionId(kernel32.GetCurrentProcessId(), ctypes.byref(session))
        return session.value
    require_windows()
    raise AssertionError("unreachable")


def active_console_session_id() -> int | None:
    """The session attached to the physical console, or ``None`` while none
    is (during a switch between sessions, for instance).

    https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-wtsgetactiveconsolesessionid
    """
    if sys.platform == "win32":
        session: int = kernel32.WTSGetActiveConsoleSessionId()
        return None if session == kernel32.NO_CONSOLE_SESSION else session
    require_windows()
    raise AssertionError("unreachable")


def list_sessions() -> list[SessionInfo]:
    """Every session on this machine, in the order Windows lists them.

    A session that ends between the listing and the questions about it is
    left out. Raises ``OSError`` if Windows cannot list the sessions.
    """
    if sys.platform == "win32":
        listed = _enumerate()
        sessions = []
        for session_id, station_name, state in listed:
            try:
                sessions.append(_describe(session_id, station_name, state))
            except LookupError:
                logger().debug("session %d ended while being listed", session_id)
        return sessions
    require_windows()
    raise AssertionError("unreachable")


def session_info(session_id: int) -> SessionInfo:
    """What Windows says about session ``session_id``.

    Raises ``LookupError`` when there is no such session (it may just have
    ended), and ``OSError`` when Windows answers no question about it.
    """
    session_id = _check_session_id(session_id)
    if sys.platform == "win32":
        return _describe(session_id)
    require_windows()
    raise AssertionError("unreachable")


if sys.platform == "win32":
    #: Errors that mean the session does not exist (any more).
    _VANISHED: Final = frozenset(
        {shared.ERROR_FILE_NOT_FOUND, wtsapi32.ERROR_CTX_WINSTATION_NOT_FOUND}
    )

    def _windows_version() -> tuple[int, int]:
        version = sys.getwindowsversion()
        return version.major, version.minor

    def _enumerate() -> list[tuple[int, str | None, ConnectState | int]]:
        """(id, WinStation name, state) of every session, copied out of the
        array Windows allocates, which is then freed."""
        array = ctypes.POINTER(wtsapi32.WTS_SESSION_INFOW)()
        count = wintypes.DWORD()
        try:
            wtsapi32.WTSEnumerateSessionsW(
                wtsapi32.WTS_CURRENT_SERVER_HANDLE, 0, 1, ctypes.byref(array), ctypes.byref(count)
            )
            return [
                (entry.SessionId, entry.pWinStationName or None, decode_state(entry.State))
                for entry in array[: count.value]
            ]
        finally:
            if array:
                wtsapi32.WTSFreeMemory(array)

    @contextlib.contextmanager
    def _query(session_id: int, info_class: int) -> Iterator[tuple[int, int]]:
        """The (address, size) of Windows's answer for ``info_class``, valid
        inside the ``with`` block only: the buffer is freed when it ends."""
        buffer = ctypes.c_void_p()
        size = wintypes.DWORD()
        try:
            wtsapi32.WTSQuerySessionInformationW(
                wtsapi32.WTS_CURRENT_SERVER_HANDLE, session_id, info_class,
                ctypes.byref(buffer), ctypes.byref(size),
            )
            yield buffer.value or 0, size.value
        finally:
            if buffer.value:
                wtsapi32.WTSFreeMemory(buffer)

    def _text(session_id: int, info_class: int) -> str | None:
        with _query(session_id, info_class) as (address, size):
            if not address:
                return None
            # The size counts bytes and the terminating NUL; read no further.
            text = ctypes.wstring_at(address, size // ctypes.sizeof(ctypes.c_wchar))
            return text.split("\0", 1)[0] or None

    def _dword(session_id: int, info_class: int) -> int | None:
        with _query(session_id, info_class) as (address, size):
            if not address or size < ctypes.sizeof(wintypes.DWORD):
                return None
            return wintypes.DWORD.from_address(address).value

    def _info_ex(session_id: int) -> wtsapi32.WTSINFOEX_LEVEL1_W | None:
        """A copy of the session's WTSINFOEX level 1, or None if Windows
        answered with something else."""
        with _query(session_id, wtsapi32.WTSSessionInfoEx) as (address, size):
            if not address or size < ctypes.sizeof(wtsapi32.WTSINFOEXW):
                return None
            info = wtsapi32.WTSINFOEXW.from_address(address)
            if info.Level != 1:
                return None
            return wtsapi32.WTSINFOEX_LEVEL1_W.from_buffer_copy(info.Data.WTSInfoExLevel1)

    def _describe(
        session_id: int,
        station_name: str | None = None,
        state: ConnectState | int | None = None,
    ) -> SessionInfo:
        """Asks every question about one session. ``station_name`` and
        ``state`` come from an enumeration when there was one.

        Raises LookupError if the session is gone. A question Windows does not
        answer leaves its field None; if it answers none and nothing came from
        an enumeration, that is an OSError.
        """
        listed = state is not None
        failures: list[OSError] = []
        asked = 0

        def ask(question: Callable[..., _T], *args: int) -> _T | None:
            nonlocal asked
            asked += 1
            try:
                return question(session_id, *args)
            except OSError as exc:
                if exc.winerror in _VANISHED:
                    raise LookupError(f"there is no session {session_id}") from exc
                failures.append(exc)
                return None

        locked = None
        extended = ask(_info_ex)
        if extended is not None:
            locked = lock_state(extended.SessionFlags, _windows_version())
            if not listed:
                station_name = extended.WinStationName or None
                state = decode_state(extended.SessionState)
        elif not listed:
            station_name = ask(_text, wtsapi32.WTSWinStationName)
            code = ask(_dword, wtsapi32.WTSConnectState)
            state = None if code is None else decode_state(code)
        user_name = ask(_text, wtsapi32.WTSUserName)
        domain = ask(_text, wtsapi32.WTSDomainName)
        client_name = ask(_text, wtsapi32.WTSClientName)
        if failures:
            if len(failures) == asked and not listed:
                first = failures[0]
                message = f"Windows answered no question about session {session_id}: {first}"
                if first.winerror:
                    raise ctypes.WinError(first.winerror, message) from first
                raise OSError(message) from first
            logger().debug(
                "session %d: %d of %d questions unanswered (%s)",
                session_id, len(failures), asked, failures[0],
            )
        return SessionInfo(
            session_id=session_id,
            station_name=station_name,
            state=state,
            user_name=user_name,
            domain=domain,
            client_name=client_name,
            locked=locked,
        )

    def describe_for_event(session_id: int) -> SessionInfo | None:
        """``session_info`` for an event on the pump thread: a failure is
        logged and gives None, so that it never stops the pump."""
        try:
            return _describe(session_id)
        except (LookupError, OSError) as exc:
            logger().debug("no details for session %d: %s", session_id, exc)
        except Exception:
            logger().exception("describing session %d failed", session_id)
        return None
