"""A window that says whether this session is in use or away, in Qt
(PySide6, or PyQt5 where PySide6 is not installed).

``Notifier.attach()``, called once the ``QApplication`` exists, makes the
notifier's window on the GUI thread, and Qt's event loop (``app.exec()``)
dispatches its messages: ``PresenceTracker``'s hook runs on the GUI thread
and sets the label itself. No ``QTimer`` polls and no signal crosses threads.
Lock the screen (Win+L) or leave the machine idle to see it; close the window
to quit.

    python examples/gui_qt.py
"""

from __future__ import annotations

import sys
import threading

try:
    from PySide6 import QtCore, QtWidgets

    BINDING = "PySide6"
except ImportError:
    from PyQt5 import QtCore, QtWidgets

    BINDING = "PyQt5"

from win32session import Notifier, Presence, PresenceTracker

TITLE = "win32session: Qt presence"


def main() -> int:
    app = QtWidgets.QApplication(sys.argv)
    label = QtWidgets.QLabel()
    label.setWindowTitle(TITLE)
    label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
    label.setMinimumSize(320, 120)
    label.setStyleSheet("font-size: 24pt; color: white;")

    notifier = Notifier(power=True)  # power: presence and the display too
    tracker = PresenceTracker(notifier)

    @tracker.on_change
    def show(presence: Presence) -> None:
        # On Qt's GUI thread: widgets may be touched right here.
        text = "away" if presence.away else "in use"
        label.setText(text)
        colour = "#ef6c00" if presence.away else "#2e7d32"
        label.setStyleSheet(f"font-size: 24pt; color: white; background: {colour};")
        print(f"{text}: {presence}  [thread {threading.current_thread().name}]", flush=True)

    notifier.attach()  # after QApplication: its loop will serve the window
    try:
        show(tracker.state)
        label.show()
        print(f"watching this session with {BINDING}; close the window to quit", flush=True)
        # PySide6 and PyQt5 5.15 both have exec(); older PyQt5 only exec_().
        status = app.exec() if hasattr(app, "exec") else app.exec_()
    finally:
        notifier.detach()
    print("stopped", flush=True)
    return int(status)


if __name__ == "__main__":
    raise SystemExit(main())
