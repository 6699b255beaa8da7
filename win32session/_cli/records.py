"""Events as the command line and the audit service write them: one
readable line (``format_event``), or one JSON object (``event_record``).

The JSON keys are a contract for whoever reads the files: add keys, never
rename or drop one.
"""

from __future__ import annotations

import enum
from typing import Any

from .._codes import PowerBroadcast, PowerSetting, SessionNotificationMsg
from .._events import Event, PowerEvent, SessionEndingEvent

__all__ = ["ending_record", "event_record", "format_event", "power_record"]

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
