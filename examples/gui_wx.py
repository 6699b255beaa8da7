"""A lock indicator in wxPython, served by wx's own message loop.

wx offers ``wx.CallAfter`` to bring a callback from another thread onto the
GUI thread; with ``Notifier.attach()`` there is no other thread: the
notifier's window is made on the thread that runs ``app.MainLoop()``, whose
loop dispatches its messages, so the callbacks run on the GUI thread and set
the frame's text themselves. Lock the screen (Win+L) to see it; close the
window to quit.

    python examples/gui_wx.py
"""

from __future__ import annotations

import threading

import wx

from win32session import Notifier, SessionEvent, SessionNotificationMsg

TITLE = "win32session: wx lock indicator"
LOCK = SessionNotificationMsg.WTS_SESSION_LOCK
UNLOCK = SessionNotificationMsg.WTS_SESSION_UNLOCK


def main() -> int:
    app = wx.App(False)
    frame = wx.Frame(None, title=TITLE, size=wx.Size(360, 140))
    text = wx.StaticText(frame, label="unlocked", style=wx.ALIGN_CENTRE_HORIZONTAL)
    text.SetFont(wx.Font(wx.FontInfo(20)))

    notifier = Notifier()  # this session's changes

    @notifier.on(LOCK, UNLOCK)
    def show(event: SessionEvent) -> None:
        # On wx's GUI thread: no wx.CallAfter needed.
        state = "locked" if event.reason == LOCK else "unlocked"
        text.SetLabel(state)
        when = event.timestamp.astimezone().strftime("%H:%M:%S")
        print(f"{when} {state} (session {event.session_id})  "
              f"[thread {threading.current_thread().name}]", flush=True)

    notifier.attach()  # after wx.App: its loop will serve the window
    try:
        frame.Show()
        print("watching this session; close the window to quit", flush=True)
        app.MainLoop()
    finally:
        notifier.detach()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
