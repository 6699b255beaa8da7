"""The pure parts: enums, event decoding, SessionEvent, SessionInfo, the lock
flags. Run on any OS."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

import win32session
from win32session import (
    WM_WTSSESSION_CHANGE,
    ConnectState,
    NotifyType,
    SessionEvent,
    SessionInfo,
    SessionNotificationMsg,
    W32HandleSessionChanges,
)
from win32session._codes import decode_reason, decode_state
from win32session._queries.sessions import lock_state

# The documented wParam codes (WinUser.h), written out independently of the enum.
DOCUMENTED = {
    "WTS_CONSOLE_CONNECT": 0x1,
    "WTS_CONSOLE_DISCONNECT": 0x2,
    "WTS_REMOTE_CONNECT": 0x3,
    "WTS_REMOTE_DISCONNECT": 0x4,
    "WTS_SESSION_LOGON": 0x5,
    "WTS_SESSION_LOGOFF": 0x6,
    "WTS_SESSION_LOCK": 0x7,
    "WTS_SESSION_UNLOCK": 0x8,
    "WTS_SESSION_REMOTE_CONTROL": 0x9,
    "WTS_SESSION_CREATE": 0xA,
    "WTS_SESSION_TERMINATE": 0xB,
    "WTS_SESSION_DESKTOP_READY": 0xF,
}


def test_message_number_matches_the_csharp_class() -> None:
    assert WM_WTSSESSION_CHANGE == 0x2B1
    assert W32HandleSessionChanges.WM_WTSSESSION_CHANGE == 0x2B1


def test_notify_type_values() -> None:
    assert {m.name: m.value for m in NotifyType} == {
        "NOTIFY_FOR_THIS_SESSION": 0,
        "NOTIFY_FOR_ALL_SESSIONS": 1,
    }


def test_every_documented_code_and_nothing_else() -> None:
    assert {m.name: m.value for m in SessionNotificationMsg} == DOCUMENTED


def test_connect_state_values_match_wtsapi32_h() -> None:
    names = ["WTSActive", "WTSConnected", "WTSConnectQuery", "WTSShadow", "WTSDisconnected",
             "WTSIdle", "WTSListen", "WTSReset", "WTSDown", "WTSInit"]
    assert {m.name: m.value for m in ConnectState} == {n: i for i, n in enumerate(names)}
    assert decode_state(4) is ConnectState.WTSDisconnected
    assert type(decode_state(10)) is int and decode_state(10) == 10


@pytest.mark.parametrize(
    "member", list(SessionNotificationMsg) + list(NotifyType) + list(ConnectState)
)
def test_each_member_says_what_it_means(
    member: SessionNotificationMsg | NotifyType | ConnectState,
) -> None:
    doc = member.__doc__ or ""
    assert doc and doc != type(member).__doc__, f"{member.name} has no docstring of its own"
    assert "\n" not in doc.strip()


@pytest.mark.parametrize("code", sorted(DOCUMENTED.values()))
def test_known_codes_decode_to_members(code: int) -> None:
    reason = decode_reason(code)
    assert isinstance(reason, SessionNotificationMsg)
    assert reason.value == code


@pytest.mark.parametrize("code", [0, 0xC, 0xD, 0xE, 0x10, 0xFFFF, 2**64 - 1])
def test_unknown_codes_stay_plain_ints(code: int) -> None:
    reason = decode_reason(code)
    assert type(reason) is int
    assert reason == code


def test_session_event_is_frozen_and_comparable() -> None:
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    event = SessionEvent(SessionNotificationMsg.WTS_SESSION_LOCK, 7, when)
    assert event.remote_control is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.session_id = 8  # type: ignore[misc]
    assert event == SessionEvent(SessionNotificationMsg.WTS_SESSION_LOCK, 7, when)
    assert "WTS_SESSION_LOCK" in str(event) and "session=7" in str(event)
    assert event.reason_name == "WTS_SESSION_LOCK"
    assert SessionEvent(0x42, 1, when).reason_name == "unknown code 0x42"
    assert "unknown code 0x42" in str(SessionEvent(0x42, 1, when))
    assert "remote_control=True" in str(
        SessionEvent(SessionNotificationMsg.WTS_SESSION_REMOTE_CONTROL, 1, when, True)
    )


def test_session_info_defaults_to_not_known_and_names_the_account() -> None:
    info = SessionInfo(3)
    assert (info.station_name, info.state, info.user_name, info.domain,
            info.client_name, info.locked) == (None,) * 6
    assert info.account is None
    assert SessionInfo(3, user_name="ada").account == "ada"
    assert SessionInfo(3, user_name="ada", domain="LAB").account == "LAB\\ada"
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.locked = True  # type: ignore[misc]


def test_session_event_carries_info_and_shows_the_user() -> None:
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    event = SessionEvent(SessionNotificationMsg.WTS_SESSION_LOGON, 2, when)
    assert event.info is None
    info = SessionInfo(2, user_name="ada", domain="LAB")
    enriched = SessionEvent(SessionNotificationMsg.WTS_SESSION_LOGON, 2, when, info=info)
    assert enriched.info is info
    assert str(enriched).endswith("session=2 user=LAB\\ada")
    assert "user=" not in str(SessionEvent(5, 2, when, info=SessionInfo(2)))


# WTSINFOEX_LEVEL1.SessionFlags, written out from the documentation.
LOCK, UNLOCK, UNKNOWN = 0x0, 0x1, 0xFFFFFFFF


@pytest.mark.parametrize(
    ("flags", "version", "locked"),
    [
        (LOCK, (10, 0), True),
        (UNLOCK, (10, 0), False),
        (UNKNOWN, (10, 0), None),
        (-1, (10, 0), None),  # UNKNOWN as the signed LONG the structure holds
        (2, (10, 0), None),
        (LOCK, (6, 2), True),
        (UNLOCK, (6, 0), False),
        # Windows 7 / Server 2008 R2: the documented defect swaps the two.
        (LOCK, (6, 1), False),
        (UNLOCK, (6, 1), True),
        (UNKNOWN, (6, 1), None),
        (-1, (6, 1), None),
    ],
)
def test_lock_flags(flags: int, version: tuple[int, int], locked: bool | None) -> None:
    assert lock_state(flags, version) is locked


def test_public_names() -> None:
    for name in win32session.__all__:
        assert hasattr(win32session, name), name
    assert {"Notifier", "NotifyType", "SessionNotificationMsg", "SessionEvent",
            "W32HandleSessionChanges"} <= set(win32session.__all__)
