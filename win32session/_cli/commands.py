"""The commands that ask Windows once and print the answer: ``status``,
``sessions`` and ``selftest``."""

from __future__ import annotations

import json
import sys

from .._queries.sessions import current_session_id, list_sessions
from .records import format_sessions, format_status, session_record, status_record

__all__ = ["selftest", "sessions", "status"]


def status(as_json: bool, threshold: float) -> int:
    """This session's state, once."""
    from .._queries.activity import idle_seconds, idle_state_from, power_status, this_session_locked

    # Each asked of Windows once: the state is worked out from these very
    # answers, so the lines printed cannot disagree with one another.
    locked = this_session_locked()
    idle = idle_seconds()
    state = idle_state_from(locked, idle, threshold)
    record = status_record(current_session_id(), locked, idle, threshold, state,
                           power_status())
    if as_json:
        print(json.dumps(record))
    else:
        print("\n".join(format_status(record)))
    return 0


def sessions(as_json: bool) -> int:
    listed = list_sessions()
    if as_json:
        print(json.dumps([session_record(s) for s in listed], indent=2))
    else:
        print("\n".join(format_sessions(listed)))
    return 0


def selftest() -> int:
    """Posts every code to a live notifier and checks what arrives."""
    from .selftest import round_trip

    arrivals = round_trip()
    for arrival in arrivals:
        got = "nothing" if arrival.event is None else arrival.event.reason_name
        mark = "ok  " if arrival.ok else "FAIL"
        print(f"{mark}  {arrival.code:#04x} {arrival.name:<28} got {got}")
    passed = sum(arrival.ok for arrival in arrivals)
    verdict = "passed" if passed == len(arrivals) else "FAILED"
    print(
        f"selftest {verdict}: {passed} of {len(arrivals)} codes decoded "
        f"(session {current_session_id()}, Python {sys.version.split()[0]})"
    )
    return 0 if passed == len(arrivals) else 1
