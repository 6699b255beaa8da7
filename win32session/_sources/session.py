"""Session changes as an event source: ``WTSRegisterSessionNotification`` and
``WM_WTSSESSION_CHANGE``, for the notifier's window.

It registers the window (waiting, right after boot, for Remote Desktop
Services), decodes each message into a :class:`SessionEvent` with what can
only be read on arrival (remote control, the session's details), and
unregisters the window before it is destroyed.

Windows only: the notifier imports it after checking the platform.
"""

from __future__ import annotations

import sys

if sys.platform != "win32":  # pragma: no cover - guarded by the importer
    raise ImportError("win32session._sources.session needs Windows")

import ctypes
import datetime
import time
from collections.abc import Callable

from .._win32 import kernel32, shared, user32, wtsapi32
from .._codes import WM_WTSSESSION_CHANGE, NotifyType, SessionNotificationMsg, decode_reason
from .._events import SessionEvent, SessionInfo
from .._log import logger
from .._queries import sessions as _sessions

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

    from .base import Deliver, Waiting

__all__ = ["SessionChanges"]

_REMOTE_CONTROL: Final = SessionNotificationMsg.WTS_SESSION_REMOTE_CONTROL
_TERMSRV_READY_EVENT: Final = "Global\\TermSrvReadyEvent"
#: How long to pause between registration attempts when TermSrvReadyEvent
#: cannot be waited on (it does not exist yet early in boot). Only ever used
#: while registration is failing with RPC_S_INVALID_BINDING.
_RETRY_PAUSE_SECONDS: Final = 1.0
#: Looked up once, not per event.
_now: Final = datetime.datetime.now
_UTC: Final = datetime.timezone.utc

class SessionChanges:
    """``WM_WTSSESSION_CHANGE`` for one window, from registration to
    unregistration."""

    messages: Final = (WM_WTSSESSION_CHANGE,)
    needs_top_level: Final = False

    def __init__(
        self,
        scope: NotifyType,
        register_timeout: float,
        details: bool,
        deliver: Deliver,
        fed: bool = False,
    ) -> None:
        self._scope = scope
        # Fed: a service's control handler brings the events (the service
        # control manager registered them), so the window registers nothing.
        self._fed = fed
        self._register_timeout = register_timeout
        self._deliver = deliver
        self._describe: Callable[[int], SessionInfo | None] | None = (
            _sessions.describe_for_event if details else None
        )
        self._own_session = _sessions.current_session_id()
        self._this_session_only = scope == NotifyType.NOTIFY_FOR_THIS_SESSION
        self._registered = False

    def register(self, hwnd: int, pump: Waiting) -> bool:
        """Registers for notifications; False if a stop came first.

        Right after boot the call fails with RPC_S_INVALID_BINDING until the
        session manager answers, which Global\\TermSrvReadyEvent announces.
        A fed source (a service: the service control manager registered it)
        registers nothing, but waits the same way until the session listing
        answers, so that what runs at registration (a SessionTracker lists
        the sessions) does not fail with 1702 at early boot.
        https://learn.microsoft.com/windows/win32/api/wtsapi32/nf-wtsapi32-wtsregistersessionnotification
        """
        if self._fed:
            return self._retry_while_not_ready(
                pump, "WTSEnumerateSessionsW", _sessions._enumerate)
        registered = self._retry_while_not_ready(
            pump, "WTSRegisterSessionNotification",
            lambda: wtsapi32.WTSRegisterSessionNotification(hwnd, int(self._scope)))
        self._registered = registered
        return registered

    def _retry_while_not_ready(
        self, pump: Waiting, name: str, call: Callable[[], object]
    ) -> bool:
        """Calls ``call`` until it does not fail with RPC_S_INVALID_BINDING,
        for up to ``register_timeout`` seconds, waiting between attempts;
        True once it succeeded, False if a stop came first."""
        deadline = time.monotonic() + self._register_timeout
        event_seen_set = False
        while not pump.quitting:
            try:
                call()
                return True
            except OSError as exc:
                if exc.winerror != wtsapi32.RPC_S_INVALID_BINDING:
                    raise
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ctypes.WinError(
                        wtsapi32.RPC_S_INVALID_BINDING,
                        f"{name} kept failing with RPC_S_INVALID_BINDING for "
                        f"{self._register_timeout:g} s: the session manager is not "
                        "answering yet (on Windows 10 and 11 the Local Session Manager "
                        "service, LSM; on a Remote Desktop Session Host also Remote "
                        "Desktop Services, TermService); give a longer register_timeout",
                    ) from exc
                logger().info(
                    "%s: the session manager is not ready (1702); retrying for up "
                    "to %.1f s", name, remaining,
                )
                event_seen_set = self._wait_for_termsrv(pump, remaining, event_seen_set)
        return False

    @staticmethod
    def _wait_for_termsrv(pump: Waiting, remaining: float, event_seen_set: bool) -> bool:
        """Waits for TermSrvReadyEvent, or a pause, while the pump handles any
        posted message (a stop among them). Returns whether the event was
        seen set."""
        handle = None
        if not event_seen_set:
            try:
                handle = kernel32.OpenEventW(shared.SYNCHRONIZE, False, _TERMSRV_READY_EVENT)
            except OSError as exc:
                logger().debug("cannot open %s yet: %s", _TERMSRV_READY_EVENT, exc)
        try:
            seconds = remaining if handle else min(remaining, _RETRY_PAUSE_SECONDS)
            return pump.wait(handle, seconds)
        finally:
            if handle:
                kernel32.CloseHandle(handle)

    def handle(self, msg: int, wparam: int, lparam: int, deliver: bool) -> int:
        """Decodes and delivers one WM_WTSSESSION_CHANGE; the result is 0.
        (The pump's loop calls it for every session event: kept to one call.)"""
        if not deliver:
            return 0
        timestamp = _now(_UTC)
        session_id = lparam & 0xFFFFFFFF  # a DWORD in a pointer-sized LPARAM
        if self._this_session_only and session_id != self._own_session:
            # Windows leaks other sessions' events on RDS and Citrix hosts.
            return 0
        reason = decode_reason(wparam)
        remote_control = None
        if reason == _REMOTE_CONTROL and session_id == self._own_session:
            # The metric describes only the calling process's session.
            remote_control = user32.GetSystemMetrics(user32.SM_REMOTECONTROL) != 0
        # Asked now: after a logoff, for one, the user's name is soon gone.
        info = self._describe(session_id) if self._describe is not None else None
        self._deliver(
            SessionEvent(reason, session_id, timestamp, remote_control, info), (reason,)
        )
        return 0

    def unregister(self, hwnd: int) -> None:
        """Undoes the registration, if it was made, while the window still
        exists; a failure is logged, never raised (teardown goes on)."""
        if not self._registered:
            return
        self._registered = False
        # Wine's stub fails without setting an error: start from none, so that
        # a stale code (1400, after a top-level window is made) is not taken
        # for its answer. ctypes hands this copy to the call (use_last_error).
        ctypes.set_last_error(0)
        try:
            wtsapi32.WTSUnRegisterSessionNotification(hwnd)
        except OSError as exc:
            # Without an error code (as Wine answers) there is nothing to act
            # on; with one, somebody may want to know.
            log = logger().warning if exc.winerror else logger().debug
            log("WTSUnRegisterSessionNotification: %s", exc)
