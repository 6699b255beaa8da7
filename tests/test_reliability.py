"""The reliability suite: abuse, on a real notifier (Windows, or Windows
CPython under Wine). Sized so that CI stays well inside its time; pass
``--reliability-scale 10`` (or more) for longer runs.

What Wine 8.0 answers for resource counts, checked below rather than assumed:
GetGuiResources gives 0 USER and 0 GDI objects, GetProcessHandleCount gives 0
handles, and GetProcessMemoryInfo leaves PrivateUsage at 0 but fills
PagefileUsage (the commit charge, which on Windows is the same number). So
handles are also counted by asking GetHandleInformation about each possible
handle value (it fails for a value that names no handle), USER-object leaks
are caught by the windows and classes themselves, and memory by tracemalloc
and PagefileUsage.
"""

from __future__ import annotations

import functools
import gc
import itertools
import random
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable

import pytest
from support import Collector, call_in_thread, is_window, post, under_wine

from win32session import Notifier, NotifyType, SessionEvent, SessionNotificationMsg

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)

import ctypes  # noqa: E402
from ctypes import wintypes  # noqa: E402

from win32session._win32 import kernel32, user32  # noqa: E402

M = SessionNotificationMsg
ALL = NotifyType.NOTIFY_FOR_ALL_SESSIONS

# Resource counters, for these tests only (the package needs none of them).
_user32 = ctypes.WinDLL("user32", use_last_error=True)
_kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
_user32.GetGuiResources.argtypes = (wintypes.HANDLE, wintypes.DWORD)
_user32.GetGuiResources.restype = wintypes.DWORD
_kernel32.GetCurrentProcess.restype = wintypes.HANDLE
_kernel32.GetProcessHandleCount.argtypes = (wintypes.HANDLE, wintypes.LPDWORD)
_kernel32.GetProcessHandleCount.restype = wintypes.BOOL
# https://learn.microsoft.com/windows/win32/api/handleapi/nf-handleapi-gethandleinformation
_kernel32.GetHandleInformation.argtypes = (wintypes.HANDLE, wintypes.LPDWORD)
_kernel32.GetHandleInformation.restype = wintypes.BOOL
_user32.GetClassInfoExW.argtypes = (wintypes.HINSTANCE, wintypes.LPCWSTR,
                                    ctypes.POINTER(user32.WNDCLASSEXW))
_user32.GetClassInfoExW.restype = wintypes.BOOL


class _MemoryCounters(ctypes.Structure):
    _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD)] + [
        (name, ctypes.c_size_t)
        for name in ("PeakWorkingSetSize", "WorkingSetSize", "QuotaPeakPagedPoolUsage",
                     "QuotaPagedPoolUsage", "QuotaPeakNonPagedPoolUsage",
                     "QuotaNonPagedPoolUsage", "PagefileUsage", "PeakPagefileUsage",
                     "PrivateUsage")
    ]


_kernel32.K32GetProcessMemoryInfo.argtypes = (wintypes.HANDLE, ctypes.POINTER(_MemoryCounters),
                                              wintypes.DWORD)
_kernel32.K32GetProcessMemoryInfo.restype = wintypes.BOOL
GR_GDIOBJECTS, GR_USEROBJECTS = 0, 1


def user_objects() -> int:
    return int(_user32.GetGuiResources(_kernel32.GetCurrentProcess(), GR_USEROBJECTS))


def handle_count() -> int:
    count = wintypes.DWORD()
    assert _kernel32.GetProcessHandleCount(_kernel32.GetCurrentProcess(), ctypes.byref(count))
    return count.value


def open_handles() -> int:
    """This process's handles, counted one by one: the values that
    GetHandleInformation accepts. Handle values are multiples of 4, given out
    lowest free first (Windows and Wine alike), so the count stops after 1,024
    free values in a row."""
    flags = wintypes.DWORD()
    count, free_in_a_row, value = 0, 0, 4
    while free_in_a_row < 1024:
        if _kernel32.GetHandleInformation(value, ctypes.byref(flags)):
            count, free_in_a_row = count + 1, 0
        else:
            free_in_a_row += 1
        value += 4
    return count


def commit_charge() -> int:
    counters = _MemoryCounters()
    counters.cb = ctypes.sizeof(counters)
    assert _kernel32.K32GetProcessMemoryInfo(_kernel32.GetCurrentProcess(),
                                             ctypes.byref(counters), counters.cb)
    return int(counters.PagefileUsage)


def class_exists(name: str) -> bool:
    info = user32.WNDCLASSEXW()
    info.cbSize = ctypes.sizeof(info)
    return bool(_user32.GetClassInfoExW(kernel32.GetModuleHandleW(None), name, ctypes.byref(info)))


def post_retrying(hwnd: int | None, code: int, lparam: int) -> None:
    """Posts at full speed; when the queue is full (10,000 messages), waits a
    moment for the pump to drain it and tries again."""
    while True:
        try:
            post(hwnd, code, lparam)
            return
        except OSError:
            time.sleep(0.0005)


# --- Start and stop, again and again. ---


def test_start_stop_cycles_leak_no_window_class_or_handle(scale: float) -> None:
    """Checked on every platform: each window destroyed, each window class
    unregistered (USER objects both), and no handle kept (counted one by
    one). Where Windows counts them itself, the process's USER objects and
    handles too; Wine answers 0 for both."""
    from win32session._notifier import pump as _pump

    cycles = int(1000 * scale)
    users, handles = user_objects(), handle_count()
    counted = not under_wine()
    if counted:
        assert users > 0 and handles > 0  # Windows answers: compare them below
    else:
        assert (users, handles) == (0, 0)  # what Wine answers: the counts say nothing
    with Notifier(ALL):
        pass  # the first run loads what every later run reuses
    baseline_open = open_handles()
    assert baseline_open > 0  # stdin, stdout, stderr at least
    baseline_users = user_objects()
    baseline_handles = handle_count()
    first_serial = next(_pump._class_serial) + 1  # the class serial of the first cycle
    for serial in range(cycles):
        notifier = Notifier(ALL)
        notifier.start()
        hwnd = notifier.hwnd
        assert is_window(hwnd)
        assert notifier.stop() is True
        assert not is_window(hwnd), f"cycle {serial}: window {hwnd:#x} outlived stop()"
    assert open_handles() <= baseline_open + 8, "handles leaked"
    if counted:
        assert user_objects() <= baseline_users + 2
        assert handle_count() <= baseline_handles + 8
    assert _pump._pumps_by_hwnd == {}
    last_serial = next(_pump._class_serial) - 1
    assert last_serial - first_serial + 1 == cycles  # one class per cycle, each looked at
    pid = kernel32.GetCurrentProcessId()
    kept = [serial for serial in range(first_serial, last_serial + 1)
            if class_exists(f"win32session.Notifier.{pid}.{serial}")]
    assert kept == [], f"{len(kept)} window classes outlived stop()"


# --- Floods. ---


def test_200k_events_from_several_threads_all_arrive_in_per_thread_order(scale: float) -> None:
    threads, per_thread = 4, int(50_000 * scale)
    received: list[tuple[int, int]] = []
    done = threading.Event()
    total = threads * per_thread

    def collect(event: SessionEvent) -> None:
        received.append((int(event.reason), event.session_id))
        if len(received) == total:
            done.set()

    with Notifier(ALL) as notifier:
        notifier.subscribe(collect)
        hwnd = notifier.hwnd

        def flood(index: int) -> None:
            for seq in range(per_thread):
                post_retrying(hwnd, 0x100 + index, seq)

        posters = [call_in_thread(functools.partial(flood, i)) for i in range(threads)]
        for poster in posters:
            poster.join(600)
        assert done.wait(120), f"{len(received)} of {total} arrived"
    for index in range(threads):
        seqs = [seq for code, seq in received if code == 0x100 + index]
        assert seqs == list(range(per_thread)), f"thread {index}: order or count broken"


def _drain_in_batches(notifier: Notifier, events: int, batch: int,
                      between: Callable[[int], None] = lambda start: None) -> int:
    """Posts ``events`` locks in batches, each drained before the next;
    ``between(start)`` runs before each batch. Returns how many were handled."""
    handled = [0]
    batch_done = threading.Event()

    def count(event: SessionEvent) -> None:
        handled[0] += 1
        if handled[0] % batch == 0:
            batch_done.set()

    notifier.subscribe(count)
    for start in range(0, events, batch):
        between(start)
        batch_done.clear()
        for i in range(start, start + batch):
            post_retrying(notifier.hwnd, M.WTS_SESSION_LOCK, i)
        assert batch_done.wait(120), f"the batch from {start} did not drain"
    notifier.unsubscribe(count)
    return handled[0]


def test_memory_stays_flat_over_100k_events(scale: float) -> None:
    events, batch = int(100_000 * scale), 10_000
    marks: dict[int, tuple[int, int]] = {}

    def mark(start: int) -> None:
        if start in (batch, events - batch):  # after the warm-up batch; before the last
            gc.collect()
            marks[start] = (tracemalloc.get_traced_memory()[0], commit_charge())

    with Notifier(ALL) as notifier:
        tracemalloc.start()
        try:
            handled = _drain_in_batches(notifier, events, batch, mark)
        finally:
            tracemalloc.stop()
        assert notifier.running
    assert handled == events
    (traced_before, commit_before), (traced_after, commit_after) = marks.values()
    assert traced_after - traced_before < 64 * 1024, (
        f"Python memory grew by {traced_after - traced_before} bytes over {events} events")
    assert commit_after - commit_before < 4 * 1024 * 1024, (
        f"the commit charge grew by {commit_after - commit_before} bytes")


def test_gc_collecting_constantly_while_events_flow(scale: float) -> None:
    """The window procedure's thunk must stay alive however often the cyclic
    collector runs: a collected thunk would crash the process at the next
    message. A full collection holds the GIL throughout, so the collecting
    thread pauses 2 ms between collections to let the pump through."""
    events = int(20_000 * scale)
    stop_collecting = threading.Event()
    collections = [0]

    def collect_constantly() -> None:
        while not stop_collecting.is_set():
            gc.collect()
            collections[0] += 1
            time.sleep(0.002)

    wanted_collections = 100
    deadline = time.monotonic() + 300
    handled = 0
    with Notifier(ALL) as notifier:
        collector = call_in_thread(collect_constantly)
        try:
            # Events flow until both counts are reached, however slow a loaded
            # machine makes either side: the test is about their overlap.
            while handled < events or collections[0] < wanted_collections:
                assert time.monotonic() < deadline, (
                    f"{collections[0]} collections and {handled} events in 300 s")
                handled += _drain_in_batches(notifier, 500, 500)
        finally:
            stop_collecting.set()
            collector.join(30)
        assert notifier.running
    assert handled >= events and handled % 500 == 0
    assert collections[0] >= wanted_collections
    print(f"{collections[0]} full collections during {handled} events")


def test_random_wparam_and_lparam_over_their_full_range(scale: float) -> None:
    count = int(10_000 * scale)
    rng = random.Random(20261121)
    pairs = [(rng.randrange(2**64), rng.randrange(-(2**63), 2**63)) for _ in range(count)]
    pairs += [(0, 0), (2**64 - 1, -1), (2**63, -(2**63)), (M.WTS_SESSION_LOCK, 2**63 - 1)]
    got = Collector()
    with Notifier(ALL) as notifier:
        notifier.subscribe(got)
        for wparam, lparam in pairs:
            post_retrying(notifier.hwnd, wparam, lparam)
        events = got.wait_for(len(pairs), timeout=120)
        assert notifier.running  # the pump never died
    for event, (wparam, lparam) in zip(events, pairs, strict=True):
        assert event.reason == wparam
        known = wparam in M._value2member_map_
        assert type(event.reason) is (M if known else int)
        assert event.session_id == lparam & 0xFFFFFFFF  # the low 32 bits, unsigned


# --- Callbacks that misbehave. ---


def test_every_callback_raising_never_loses_an_event(scale: float) -> None:
    count = int(2_000 * scale)
    errors: list[tuple[str, int]] = []
    good = Collector()

    def on_error(exc: Exception, event: SessionEvent) -> None:
        errors.append((str(exc), event.session_id))

    def raiser(name: str) -> Callable[[SessionEvent], None]:
        def callback(event: SessionEvent) -> None:
            raise RuntimeError(name)
        return callback

    with Notifier(ALL, on_error=on_error) as notifier:
        for name in ("a", "b", "c"):
            notifier.subscribe(raiser(name))
        notifier.subscribe(good)
        notifier.subscribe(raiser("d"))
        for i in range(count):
            post_retrying(notifier.hwnd, M.WTS_SESSION_UNLOCK, i)
        assert [e.session_id for e in good.wait_for(count)] == list(range(count))
        deadline = time.monotonic() + 30
        while len(errors) < 4 * count and time.monotonic() < deadline:
            time.sleep(0.01)  # the last event's "d" may still be on its way
        assert notifier.running
    assert sorted(errors) == sorted((name, i) for i in range(count) for name in "abcd")


def test_a_callback_blocking_for_seconds_and_stop_with_a_timeout() -> None:
    """stop(timeout) gives up after its timeout while the callback still
    blocks; stop() waits for the callback. Checked by what has happened when
    each returns, not by how long each took (except that a timeout is not
    cut short), so a loaded machine cannot fail it."""
    entered, release, left = threading.Event(), threading.Event(), threading.Event()

    def blocker(event: SessionEvent) -> None:
        entered.set()
        release.wait(10)  # twenty times the timeout below: a stop that waits it out fails
        left.set()

    notifier = Notifier(ALL)
    notifier.subscribe(blocker)
    notifier.start()
    hwnd = notifier.hwnd
    post(hwnd, M.WTS_SESSION_LOCK, 1)
    assert entered.wait(10)
    began = time.monotonic()
    assert notifier.stop(timeout=0.5) is False
    assert time.monotonic() - began >= 0.45  # the timeout was waited
    assert not left.is_set(), "stop(timeout=0.5) waited for the callback"
    assert notifier.running and is_window(hwnd)
    # Released a moment later, most likely while stop() waits (if sooner,
    # the checks below still hold).
    releaser = threading.Timer(0.5, release.set)
    releaser.start()
    assert notifier.stop() is True  # completes once the callback returns
    assert left.is_set(), "stop() returned before the callback did"
    assert not notifier.running and not is_window(hwnd)


# --- Many threads at once. ---


def test_stop_from_eight_threads_at_once(scale: float) -> None:
    for _ in range(int(20 * scale)):
        notifier = Notifier(ALL)
        notifier.start()
        hwnd = notifier.hwnd
        gate = threading.Barrier(8)
        results: list[bool] = []

        def stop(notifier: Notifier = notifier, gate: threading.Barrier = gate,
                 results: list[bool] = results) -> None:  # this cycle's, bound now
            gate.wait(10)
            results.append(notifier.stop(10))

        stoppers = [call_in_thread(stop) for _ in range(8)]
        for stopper in stoppers:
            stopper.join(20)
        assert results == [True] * 8
        assert not notifier.running and not is_window(hwnd)


def test_stop_from_a_callback_while_another_thread_stops_too() -> None:
    from_callback: list[bool] = []
    in_callback, other_called = threading.Event(), threading.Event()

    notifier = Notifier(ALL)

    def stopper(event: SessionEvent) -> None:
        in_callback.set()
        assert other_called.wait(10)
        time.sleep(0.2)  # the other thread is now waiting in stop()
        from_callback.append(notifier.stop())

    notifier.subscribe(stopper)
    notifier.start()
    hwnd = notifier.hwnd
    post(hwnd, M.WTS_SESSION_LOGOFF, 1)
    assert in_callback.wait(10)
    other: list[bool] = []

    def stop_too() -> None:
        other_called.set()
        other.append(notifier.stop(20))

    call_in_thread(stop_too).join(30)
    assert from_callback == [False]  # cannot wait for itself
    assert other == [True]
    assert not is_window(hwnd)


def test_subscribe_and_unsubscribe_from_other_threads_during_a_storm(scale: float) -> None:
    count = int(20_000 * scale)
    steady = Collector()
    churned = [0]
    stop_churning = threading.Event()

    def counter() -> Callable[[SessionEvent], None]:
        def callback(event: SessionEvent) -> None:
            churned[0] += 1
        return callback

    def churn(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[Callable[[SessionEvent], None]] = []
        while not stop_churning.is_set():
            if mine and rng.random() < 0.5:
                assert notifier.unsubscribe(mine.pop(rng.randrange(len(mine))))
            else:
                mine.append(notifier.subscribe(counter(), *rng.sample(list(M), 2)))
        for callback in mine:
            notifier.unsubscribe(callback)

    with Notifier(ALL) as notifier:
        notifier.subscribe(steady)
        churners = [call_in_thread(functools.partial(churn, seed)) for seed in range(4)]
        codes = itertools.cycle(list(M))
        for i in range(count):
            post_retrying(notifier.hwnd, next(codes), i)
        events = steady.wait_for(count, timeout=120)
        stop_churning.set()
        for churner in churners:
            churner.join(30)
        assert notifier.running
        assert len(notifier._subscriptions) == 1  # only the steady one is left
    assert [e.session_id for e in events] == list(range(count))
    assert churned[0] > 0


# --- Session and power events together. ---


def test_a_storm_of_mixed_session_and_power_events_none_lost_none_misrouted(
    scale: float,
) -> None:
    """Two threads post session changes, two send power settings (each with a
    real POWERBROADCAST_SETTING whose data is the sender's sequence number),
    one sends suspends (PBT 4, the number of WTS_REMOTE_DISCONNECT) and
    another posts remote disconnects: every event arrives, each thread's in
    order, and no subscriber ever gets another source's event."""
    from support import send_power, send_power_setting

    from win32session import PowerBroadcast, PowerEvent, PowerSetting

    posted, sent = int(10_000 * scale), int(2_000 * scale)
    guids = ["11111111-0000-0000-0000-00000000000" + str(i) for i in range(2)]
    everything: list[object] = []
    disconnects: list[SessionEvent] = []
    suspends: list[object] = []
    settings: list[object] = []
    total = 2 * posted + 2 * sent + 2 * sent
    done = threading.Event()

    def collect(event: object) -> None:
        everything.append(event)
        if len(everything) == total:
            done.set()

    with Notifier(ALL, power=True) as notifier:
        hwnd = notifier.hwnd
        notifier.subscribe(collect)
        notifier.subscribe(disconnects.append, M.WTS_REMOTE_DISCONNECT)
        notifier.subscribe(suspends.append, PowerBroadcast.PBT_APMSUSPEND)
        notifier.subscribe(settings.append, PowerBroadcast.PBT_POWERSETTINGCHANGE)

        def post_locks(index: int) -> None:
            for seq in range(posted):
                post_retrying(hwnd, M.WTS_SESSION_LOCK, index << 24 | seq)

        def send_settings(index: int) -> None:
            for seq in range(sent):
                send_power_setting(hwnd, guids[index], seq.to_bytes(4, "little"))

        def send_suspends() -> None:
            for _ in range(sent):
                send_power(hwnd, PowerBroadcast.PBT_APMSUSPEND.code)

        def post_disconnects() -> None:
            for seq in range(sent):
                post_retrying(hwnd, M.WTS_REMOTE_DISCONNECT, 3 << 24 | seq)

        workers = [
            *(call_in_thread(functools.partial(post_locks, i)) for i in range(2)),
            *(call_in_thread(functools.partial(send_settings, i)) for i in range(2)),
            call_in_thread(send_suspends),
            call_in_thread(post_disconnects),
        ]
        for worker in workers:
            worker.join(600)
        assert done.wait(120), f"{len(everything)} of {total} arrived"
    for index in range(2):
        seqs = [e.session_id & 0xFFFFFF for e in everything
                if isinstance(e, SessionEvent) and e.reason == M.WTS_SESSION_LOCK
                and e.session_id >> 24 == index]
        assert seqs == list(range(posted)), f"session poster {index}: order or count broken"
        values = [e.value for e in everything
                  if isinstance(e, PowerEvent) and e.setting == guids[index]]
        assert values == list(range(sent)), f"setting sender {index}: order or count broken"
    assert all(isinstance(e, SessionEvent) for e in disconnects)
    assert [e.session_id & 0xFFFFFF for e in disconnects] == list(range(sent))
    assert all(isinstance(e, PowerEvent) and e.kind is PowerBroadcast.PBT_APMSUSPEND
               for e in suspends) and len(suspends) == sent
    assert len(settings) == 2 * sent
    assert all(isinstance(e, PowerEvent) and e.setting in guids for e in settings)
    assert not any(isinstance(e, PowerEvent) and isinstance(e.setting, PowerSetting)
                   for e in everything)
