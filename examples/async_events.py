"""Session events in an asyncio program.

``async with Notifier()`` starts the notifier without blocking the event loop,
and ``async for event in notifier.events()`` receives each event on the loop,
handed over with ``call_soon_threadsafe``: no polling, nothing lost, and a
slow coroutine never holds up the pump. Here a second task keeps working
alongside, and Ctrl+C cancels both; leaving the ``async with`` destroys the
window.

    python examples/async_events.py
"""

from __future__ import annotations

import asyncio

from win32session import Notifier, NotifyType


async def watch() -> None:
    async with Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS, details=True) as notifier:
        events = notifier.events()  # subscribed from here: nothing is missed
        print("watching every session; Ctrl+C to stop", flush=True)
        async for event in events:
            who = event.info.account if event.info and event.info.account else "?"
            print(f"{event.reason_name} session {event.session_id} {who}", flush=True)


async def other_work() -> None:
    """Stands for the rest of an asyncio program: it keeps running."""
    while True:  # noqa: ASYNC110 (a stand-in for real periodic work)
        await asyncio.sleep(3600)


async def main() -> None:
    await asyncio.gather(watch(), other_work())


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("stopped", flush=True)
