"""A notifier hosted by the test's own message loop (``Notifier.attach``),
and a window of the test's own decoding its messages (``MessageDecoder``).

The loop is what every GUI toolkit runs on its GUI thread, written with
ctypes: ``GetMessageW``/``DispatchMessageW`` on the test's main thread until
``WM_QUIT``; no toolkit is needed. Windows's part is simulated as
tests/support.py says: session changes are posted to the window from another
thread, power and session-ending messages sent (so they are handled inside the
main thread's ``GetMessageW``), each ``POWERBROADCAST_SETTING`` scribbled over
once its send returns.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from support import (
    call_in_thread,
    dword,
    is_window,
    own_session,
    post,
    power_setting_buffer,
    send_ending,
    send_power,
    send_power_setting,
)

from win32session import (
    WM_POWERBROADCAST,
    WM_WTSSESSION_CHANGE,
    EndSessionFlags,
    MessageDecoder,
    MonitorDisplayState,
    Notifier,
    PowerBroadcast,
    PowerEvent,
    PowerSetting,
    PresenceTracker,
    SessionEnding,
    SessionEndingEvent,
    SessionEvent,
    SessionNotificationMsg,
    UserActivityPresence,
)

pytestmark = pytest.mark.windows

if sys.platform == "win32":
    from win32session._win32 import kernel32, user32, wtsapi32
    from win32session._notifier import pump as _pump
else:
    _pump: Any = None  # the tests that use them skip there
    kernel32: Any = None
    user32: Any = None
    wtsapi32: Any = None

M = SessionNotificationMsg
P = PowerBroadcast
S = PowerSetting
WM_QUIT = 0x0012


@pytest.fixture(autouse=True)
def destroyed_only_by_their_thread(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Windows's rule: DestroyWindow fails on a thread that did not create
    the window (Wine 8.0 too answers ERROR_ACCESS_DENIED then).
    https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-destroywindow
    The notifier only logs a failed DestroyWindow, and on a window already
    gone with its thread the error differs; so every window made meanwhile is
    noted with its thread, and any attempt from another thread is refused
    here and fails the test."""
    if sys.platform != "win32":
        yield
        return
    creators: dict[int, int] = {}
    refused: list[tuple[int, int]] = []
    create, destroy = user32.CreateWindowExW, user32.DestroyWindow

    def strict_create(*args: Any) -> int:
        hwnd = int(create(*args))
        creators[hwnd] = threading.get_ident()
        return hwnd

    def strict_destroy(hwnd: int) -> int:
        if creators.get(hwnd, threading.get_ident()) != threading.get_ident():
            refused.append((hwnd, threading.get_ident()))
            raise ctypes.WinError(5)  # ERROR_ACCESS_DENIED
        return int(destroy(hwnd))

    monkeypatch.setattr(user32, "CreateWindowExW", strict_create)
    monkeypatch.setattr(user32, "DestroyWindow", strict_destroy)
    yield
    assert refused == [], "DestroyWindow called on a thread that did not create the window"


def pump_until_quit(timeout: float = 60.0) -> int:
    """The GUI program's message loop, on this thread, until WM_QUIT; returns
    its exit code (the ``wParam``). A watchdog posts WM_QUIT after ``timeout``
    seconds, so that a notifier that never delivers fails the test instead of
    hanging it."""
    assert sys.platform == "win32"
    thread_id = threading.get_native_id()  # GetCurrentThreadId
    finished = threading.Event()
    gave_up = threading.Event()

    def watchdog() -> None:
        if not finished.wait(timeout):
            gave_up.set()
            user32.PostThreadMessageW(thread_id, WM_QUIT, 0, 0)

    msg = user32.MSG()
    # The queue exists before the watchdog may post to it.
    user32.PeekMessageW(ctypes.byref(msg), None, 0, 0, 0)
    dog = call_in_thread(watchdog)
    try:
        while user32.GetMessageW(ctypes.byref(msg), None, 0, 0):
            user32.DispatchMessageW(ctypes.byref(msg))
    finally:
        finished.set()
        dog.join()
    assert not gave_up.is_set(), f"the loop was still waiting after {timeout} s"
    return int(msg.wParam)


def quit_loop() -> None:
    """What a GUI program does to end its loop: PostQuitMessage on its thread."""
    assert sys.platform == "win32"
    user32.PostQuitMessage(0)


def test_a_plain_message_loop_serves_an_attached_notifier() -> None:
    gui_thread = threading.get_ident()
    session = own_session()
    notifier = Notifier()
    seen: list[tuple[Any, int]] = []

    @notifier.on(M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK)
    def on_change(event: SessionEvent) -> None:
        seen.append((event.reason, threading.get_ident()))
        if event.reason == M.WTS_SESSION_UNLOCK:
            # From its own callback: it ends once this returns, before WM_QUIT.
            assert notifier.detach() is False
            assert notifier.running
            quit_loop()

    threads_before = set(threading.enumerate())
    notifier.attach()
    hwnd = notifier.hwnd
    assert notifier.running and is_window(hwnd)
    assert set(threading.enumerate()) == threads_before  # no thread of ours
    assert "hwnd=" in repr(notifier)

    def session_manager() -> None:
        post(hwnd, M.WTS_SESSION_LOCK, session)
        post(hwnd, M.WTS_SESSION_UNLOCK, session)

    call_in_thread(session_manager).join()
    pump_until_quit()
    assert seen == [(M.WTS_SESSION_LOCK, gui_thread), (M.WTS_SESSION_UNLOCK, gui_thread)]
    assert not notifier.running and notifier.hwnd is None
    assert not is_window(hwnd)  # destroyed on this thread, by the loop's WM_STOP
    assert notifier.detach() is True  # nothing left to end


def test_power_ending_and_presence_on_the_gui_thread() -> None:
    gui_thread = threading.get_ident()
    session = own_session()
    notifier = Notifier(power=True, ending=True)
    tracker = PresenceTracker(notifier)
    events: list[tuple[Any, int]] = []
    changes: list[int] = []
    notifier.subscribe(lambda event: events.append((event, threading.get_ident())))
    tracker.on_change(lambda presence: changes.append(threading.get_ident()))
    answers: dict[str, int] = {}

    @notifier.on(M.WTS_SESSION_UNLOCK)
    def last(event: SessionEvent) -> None:
        quit_loop()

    notifier.attach()
    hwnd = notifier.hwnd
    assert tracker.state.locked is not True

    def windows() -> None:
        # Each send returns once the main thread's loop has handled it.
        answers["suspend"] = send_power(hwnd, P.PBT_APMSUSPEND.code)
        answers["resume"] = send_power(hwnd, P.PBT_APMRESUMEAUTOMATIC.code)
        answers["presence"] = send_power_setting(
            hwnd, S.GUID_SESSION_USER_PRESENCE.value,
            dword(UserActivityPresence.PowerUserInactive))
        answers["query"] = send_ending(
            hwnd, SessionEnding.WM_QUERYENDSESSION.code, 0, EndSessionFlags.ENDSESSION_LOGOFF)
        answers["end"] = send_ending(
            hwnd, SessionEnding.WM_ENDSESSION.code, 0, EndSessionFlags.ENDSESSION_LOGOFF)
        post(hwnd, M.WTS_SESSION_LOCK, session)
        post(hwnd, M.WTS_SESSION_UNLOCK, session)

    sender = call_in_thread(windows)
    pump_until_quit()
    sender.join()
    assert answers == {"suspend": 1, "resume": 1, "presence": 1, "query": 1, "end": 0}
    assert {thread for _, thread in events} == {gui_thread}
    assert set(changes) == {gui_thread} and len(changes) >= 5
    # Windows (not Wine) also sends each setting's first value after
    # registration, before the test's: the settings are checked apart.
    kinds = [getattr(e, "reason", None) or getattr(e, "kind", None) for e, _ in events
             if getattr(e, "setting", None) is None]
    assert kinds == [P.PBT_APMSUSPEND, P.PBT_APMRESUMEAUTOMATIC,
                     SessionEnding.WM_QUERYENDSESSION, SessionEnding.WM_ENDSESSION,
                     M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK]
    presence = [e for e, _ in events if getattr(e, "setting", None) == S.GUID_SESSION_USER_PRESENCE]
    assert presence[-1].value == UserActivityPresence.PowerUserInactive
    assert tracker.state.user_present is False and tracker.state.locked is False

    # A message queued when the loop has ended is still delivered by detach(),
    # on this thread, before the window goes.
    post(hwnd, M.WTS_SESSION_LOCK, session)
    assert notifier.stop() is True  # on the GUI thread, stop() is detach()
    assert events[-1][0].reason == M.WTS_SESSION_LOCK and events[-1][1] == gui_thread
    assert tracker.state.locked is True
    assert not notifier.running and not is_window(hwnd)


def test_detach_leaves_the_programs_wm_quit_to_its_loop() -> None:
    """A program that ends its loop (PostQuitMessage) and then detaches:
    detach() takes the window's own messages from the queue with PeekMessageW
    filtered on the window, which hands out WM_QUIT whatever the filter
    (PeekMessage's page; ReactOS co_IntPeekMessage). The loop must still get
    it, with its exit code, once the window's messages are delivered."""
    if sys.platform != "win32":
        pytest.skip("needs the Win32 API")
    notifier = Notifier()
    seen: list[Any] = []
    notifier.subscribe(lambda event: seen.append(event.reason))
    notifier.attach()
    hwnd = notifier.hwnd
    post(hwnd, M.WTS_SESSION_LOCK, own_session())  # queued for the window
    user32.PostQuitMessage(7)  # the program ends its loop, then detaches
    assert notifier.detach() is True
    assert seen == [M.WTS_SESSION_LOCK] and not is_window(hwnd)
    assert pump_until_quit(timeout=10) == 7  # the loop's WM_QUIT is still there


def test_only_the_gui_thread_may_end_it() -> None:
    """detach() elsewhere is refused; stop() elsewhere posts the stop and
    returns False at once, and the GUI thread's loop tears it down."""
    gui_thread = threading.get_ident()
    notifier = Notifier()
    ended: list[tuple[BaseException | None, int]] = []

    def finished(error: BaseException | None) -> None:
        ended.append((error, threading.get_ident()))
        quit_loop()

    notifier._add_finished_listener(finished)
    notifier.attach()
    hwnd = notifier.hwnd
    refusals: list[BaseException] = []
    answers: list[bool] = []

    def elsewhere() -> None:
        try:
            notifier.detach()
        except RuntimeError as exc:
            refusals.append(exc)
        answers.append(notifier.stop())

    call_in_thread(elsewhere).join()
    assert len(refusals) == 1
    assert "call detach()" in str(refusals[0]) and "wx.CallAfter" in str(refusals[0])
    assert answers == [False]  # asked, not done: only this thread may destroy it
    assert notifier.running and is_window(hwnd) and ended == []
    with pytest.raises(RuntimeError, match="already running|still stopping"):
        notifier.attach()
    pump_until_quit()  # the loop takes the posted stop and tears it down here
    assert ended == [(None, gui_thread)]
    assert not notifier.running and not is_window(hwnd)
    assert notifier.detach() is True and notifier.stop() is True


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """For what no handle of ours signals: Windows destroying the windows of
    a thread as it ends, a moment after Python's join() has returned."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen in {timeout} s"
        time.sleep(0.01)


def attach_on_a_thread_that_ends(notifier: Notifier) -> int:
    """attach() on a thread whose loop (and the thread) ends without
    detach(); returns the window, once Windows has destroyed it."""
    made: list[int | None] = []

    def short_lived_gui_thread() -> None:
        notifier.attach()
        made.append(notifier.hwnd)

    call_in_thread(short_lived_gui_thread).join()
    assert len(made) == 1 and made[0] is not None, "attach() failed on the thread"
    wait_until(lambda: not is_window(made[0]), "Windows destroying the ended thread's window")
    return made[0]


def test_a_notifier_whose_thread_ended_without_detach_is_cleaned_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Windows destroys a thread's windows when it ends (no other thread
    may), so the notifier is not running any more: stop() from another thread
    undoes the rest and returns True, and the notifier may start again."""
    notifier = Notifier(power=True, ending=True)
    tracker = PresenceTracker(notifier)
    ended: list[tuple[BaseException | None, int]] = []
    notifier._add_finished_listener(
        lambda error: ended.append((error, threading.get_ident())))
    hwnd = attach_on_a_thread_that_ends(notifier)
    assert notifier.running and ended == []  # nothing has told it yet
    with caplog.at_level(logging.WARNING, logger="win32session"):
        assert notifier.stop() is True
    assert ended == [(None, threading.get_ident())]  # the run's end, told here
    assert not notifier.running and notifier.hwnd is None
    assert hwnd not in _pump._pumps_by_hwnd  # forgotten by the window procedure
    assert any("ended without detach()" in r.getMessage() for r in caplog.records)
    assert notifier.stop() is True and notifier.detach() is True  # nothing left

    seen: list[Any] = []
    notifier.on(M.WTS_SESSION_LOCK)(seen.append)
    notifier.start()
    try:
        assert notifier.hwnd != hwnd
        post(notifier.hwnd, M.WTS_SESSION_LOCK, own_session())
    finally:
        assert notifier.stop(timeout=30) is True
    assert [event.reason for event in seen] == [M.WTS_SESSION_LOCK]
    assert tracker.state.locked is True


def test_a_recycled_window_handle_is_not_taken_for_the_notifiers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fake: Windows recycles window handles, so once the GUI thread has
    ended, the notifier's handle may name another thread's window (IsWindow
    true). Playing that, GetWindowThreadProcessId answers another thread for
    it: the window is gone all the same, and stop() must not post to it."""
    if sys.platform != "win32":
        pytest.skip("needs the Win32 API")
    notifier = Notifier()
    hwnd = attach_on_a_thread_that_ends(notifier)
    # Another thread's window (this one's) that the handle now names.
    other = user32.CreateWindowExW(0, "STATIC", "recycled", 0, 0, 0, 0, 0,
                                   user32.HWND_MESSAGE, None, None, None)
    real_owner, real_is_window = user32.GetWindowThreadProcessId, user32.IsWindow
    posted: list[int] = []
    real_post = user32.PostMessageW

    def post_message(target: int, *args: Any) -> int:
        posted.append(target)
        return int(real_post(target, *args))

    monkeypatch.setattr(user32, "GetWindowThreadProcessId",
                        lambda handle, pid: real_owner(other if handle == hwnd else handle, pid))
    monkeypatch.setattr(user32, "IsWindow",
                        lambda handle: real_is_window(other if handle == hwnd else handle))
    monkeypatch.setattr(user32, "PostMessageW", post_message)
    try:
        assert notifier.stop() is True
        assert hwnd not in posted and not notifier.running
    finally:
        user32.DestroyWindow(other)


def test_attach_again_after_a_thread_ended_without_detach() -> None:
    notifier = Notifier()
    ended: list[BaseException | None] = []
    notifier._add_finished_listener(ended.append)
    attach_on_a_thread_that_ends(notifier)
    notifier.attach()  # no stop() first: what was left is undone now
    try:
        assert ended == [None] and notifier.running and is_window(notifier.hwnd)
    finally:
        assert notifier.detach() is True
    assert ended == [None, None]


@pytest.mark.parametrize("how", ["attach", "start"])
def test_a_callback_that_runs_a_nested_loop_is_re_entered(how: str) -> None:
    """What the docs warn of: a callback that runs a modal loop (a message
    box, a dialog: the test's own GetMessageW loop stands for it) dispatches
    the window's next message meanwhile, so the next callback runs before the
    first has returned, on the same thread: the GUI thread's, or start()'s
    pump thread."""
    if sys.platform != "win32":
        pytest.skip("needs the Win32 API")
    notifier = Notifier()
    order: list[tuple[str, int]] = []
    done = threading.Event()

    @notifier.on(M.WTS_SESSION_LOCK, M.WTS_SESSION_UNLOCK)
    def callback(event: SessionEvent) -> None:
        name = M(event.reason).name
        order.append((f"enter {name}", threading.get_ident()))
        if event.reason == M.WTS_SESSION_LOCK:
            msg = user32.MSG()
            while not done.is_set() and user32.GetMessageW(ctypes.byref(msg), None, 0, 0):
                user32.DispatchMessageW(ctypes.byref(msg))
        order.append((f"exit {name}", threading.get_ident()))
        if event.reason == M.WTS_SESSION_UNLOCK:
            done.set()
        elif how == "attach":
            quit_loop()

    if how == "attach":
        notifier.attach()
    else:
        notifier.start()
    try:
        post(notifier.hwnd, M.WTS_SESSION_LOCK, own_session())
        post(notifier.hwnd, M.WTS_SESSION_UNLOCK, own_session())
        if how == "attach":
            pump_until_quit()
        else:
            assert done.wait(30), "the second event never came"
    finally:
        assert notifier.stop(timeout=30) is True
    assert [step for step, _ in order] == [
        "enter WTS_SESSION_LOCK", "enter WTS_SESSION_UNLOCK",
        "exit WTS_SESSION_UNLOCK", "exit WTS_SESSION_LOCK"]
    assert len({thread for _, thread in order}) == 1


def test_a_thread_that_cannot_pump_is_refused() -> None:
    notifier = Notifier()

    async def in_asyncio() -> None:
        notifier.attach()

    with pytest.raises(RuntimeError, match="asyncio's .* dispatches none: use start"):
        asyncio.run(in_asyncio())
    assert not notifier.running

    # On a threaded notifier's pump thread, from its callback.
    threaded = Notifier()
    refused: list[BaseException] = []

    @threaded.on(M.WTS_SESSION_LOCK)
    def try_attach(event: SessionEvent) -> None:
        try:
            notifier.attach()
        except RuntimeError as exc:
            refused.append(exc)
        threaded.stop()

    threaded.start()
    post(threaded.hwnd, M.WTS_SESSION_LOCK, own_session())
    assert threaded.stop(timeout=30)
    assert len(refused) == 1 and "own pump thread" in str(refused[0])
    assert not notifier.running

    started = Notifier()
    started.start()
    try:
        with pytest.raises(RuntimeError, match="started, not attached"):
            started.detach()
    finally:
        started.stop()


def test_a_callback_that_raises_keyboardinterrupt_ends_it_on_the_gui_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notifier = Notifier()
    ended: list[tuple[BaseException | None, int]] = []

    @notifier.on(M.WTS_SESSION_LOCK)
    def interrupted(event: SessionEvent) -> None:
        raise KeyboardInterrupt

    def finished(error: BaseException | None) -> None:
        ended.append((error, threading.get_ident()))
        quit_loop()

    notifier._add_finished_listener(finished)
    notifier.attach()
    hwnd = notifier.hwnd
    post(hwnd, M.WTS_SESSION_LOCK, own_session())
    with caplog.at_level(logging.ERROR, logger="win32session"):
        pump_until_quit()
    assert len(ended) == 1
    error, thread = ended[0]
    assert isinstance(error, KeyboardInterrupt) and thread == threading.get_ident()
    assert not notifier.running and not is_window(hwnd)
    assert any("pump ended by KeyboardInterrupt" in r.getMessage() for r in caplog.records)


def test_waiting_for_remote_desktop_services_leaves_the_toolkits_messages_queued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fake: WTSRegisterSessionNotification fails once with
    RPC_S_INVALID_BINDING, as right after boot (Wine's never fails), and the
    test plays Remote Desktop Services by making Global\\TermSrvReadyEvent,
    set. attach() waits for it on the GUI thread, and must not take the
    toolkit's messages from the queue meanwhile: its loop would never see
    them (WM_QUIT among them)."""
    if sys.platform != "win32":
        pytest.skip("needs the Win32 API")
    real = wtsapi32.WTSRegisterSessionNotification
    attempts: list[int] = []

    def flaky(hwnd: int, flags: int) -> int:
        attempts.append(hwnd)
        if len(attempts) == 1:
            raise ctypes.WinError(wtsapi32.RPC_S_INVALID_BINDING)
        return int(real(hwnd, flags))

    monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", flaky)
    ready = kernel32.CreateEventW(None, True, True, "Global\\TermSrvReadyEvent")
    toolkits = 0x8000 + 77  # WM_APP + 77: a message of the GUI program's own
    msg = user32.MSG()
    try:
        user32.PostThreadMessageW(threading.get_native_id(), toolkits, 1, 2)
        notifier = Notifier(register_timeout=30)
        notifier.attach()
    finally:
        kernel32.CloseHandle(ready)
    try:
        assert len(attempts) == 2 and notifier.running
        assert user32.PeekMessageW(ctypes.byref(msg), None, toolkits, toolkits,
                                   user32.PM_REMOVE)
        assert (msg.message, msg.wParam, msg.lParam) == (toolkits, 1, 2)
    finally:
        assert notifier.detach() is True


class NotReadyYet:
    """Fake: WTSRegisterSessionNotification fails with RPC_S_INVALID_BINDING
    (1702), as right after boot (Wine's never fails), until the test plays
    Remote Desktop Services and sets Global\\TermSrvReadyEvent, which it
    makes unset. ``waiting`` is set as attach() enters its wait for the
    event (so what the test does next finds it blocked there), with the
    window that attach() made in ``hwnd``."""

    ready: int
    waiting: threading.Event
    hwnd: int
    attempts: int
    is_ready: bool
    timed_out: bool

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        if sys.platform != "win32":
            pytest.skip("needs the Win32 API")
        self.ready = kernel32.CreateEventW(None, True, False, "Global\\TermSrvReadyEvent")
        self.waiting = threading.Event()
        self.hwnd = 0
        self.attempts = 0
        self.is_ready = False
        #: Whether a wait ran out of time (the test's 20 s are far too many).
        self.timed_out = False
        real = wtsapi32.WTSRegisterSessionNotification

        def not_ready_yet(hwnd: int, flags: int) -> int:
            self.attempts += 1
            self.hwnd = hwnd
            if not self.is_ready:
                raise ctypes.WinError(wtsapi32.RPC_S_INVALID_BINDING)
            return int(real(hwnd, flags))

        real_wait = user32.MsgWaitForMultipleObjects

        def waiting(*args: Any) -> int:
            self.waiting.set()
            result = int(real_wait(*args))
            self.timed_out = self.timed_out or result == WAIT_TIMEOUT
            return result

        monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", not_ready_yet)
        monkeypatch.setattr(user32, "MsgWaitForMultipleObjects", waiting)

    def make_ready(self) -> None:
        self.is_ready = True
        kernel32.SetEvent(self.ready)

    def close(self) -> None:
        kernel32.CloseHandle(self.ready)


WAIT_TIMEOUT = 0x102
TOOLKITS = 0x8000 + 77  # WM_APP + 77: a message of the GUI program's own


def post_toolkits_message() -> None:
    user32.PostThreadMessageW(threading.get_native_id(), TOOLKITS, 1, 2)


def toolkits_message_still_queued() -> bool:
    msg = user32.MSG()
    return bool(user32.PeekMessageW(ctypes.byref(msg), None, TOOLKITS, TOOLKITS,
                                    user32.PM_REMOVE)) and (msg.wParam, msg.lParam) == (1, 2)


def test_the_boot_time_wait_answers_sent_messages_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While attach() waits for Remote Desktop Services, a message sent to
    the GUI thread (Windows's WM_QUERYENDSESSION: a process without a visible
    window that leaves it unanswered for 5 s is ended) is answered at once,
    and the toolkit's posted message stays queued for its loop. The sender
    sets the ready event only after its answer came, so a wait that leaves
    sent messages alone ends by register_timeout instead: 1702 raised."""
    if sys.platform != "win32":
        pytest.skip("needs the Win32 API")
    boot = NotReadyYet(monkeypatch)
    answers: list[int] = []

    def windows() -> None:
        boot.waiting.wait()
        answers.append(send_ending(boot.hwnd, SessionEnding.WM_QUERYENDSESSION.code, 0,
                                   EndSessionFlags.ENDSESSION_LOGOFF))
        boot.make_ready()

    notifier = Notifier(ending=True, register_timeout=20)
    queries: list[int] = []
    notifier.on(SessionEnding.WM_QUERYENDSESSION)(lambda e: queries.append(threading.get_ident()))
    try:
        post_toolkits_message()
        sender = call_in_thread(windows)
        notifier.attach()
        sender.join()
    finally:
        boot.close()
    try:
        assert answers == [1] and queries == [threading.get_ident()]
        assert not boot.timed_out
        assert notifier.running and boot.attempts >= 2
        assert toolkits_message_still_queued()
    finally:
        assert notifier.detach() is True


@pytest.mark.parametrize("where", ["another thread", "a callback"])
def test_a_stop_ends_the_boot_time_wait_at_once(
    monkeypatch: pytest.MonkeyPatch, where: str,
) -> None:
    """stop() from another thread, or detach() from a callback during the
    wait (a sent message's), ends attach()'s wait for Remote Desktop Services
    at once: attach() returns, not running, and raises nothing; the wait
    never runs out of time (the event is never set). The stop comes while
    the thread is blocked in the wait, where nothing posted wakes it."""
    if sys.platform != "win32":
        pytest.skip("needs the Win32 API")
    boot = NotReadyYet(monkeypatch)
    notifier = Notifier(ending=True, register_timeout=20)
    stopped: list[bool] = []

    def windows() -> None:
        boot.waiting.wait()
        if where == "another thread":
            stopped.append(notifier.stop())
        else:
            send_ending(boot.hwnd, SessionEnding.WM_QUERYENDSESSION.code, 0, 0)

    notifier.on(SessionEnding.WM_QUERYENDSESSION)(lambda e: stopped.append(notifier.detach()))
    try:
        post_toolkits_message()
        sender = call_in_thread(windows)
        notifier.attach()
        sender.join()
    finally:
        boot.close()
    assert stopped == [False]  # not done yet: the GUI thread finishes it
    assert not boot.timed_out, "the stop did not end the wait: its time ran out"
    assert not notifier.running and notifier.hwnd is None
    assert not is_window(boot.hwnd)
    assert toolkits_message_still_queued()
    assert notifier.detach() is True


def test_a_registration_error_is_raised_by_attach_and_undone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if sys.platform != "win32":
        pytest.skip("needs the Win32 API")
    # Fake: Wine's registration never fails; this one is denied.
    def denied(hwnd: int, flags: int) -> int:
        raise ctypes.WinError(5)

    made: list[int] = []
    real_create = user32.CreateWindowExW

    def create(*args: Any) -> int:
        made.append(real_create(*args))
        return made[-1]

    monkeypatch.setattr(wtsapi32, "WTSRegisterSessionNotification", denied)
    monkeypatch.setattr(user32, "CreateWindowExW", create)
    notifier = Notifier()
    with pytest.raises(OSError) as raised:
        notifier.attach()
    assert raised.value.winerror == 5
    assert len(made) == 1 and not is_window(made[0])  # destroyed on the way out
    assert not notifier.running and notifier.hwnd is None
    assert notifier.detach() is True


# --- The own-window way: MessageDecoder in a window procedure of the test's. ---


class OwnWindow:
    """A message-only window of the test's, the C# way: its procedure hands
    every message to a MessageDecoder, keeps the events, and answers what the
    decoder says."""

    def __init__(self, decoder: MessageDecoder) -> None:
        assert sys.platform == "win32"
        self.decoder = decoder
        self.events: list[Any] = []
        # Windows holds the thunk's address while the class exists: keep it.
        self._thunk = user32.WNDPROC(self._procedure)
        hinstance = kernel32.GetModuleHandleW(None)
        self._class = f"win32session.test.OwnWindow.{id(self)}"
        window_class = user32.WNDCLASSEXW()
        window_class.cbSize = ctypes.sizeof(user32.WNDCLASSEXW)
        window_class.lpfnWndProc = self._thunk
        window_class.hInstance = hinstance
        window_class.lpszClassName = self._class
        user32.RegisterClassExW(ctypes.byref(window_class))
        self.hwnd = user32.CreateWindowExW(
            0, self._class, "own", 0, 0, 0, 0, 0, user32.HWND_MESSAGE, None, hinstance, None)
        self._hinstance = hinstance

    def _procedure(self, hwnd: int, msg: int, wparam: int, lparam: int) -> int:
        assert sys.platform == "win32"
        event = self.decoder.decode(msg, wparam, lparam)
        if event is not None:
            self.events.append(event)
        answer = self.decoder.answer(msg)
        if answer is not None:
            return answer
        return int(user32.DefWindowProcW(hwnd, msg, wparam, lparam))

    def send(self, msg: int, wparam: int, lparam: int) -> int:
        assert sys.platform == "win32"
        return int(user32.SendMessageW(self.hwnd, msg, wparam, lparam))

    def close(self) -> None:
        assert sys.platform == "win32"
        user32.DestroyWindow(self.hwnd)
        user32.UnregisterClassW(self._class, self._hinstance)


@pytest.fixture
def own_window() -> Any:
    window = OwnWindow(MessageDecoder())
    yield window
    window.close()


def test_the_decoder_turns_every_session_message_into_its_event(own_window: OwnWindow) -> None:
    codes = [*M, 0x42]
    for number, code in enumerate(codes):
        assert own_window.send(WM_WTSSESSION_CHANGE, int(code), 100 + number) == 0
    assert [(e.reason, e.session_id) for e in own_window.events] == [
        (code, 100 + number) for number, code in enumerate(codes)]
    assert all(isinstance(e, SessionEvent) and e.info is None for e in own_window.events)
    assert isinstance(own_window.events[-1].reason, int)  # unknown: passed on, not dropped
    # The session id is the low 32 bits, unsigned, of a pointer-sized lParam.
    own_window.send(WM_WTSSESSION_CHANGE, M.WTS_SESSION_LOCK, -1)
    assert own_window.events[-1].session_id == 0xFFFFFFFF


def test_the_decoder_copies_power_settings_before_windows_frees_them(
    own_window: OwnWindow,
) -> None:
    for kind in (P.PBT_APMSUSPEND, P.PBT_APMRESUMESUSPEND, P.PBT_APMPOWERSTATUSCHANGE,
                 P.PBT_APMRESUMEAUTOMATIC):
        assert own_window.send(WM_POWERBROADCAST, kind.code, 0) == 1  # TRUE: granted
    values = {
        S.GUID_SESSION_USER_PRESENCE: UserActivityPresence.PowerUserPresent,
        S.GUID_SESSION_DISPLAY_STATUS: MonitorDisplayState.PowerMonitorDim,
        S.GUID_CONSOLE_DISPLAY_STATE: MonitorDisplayState.PowerMonitorOff,
        S.GUID_GLOBAL_USER_PRESENCE: UserActivityPresence.PowerUserInactive,
        S.GUID_ACDC_POWER_SOURCE: 1,
        S.GUID_BATTERY_PERCENTAGE_REMAINING: 42,
        S.GUID_POWER_SAVING_STATUS: 1,
        S.GUID_ENERGY_SAVER_STATUS: 2,
    }
    for setting, value in values.items():
        # support.send_power_setting scribbles 0xEE over the buffer after the send.
        assert send_power_setting(own_window.hwnd, setting.value, dword(value)) == 1
    send_power_setting(own_window.hwnd, S.GUID_SESSION_USER_PRESENCE.value,
                       dword(UserActivityPresence.PowerUserInactive))
    unknown = "01234567-89ab-cdef-0123-456789abcdef"
    send_power_setting(own_window.hwnd, unknown, b"\x01\x02\x03\x04\x05")
    events = own_window.events
    assert all(isinstance(e, PowerEvent) for e in events)
    assert [e.kind for e in events[:4]] == [
        P.PBT_APMSUSPEND, P.PBT_APMRESUMESUSPEND, P.PBT_APMPOWERSTATUSCHANGE,
        P.PBT_APMRESUMEAUTOMATIC]
    settings = events[4:]
    assert [(e.setting, e.value, e.data, e.initial) for e in settings[:len(values)]] == [
        (setting, value, dword(value), True) for setting, value in values.items()]
    again = settings[len(values)]
    assert (again.setting, again.value, again.initial) == (
        S.GUID_SESSION_USER_PRESENCE, UserActivityPresence.PowerUserInactive, False)
    assert (settings[-1].setting, settings[-1].value, settings[-1].data) == (
        unknown, None, b"\x01\x02\x03\x04\x05")


def test_the_decoder_copies_the_setting_while_the_send_lasts() -> None:
    """A window that kept lParam and decoded it after the send returned would
    read what Windows left there (here: 0xEE): the decoder must run inside
    the window procedure, and the event must own its bytes."""
    if sys.platform != "win32":
        pytest.skip("needs the Win32 API")
    decoder = MessageDecoder()
    buffer = power_setting_buffer(S.GUID_SESSION_DISPLAY_STATUS.value,
                                  dword(MonitorDisplayState.PowerMonitorOn))
    event = decoder.decode(WM_POWERBROADCAST, P.PBT_POWERSETTINGCHANGE.code,
                           ctypes.addressof(buffer))
    ctypes.memset(buffer, 0xEE, len(buffer))
    assert isinstance(event, PowerEvent)
    assert (event.setting, event.value, event.data) == (
        S.GUID_SESSION_DISPLAY_STATUS, MonitorDisplayState.PowerMonitorOn,
        dword(MonitorDisplayState.PowerMonitorOn))


def test_the_decoder_turns_the_session_ending_into_its_events(own_window: OwnWindow) -> None:
    flags = EndSessionFlags.ENDSESSION_LOGOFF | EndSessionFlags.ENDSESSION_CRITICAL
    assert own_window.send(SessionEnding.WM_QUERYENDSESSION.code, 0, flags) == 1  # may end
    assert own_window.send(SessionEnding.WM_ENDSESSION.code, 1, flags) == 0
    assert own_window.send(SessionEnding.WM_ENDSESSION.code, 0, 0) == 0
    events = own_window.events
    assert all(isinstance(e, SessionEndingEvent) for e in events)
    assert [(e.kind, e.flags, e.ending) for e in events] == [
        (SessionEnding.WM_QUERYENDSESSION, flags, None),
        (SessionEnding.WM_ENDSESSION, flags, True),
        (SessionEnding.WM_ENDSESSION, EndSessionFlags(0), False),
    ]


def test_the_decoder_leaves_other_messages_alone(own_window: OwnWindow) -> None:
    wm_null, wm_app = 0x0000, 0x8000
    assert own_window.decoder.decode(wm_null, 0, 0) is None
    assert own_window.decoder.decode(wm_app, 1, 2) is None
    assert own_window.decoder.answer(wm_app) is None
    own_window.send(wm_app, 0, 0)  # to DefWindowProcW
    assert own_window.events == []
    assert own_window.decoder.messages == {
        WM_WTSSESSION_CHANGE, WM_POWERBROADCAST, SessionEnding.WM_QUERYENDSESSION.code,
        SessionEnding.WM_ENDSESSION.code}


def test_the_decoder_reads_details_on_arrival() -> None:
    if sys.platform != "win32":
        pytest.skip("needs the Win32 API")
    session = own_session()
    decoder = MessageDecoder(details=True)
    assert decoder.details
    event = decoder.decode(WM_WTSSESSION_CHANGE, M.WTS_SESSION_LOGON, session)
    assert isinstance(event, SessionEvent)
    plain = MessageDecoder().decode(WM_WTSSESSION_CHANGE, M.WTS_SESSION_LOGON, session)
    assert isinstance(plain, SessionEvent) and plain.info is None
    assert event.info is not None and event.info.session_id == session
    with pytest.raises(TypeError, match="details must be True or False"):
        not_a_bool: Any = 1
        MessageDecoder(details=not_a_bool)

