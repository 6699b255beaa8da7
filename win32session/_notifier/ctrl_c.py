"""Ctrl+C and Ctrl+Break for code blocked waiting on us: ``Notifier.run`` in
``GetMessageW``, an ``iter_events()`` loop on its queue.

A thread blocked in ``GetMessageW`` (or on a lock, which Ctrl+C cannot
interrupt on Windows) never runs Python's SIGINT handler. While a waiter on
the main thread is registered here, one console control handler calls it; it
wakes itself and raises KeyboardInterrupt, where Python would have raised it.
A waiter on any other thread is not registered: Ctrl+C is then Python's, a
KeyboardInterrupt in the main thread, as in any Python program.

Windows calls console control handlers on a thread of its own while it holds
its console lock, and ``SetConsoleCtrlHandler`` takes that lock too; so our
handler is registered once, on first need, and removed only at exit, and no
lock of ours is held while Windows is called. When no waiter is registered it
returns FALSE, which passes the event on to the next handler (Python's).
https://learn.microsoft.com/windows/console/handlerroutine

Windows only: its importers check the platform first.
"""

from __future__ import annotations

import sys

if sys.platform != "win32":  # pragma: no cover - guarded by the importers
    raise ImportError("win32session._notifier.ctrl_c needs Windows")

import atexit
import contextlib
import threading
from collections.abc import Callable

from .._win32 import kernel32

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

__all__ = ["add_interrupt_handler", "remove_interrupt_handler"]

#: The registered waiters: what to call on Ctrl+C or Ctrl+Break, and whether
#: it was called since it was added.
_interrupt_handlers: dict[Callable[[], None], bool] = {}
#: Guards ``_interrupt_handlers``; never held while Windows is called.
_interrupt_lock = threading.Lock()
#: Serialises the one registration with Windows; the handler never takes it.
_install_lock = threading.Lock()
_installed = False


def _on_console_ctrl(ctrl_type: int) -> bool:
    # Called by Windows on a thread of its own, under its console lock.
    if ctrl_type not in (kernel32.CTRL_C_EVENT, kernel32.CTRL_BREAK_EVENT):
        return False
    # The waiters are called under our lock, so that once
    # remove_interrupt_handler returns, a press counted for a waiter has
    # reached it and no later one will: nothing arrives late. They only queue
    # or post a wake-up (PostMessageW takes no console lock).
    with _interrupt_lock:
        handlers = list(_interrupt_handlers)
        for handler in handlers:
            _interrupt_handlers[handler] = True
            handler()
    # TRUE: the press was ours. FALSE: Python's handler comes next.
    return bool(handlers)


# Windows keeps this thunk's address until the handler is removed at exit
# (_uninstall); the module holds it as long, since a collected WINFUNCTYPE
# object would leave Windows calling freed memory on the next Ctrl+C.
_CTRL_HANDLER_THUNK: Final = kernel32.PHANDLER_ROUTINE(_on_console_ctrl)


def _install() -> None:
    """Adds our handler to the process's list, once; it goes first, before
    Python's. https://learn.microsoft.com/windows/console/setconsolectrlhandler"""
    global _installed
    with _install_lock:
        if not _installed:
            kernel32.SetConsoleCtrlHandler(_CTRL_HANDLER_THUNK, True)
            _installed = True
            atexit.register(_uninstall)


def _uninstall() -> None:
    """At exit, before the interpreter frees this module (and the thunk
    with it), takes our handler off Windows's list, so that a Ctrl+C during
    the rest of the shutdown never calls freed memory. No lock of ours is
    held, so the removal's wait for a handler in flight cannot deadlock."""
    global _installed
    with _install_lock:
        if _installed:
            # The process is ending: a failure here changes nothing (the
            # handler then stays, as it would have before this removal).
            with contextlib.suppress(OSError):
                kernel32.SetConsoleCtrlHandler(_CTRL_HANDLER_THUNK, False)
            _installed = False


def add_interrupt_handler(handler: Callable[[], None]) -> None:
    """Calls ``handler()`` on Ctrl+C or Ctrl+Break, instead of raising
    KeyboardInterrupt in the main thread, until removed. Only on the main
    thread: anywhere else, nothing (Ctrl+C stays the main thread's)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if not _installed:
        _install()
    with _interrupt_lock:
        _interrupt_handlers[handler] = False


def remove_interrupt_handler(handler: Callable[[], None]) -> bool:
    """Undoes :func:`add_interrupt_handler`; whether a Ctrl+C or Ctrl+Break
    called ``handler`` meanwhile (False if it was not added). Once it returns,
    ``handler`` is not called again."""
    with _interrupt_lock:
        return _interrupt_handlers.pop(handler, False)
