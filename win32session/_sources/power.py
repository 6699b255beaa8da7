"""Power as an event source: sleep and wake, and the power settings (user
presence, display, power source, battery, energy saver), through
``WM_POWERBROADCAST`` to the notifier's window.

``RegisterSuspendResumeNotification`` brings suspend and resume to a window
that gets no broadcasts (a message-only one; on Windows 10 and 11 even a
top-level window gets them only so). ``RegisterPowerSettingNotification``
brings each setting, and Windows sends each one's current value right after
registration: that first value is delivered marked ``initial``. Every
registration is undone before the window is destroyed.

Windows only: the notifier imports it after checking the platform.
"""

from __future__ import annotations

import sys

if sys.platform != "win32":  # pragma: no cover - guarded by the importer
    raise ImportError("win32session._sources.power needs Windows")

import ctypes
import datetime
from collections.abc import Hashable

from .._win32 import shared, user32
from .._codes import (
    WM_POWERBROADCAST,
    PowerBroadcast,
    PowerSetting,
    decode_power,
    decode_setting,
    decode_setting_value,
)
from .._events import PowerEvent
from .._log import logger
from . import controls as _service_controls

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

    from .base import Deliver, Waiting

__all__ = [
    "OPTIONAL_SETTINGS",
    "PowerChanges",
    "ServicePowerSettings",
    "settings_for_session",
    "guid_text",
    "guid_struct",
]

_SETTING_CHANGE: Final = PowerBroadcast.PBT_POWERSETTINGCHANGE.code
_DATA_OFFSET: Final = user32.POWERBROADCAST_SETTING.Data.offset
_TRUE: Final = 1  # WM_POWERBROADCAST: TRUE grants every request

#: Settings a newer Windows adds: where one cannot be registered, the others
#: still are (logged at debug level).
OPTIONAL_SETTINGS: Final = frozenset({PowerSetting.GUID_ENERGY_SAVER_STATUS})


def settings_for_session(session_id: int) -> tuple[PowerSetting, ...]:
    """The settings to register for, in a process of ``session_id``.

    Session 0 (services) gets no session-level presence or display
    notifications: Microsoft's docs name the global and console ones instead.
    https://learn.microsoft.com/windows/win32/power/power-setting-guids
    """
    S = PowerSetting
    if session_id == 0:
        own: tuple[PowerSetting, ...] = (S.GUID_GLOBAL_USER_PRESENCE, S.GUID_CONSOLE_DISPLAY_STATE)
    else:
        own = (S.GUID_SESSION_USER_PRESENCE, S.GUID_SESSION_DISPLAY_STATUS)
    return (
        *own,
        S.GUID_ACDC_POWER_SOURCE,
        S.GUID_BATTERY_PERCENTAGE_REMAINING,
        S.GUID_POWER_SAVING_STATUS,
        S.GUID_ENERGY_SAVER_STATUS,
    )


def guid_text(guid: ctypes.Structure) -> str:
    """A GUID as WinNT.h's comments write it, in lower case."""
    tail = bytes(guid.Data4).hex()
    return f"{guid.Data1:08x}-{guid.Data2:04x}-{guid.Data3:04x}-{tail[:4]}-{tail[4:]}"


def guid_struct(text: str) -> ctypes.Structure:
    """The GUID structure for ``8-4-4-4-12`` hex text."""
    parts = text.split("-")
    tail = bytes.fromhex(parts[3] + parts[4])
    return shared.GUID(
        int(parts[0], 16), int(parts[1], 16), int(parts[2], 16),
        (ctypes.c_ubyte * 8)(*tail),
    )


class PowerChanges:
    """``WM_POWERBROADCAST`` for one window, from registration to
    unregistration."""

    messages: Final = (WM_POWERBROADCAST,)
    needs_top_level: Final = False

    def __init__(self, deliver: Deliver, session_id: int, fed: bool = False) -> None:
        self._deliver = deliver
        # Fed: a service's control handler brings the events; the service
        # registers its status handle for the settings (register_for_service).
        self._fed = fed
        self.settings = settings_for_session(session_id)
        """The settings this source registers for."""
        self._suspend_resume: int | None = None
        self._registered: list[tuple[PowerSetting, int]] = []
        self.refused: list[tuple[PowerSetting, OSError]] = []
        """The optional settings Windows refused at the last registration."""
        #: Settings whose initial value has arrived.
        self._seen: set[PowerSetting | str] = set()

    @property
    def handles(self) -> list[int]:
        """What each registration made returned, suspend/resume first."""
        first = [] if self._suspend_resume is None else [self._suspend_resume]
        return first + [handle for _, handle in self._registered]

    def register(self, hwnd: int, pump: Waiting | None = None) -> bool:
        """Registers for suspend and resume, then for each setting. Raises
        the first failure (after which :meth:`unregister` undoes the rest).
        It never waits, so it needs no pump (``win32session doctor`` calls
        it on a window of its own)."""
        self._seen = set()
        self.refused = []
        if self._fed:
            return True
        self._suspend_resume = user32.RegisterSuspendResumeNotification(
            hwnd, user32.DEVICE_NOTIFY_WINDOW_HANDLE)
        _register_settings(hwnd, user32.DEVICE_NOTIFY_WINDOW_HANDLE, self.settings,
                           self._registered, self.refused)
        return True

    def handle(self, msg: int, wparam: int, lparam: int, deliver: bool) -> int:
        """Decodes and delivers one WM_POWERBROADCAST; the result is TRUE."""
        if deliver:
            timestamp = datetime.datetime.now(datetime.timezone.utc)
            code = wparam & 0xFFFFFFFF
            if code == _SETTING_CHANGE and lparam:
                self._on_setting(timestamp, lparam)
            else:
                kind = decode_power(code)
                keys = (kind,) if isinstance(kind, PowerBroadcast) else ()
                self._deliver(PowerEvent(kind, timestamp), keys)
        return _TRUE

    def _on_setting(self, timestamp: datetime.datetime, address: int) -> None:
        # The structure is Windows's, valid only during this call: copy it out,
        # with ReadProcessMemory. A post that a nested loop in a callback
        # dispatches reads as a send from this thread (both ISMEX_NOSEND),
        # and its lParam may point anywhere: a ValueError, never a crash.
        try:
            raw = _service_controls.read_setting(address)
        except ValueError as exc:
            logger().warning("WM_POWERBROADCAST ignored: %s", exc)
            return
        head = user32.POWERBROADCAST_SETTING.from_buffer_copy(
            raw.ljust(ctypes.sizeof(user32.POWERBROADCAST_SETTING), b"\0"))
        setting = decode_setting(guid_text(head.PowerSetting))
        data = raw[_DATA_OFFSET:]
        value = (
            decode_setting_value(setting, int.from_bytes(data, "little"))
            if len(data) == 4 else None
        )
        initial = setting not in self._seen
        self._seen.add(setting)
        keys: tuple[Hashable, ...] = (PowerBroadcast.PBT_POWERSETTINGCHANGE,)
        if isinstance(setting, PowerSetting):
            keys += (setting,)
        self._deliver(
            PowerEvent(PowerBroadcast.PBT_POWERSETTINGCHANGE, timestamp, setting, value, data,
                       initial),
            keys,
        )

    def unregister(self, hwnd: int) -> None:
        """Undoes every registration, the settings first (the reverse of
        registering); a failure is logged, never raised."""
        _unregister_settings(self._registered)
        if self._suspend_resume is not None:
            handle, self._suspend_resume = self._suspend_resume, None
            try:
                user32.UnregisterSuspendResumeNotification(handle)
            except OSError as exc:
                logger().warning("UnregisterSuspendResumeNotification: %s", exc)


def _register_settings(
    recipient: int,
    flags: int,
    settings: tuple[PowerSetting, ...],
    registered: list[tuple[PowerSetting, int]],
    refused: list[tuple[PowerSetting, OSError]],
) -> None:
    """Registers ``recipient`` for each setting, appending to ``registered``
    as it goes (so that a failure half-way leaves what to undo); an optional
    setting Windows refuses goes to ``refused``, any other failure raises."""
    for setting in settings:
        guid = guid_struct(setting.value)
        try:
            handle = user32.RegisterPowerSettingNotification(recipient, ctypes.byref(guid), flags)
        except OSError as exc:
            if setting not in OPTIONAL_SETTINGS:
                raise
            logger().debug("%s not registered (older Windows?): %s", setting.name, exc)
            refused.append((setting, exc))
            continue
        registered.append((setting, handle))


def _unregister_settings(registered: list[tuple[PowerSetting, int]]) -> None:
    """Undoes each registration, the last made first; logs failures."""
    while registered:
        setting, handle = registered.pop()
        try:
            user32.UnregisterPowerSettingNotification(handle)
        except OSError as exc:
            logger().warning("UnregisterPowerSettingNotification(%s): %s", setting.name, exc)


class ServicePowerSettings:
    """The power settings registered for a service's status handle.

    A service hears of power through its control handler
    (``SERVICE_CONTROL_POWEREVENT``): suspend and resume come once it
    accepts the control, but each setting must be registered with
    ``DEVICE_NOTIFY_SERVICE_HANDLE``; Windows then sends each one's current
    value at once. Services run in session 0, which gets the global user
    presence and the console's display instead of a session's.
    https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-registerpowersettingnotification
    """

    def __init__(self, status_handle: int) -> None:
        self._status_handle = status_handle
        self.settings = settings_for_session(0)
        self._registered: list[tuple[PowerSetting, int]] = []
        self.refused: list[tuple[PowerSetting, OSError]] = []

    @property
    def handles(self) -> list[int]:
        """What each registration returned."""
        return [handle for _, handle in self._registered]

    def register(self) -> None:
        """Registers each setting; on a failure, undoes the others and raises."""
        self.refused = []
        try:
            _register_settings(self._status_handle, user32.DEVICE_NOTIFY_SERVICE_HANDLE,
                               self.settings, self._registered, self.refused)
        except BaseException:
            _unregister_settings(self._registered)
            raise

    def unregister(self) -> None:
        """Undoes every registration, the last made first; logs failures."""
        _unregister_settings(self._registered)
