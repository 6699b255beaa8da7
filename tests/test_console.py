"""Real console processes: Ctrl+C during run(), while a wait lets go of
Ctrl+C, and with a for loop or run() on a worker thread.

Each child is a real Windows CPython process in a console of its own; the test
finds its message-only window by class name, posts events to it as Windows
would, reads what it prints, and presses Ctrl+C in its console.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from support import Child, find_notifier_window, post

from win32session import SessionNotificationMsg

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

M = SessionNotificationMsg

RUN_UNTIL_CTRL_C = textwrap.dedent(
    """
    import sys
    from win32session import Notifier, NotifyType
    from win32session._win32 import user32, wtsapi32

    calls = []
    for module, name in ((wtsapi32, "WTSUnRegisterSessionNotification"),
                         (user32, "DestroyWindow"), (user32, "UnregisterClassW")):
        def wrapper(*args, _real=getattr(module, name), _name=name):
            calls.append(_name)
            return _real(*args)
        setattr(module, name, wrapper)

    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS)
    windows = []

    @notifier.on()
    def show(event):
        windows.append(notifier.hwnd)
        print("event", int(event.reason), event.session_id, flush=True)

    try:
        notifier.run()
    except KeyboardInterrupt:
        gone = not user32.IsWindow(windows[0])
        print("KeyboardInterrupt", ",".join(calls),
              "window-gone" if gone else "window-alive", notifier.running, flush=True)
        sys.exit(0)
    print("run() returned without KeyboardInterrupt", flush=True)
    sys.exit(3)
"""
)


def test_ctrl_c_ends_run_after_clean_teardown_with_keyboardinterrupt(tmp_path: Path) -> None:
    script = tmp_path / "run_until_ctrl_c.py"
    script.write_text(RUN_UNTIL_CTRL_C, encoding="utf-8")
    child = Child(str(script))
    try:
        hwnd = find_notifier_window(child.process.pid)
        post(hwnd, M.WTS_SESSION_LOCK, 5)
        child.expect("event 7 5")
        child.ctrl_c()
        # Nothing else is sent: Ctrl+C alone must end run(), or this fails
        # after expect's timeout. How fast it ends is for the benchmarks.
        line = child.expect("KeyboardInterrupt").split()
    finally:
        code = child.wait()
    assert line[1:] == [
        "WTSUnRegisterSessionNotification,DestroyWindow,UnregisterClassW",
        "window-gone",
        "False",
    ], child.output()
    assert code == 0, child.output()
    assert "Traceback" not in "".join(child.stderr)


CTRL_C_AFTER_AN_ABANDONED_FOR = textwrap.dedent(
    """
    import sys, time
    from win32session import Notifier, NotifyType
    from win32session._win32 import user32
    from win32session._notifier import ctrl_c as _console

    def first_event(notifier):
        events = notifier.iter_events()
        user32.PostMessageW(notifier.hwnd, 0x2B1, 7, 5)  # WTS_SESSION_LOCK, session 5
        for event in events:  # left half-way, as careless code does
            return event

    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS)
    notifier.start()
    event = first_event(notifier)
    kept = notifier.iter_events()  # held, never iterated
    notifier.stop()
    print("stopped", int(event.reason), len(_console._interrupt_handlers), flush=True)
    try:
        time.sleep(60)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
        sys.exit(0)
    print("no KeyboardInterrupt in 60 s", flush=True)
    sys.exit(3)
"""
)


def test_ctrl_c_raises_keyboardinterrupt_again_after_an_abandoned_for_and_stop(
    tmp_path: Path,
) -> None:
    script = tmp_path / "ctrl_c_after_an_abandoned_for.py"
    script.write_text(CTRL_C_AFTER_AN_ABANDONED_FOR, encoding="utf-8")
    child = Child(str(script))
    try:
        assert child.expect("stopped").split() == ["stopped", "7", "0"], child.output()
        child.ctrl_c()
        child.expect("KeyboardInterrupt")
    finally:
        code = child.wait()
    assert code == 0, child.output()


# Windows calls console control handlers on a thread of its own, under its
# console lock, and SetConsoleCtrlHandler takes that lock too (ReactOS's
# ConsoleControlDispatcher; https://github.com/dotnet/runtime/pull/124893).
# The child lets go of Ctrl+C the way a for loop's finally does, and holds it
# up at the worst moment: its lock taken, until Windows's handler thread,
# holding the console lock, waits for that lock. Only the lock is watched;
# the press is real. Letting go must not call Windows then, or neither thread
# ever goes on; the press is then nobody's but Python's: KeyboardInterrupt.
CTRL_C_WHILE_LETTING_GO = textwrap.dedent(
    """
    import sys, threading, time
    from win32session._notifier import ctrl_c as _console

    real_lock = _console._interrupt_lock
    handler_thread_waits = threading.Event()
    holding_up = False

    class WatchedLock:
        def __enter__(self):
            if threading.current_thread() is not threading.main_thread():
                handler_thread_waits.set()  # Windows's handler thread, in ours
            real_lock.acquire()
            if holding_up and threading.current_thread() is threading.main_thread():
                print("letting go", flush=True)
                handler_thread_waits.wait()
            return self

        def __exit__(self, *exc_info):
            real_lock.release()

        def locked(self):
            return real_lock.locked()

    _console._interrupt_lock = WatchedLock()

    def wake():
        print("woken", flush=True)

    _console.add_interrupt_handler(wake)
    try:
        holding_up = True
        _console.remove_interrupt_handler(wake)
        holding_up = False
        time.sleep(60)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
        sys.exit(0)
    print("no KeyboardInterrupt in 60 s", flush=True)
    sys.exit(3)
    """
)


def test_ctrl_c_while_a_wait_lets_go_of_it_neither_deadlocks_nor_is_lost(
    tmp_path: Path,
) -> None:
    script = tmp_path / "ctrl_c_while_letting_go.py"
    script.write_text(CTRL_C_WHILE_LETTING_GO, encoding="utf-8")
    child = Child(str(script))
    try:
        child.expect("letting go")
        child.ctrl_c()
        # A deadlock leaves the child silent: this fails after expect's timeout.
        child.expect("KeyboardInterrupt")
    finally:
        code = child.wait()
    assert code == 0, child.output()
    assert "woken" not in "".join(child.stdout), child.output()


CTRL_C_WITH_A_FOR_ON_A_WORKER_THREAD = textwrap.dedent(
    """
    import sys, threading, time
    from win32session import Notifier, NotifyType
    from win32session._notifier import ctrl_c as _console

    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS)
    notifier.start()
    events = notifier.iter_events()
    outcome = []
    waiting = threading.Event()

    class WatchedQueue:  # tells when the for blocks on its queue
        def __init__(self, real):
            self.real = real
        def get_nowait(self):
            return self.real.get_nowait()
        def get(self):
            waiting.set()
            return self.real.get()
        def put(self, item):
            self.real.put(item)

    events._queue = WatchedQueue(events._queue)

    def read():
        try:
            for event in events:
                outcome.append(int(event.reason))
            outcome.append("ended")
        except BaseException as exc:
            outcome.append(type(exc).__name__)

    reader = threading.Thread(target=read)
    reader.start()
    waiting.wait()
    print("reading", len(_console._interrupt_handlers), flush=True)
    try:
        time.sleep(60)
    except KeyboardInterrupt:
        notifier.stop()
        reader.join(30)
        print("KeyboardInterrupt", outcome, flush=True)
        sys.exit(0)
    print("no KeyboardInterrupt in 60 s", flush=True)
    sys.exit(3)
    """
)


def ctrl_c_to_the_main_thread(tmp_path: Path, source: str, ready: str) -> str:
    """Runs ``source`` in a console child, which prints ``ready`` and how
    many Ctrl+C handlers of ours are registered (none: its waits are on a
    worker thread), sends it Ctrl+C, and returns what the child printed after
    its main thread's KeyboardInterrupt; the child must exit 0."""
    script = tmp_path / "ctrl_c_to_the_main_thread.py"
    script.write_text(source, encoding="utf-8")
    child = Child(str(script))
    try:
        assert child.expect(ready).split() == [ready, "0"], child.output()
        child.ctrl_c()
        line = child.expect("KeyboardInterrupt")
    finally:
        code = child.wait()
    assert code == 0, child.output()
    return line.split(maxsplit=1)[1].strip()


def test_ctrl_c_with_a_for_on_a_worker_thread_is_the_main_threads(tmp_path: Path) -> None:
    # As in any Python program, Ctrl+C raises KeyboardInterrupt in the main
    # thread; the for on the worker goes on until the notifier stops.
    outcome = ctrl_c_to_the_main_thread(tmp_path, CTRL_C_WITH_A_FOR_ON_A_WORKER_THREAD,
                                        "reading")
    assert outcome == "['ended']"


RUN_ON_A_WORKER_THREAD = textwrap.dedent(
    """
    import sys, threading, time
    from win32session import Notifier, NotifyType
    from win32session._notifier import ctrl_c as _console

    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS)
    registered = threading.Event()
    outcome = []

    def pump():
        try:
            notifier.run(on_ready=registered.set)
            outcome.append("returned")
        except BaseException as exc:
            outcome.append(type(exc).__name__)

    worker = threading.Thread(target=pump)
    worker.start()
    registered.wait()
    print("running", len(_console._interrupt_handlers), flush=True)
    try:
        time.sleep(60)
    except KeyboardInterrupt:
        running = notifier.running
        notifier.stop()
        worker.join(30)
        print("KeyboardInterrupt", running, outcome, flush=True)
        sys.exit(0)
    print("no KeyboardInterrupt in 60 s", flush=True)
    sys.exit(3)
    """
)


def test_ctrl_c_with_run_on_a_worker_thread_is_the_main_threads(tmp_path: Path) -> None:
    # The main thread gets KeyboardInterrupt and stops the notifier; run()
    # on the worker then returns as after any stop().
    outcome = ctrl_c_to_the_main_thread(tmp_path, RUN_ON_A_WORKER_THREAD, "running")
    assert outcome == "True ['returned']"
