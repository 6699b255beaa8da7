"""Events as iterators: ``async for`` on an asyncio loop, ``for`` in a thread.

What they carry is whatever their source pushes: a notifier's events, or a
presence tracker's states.

Both subscribe a callback that only hands the event on, to the loop with
``call_soon_threadsafe`` or to a queue, so the pump never waits for a consumer,
however slow, and nothing is dropped: the buffer between them is unbounded.
Both end after the last event of the notifier's run. Neither polls.
"""

from __future__ import annotations

import queue
import sys
from collections.abc import Callable, Hashable
from types import TracebackType
from typing import TYPE_CHECKING, Final, Generic, Protocol, TypeVar, cast

if TYPE_CHECKING:
    import asyncio

__all__ = ["EventStream", "EventIterator"]

_T = TypeVar("_T")

#: Queued after the last event of a run.
_END: Final = object()
#: Queued by Ctrl+C for a blocking iterator.
_INTERRUPTED: Final = object()

Push = Callable[[_T], None]


class _Source(Protocol):
    """What a stream needs of its source (a notifier, a presence tracker)."""

    def _open_stream(
        self, push: Push[object], end: Callable[[], None], reasons: frozenset[Hashable] | None
    ) -> None: ...
    def _close_stream(self, push: Push[object]) -> None: ...


class EventStream(Generic[_T]):
    """The notifier's events for ``async for``, bridged to the event loop it
    was created on. Made by :meth:`Notifier.events`.

    Subscribed from creation, so no event is lost before the first
    ``__anext__``. Ends (``StopAsyncIteration``) after the notifier's last
    event, or at once after :meth:`aclose`. Cancelling the task that awaits it
    closes it.
    """

    def __init__(self, source: _Source, reasons: frozenset[Hashable] | None) -> None:
        import asyncio  # here: importing it costs more than the rest of the package

        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "Notifier.events() is for coroutines (async for); "
                "use Notifier.iter_events() in plain code"
            ) from None
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._source = source
        self._open = True
        source._open_stream(self._push, self._end, reasons)

    def _push(self, event: object) -> None:
        # On the pump thread: hand the event to the loop and return at once.
        self._post(event)

    def _end(self) -> None:
        self._post(_END)

    def _post(self, item: object) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:
            pass  # the loop is closed: nobody is left to read it

    def __aiter__(self) -> EventStream[_T]:
        return self

    async def __anext__(self) -> _T:
        if not self._open:
            raise StopAsyncIteration
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
            self._source._close_stream(self._push)

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
    last event, or after :meth:`close`. While it is open, Ctrl+C (and
    Ctrl+Break) raises ``KeyboardInterrupt`` from the waiting ``for``, which a
    thread blocked on a queue would otherwise never see on Windows.
    """

    def __init__(self, source: _Source, reasons: frozenset[Hashable] | None) -> None:
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._source = source
        self._open = True
        source._open_stream(self._push, self._end, reasons)
        if sys.platform == "win32":
            from . import _console

            try:
                _console.add_interrupt_handler(self._interrupt)
            except BaseException:
                self.close()
                raise

    def _push(self, event: object) -> None:
        self._queue.put(event)

    def _end(self) -> None:
        self._queue.put(_END)

    def _interrupt(self) -> None:
        self._queue.put(_INTERRUPTED)

    def __iter__(self) -> EventIterator[_T]:
        return self

    def __next__(self) -> _T:
        if not self._open:
            raise StopIteration
        item = self._queue.get()
        if item is _END:
            self.close()
            raise StopIteration
        if item is _INTERRUPTED:
            self.close()
            raise KeyboardInterrupt
        return cast("_T", item)

    def close(self) -> None:
        """Unsubscribes, and gives Ctrl+C back; the iteration ends."""
        if self._open:
            self._open = False
            self._source._close_stream(self._push)
            if sys.platform == "win32":
                from . import _console

                _console.remove_interrupt_handler(self._interrupt)

    def __enter__(self) -> EventIterator[_T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
