"""``win32session watch``: one line per event until Ctrl+C, or until a line
cannot be written."""

from __future__ import annotations

import json
import sys

from .._codes import NotifyType
from .._events import Event
from .._notifier.notifier import Notifier
from .output import LineOutput, OutputError, ReaderGone
from .records import event_record, format_event

__all__ = ["watch"]


def watch(
    scope: NotifyType,
    as_json: bool,
    output: str | None,
    power: bool = False,
    ending: bool = False,
) -> int:
    """Writes each event until Ctrl+C, or until a line cannot be written:
    then the run ends after a clean teardown, and the OutputError is raised
    (one line, naming the destination), unless stdout's reader went away,
    which ends it quietly with 0."""
    with LineOutput(output) as out:
        notifier = Notifier(scope, details=True, power=power, ending=ending)
        failed: list[OutputError] = []

        def write(event: Event) -> None:
            # On the pump thread, inside the window procedure: a session-ending
            # line is written and flushed before Windows gets its answer (and
            # may end this process right after WM_ENDSESSION).
            if failed:
                return  # the run is ending: no line goes anywhere after a lost one
            line = json.dumps(event_record(event)) if as_json else format_event(event)
            try:
                out.write_line(line)
            except OutputError as exc:
                failed.append(exc)
                notifier.stop()  # from a callback: the pump ends when it returns

        notifier.subscribe(write)
        extra = [name for name, wanted in (("power", power), ("session ending", ending))
                 if wanted]
        what = f" with {' and '.join(extra)} events" if extra else ""
        verb = "writing to" if out.pipe else "appending to"
        where = f"; {verb} {output}" if output else ""
        try:
            notifier.run(on_ready=lambda: print(
                f"watching {scope.name}{what}{where}; Ctrl+C to stop", file=sys.stderr,
                flush=True))
        except KeyboardInterrupt:
            pass
    if failed and not isinstance(failed[0], ReaderGone):
        raise failed[0]
    return 0
