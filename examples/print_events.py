"""Every session event, by name: the WinForms sample of Win32SessionChangesNotifier
as a console program.

The C# sample registers its form's window with WTSRegisterSessionNotification
and shows the SessionNotificationMsg name of each WM_WTSSESSION_CHANGE. Here a
win32session.Notifier owns the window and its pump, and each event is printed
with its time and session until Ctrl+C. Lock the screen (Win+L), switch
users or connect over Remote Desktop to see them.

    python examples/print_events.py                 # this session
    python examples/print_events.py --all-sessions  # every session
"""

from __future__ import annotations

import sys

from win32session import Notifier, NotifyType, SessionEvent


def main() -> int:
    everyone = "--all-sessions" in sys.argv[1:]
    scope = NotifyType.NOTIFY_FOR_ALL_SESSIONS if everyone else NotifyType.NOTIFY_FOR_THIS_SESSION
    notifier = Notifier(scope)

    @notifier.on()  # every event, unknown codes too
    def show(event: SessionEvent) -> None:
        when = event.timestamp.astimezone().strftime("%H:%M:%S")
        print(f"{when}  {event.reason_name}  (session {event.session_id})", flush=True)

    try:
        notifier.run(on_ready=lambda: print(f"listening ({scope.name}); Ctrl+C to stop",
                                            flush=True))
    except KeyboardInterrupt:
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
