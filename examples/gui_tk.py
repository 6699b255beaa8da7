"""A lock and away indicator in Tkinter, served by Tk's own message loop.

``Notifier.attach()`` makes the notifier's window on the thread that runs
``root.mainloop()``: Tk's loop dispatches its messages, so the tracker's hook
runs on the GUI thread and may change the label itself, with no queue, timer
or thread of ours. Each change is also printed, with the thread it ran on.
Lock the screen (Win+L) or leave the machine idle to see it; close the window
to quit.

    python examples/gui_tk.py
"""

from __future__ import annotations

import threading
import tkinter

from win32session import Notifier, Presence, PresenceTracker

TITLE = "win32session: Tk presence"
COLOURS = {"in use": "#2e7d32", "locked": "#b71c1c", "away": "#ef6c00"}


def describe(presence: Presence) -> str:
    if presence.locked:
        return "locked"
    return "away" if presence.away else "in use"


def main() -> int:
    root = tkinter.Tk()
    root.title(TITLE)
    label = tkinter.Label(root, width=24, font=("Segoe UI", 20), fg="white")
    label.pack(padx=24, pady=24)

    notifier = Notifier(power=True)  # power: presence and the display too
    tracker = PresenceTracker(notifier)

    @tracker.on_change
    def show(presence: Presence) -> None:
        # On Tk's thread: widgets may be touched right here.
        text = describe(presence)
        label.config(text=text, bg=COLOURS[text])
        print(f"{text}: {presence}  [thread {threading.current_thread().name}]", flush=True)

    notifier.attach()  # after Tk(): the thread that will run mainloop()
    try:
        show(tracker.state)
        print("watching this session; close the window to quit", flush=True)
        root.mainloop()
    finally:
        notifier.detach()  # on this thread, before it runs no loop any more
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
