"""The value types: one ``WM_WTSSESSION_CHANGE``, decoded, and what Windows
says about a session when asked.

Pure Python, importable on any OS, so that code handling events can be written
and tested anywhere.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ._codes import ConnectState, SessionNotificationMsg

__all__ = ["SessionEvent", "SessionInfo"]

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
