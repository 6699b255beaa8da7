"""Ctrl+C and Ctrl+Break for code blocked waiting on us: ``Notifier.run`` in
``GetMessageW``, an ``iter_events()`` loop on its queue.

A thread blocked in ``GetMessageW`` (or on a lock, which Ctrl+C cannot
interrupt on Windows) never runs Python's SIGINT handler. While anything is
registered here, one console control handler calls each registered waiter,
which wakes itself and raises KeyboardInterrupt on its own thread.

Windows only: its importers check the platform first.
"""

from __future__ import annotations

import sys

if sys.platform != "win32":  # pragma: no cover - guarded by the importers
    raise ImportError("win32session._console needs Windows")

import threading
from collections.abc import Callable
from typing import Final

from . import _winapi as _api

__all__ = ["add_interrupt_handler", "remove_interrupt_handler"]

#: What to call on Ctrl+C or Ctrl+Break, while anything is registered.
_interrupt_handlers: set[Callable[[], None]] = set()
_interrupt_lock = threading.Lock()


def _on_console_ctrl(ctrl_type: int) -> bool:
    # Called by Windows on a thread of its own.
    if ctrl_type not in (_api.CTRL_C_EVENT, _api.CTRL_BREAK_EVENT):
        return False
    with _interrupt_lock:
        handlers = list(_interrupt_handlers)
    for handler in handlers:
        handler()
    return bool(handlers)


# Windows keeps this thunk's address while it is registered; the module holds
# it for the life of the process, since a collected WINFUNCTYPE object would
# leave Windows calling freed memory on the next Ctrl+C.
_CTRL_HANDLER_THUNK: Final = _api.PHANDLER_ROUTINE(_on_console_ctrl)


def add_interrupt_handler(handler: Callable[[], None]) -> None:
    """Calls ``handler()`` on Ctrl+C or Ctrl+Break, instead of raising
    KeyboardInterrupt in the main thread, until removed.

    https://learn.microsoft.com/windows/console/setconsolectrlhandler
    """
    with _interrupt_lock:
        if not _interrupt_handlers:
            _api.SetConsoleCtrlHandler(_CTRL_HANDLER_THUNK, True)
        _interrupt_handlers.add(handler)


def remove_interrupt_handler(handler: Callable[[], None]) -> None:
    """Undoes :func:`add_interrupt_handler`; nothing if it was not added."""
    with _interrupt_lock:
        if handler not in _interrupt_handlers:
            return
        _interrupt_handlers.discard(handler)
        if not _interrupt_handlers:
            _api.SetConsoleCtrlHandler(_CTRL_HANDLER_THUNK, False)
