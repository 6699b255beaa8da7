"""Count the time this session is really in use.

Time counts while :class:`PresenceTracker` says "in use": unlocked, the user
present, the display on, awake and not ending. A line says each change, with
the time in use so far; the total (in seconds, to a tenth) is printed when
the session ends (logoff, shutdown or restart: printed and flushed before
Windows gets its answer, since Windows may end the process right after) or
on Ctrl+C.

The tracker's notifier watches the session ending, which takes a hidden
top-level window (under Wine, an X display).

    python examples/time_tracker.py
"""

from __future__ import annotations

import threading
import time

from win32session import Presence, PresenceTracker, SessionEnding, SessionEndingEvent


class InUseClock:
    """Seconds in use, summed between changes (monotonic time, so a change of
    the wall clock neither adds nor loses any)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = 0.0
        self._since: float | None = None  # when the current in-use stretch began

    def update(self, in_use: bool) -> None:
        with self._lock:
            now = time.monotonic()
            if self._since is not None:
                self._total += now - self._since
            self._since = now if in_use else None

    def total(self) -> float:
        with self._lock:
            running = time.monotonic() - self._since if self._since is not None else 0.0
            return self._total + running


def main() -> int:
    clock = InUseClock()
    tracker = PresenceTracker()  # this session: lock, presence, display, sleep, ending

    @tracker.on_change
    def changed(presence: Presence) -> None:
        clock.update(not presence.away)
        print(f"{presence}  ({clock.total():.1f} s in use so far)", flush=True)

    @tracker.notifier.on(SessionEnding.WM_ENDSESSION)
    def session_ends(event: SessionEndingEvent) -> None:
        if event.ending:  # Windows may end this process once we return
            print(f"session ending ({event.reason_text}): in use for {clock.total():.1f} s",
                  flush=True)

    def ready() -> None:
        clock.update(not tracker.state.away)
        print("counting the time this session is in use; Ctrl+C to stop", flush=True)
        print(f"{tracker.state}  (0.0 s in use so far)", flush=True)

    try:
        tracker.run(on_ready=ready)
    except KeyboardInterrupt:
        print(f"stopped: in use for {clock.total():.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
