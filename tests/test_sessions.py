"""Session queries: the real wtsapi32 where Wine answers, fakes where it cannot.

Wine 8.0 lists no sessions, answers WTSUserName and WTSDomainName for any
session id, and fails the other classes this package asks for with no error
code. So the real calls are checked for what Wine does, and a fake wtsapi32
(``FakeWts``) plays the rest: WTSINFOEXW buffers for each lock flag, listings of
several sessions, sessions that vanish mid-query, and the rule that every
buffer Windows hands out is freed on every path.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from support import under_wine

from win32session import (
    ConnectState,
    SessionInfo,
    active_console_session_id,
    current_session_id,
    list_sessions,
    session_info,
)

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

from win32session._win32 import wtsapi32  # noqa: E402
from win32session._queries import sessions as _sessions  # noqa: E402

WTS_SESSION_INFOW = wtsapi32.WTS_SESSION_INFOW
WTSINFOEXW = wtsapi32.WTSINFOEXW
NO_CODE = 0  # Wine's answer to classes it does not know: FALSE, error 0


# --- The real thing. ---


def test_this_process_session_and_the_console_session() -> None:
    session = current_session_id()
    assert isinstance(session, int) and 0 <= session < 0xFFFFFFFF
    console = active_console_session_id()
    if under_wine():
        assert session == console == 1  # Wine puts everything in session 1
    else:
        assert console is None or isinstance(console, int)


def test_session_info_of_our_own_session_names_our_user() -> None:
    info = session_info(current_session_id())
    assert info.session_id == current_session_id()
    assert info.user_name == os.environ["USERNAME"]
    assert info.domain == os.environ["USERDOMAIN"]
    if under_wine():
        # What Wine 8.0 really answers: user and domain, nothing else.
        assert (info.station_name, info.state, info.client_name, info.locked) == (None,) * 4
    else:
        assert info.station_name and info.state is not None


def test_list_sessions_as_the_machine_has_them() -> None:
    sessions = list_sessions()
    if under_wine():
        assert sessions == []  # Wine's WTSEnumerateSessionsW lists none
    else:
        mine = [s for s in sessions if s.session_id == current_session_id()]
        assert len(mine) == 1 and mine[0].user_name == os.environ["USERNAME"]


# --- A fake wtsapi32, for what Wine cannot do. ---


class FakeWts:
    """Stands in for WTSEnumerateSessionsW, WTSQuerySessionInformationW and
    WTSFreeMemory, and keeps account of every buffer it hands out."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.listing: list[tuple[int, str, int]] = []
        self.answers: dict[tuple[int, int], Any] = {}  # (session, class) -> answer
        self.errors: dict[tuple[int, int], int] = {}  # (session, class) -> error code
        self.allocate_on_failure = False
        self.live: dict[int, Any] = {}  # address -> the ctypes object behind it
        self.allocated = 0
        self.freed = 0
        monkeypatch.setattr(wtsapi32, "WTSEnumerateSessionsW", self.enumerate)
        monkeypatch.setattr(wtsapi32, "WTSQuerySessionInformationW", self.query)
        monkeypatch.setattr(wtsapi32, "WTSFreeMemory", self.free)

    @staticmethod
    def _store(out: Any, value: int) -> None:
        """Writes through an out-parameter passed with ctypes.byref()."""
        target = out._obj  # byref()'s referent
        ctypes.c_void_p.from_address(ctypes.addressof(target)).value = value

    def _hand_out(self, buffer: Any) -> int:
        address = ctypes.addressof(buffer)
        self.live[address] = buffer
        self.allocated += 1
        return address

    def enumerate(self, server: Any, reserved: int, version: int, out: Any, count: Any) -> int:
        assert (server, reserved, version) == (None, 0, 1)
        array = (WTS_SESSION_INFOW * max(1, len(self.listing)))()
        names = [ctypes.create_unicode_buffer(name) for _, name, _ in self.listing]
        for entry, (session_id, _, _), name in zip(array, self.listing, names, strict=False):
            entry.SessionId = session_id
            entry.pWinStationName = ctypes.cast(name, ctypes.c_wchar_p)
        address = self._hand_out(array)
        self.live[address] = (array, names)
        self._store(out, address)
        for entry, (_, _, state) in zip(array, self.listing, strict=False):
            entry.State = state
        count._obj.value = len(self.listing)
        return 1

    def query(self, server: Any, session_id: int, info_class: int, out: Any, size: Any) -> int:
        key = (session_id, info_class)
        if key in self.errors:
            if self.allocate_on_failure:  # a misbehaving API: memory AND failure
                self._store(out, self._hand_out(ctypes.create_string_buffer(8)))
            code = self.errors[key]
            if code == NO_CODE:
                raise OSError("WTSQuerySessionInformationW failed and Windows gave no error code")
            raise ctypes.WinError(code)
        answer = self.answers.get(key, "")
        if isinstance(answer, str):
            buffer: Any = ctypes.create_unicode_buffer(answer)
        elif isinstance(answer, int):
            buffer = ctypes.c_uint32(answer)
        else:
            buffer = answer
        self._store(out, self._hand_out(buffer))
        size._obj.value = ctypes.sizeof(buffer)
        return 1

    def free(self, memory: Any) -> None:
        address = memory if isinstance(memory, int) else ctypes.cast(memory, ctypes.c_void_p).value
        assert address in self.live, f"freed {address!r}, which was not handed out (or twice)"
        del self.live[address]
        self.freed += 1

    def all_freed(self) -> bool:
        return not self.live and self.allocated == self.freed


def info_ex(session_id: int, flags: int, state: int = 0, station: str = "Console",
            user: str = "trunc", level: int = 1) -> Any:
    """A WTSINFOEXW buffer as Windows fills it."""
    buffer = WTSINFOEXW()
    buffer.Level = level
    level1 = buffer.Data.WTSInfoExLevel1
    level1.SessionId = session_id
    level1.SessionState = state
    level1.SessionFlags = flags
    level1.WinStationName = station
    level1.UserName = user
    return buffer


@pytest.fixture
def wts(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWts]:
    # Wine 8.0 reports Windows 7 (6.1), whose lock flags are inverted; these
    # tests pin a version unless they are about that.
    monkeypatch.setattr(_sessions, "_windows_version", lambda: (10, 0))
    fake = FakeWts(monkeypatch)
    yield fake
    assert fake.all_freed(), f"not freed: {fake.live}"


def describe(wts: FakeWts, session_id: int, *, user: str = "", domain: str = "",
             client: str = "", flags: int | None = None, state: int = 0,
             station: str = "Console") -> None:
    """Tells the fake what Windows would answer about one session."""
    wts.answers[(session_id, wtsapi32.WTSUserName)] = user
    wts.answers[(session_id, wtsapi32.WTSDomainName)] = domain
    wts.answers[(session_id, wtsapi32.WTSClientName)] = client
    if flags is None:
        wts.errors[(session_id, wtsapi32.WTSSessionInfoEx)] = NO_CODE
        wts.answers[(session_id, wtsapi32.WTSWinStationName)] = station
        wts.answers[(session_id, wtsapi32.WTSConnectState)] = state
    else:
        wts.answers[(session_id, wtsapi32.WTSSessionInfoEx)] = info_ex(
            session_id, flags, state, station)


LOCK, UNLOCK, UNKNOWN = 0, 1, -1  # SessionFlags, a LONG


@pytest.mark.parametrize(
    ("flags", "version", "locked"),
    [(LOCK, (10, 0), True), (UNLOCK, (10, 0), False), (UNKNOWN, (10, 0), None),
     (LOCK, (6, 1), False), (UNLOCK, (6, 1), True), (UNKNOWN, (6, 1), None)],
)
def test_locked_comes_from_wtsinfoex_with_the_windows_7_inversion(
    wts: FakeWts, monkeypatch: pytest.MonkeyPatch,
    flags: int, version: tuple[int, int], locked: bool | None,
) -> None:
    monkeypatch.setattr(_sessions, "_windows_version", lambda: version)
    describe(wts, 4, user="ada", domain="LAB", flags=flags, state=4, station="RDP-Tcp#2")
    info = session_info(4)
    assert info == SessionInfo(4, "RDP-Tcp#2", ConnectState.WTSDisconnected, "ada", "LAB",
                               None, locked)


def test_user_names_come_from_wtsusername_not_the_truncated_wtsinfoex(wts: FakeWts) -> None:
    long_name = "a.very.long.user.name.past.twenty.chars"
    describe(wts, 2, user=long_name, flags=UNLOCK)
    assert session_info(2).user_name == long_name


@pytest.mark.parametrize("level", [0, 2])
def test_wtsinfoex_of_another_level_says_nothing_of_the_lock(wts: FakeWts, level: int) -> None:
    describe(wts, 2, user="ada", flags=LOCK)
    wts.answers[(2, wtsapi32.WTSSessionInfoEx)] = info_ex(2, LOCK, level=level)
    info = session_info(2)
    assert info.locked is None and info.user_name == "ada"


def test_a_short_wtsinfoex_buffer_is_not_read_and_is_freed(wts: FakeWts) -> None:
    describe(wts, 2, user="ada", flags=LOCK)
    wts.answers[(2, wtsapi32.WTSSessionInfoEx)] = ctypes.create_string_buffer(8)
    assert session_info(2).locked is None


def test_without_wtsinfoex_state_and_station_are_asked_one_by_one(wts: FakeWts) -> None:
    describe(wts, 3, user="bob", station="RDP-Tcp#7", state=0, client="LAPTOP-9")
    assert session_info(3) == SessionInfo(3, "RDP-Tcp#7", ConnectState.WTSActive, "bob",
                                          None, "LAPTOP-9", None)


def test_an_unknown_state_stays_a_plain_int(wts: FakeWts) -> None:
    describe(wts, 3, state=42)
    state = session_info(3).state
    assert type(state) is int and state == 42


def test_list_sessions_with_several_sessions(wts: FakeWts) -> None:
    wts.listing = [(0, "Services", 4), (1, "Console", 0), (2, "RDP-Tcp#0", 0),
                   (65536, "RDP-Tcp", 6)]
    describe(wts, 0, flags=UNKNOWN)
    describe(wts, 1, user="ada", domain="LAB", flags=LOCK)
    describe(wts, 2, user="bob", domain="LAB", client="HOME-PC", flags=UNLOCK)
    describe(wts, 65536, flags=UNKNOWN)
    assert list_sessions() == [
        SessionInfo(0, "Services", ConnectState.WTSDisconnected, None, None, None, None),
        SessionInfo(1, "Console", ConnectState.WTSActive, "ada", "LAB", None, True),
        SessionInfo(2, "RDP-Tcp#0", ConnectState.WTSActive, "bob", "LAB", "HOME-PC", False),
        SessionInfo(65536, "RDP-Tcp", ConnectState.WTSListen, None, None, None, None),
    ]


@pytest.mark.parametrize("code", [2, 7022])  # ERROR_FILE_NOT_FOUND, ERROR_CTX_WINSTATION_NOT_FOUND
@pytest.mark.parametrize("failing_class", [wtsapi32.WTSSessionInfoEx, wtsapi32.WTSDomainName])
def test_a_session_vanishing_mid_query(wts: FakeWts, code: int, failing_class: int) -> None:
    wts.listing = [(1, "Console", 0), (2, "RDP-Tcp#0", 0), (3, "RDP-Tcp#1", 0)]
    for session_id in (1, 2, 3):
        describe(wts, session_id, user=f"user{session_id}", flags=UNLOCK)
    wts.errors[(2, failing_class)] = code
    assert [s.session_id for s in list_sessions()] == [1, 3]
    with pytest.raises(LookupError, match="no session 2"):
        session_info(2)


@pytest.mark.parametrize("code", [5, NO_CODE])  # access denied; Wine's "no code"
def test_some_questions_unanswered_leave_fields_none_and_are_logged(
    wts: FakeWts, caplog: pytest.LogCaptureFixture, code: int
) -> None:
    describe(wts, 2, user="ada", domain="LAB", flags=LOCK)
    wts.errors[(2, wtsapi32.WTSClientName)] = code
    with caplog.at_level(logging.DEBUG, logger="win32session"):
        info = session_info(2)
    assert info.user_name == "ada" and info.client_name is None and info.locked is True
    assert "session 2: 1 of 4 questions unanswered" in caplog.text


@pytest.mark.parametrize("code", [5, 1702, NO_CODE])
def test_no_question_answered_is_an_oserror_naming_the_session(wts: FakeWts, code: int) -> None:
    for info_class in (wtsapi32.WTSSessionInfoEx, wtsapi32.WTSWinStationName,
                       wtsapi32.WTSConnectState, wtsapi32.WTSUserName, wtsapi32.WTSDomainName,
                       wtsapi32.WTSClientName):
        wts.errors[(9, info_class)] = code
    with pytest.raises(OSError, match="no question about session 9") as raised:
        session_info(9)
    assert raised.value.winerror == (code or None)


def test_a_listed_session_is_kept_even_when_no_question_is_answered(wts: FakeWts) -> None:
    wts.listing = [(5, "RDP-Tcp#3", 4)]
    for info_class in (wtsapi32.WTSSessionInfoEx, wtsapi32.WTSUserName,
                       wtsapi32.WTSDomainName, wtsapi32.WTSClientName):
        wts.errors[(5, info_class)] = 5
    assert list_sessions() == [SessionInfo(5, "RDP-Tcp#3", ConnectState.WTSDisconnected)]


def test_buffers_handed_out_with_a_failure_are_freed_too(wts: FakeWts) -> None:
    """Free on every path, errors included: the fake allocates before failing."""
    wts.allocate_on_failure = True
    wts.listing = [(1, "Console", 0), (2, "RDP-Tcp#0", 0)]
    describe(wts, 1, user="ada", flags=LOCK)
    describe(wts, 2, user="bob", flags=LOCK)
    wts.errors[(1, wtsapi32.WTSClientName)] = 5
    wts.errors[(2, wtsapi32.WTSDomainName)] = 7022
    assert [s.session_id for s in list_sessions()] == [1]
    with pytest.raises(LookupError):
        session_info(2)
    # The listing; four answers for 1; three for 2 (the third fails), twice.
    assert wts.allocated == 1 + 4 + 3 + 3


def test_the_listing_is_freed_when_reading_it_fails(
    wts: FakeWts, monkeypatch: pytest.MonkeyPatch
) -> None:
    wts.listing = [(1, "Console", 0)]

    def broken(code: int) -> Any:
        raise RuntimeError("decoding broke")

    monkeypatch.setattr(_sessions, "decode_state", broken)
    with pytest.raises(RuntimeError, match="decoding broke"):
        list_sessions()
    assert wts.allocated == 1


def test_an_empty_listing_is_freed(wts: FakeWts) -> None:
    assert list_sessions() == []
    assert wts.allocated == 1


def test_wtsinfoexw_layout_matches_the_c_structure() -> None:
    # Offsets worked out by hand from wtsapi32.h for 64-bit Windows: three
    # 4-byte fields, then WCHAR[33], WCHAR[21], WCHAR[18], then the
    # LARGE_INTEGERs aligned to 8, then six DWORDs.
    level1 = wtsapi32.WTSINFOEX_LEVEL1_W
    assert level1.SessionFlags.offset == 8
    assert level1.WinStationName.offset == 12
    assert level1.UserName.offset == 12 + 66
    assert level1.DomainName.offset == 12 + 66 + 42
    assert level1.LogonTime.offset == 160  # 156 rounded up to 8
    assert ctypes.sizeof(level1) == 160 + 5 * 8 + 6 * 4
    assert WTSINFOEXW.Data.offset == 8  # the union holds 8-byte members
    assert ctypes.sizeof(WTS_SESSION_INFOW) == 4 + 4 + 8 + 4 + 4  # pointer aligned
