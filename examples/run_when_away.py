"""Run heavy work only while nobody is using this machine, and never while
it goes to sleep.

A job (here, hashing chunks of data, a stand-in for your own work) runs while
:class:`PresenceTracker` says this session is away: locked, the user not
present, or the display off. It pauses, between two chunks, as soon as the
user is back; and before the machine sleeps or the session ends, the job is
paused before Windows gets its answer (Windows waits about two seconds for
``PBT_APMSUSPEND``). After the resume it runs on if the session is still away,
from the chunk where it stopped.

The job itself says when it really pauses and resumes. The tracker's own
notifier watches the session ending too, which takes a hidden top-level
window (under Wine, an X display).

    python examples/run_when_away.py
"""

from __future__ import annotations

import hashlib
import threading

from win32session import Presence, PresenceTracker

CHUNKS = 100_000
#: How long a pause may wait for the chunk in progress: Windows gives an
#: application about two seconds to handle PBT_APMSUSPEND.
PAUSE_WAIT_SECONDS = 1.5


class Job:
    """Work cut into chunks, run on its own thread while allowed."""

    def __init__(self) -> None:
        self.done = 0
        self._allowed = False
        self._working = False  # between "running from" and "paused after"
        self._changed = threading.Condition()
        threading.Thread(target=self._work, daemon=True).start()

    def _work(self) -> None:
        data = bytes(1 << 20)
        while self.done < CHUNKS:
            with self._changed:
                if not self._allowed:
                    if self._working:
                        print(f"  job paused after {self.done} chunks", flush=True)
                    self._working = False
                    self._changed.notify_all()  # pause() waits for this
                    self._changed.wait_for(lambda: self._allowed)  # no CPU while paused
                if not self._working:
                    self._working = True
                    print(f"  job running from chunk {self.done}", flush=True)
            hashlib.sha256(data + self.done.to_bytes(8, "little")).digest()
            self.done += 1
            if self.done % 1000 == 0:
                print(f"  {self.done} chunks done", flush=True)
        print("job finished", flush=True)

    def resume(self) -> None:
        with self._changed:
            self._allowed = True
            self._changed.notify_all()

    def pause(self) -> None:
        """Stops the job before its next chunk, and returns once it has."""
        with self._changed:
            self._allowed = False
            self._changed.wait_for(lambda: not self._working, PAUSE_WAIT_SECONDS)


def may_run(presence: Presence) -> bool:
    """Nobody is using the session, and it is neither asleep nor ending."""
    return presence.away and not presence.asleep and not presence.ending


def main() -> int:
    job = Job()
    tracker = PresenceTracker()  # this session: lock, presence, display, sleep, ending

    @tracker.on_change
    def changed(presence: Presence) -> None:
        # On the notifier's thread, before Windows gets its answer.
        print(presence, flush=True)
        if may_run(presence):
            job.resume()
        else:
            job.pause()

    def ready() -> None:
        # Seeded: the lock state where Windows says (on Windows, the power
        # settings' first values follow at once, each a change).
        print(f"waiting for this session to be away; now {tracker.state}; Ctrl+C to stop",
              flush=True)
        if may_run(tracker.state):
            job.resume()

    try:
        tracker.run(on_ready=ready)
    except KeyboardInterrupt:
        job.pause()
        print(f"stopped after {job.done} chunks", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
