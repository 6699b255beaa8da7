"""Users online: the console twin of ASP.NET's Session_OnStart/Session_OnEnd sample.

The ASP.NET sample keeps ``Application["UsersOnline"]`` by adding one in
Session_OnStart and taking one away in Session_OnEnd. This program does the
same for the users logged on to this Windows machine, with
``win32session.SessionTracker``: it prints who is online when it starts, then a
line each time a user logs on or off, with the new count, until Ctrl+C.

    python examples/users_online.py
"""

from __future__ import annotations

import datetime

from win32session import SessionInfo, SessionTracker


def users(count: int) -> str:
    return f"{count} user{'' if count == 1 else 's'} online"


def main() -> int:
    tracker = SessionTracker()  # follows every session on the machine

    def show(what: str, info: SessionInfo) -> None:
        now = datetime.datetime.now().astimezone().strftime("%H:%M:%S")
        who = info.account or "(unknown user)"
        print(f"{now}  {what:<10} {who} (session {info.session_id}): "
              f"{users(tracker.count)}", flush=True)

    tracker.on_start(lambda info: show("logged on", info))
    tracker.on_end(lambda info: show("logged off", info))

    def ready() -> None:
        for info in tracker.sessions.values():
            print(f"  {info.account} (session {info.session_id})")
        print(f"{users(tracker.count)}; Ctrl+C to stop", flush=True)

    try:
        tracker.run(on_ready=ready)  # seeds from Windows, then follows events
    except KeyboardInterrupt:
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
