"""The selftest's round trip (``win32session selftest``, and the doctor's
selftest check) while other session changes arrive: on a real machine a lock,
or a simulator, can post one at any moment.

Windows's part is simulated: the foreign ``WM_WTSSESSION_CHANGE`` is posted
to the round trip's window, as the session manager or another program would,
in the middle of the round trip's own posts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from support import own_session

from win32session import WM_WTSSESSION_CHANGE, SessionNotificationMsg

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

from win32session._win32 import user32  # noqa: E402
from win32session._cli import doctor as _doctor  # noqa: E402
from win32session._cli import selftest as _selftest  # noqa: E402

M = SessionNotificationMsg
ON_WINE = _doctor.System(session_id=1, wine="8.0")
#: The real PostMessageW, for the foreign posts (the round trip's is wrapped).
_REAL_POST = user32.PostMessageW


def foreign_post(hwnd: int, code: int, session_id: int) -> None:
    _REAL_POST(hwnd, WM_WTSSESSION_CHANGE, code, session_id)


def posting(monkeypatch: pytest.MonkeyPatch,
            meddle: Callable[[int, int, int, int], bool]) -> list[tuple[int, int]]:
    """Wraps PostMessageW for the round trip: ``meddle(call, hwnd, code,
    lparam)`` runs before each of its posts and says whether to post it.
    Returns the (code, lparam) of each post the round trip made."""
    real = user32.PostMessageW
    made: list[tuple[int, int]] = []

    def post(hwnd: int, msg: int, wparam: int, lparam: int) -> None:
        if msg == WM_WTSSESSION_CHANGE:
            made.append((wparam, lparam))
            if not meddle(len(made), hwnd, wparam, lparam):
                return
        real(hwnd, msg, wparam, lparam)

    monkeypatch.setattr(user32, "PostMessageW", post)
    return made


def another_lock_in_the_middle(call: int, hwnd: int, code: int, lparam: int) -> bool:
    # A real lock of this session, and a code nobody sends, amid the posts.
    if call == 5:
        foreign_post(hwnd, M.WTS_SESSION_LOCK, own_session())
        foreign_post(hwnd, 0x42, lparam - 1)
    return True


def test_another_session_change_during_the_round_trip_is_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = posting(monkeypatch, another_lock_in_the_middle)
    arrivals = _selftest.round_trip()
    assert [a.code for a in arrivals] == [*M, _selftest.UNKNOWN_CODE]
    assert all(a.ok for a in arrivals), arrivals
    # Each arrival is the event that brought back the session id posted with it.
    assert [(a.code, a.session_id) for a in arrivals] == made
    assert len({a.session_id for a in arrivals}) == len(arrivals)
    assert all(a.event is not None and a.event.session_id == a.session_id for a in arrivals)


def test_the_doctor_check_passes_with_another_session_change_during_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    posting(monkeypatch, another_lock_in_the_middle)
    codes = len(M) + 1
    assert _doctor.check_selftest(ON_WINE) == _doctor.Result(
        _doctor.Verdict.OK, f"{codes} of {codes} codes posted to a notifier arrived decoded")


def test_a_lost_code_is_missing_alone_and_the_others_still_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Faked: a post that Windows loses (never seen; Wine loses none).
    posting(monkeypatch, lambda call, hwnd, code, lparam: code != M.WTS_SESSION_LOCK)
    arrivals = _selftest.round_trip(wait=2.0)
    assert [a.code for a in arrivals if not a.ok] == [M.WTS_SESSION_LOCK]
    assert next(a for a in arrivals if a.code == M.WTS_SESSION_LOCK).event is None
