"""Events as iterators, on a real notifier (Windows, or Windows CPython under
Wine): ``async for`` on an asyncio loop, and a blocking ``for``.

Events are posted to the window as Windows would send them. Ctrl+C for a
blocking ``for`` is tested in a real console (test_console.py, and
test_examples.py's audit_log); here the console handler is called as Windows
calls it, on a thread of its own.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from support import Collector, call_in_thread, is_window, post

from win32session import (
    EventIterator,
    EventStream,
    Notifier,
    NotifyType,
    SessionEvent,
    SessionNotificationMsg,
)

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

M = SessionNotificationMsg
ALL = NotifyType.NOTIFY_FOR_ALL_SESSIONS


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Whether ``condition()`` became true within ``timeout``: for state that
    has no event to wait on (another thread entering a wait)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def post_later(hwnd: int | None, codes: list[int], session_id: int = 1) -> threading.Thread:
    """Posts from another thread, as Windows would, while the loop waits."""

    def post_all() -> None:
        for code in codes:
            post(hwnd, code, session_id)

    return call_in_thread(post_all)


# --- async for ---


def test_async_for_gets_every_event_in_order() -> None:
    async def main() -> tuple[list[int], bool]:
        got: list[int] = []
        async with Notifier(ALL) as notifier:
            codes = [M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK] * 1000
            # Subscribed before the first post: an event the pump delivers
            # before the stream exists reaches nobody, and the loop would
            # wait for it for ever (seen under load, 2 runs in 5).
            stream = notifier.events()
            post_later(notifier.hwnd, list(codes))
            async for event in stream:
                got.append(event.reason)
                if len(got) == len(codes):
                    break
            running = notifier.running
        return got, running

    got, running = asyncio.run(main())
    assert got == [M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK] * 1000
    assert running is True  # the break left the notifier to its with block


def test_async_for_ends_when_the_notifier_stops_after_the_last_event() -> None:
    async def main() -> list[int]:
        notifier = Notifier(ALL)
        notifier.start()
        stream = notifier.events(M.WTS_SESSION_LOGON)  # subscribed from here on
        post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)  # filtered out
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 2)
        post(notifier.hwnd, M.WTS_SESSION_LOGON, 3)
        call_in_thread(notifier.stop)  # queued after the events: they still come
        return [event.session_id async for event in stream]

    assert asyncio.run(main()) == [2, 3]


def test_a_slow_consumer_does_not_hold_the_pump_up() -> None:
    async def main() -> tuple[int, int]:
        async with Notifier(ALL) as notifier:
            on_pump = Collector()
            notifier.subscribe(on_pump)
            stream = notifier.events()
            post_later(notifier.hwnd, [M.WTS_SESSION_LOCK] * 200)
            first = await stream.__anext__()
            assert first.reason == M.WTS_SESSION_LOCK
            await asyncio.sleep(0)  # busy elsewhere; meanwhile the pump goes on
            delivered = await asyncio.get_running_loop().run_in_executor(
                None, lambda: len(on_pump.wait_for(200)))
            rest = 0
            async for _ in stream:
                rest += 1
                await asyncio.sleep(0.001)  # a slow consumer
                if rest == 199:
                    break
        return delivered, rest + 1

    delivered, consumed = asyncio.run(main())
    assert delivered == 200 and consumed == 200  # nothing lost on either side


def test_cancelling_the_consumer_stops_the_notifier_and_destroys_the_window() -> None:
    windows: list[int | None] = []
    subscriptions: list[int] = []

    async def consume(started: asyncio.Event) -> None:
        async with Notifier(ALL) as notifier:
            windows.append(notifier.hwnd)
            started.set()
            try:
                async for _ in notifier.events():
                    pass
            finally:
                subscriptions.append(len(notifier._subscriptions))

    async def main() -> Notifier | None:
        started = asyncio.Event()
        task = asyncio.create_task(consume(started))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return None

    asyncio.run(main())
    assert windows and windows[0] is not None
    assert not is_window(windows[0])  # torn down by the cancelled task's async with
    assert subscriptions == [0]  # the stream unsubscribed itself


def test_events_needs_a_running_notifier_and_a_running_loop() -> None:
    async def not_started() -> None:
        Notifier().events()

    with pytest.raises(RuntimeError, match="not running"):
        asyncio.run(not_started())
    with Notifier(ALL) as notifier:
        with pytest.raises(RuntimeError, match="iter_events"):
            notifier.events()
    with pytest.raises(ValueError, match="not a SessionNotificationMsg"):
        Notifier(ALL).events(0x55)


def test_aclose_ends_the_iteration_and_unsubscribes() -> None:
    async def main() -> list[SessionEvent]:
        async with Notifier(ALL) as notifier:
            stream = notifier.events()
            await stream.aclose()
            post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)
            assert notifier._subscriptions == ()
            return [event async for event in stream]

    assert asyncio.run(main()) == []


def test_the_streams_own_async_with_unsubscribes_on_the_way_out() -> None:
    from win32session import EventStream

    async def main() -> tuple[list[int], list[SessionEvent]]:
        async with Notifier(ALL) as notifier:
            got: list[int] = []
            async with notifier.events(M.WTS_SESSION_LOCK) as stream:
                assert isinstance(stream, EventStream)
                post(notifier.hwnd, M.WTS_SESSION_LOCK, 5)
                async for event in stream:
                    got.append(event.session_id)
                    break
                subscribed = len(notifier._subscriptions)
                assert subscribed == 1  # a break does not close it
            assert notifier._subscriptions == ()
            with pytest.raises(LookupError):
                async with notifier.events() as failing:
                    raise LookupError("the block fails")
            assert notifier._subscriptions == ()  # left by an exception too
            post(notifier.hwnd, M.WTS_SESSION_LOCK, 6)
            return got, [event async for event in failing]

    assert asyncio.run(main()) == ([5], [])


# --- for ---


def test_for_gets_every_event_and_ends_when_the_notifier_stops() -> None:
    notifier = Notifier(ALL)
    notifier.start()
    events = notifier.iter_events(M.WTS_SESSION_LOCK)
    for session_id in range(500):
        post(notifier.hwnd, M.WTS_SESSION_LOCK, session_id)
        post(notifier.hwnd, M.WTS_SESSION_UNLOCK, session_id)
    call_in_thread(notifier.stop)
    assert [event.session_id for event in events] == list(range(500))
    assert notifier._subscriptions == ()


def test_for_blocks_without_polling_until_an_event_comes() -> None:
    # Each thread's own CPU time (time.thread_time, GetThreadTimes on the
    # thread), so other threads and processes on a loaded machine count for
    # nothing: the reader's while it waits in the for, the pump's between
    # the event before the idle second and the one after it.
    pump_cpu: list[float] = []
    reader_cpu: list[float] = []
    got: list[SessionEvent] = []
    first_read = threading.Event()

    def read() -> None:
        got.append(next(events))
        first_read.set()
        cpu = time.thread_time()
        got.append(next(events))  # blocks through the idle second
        reader_cpu.append(time.thread_time() - cpu)

    with Notifier(ALL) as notifier, notifier.iter_events() as events:
        notifier.subscribe(lambda event: pump_cpu.append(time.thread_time()))  # pump thread
        reader = call_in_thread(read)
        post(notifier.hwnd, M.WTS_SESSION_UNLOCK, 3)
        assert first_read.wait(10)
        time.sleep(2.0)  # the idle time being measured
        assert len(got) == 1 and reader.is_alive()  # the for still waits
        post(notifier.hwnd, M.WTS_SESSION_UNLOCK, 4)
        reader.join(10)
        assert [e.session_id for e in got] == [3, 4]
    (reader_idle,) = reader_cpu
    pump_idle = pump_cpu[1] - pump_cpu[0]
    # Thread times advance by clock ticks (15.6 ms on Windows, 10 ms under
    # Wine): one tick is allowed. A thread polling every millisecond spends
    # 1 to 3 % of its time doing so, 40 ms or more in these 2 s.
    assert reader_idle < 0.02, f"{reader_idle:.3f} s of the reader's CPU in 2 s of waiting"
    assert pump_idle < 0.02, f"{pump_idle:.3f} s of the pump's CPU in 2 s of waiting"


def test_close_ends_the_for_and_gives_ctrl_c_back() -> None:
    from win32session._notifier import ctrl_c as _console

    with Notifier(ALL) as notifier:
        events = notifier.iter_events()
        assert isinstance(events, EventIterator)
        assert not _console._interrupt_handlers  # not waiting: Ctrl+C is Python's
        seen_waiting: list[int] = []

        def close_once_waiting() -> None:
            if wait_until(lambda: len(_console._interrupt_handlers) == 1):  # waiting: ours
                seen_waiting.append(1)
            events.close()  # from another thread: the waiting for ends

        closer = call_in_thread(close_once_waiting)
        got = list(events)  # on the main thread, the one Ctrl+C is for
        closer.join(10)
        assert seen_waiting == [1] and got == []
        assert not _console._interrupt_handlers
        assert notifier._subscriptions == ()
        assert list(events) == []


# --- Ctrl+C for a blocking for. Windows calls the console control handler on
# a thread of its own; these tests call it as Windows would, with the event
# code, and read its answer (TRUE: handled; FALSE: the next handler, Python's,
# raises KeyboardInterrupt in the main thread). Real presses: test_console.py.


def press_ctrl_c() -> bool:
    """What Windows does on Ctrl+C: calls the handler, on a thread of its own."""
    from win32session._win32 import kernel32
    from win32session._notifier import ctrl_c as _console

    answer: list[bool] = []
    call_in_thread(lambda: answer.append(_console._on_console_ctrl(kernel32.CTRL_C_EVENT))).join(10)
    (handled,) = answer
    return handled


def once_the_main_thread_waits(action: Callable[[], object]) -> threading.Thread:
    """Calls ``action()`` on another thread once an iterator waits on the main
    thread (its Ctrl+C handler registered); after 20 s regardless, so that a
    failure cannot leave the main thread waiting for ever."""
    from win32session._notifier import ctrl_c as _console

    def act() -> None:
        wait_until(lambda: bool(_console._interrupt_handlers))
        action()

    return call_in_thread(act)


def test_a_for_waiting_on_another_thread_leaves_ctrl_c_to_the_main_thread() -> None:
    from win32session._notifier import ctrl_c as _console

    with Notifier(ALL) as notifier:
        events = notifier.iter_events()
        got: list[SessionEvent] = []
        failed: list[BaseException] = []

        def read_two() -> None:
            try:
                for event in events:
                    got.append(event)
                    if len(got) == 2:
                        return
            except BaseException as exc:  # a KeyboardInterrupt here would be lost
                failed.append(exc)

        reader = call_in_thread(read_two)
        post(notifier.hwnd, M.WTS_SESSION_LOCK, 3)
        assert wait_until(lambda: len(got) == 1)
        # Python's handler comes next, as if nothing of ours were there.
        assert press_ctrl_c() is False
        assert not _console._interrupt_handlers
        post(notifier.hwnd, M.WTS_SESSION_UNLOCK, 3)
        reader.join(10)
        assert not reader.is_alive() and failed == []
        assert [e.reason for e in got] == [M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK]


def test_ctrl_c_while_the_main_thread_waits_raises_from_that_wait() -> None:
    with Notifier(ALL) as notifier:
        events = notifier.iter_events()
        from win32session._notifier import ctrl_c as _console

        answers: list[bool] = []

        def press() -> None:
            answers.append(press_ctrl_c())
            events.close()  # if the press was not ours, the wait ends all the same

        presser = once_the_main_thread_waits(press)
        with pytest.raises(KeyboardInterrupt):
            next(events)
        presser.join(10)
        assert answers == [True]  # ours: Python's handler does not run too
        assert not _console._interrupt_handlers
        assert list(events) == []  # closed by it


def test_ctrl_c_as_an_event_ends_the_wait_raises_now_never_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The press comes after the queue handed over an event but before the
    # wait lets go of Ctrl+C: Windows was told it was handled, so it is
    # raised from this __next__, and no marker is left to raise later.
    from win32session._notifier import ctrl_c as _console

    real_remove = _console.remove_interrupt_handler
    pressed: list[bool] = []

    def press_then_remove(handler: Callable[[], None]) -> bool:
        pressed.append(press_ctrl_c())
        return real_remove(handler)

    with Notifier(ALL) as notifier:
        events = notifier.iter_events()
        monkeypatch.setattr(_console, "remove_interrupt_handler", press_then_remove)
        poster = once_the_main_thread_waits(
            lambda: post(notifier.hwnd, M.WTS_SESSION_LOCK, 3))
        with pytest.raises(KeyboardInterrupt):
            next(events)
        poster.join(10)
        assert pressed == [True]
        monkeypatch.undo()
        post(notifier.hwnd, M.WTS_SESSION_UNLOCK, 3)
        assert list(events) == []  # closed: nothing surfaces later


def test_the_console_handler_is_added_once_and_never_under_our_lock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Windows holds its console lock while it calls the handlers, and
    # SetConsoleCtrlHandler takes it: calling it while holding the lock the
    # handler takes would deadlock on a Ctrl+C at that moment. So it is called
    # once per process, outside our lock, and removes it only at exit.
    # https://learn.microsoft.com/windows/console/setconsolectrlhandler
    from win32session._win32 import kernel32
    from win32session._notifier import ctrl_c as _console

    calls: list[tuple[object, bool, bool]] = []

    def recorded(routine: object, add: bool) -> int:
        calls.append((routine, bool(add), _console._interrupt_lock.locked()))
        return 1

    monkeypatch.setattr(kernel32, "SetConsoleCtrlHandler", recorded)
    monkeypatch.setattr(_console, "_installed", False)  # as in a new process
    with Notifier(ALL) as notifier:
        for _ in range(3):
            events = notifier.iter_events()
            poster = once_the_main_thread_waits(
                lambda: post(notifier.hwnd, M.WTS_SESSION_LOCK, 3))
            assert next(events).reason == M.WTS_SESSION_LOCK
            poster.join(10)
            events.close()
    assert calls == [(_console._CTRL_HANDLER_THUNK, True, False)]
    assert not _console._interrupt_handlers
    # At exit (atexit), before the thunk is freed with the module: removed once.
    _console._uninstall()
    _console._uninstall()
    assert calls[1:] == [(_console._CTRL_HANDLER_THUNK, False, False)]


def first_event(notifier: Notifier) -> tuple[SessionEvent, weakref.ref[EventIterator[Any]]]:
    """The first event of a ``for`` left half-way, as careless code does,
    and a weak reference to its iterator."""
    events: EventIterator[Any] = notifier.iter_events()
    iterator = weakref.ref(events)
    post(notifier.hwnd, M.WTS_SESSION_LOCK, 3)
    for event in events:
        return event, iterator
    raise AssertionError("the notifier stopped")


def test_a_for_left_half_way_gives_its_subscription_back() -> None:
    from win32session._notifier import ctrl_c as _console

    with Notifier(ALL) as notifier:
        event, iterator = first_event(notifier)
        assert (event.reason, event.session_id) == (M.WTS_SESSION_LOCK, 3)
        # Collected on return, and unsubscribed with it: no queue is left to
        # grow, whatever comes later.
        assert iterator() is None
        assert notifier._subscriptions == () and notifier._stream_ends == {}
        assert not _console._interrupt_handlers


def test_an_iterator_collected_while_the_lock_is_held_is_dropped_at_the_next_event() -> None:
    # The garbage collector may finalize an iterator on a thread that holds
    # the notifier's lock (a cycle collected mid-subscribe): it must neither
    # wait for that lock (a deadlock) nor keep the subscription for good.
    seen = Collector()
    with Notifier(ALL) as notifier:
        notifier.subscribe(seen)
        events = notifier.iter_events()
        with notifier._lock:
            del events  # collected here, lock held
        assert len(notifier._subscriptions) == 2  # not yet: the lock was taken
        post(notifier.hwnd, M.WTS_SESSION_UNLOCK, 4)
        seen.wait_for(1)
        assert [s.callback for s in notifier._subscriptions] == [seen]
        assert notifier._stream_ends == {}


def test_an_abandoned_async_for_gives_its_subscription_back() -> None:
    async def first(notifier: Notifier) -> SessionEvent:
        stream: EventStream[SessionEvent] = notifier.events()
        post(notifier.hwnd, M.WTS_SESSION_LOCK, 5)
        async for event in stream:
            return event
        raise AssertionError("the notifier stopped")

    async def main() -> tuple[int, tuple[object, ...]]:
        async with Notifier(ALL) as notifier:
            event = await first(notifier)
            return event.session_id, notifier._subscriptions

    assert asyncio.run(main()) == (5, ())


def test_iterating_inside_a_callback_raises_instead_of_deadlocking_the_pump() -> None:
    caught = Collector()
    notifier = Notifier(ALL, on_error=lambda exc, event: caught(exc))
    sync_seen: list[object] = []
    async_seen: list[object] = []

    @notifier.on(M.WTS_SESSION_LOCK)
    def iterate(event: SessionEvent) -> None:
        for later in notifier.iter_events():  # would wait on the thread that delivers
            sync_seen.append(later)

    @notifier.on(M.WTS_SESSION_UNLOCK)
    def iterate_async(event: SessionEvent) -> None:
        async def consume() -> None:
            async for later in notifier.events():
                async_seen.append(later)

        asyncio.run(consume())

    notifier.start()
    try:
        post(notifier.hwnd, M.WTS_SESSION_LOCK, 1)
        post(notifier.hwnd, M.WTS_SESSION_UNLOCK, 1)
        errors = caught.wait_for(2)
    finally:
        stopped = notifier.stop(10)
    assert stopped is True and not notifier.running
    assert [type(e) for e in errors] == [RuntimeError, RuntimeError]
    assert "inside a callback, on the pump thread" in str(errors[0])
    assert "Notifier.iter_events()" in str(errors[0])
    assert "Notifier.events()" in str(errors[1])
    assert sync_seen == async_seen == []
    # The two callbacks are left; the iterators are gone.
    assert [s.callback for s in notifier._subscriptions] == [iterate, iterate_async]


def test_iter_events_needs_a_running_notifier() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        Notifier().iter_events()
