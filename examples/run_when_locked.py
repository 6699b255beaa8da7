"""Run heavy work only while nobody is at the machine.

The original reason for watching session changes: "run heavy processes when
the computer is not in use". A job (here, hashing chunks of data, a stand-in
for your own work) runs while this session is locked and pauses as soon as it
is unlocked, between two chunks, resuming where it stopped at the next lock.
If Windows says the session is already locked at start, it starts at once.

    python examples/run_when_locked.py
"""

from __future__ import annotations

import hashlib
import threading

from win32session import (
    Notifier,
    SessionEvent,
    current_session_id,
    session_info,
)
from win32session import (
    SessionNotificationMsg as M,
)

CHUNKS = 100_000


class Job:
    """Work cut into chunks, run on its own thread while allowed."""

    def __init__(self) -> None:
        self.allowed = threading.Event()
        self.done = 0
        self._thread = threading.Thread(target=self._work, daemon=True)
        self._thread.start()

    def _work(self) -> None:
        data = bytes(1 << 20)
        while self.done < CHUNKS:
            if not self.allowed.is_set():
                if self.done:
                    print(f"  job paused after {self.done} chunks", flush=True)
                self.allowed.wait()  # blocks, without CPU, while paused
                print(f"  job running from chunk {self.done}", flush=True)
            hashlib.sha256(data + self.done.to_bytes(8, "little")).digest()
            self.done += 1
            if self.done % 1000 == 0:
                print(f"  {self.done} chunks done", flush=True)
        print("job finished", flush=True)

    def resume(self) -> None:
        print("locked", flush=True)
        self.allowed.set()

    def pause(self) -> None:
        print("unlocked", flush=True)
        self.allowed.clear()  # the job stops before its next chunk


def main() -> int:
    job = Job()
    notifier = Notifier()  # this session's events

    @notifier.on(M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK)
    def lock_changed(event: SessionEvent) -> None:
        if event.reason == M.WTS_SESSION_LOCK:
            job.resume()
        else:
            job.pause()

    def ready() -> None:
        print("waiting for this session to lock; Ctrl+C to stop", flush=True)
        try:
            if session_info(current_session_id()).locked:
                job.resume()
        except (LookupError, OSError):
            pass  # Windows did not say: wait for the next lock

    try:
        notifier.run(on_ready=ready)
    except KeyboardInterrupt:
        job.allowed.clear()
        print(f"stopped after {job.done} chunks", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
