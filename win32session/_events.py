"""The value types: each message a notifier decodes (a session change, a
power broadcast, the session ending), what Windows says about a session when
asked, and the power status.

Pure Python, importable on any OS, so that code handling events can be written
and tested anywhere.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from ._codes import (
    ACLineStatus,
    ConnectState,
    EndSessionFlags,
    PowerBroadcast,
    PowerSetting,
    SessionEnding,
    SessionNotificationMsg,
)

__all__ = [
    "Event",
    "PowerEvent",
    "PowerStatus",
    "SessionEndingEvent",
    "SessionEvent",
    "SessionInfo",
]

@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What Windows says about one session when asked.

    Every field but ``session_id`` is ``None`` when Windows does not say (Wine,
    for one, answers only some questions) or has nothing to say: an empty user
    name, domain or client name is ``None``.
    """

    session_id: int
    station_name: str | None = None
    """The WinStation name: ``"Console"``, ``"RDP-Tcp#3"``, ``"Services"``..."""
    state: ConnectState | int | None = None
    """The connection state; a plain ``int`` for a state this library does not know."""
    user_name: str | None = None
    """Who is logged on; ``None`` when nobody is."""
    domain: str | None = None
    """The logged-on user's domain (the computer's name for a local account)."""
    client_name: str | None = None
    """The name of the remote client's computer, for remote sessions."""
    locked: bool | None = None
    """Whether the session is locked, from ``WTSSessionInfoEx``; ``None``
    when Windows does not say."""

    @property
    def account(self) -> str | None:
        """``DOMAIN\\user`` (just ``user`` when the domain is unknown), or
        ``None`` when nobody is logged on."""
        if self.user_name is None:
            return None
        return f"{self.domain}\\{self.user_name}" if self.domain else self.user_name


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """One ``WM_WTSSESSION_CHANGE``, decoded."""

    reason: SessionNotificationMsg | int
    """What happened; a plain ``int`` for a code this library does not know."""
    session_id: int
    """The session it happened to: the low 32 bits of ``lParam``, unsigned."""
    timestamp: datetime.datetime
    """When the message reached the notifier's window (timezone-aware, UTC)."""
    remote_control: bool | None = None
    """For ``WTS_SESSION_REMOTE_CONTROL`` about this process's own session:
    whether it is now remotely controlled (``GetSystemMetrics(SM_REMOTECONTROL)``
    read on arrival). ``None`` otherwise: the metric describes only the
    caller's session."""
    info: SessionInfo | None = None
    """The session as Windows described it when the event arrived, with
    ``Notifier(details=True)``; ``None`` otherwise or when it could not say."""

    @property
    def reason_name(self) -> str:
        """The reason's name, or ``"unknown code 0x.."`` for a code this
        library does not know."""
        if isinstance(self.reason, SessionNotificationMsg):
            return self.reason.name
        return f"unknown code {self.reason:#x}"

    def __str__(self) -> str:
        text = f"{self.timestamp.isoformat()} {self.reason_name} session={self.session_id}"
        if self.remote_control is not None:
            text += f" remote_control={self.remote_control}"
        if self.info is not None and self.info.account is not None:
            text += f" user={self.info.account}"
        return text


@dataclass(frozen=True, slots=True)
class PowerEvent:
    """One ``WM_POWERBROADCAST``, decoded: sleep, wake, a power status change,
    or a power setting's new value."""

    kind: PowerBroadcast | int
    """What happened; a plain ``int`` for a ``PBT_*`` code this library does
    not know (such an event matches no kind but is still delivered)."""
    timestamp: datetime.datetime
    """When the message reached the notifier's window (timezone-aware, UTC)."""
    setting: PowerSetting | str | None = None
    """For ``PBT_POWERSETTINGCHANGE``: which setting; its GUID (lower case)
    for a setting this library does not know. ``None`` for other kinds."""
    value: int | None = None
    """The setting's value when it is a DWORD, as its enumeration's member
    where it has one (``MonitorDisplayState.PowerMonitorOff``...); else None."""
    data: bytes = b""
    """The setting's raw data, copied out of the ``POWERBROADCAST_SETTING``."""
    initial: bool = False
    """True for the value Windows sends right after registration: the state
    the setting was already in, not a change."""

    @property
    def kind_name(self) -> str:
        """The kind's name, or ``"unknown PBT code 0x.."``."""
        if isinstance(self.kind, PowerBroadcast):
            return self.kind.name
        return f"unknown PBT code {self.kind:#x}"

    @property
    def setting_name(self) -> str | None:
        """The setting's name, its GUID when unknown, or None."""
        setting = self.setting
        return setting.name if isinstance(setting, PowerSetting) else setting

    def __str__(self) -> str:
        text = f"{self.timestamp.isoformat()} {self.kind_name}"
        if self.setting is not None:
            value = self.value.name if isinstance(self.value, enum.Enum) else self.value
            text += f" {self.setting_name}={value}"
            if self.initial:
                text += " (initial)"
        return text


@dataclass(frozen=True, slots=True)
class SessionEndingEvent:
    """``WM_QUERYENDSESSION`` or ``WM_ENDSESSION``, decoded.

    Callbacks run before the notifier answers Windows (always "yes, end":
    it never vetoes). After ``WM_ENDSESSION`` with ``ending`` True, Windows
    may end the process as soon as the callbacks return.
    """

    kind: SessionEnding
    """The query (about to end) or the end (the outcome)."""
    timestamp: datetime.datetime
    """When the message reached the notifier's window (timezone-aware, UTC)."""
    flags: EndSessionFlags
    """Why: ``ENDSESSION_LOGOFF``, ``ENDSESSION_CRITICAL``,
    ``ENDSESSION_CLOSEAPP``; no flag at all is a shutdown or restart."""
    ending: bool | None = None
    """For ``WM_ENDSESSION``: whether the session really ends (False when
    the shutdown or logoff was cancelled). None for the query."""

    @property
    def kind_name(self) -> str:
        """The kind's name."""
        return self.kind.name

    @property
    def flag_names(self) -> list[str]:
        """The names of the flags set, ``[]`` for a shutdown or restart."""
        return [flag.name for flag in EndSessionFlags if flag in self.flags and flag.name]

    @property
    def reason_text(self) -> str:
        """``"logoff"``, ``"shutdown or restart"``, with ``critical`` and
        ``close app`` when flagged."""
        parts = ["logoff" if EndSessionFlags.ENDSESSION_LOGOFF in self.flags
                 else "shutdown or restart"]
        if EndSessionFlags.ENDSESSION_CRITICAL in self.flags:
            parts.append("critical")
        if EndSessionFlags.ENDSESSION_CLOSEAPP in self.flags:
            parts.append("close app")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.timestamp.isoformat()} {self.kind_name} ({self.reason_text})"
        if self.ending is not None:
            text += f" ending={self.ending}"
        return text


@dataclass(frozen=True, slots=True)
class PowerStatus:
    """What ``GetSystemPowerStatus`` says, from :func:`power_status`."""

    ac_line: ACLineStatus | int
    """On AC, on battery, or unknown."""
    battery_percent: int | None
    """The battery's remaining charge, 0 to 100; None without a battery or
    when Windows does not know."""
    battery_saver: bool
    """Whether battery saver is on (``SystemStatusFlag``)."""

    @property
    def on_battery(self) -> bool | None:
        """True on battery, False on AC or backup power, None when unknown."""
        if self.ac_line == ACLineStatus.AC_LINE_OFFLINE:
            return True
        if self.ac_line in (ACLineStatus.AC_LINE_ONLINE, ACLineStatus.AC_LINE_BACKUP_POWER):
            return False
        return None


#: Every kind of event a notifier delivers.
Event = SessionEvent | PowerEvent | SessionEndingEvent
