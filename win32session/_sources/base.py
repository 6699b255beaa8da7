"""What an event source is: the contract between the pump, which owns the one
window, and each kind of notification it serves (session changes, power, the
session ending), each in a module of its own.

Pure typing, importable anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Protocol

from .._events import Event

__all__ = ["Deliver", "EventSource", "Waiting"]

#: The notifier's one delivery path: the event, and its kinds for matching.
Deliver = Callable[[Event, Sequence[Hashable]], None]


class Waiting(Protocol):
    """What a source may ask of the pump while it registers."""

    @property
    def quitting(self) -> bool:
        """Whether a stop (or a failure) came: give up registering."""
        ...

    def wait(self, handle: int | None, seconds: float) -> bool:
        """Waits for ``handle`` or ``seconds``, ended early by a stop, while
        messages sent to the window are answered; whether the handle was
        signalled."""
        ...


class EventSource(Protocol):
    """One kind of notification the window serves: what it registers, the
    messages it answers, and how it is undone."""

    @property
    def messages(self) -> tuple[int, ...]:
        """The window messages routed to it."""
        ...

    @property
    def needs_top_level(self) -> bool:
        """Whether its messages reach only top-level windows."""
        ...

    def register(self, hwnd: int, pump: Waiting) -> bool:
        """Registers the window; False if a stop came first. May raise; what it
        made before raising is undone by :meth:`unregister`."""
        ...

    def handle(self, msg: int, wparam: int, lparam: int, deliver: bool) -> int:
        """Decodes ``msg`` and, if ``deliver``, delivers its event; returns the
        window procedure's answer."""
        ...

    def unregister(self, hwnd: int) -> None:
        """Undoes what :meth:`register` made, while the window exists; logs
        failures, never raises."""
        ...
