"""An audit trail of every session on the machine, as JSON Lines.

Appends one JSON object per session event, for every session, to a file
(``audit.jsonl`` unless another is named), flushing each line so that a crash
loses nothing already written: when, what, which session, who (asked of
Windows as the event arrives, with ``details=True``) and from which client.
It reads the events with a plain ``for`` loop (``Notifier.iter_events``),
which Ctrl+C ends.

    python examples/audit_log.py [FILE]
"""

from __future__ import annotations

import json
import sys

from win32session import Notifier, NotifyType, SessionEvent


def record(event: SessionEvent) -> dict[str, object]:
    info = event.info
    return {
        "time": event.timestamp.isoformat(),
        "event": event.reason_name,
        "session_id": event.session_id,
        "user": info.user_name if info else None,
        "domain": info.domain if info else None,
        "client": info.client_name if info else None,
        "station": info.station_name if info else None,
    }


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "audit.jsonl"
    with open(path, "a", encoding="utf-8") as log:  # append: keep the history
        with Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS, details=True) as notifier:
            events = notifier.iter_events()  # subscribed from here: nothing is missed
            print(f"auditing every session into {path}; Ctrl+C to stop", flush=True)
            try:
                for event in events:
                    log.write(json.dumps(record(event)) + "\n")
                    log.flush()
                    print(f"{event.reason_name} session {event.session_id}", flush=True)
            except KeyboardInterrupt:
                pass
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
