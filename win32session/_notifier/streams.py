"""Events as iterators: ``async for`` on an asyncio loop, ``for`` in a thread.

What they carry is whatever their source pushes: a notifier's events, or a
presence tracker's states.

Both subscribe a small inbox that only hands the event on, to the loop with
``call_soon_threadsafe`` or to a queue, so the pump never waits for a consumer,
however slow, and nothing is dropped: the buffer between them is unbounded.
Both end after the last event of the notifier's run. Neither polls.

The source holds the inbox, never the iterator: an iterator abandoned
half-way (``for e in n.iter_events(): return e``) is collected as soon as
nobody refers to it, and its collection unsubscribes the inbox, which then
drops whatever still comes. A blocking iterator holds its Ctrl+C handler
only while it waits.
"""

from __future__ import annotations

import queue
import sys
import weakref
from collections.abc import Callable, Hashable
from types import TracebackType
from typing import Generic, Protocol, TypeVar, cast

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

if TYPE_CHECKING:
    import asyncio

__all__ = ["EventStream", "EventIterator"]

_T = TypeVar("_T")

#: Queued after the last event of a run.
_END: Final = object()
#: Queued by Ctrl+C to wake a blocking iterator; only a closed one is left
#: holding it.
_INTERRUPTED: Final = object()

Push = Callable[[_T], None]


class _Source(Protocol):
    """What a stream needs of its source (a notifier, a presence tracker)."""

    def _open_stream(
        self, push: Push[object], end: Callable[[], None], reasons: frozenset[Hashable] | None
    ) -> None: ...
    def _close_stream(self, push: Push[object]) -> None: ...
    def _drop_stream(self, push: Push[object]) -> None:
        """``_close_stream`` for the garbage collector: it may run on any
        thread, one holding the source's locks among them, so it never
        waits for a lock."""
    def _on_pump_thread(self) -> bool: ...


class _Inbox:
    """What the source calls: hands each item to ``put`` until closed.

    It refers to the queue, never to the iterator, so that the source's
    subscription does not keep an abandoned iterator alive."""

    __slots__ = ("_put", "open")

    def __init__(self, put: Callable[[object], object]) -> None:
        self._put = put
        self.open = True

    def __call__(self, item: object) -> None:
        if self.open:
            self._put(item)

    def end(self) -> None:
        self(_END)

    def interrupt(self) -> None:
        self(_INTERRUPTED)


def _abandoned(source: _Source, inbox: _Inbox) -> None:
    # The iterator was collected without being closed: nobody reads the
    # inbox any more, so it drops what still comes until it is unsubscribed.
    inbox.open = False
    source._drop_stream(inbox)


def _refuse_pump_thread(source: _Source, what: str) -> None:
    """RuntimeError on the pump thread: waiting there for the next event
    would wait for ever, since only that thread delivers it."""
    if source._on_pump_thread():
        raise RuntimeError(
            f"{what} was iterated inside a callback, on the pump thread that delivers "
            "its events: it would wait for ever and hold the pump up. Iterate it on "
            "another thread, or handle the event in the callback itself")


class EventStream(Generic[_T]):
    """The notifier's events for ``async for``, bridged to the event loop it
    was created on. Made by :meth:`Notifier.events`.

    Subscribed from creation, so no event is lost before the first
    ``__anext__``. Ends (``StopAsyncIteration``) after the notifier's last
    event, or at once after :meth:`aclose`. Cancelling the task that awaits it
    closes it, and so does its collection when abandoned. Iterating it on the
    pump thread (inside a callback) raises RuntimeError.
    """

    def __init__(self, source: _Source, reasons: frozenset[Hashable] | None) -> None:
        import asyncio  # here: importing it costs more than the rest of the package

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "Notifier.events() is for coroutines (async for); "
                "use Notifier.iter_events() in plain code"
            ) from None
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        put = self._queue.put_nowait

        def post(item: object) -> None:
            # On the pump thread: hand the item to the loop and return at once.
            try:
                loop.call_soon_threadsafe(put, item)
            except RuntimeError:
                pass  # the loop is closed: nobody is left to read it

        self._source = source
        self._inbox = _Inbox(post)
        self._open = True
        source._open_stream(self._inbox, self._inbox.end, reasons)
        self._collected = weakref.finalize(self, _abandoned, source, self._inbox)
        self._collected.atexit = False

    def __aiter__(self) -> EventStream[_T]:
        return self

    async def __anext__(self) -> _T:
        if not self._open:
            raise StopAsyncIteration
        _refuse_pump_thread(self._source, "Notifier.events()")
        try:
            item = await self._queue.get()
        except BaseException:  # cancelled: this consumer is gone
            self._close()
            raise
        if item is _END:
            self._close()
            raise StopAsyncIteration
        return cast("_T", item)

    def _close(self) -> None:
        if self._open:
            self._open = False
            self._inbox.open = False
            self._collected.detach()
            self._source._close_stream(self._inbox)

    async def aclose(self) -> None:
        """Unsubscribes; the iteration ends."""
        self._close()

    async def __aenter__(self) -> EventStream[_T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._close()


class EventIterator(Generic[_T]):
    """The notifier's events for a plain ``for`` loop, which blocks while it
    waits. Made by :meth:`Notifier.iter_events`.

    Subscribed from creation. Ends (``StopIteration``) after the notifier's
    last event, or after :meth:`close`; an iterator abandoned half-way is
    closed when it is collected. While it waits for an event on the main
    thread, and only then, Ctrl+C (and Ctrl+Break) raises ``KeyboardInterrupt``
    from the waiting ``for``, which a thread blocked on a queue would otherwise
    never see on Windows; on any other thread Ctrl+C stays Python's
    (``KeyboardInterrupt`` in the main thread) and the ``for`` goes on waiting.
    Iterating it on the pump thread (inside a callback) raises RuntimeError.
    """

    def __init__(self, source: _Source, reasons: frozenset[Hashable] | None) -> None:
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._source = source
        self._inbox = _Inbox(self._queue.put)
        self._open = True
        source._open_stream(self._inbox, self._inbox.end, reasons)
        self._collected = weakref.finalize(self, _abandoned, source, self._inbox)
        self._collected.atexit = False

    def __iter__(self) -> EventIterator[_T]:
        return self

    def __next__(self) -> _T:
        if not self._open:
            raise StopIteration
        _refuse_pump_thread(self._source, "Notifier.iter_events()")
        try:
            item = self._queue.get_nowait()
        except queue.Empty:
            item = self._wait()
        if item is _END:
            self.close()
            raise StopIteration
        return cast("_T", item)

    def _wait(self) -> object:
        """The next item, blocking; Ctrl+C is ours only meanwhile, and only
        on the main thread (elsewhere it is Python's: KeyboardInterrupt in
        the main thread, while this thread goes on waiting)."""
        if sys.platform != "win32":
            return self._queue.get()
        from . import ctrl_c as _console

        interrupt = self._inbox.interrupt
        _console.add_interrupt_handler(interrupt)
        try:
            item = self._queue.get()
        finally:
            # Once removed, no press reaches this iterator. One that came
            # meanwhile (its wake-up marker, or an event at the same instant,
            # was read) was taken from Python: it is raised now, and the iterator
            # is closed, so a marker still queued is never read: nothing
            # raises on a later __next__.
            pressed = _console.remove_interrupt_handler(interrupt)
            if pressed:
                self.close()
        if pressed:
            raise KeyboardInterrupt
        return item

    def close(self) -> None:
        """Unsubscribes; the iteration ends (a thread waiting in it wakes
        and ends too)."""
        if self._open:
            self._open = False
            self._inbox.open = False
            self._collected.detach()
            self._source._close_stream(self._inbox)
            self._queue.put(_END)

    def __enter__(self) -> EventIterator[_T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
