"""Events as the command line and the audit service write them: one
readable line (``format_event``), or one JSON object (``event_record``); and
the sessions and this session's state as ``sessions`` and ``status`` print them.

The JSON keys are a contract for whoever reads the files: add keys, never
rename or drop one.
"""

from __future__ import annotations

import enum

from collections.abc import Sequence

from .._codes import (
    ACLineStatus,
    ConnectState,
    IdleState,
    PowerBroadcast,
    PowerSetting,
    SessionNotificationMsg,
)
from .._events import Event, PowerEvent, PowerStatus, SessionEndingEvent, SessionInfo

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ending_record", "event_record", "format_event", "format_sessions", "format_status",
           "power_record", "session_record", "status_record"]

_KIND_WIDTH = 28  # the longest name, WTS_SESSION_REMOTE_CONTROL, and two spaces


def format_event(event: Event) -> str:
    """One readable line: local time, what happened, then what matters (the
    session and its user; a power setting's value; why the session ends)."""
    when = event.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(event, PowerEvent):
        line = f"{when}  {event.kind_name:<{_KIND_WIDTH}} {_setting_text(event)}"
        return line.rstrip()
    if isinstance(event, SessionEndingEvent):
        line = f"{when}  {event.kind_name:<{_KIND_WIDTH}} {event.reason_text}"
        if event.ending is not None:
            line += f"  ending={event.ending}"
        return line
    line = f"{when}  {event.reason_name:<{_KIND_WIDTH}} session {event.session_id}"
    if event.info is not None and event.info.account is not None:
        line += f"  {event.info.account}"
    if event.remote_control is not None:
        line += f"  remote_control={event.remote_control}"
    return line


def _setting_text(event: PowerEvent) -> str:
    """``GUID_SESSION_DISPLAY_STATUS=PowerMonitorOff (initial)``; data that
    is not a DWORD in hex; nothing for an event without a setting."""
    if event.setting_name is None:
        return ""
    value = event.value
    if value is None:
        shown = f"0x{event.data.hex()}"
    else:
        shown = value.name if isinstance(value, enum.Enum) else str(value)
    return f"{event.setting_name}={shown}" + (" (initial)" if event.initial else "")


def event_record(event: Event) -> dict[str, Any]:
    """One event as a JSON object (``--json``); ``event`` says which kind:
    ``session``, ``power`` or ``ending``."""
    if isinstance(event, PowerEvent):
        return power_record(event)
    if isinstance(event, SessionEndingEvent):
        return ending_record(event)
    reason = event.reason
    info = event.info
    return {
        "time": event.timestamp.isoformat(),
        "event": "session",
        "reason": reason.name if isinstance(reason, SessionNotificationMsg) else int(reason),
        "code": int(reason),
        "session_id": event.session_id,
        "user": info.user_name if info is not None else None,
        "domain": info.domain if info is not None else None,
        "remote_control": event.remote_control,
    }


def power_record(event: PowerEvent) -> dict[str, Any]:
    """A power event as a JSON object: the kind (its name, or the number
    when unknown), the setting (its name, its GUID when unknown, or null),
    its DWORD value and that value's name (null when there is none)."""
    kind = event.kind
    setting = event.setting
    value = event.value
    return {
        "time": event.timestamp.isoformat(),
        "event": "power",
        "kind": kind.name if isinstance(kind, PowerBroadcast) else kind,
        "code": kind.code if isinstance(kind, PowerBroadcast) else kind,
        "setting": setting.name if isinstance(setting, PowerSetting) else setting,
        "value": None if value is None else int(value),
        "value_name": value.name if isinstance(value, enum.Enum) else None,
        "initial": event.initial,
    }


def ending_record(event: SessionEndingEvent) -> dict[str, Any]:
    """A session-ending event as a JSON object: ``flags`` lists the flags'
    names (``[]`` for a shutdown or restart); ``ending`` is null for the
    query."""
    return {
        "time": event.timestamp.isoformat(),
        "event": "ending",
        "kind": event.kind_name,
        "code": event.kind.code,
        "flags": event.flag_names,
        "ending": event.ending,
    }


# --- Sessions and this session's state (``sessions``, ``status``). ---


def session_record(info: SessionInfo) -> dict[str, Any]:
    """One session as a JSON object (``sessions --json``)."""
    state = info.state
    return {
        "session_id": info.session_id,
        "station": info.station_name,
        "state": state.name if isinstance(state, ConnectState) else state,
        "user": info.user_name,
        "domain": info.domain,
        "client": info.client_name,
        "locked": info.locked,
    }


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, ConnectState):
        return value.name.removeprefix("WTS")
    return str(value)


def format_sessions(sessions: Sequence[SessionInfo]) -> list[str]:
    """The sessions as a table: a header, then a row each."""
    header = ("ID", "STATION", "STATE", "USER", "CLIENT", "LOCKED")
    rows = [
        (str(s.session_id), _cell(s.station_name), _cell(s.state), _cell(s.account),
         _cell(s.client_name), _cell(s.locked))
        for s in sessions
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in [header, *rows]]


def status_record(
    session_id: int,
    locked: bool | None,
    idle: float,
    threshold: float,
    state: IdleState,
    power: PowerStatus,
) -> dict[str, Any]:
    """``status --json``: this session's state as one object. ``in_use`` is
    ``idle_state`` ``active``: not locked, and input within the threshold."""
    ac_line = power.ac_line
    return {
        "session_id": session_id,
        "locked": locked,
        "idle_seconds": round(idle, 3),
        "idle_threshold": threshold,
        "idle_state": state.value,
        "in_use": state is IdleState.ACTIVE,
        "ac_line": ac_line.name if isinstance(ac_line, ACLineStatus) else ac_line,
        "battery_percent": power.battery_percent,
        "battery_saver": power.battery_saver,
    }


def format_status(record: dict[str, Any]) -> list[str]:
    """``status``: one aligned ``key  value`` line per key of the record
    (``-`` where Windows does not say, ``yes``/``no`` for booleans)."""
    width = max(len(key) for key in record)
    lines = []
    for key, value in record.items():
        text = _cell(value)
        if key == "idle_seconds":
            text = f"{value:.1f}"
        elif key == "idle_threshold":
            text = f"{value:g}"
        lines.append(f"{key:<{width}}  {text}")
    return lines
