"""Hostile input to the public API (hypothesis, derandomized): the library
raises TypeError or ValueError, or takes the input in its stride, and never
kills the process.

Two halves:

- Arguments (in this process, on every OS): wrong types, huge and odd
  numbers, odd text, for every public function and method that takes one.
  Each may raise TypeError or ValueError, or what its documentation names
  for input of the right form (``RuntimeError`` for a notifier that is not
  running, ``LookupError`` for a session that does not exist, ``OSError``
  "needs Windows" elsewhere); anything else fails.
- Messages and service controls (Windows, or Windows CPython under Wine), in
  a CHILD process, because a crash there is the failure we look for: random
  ``wParam``/``lParam`` *posted* to a notifier with every source on (any
  program may post anything), the same *sent* as Windows could send them (for
  a power setting, a real ``POWERBROADCAST_SETTING`` with random content:
  Windows never sends a bad pointer), and ``Notifier.feed`` with addresses no
  service control handler is ever given, real structures with random
  content, and data of every other form. The child turns the crash debugger
  off for itself (Wine's would otherwise wait for ever, Windows's error
  report likewise), so a crash ends it at once with its exception code and
  Python's traceback.
"""

from __future__ import annotations

import functools
import math
import sys
import textwrap
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from win32session import (
    Notifier,
    NotifyType,
    PresenceTracker,
    Service,
    SessionNotificationMsg,
    SessionTracker,
    idle_state,
    session_info,
)

#: Derandomized and without an example database: every run plays the same
#: examples, sized for seconds.
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                print_blob=False, suppress_health_check=list(HealthCheck))

#: The values at the edges, each tried on every argument (not left to chance).
EDGES: list[Any] = [
    None, True, False, 0, -1, 1, 127, 128, 255, 256, 2**31, 2**32, 2**47, 2**63, 2**64,
    -(2**63) - 1, 10**400, -(10**400), math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324,
    Fraction(1, 3), 1j, "", "5", "0x10", "nul", "CON", "\\\\.\\pipe\\x", "\ud800",
    "\u00e9" * 300, b"", b"\x00" * 8, [], [1], (1,), (), {}, object(), print,
]

#: What a careless or hostile caller passes where a number, a flag, a name or
#: a callable belongs.
HOSTILE: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(EDGES),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.fractions(),
    st.complex_numbers(),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.tuples(st.integers()),
)

NOT_RUNNING = "is not running"
#: Examples for each half of the child's fuzz (a few seconds under Wine).
EXAMPLES = 300


def holds(call: Callable[[], object], *documented: type[BaseException],
          message: str = "") -> None:
    """Calls ``call``: it returns, or raises TypeError or ValueError, or one
    of ``documented`` (whose text contains ``message``). Anything else
    escapes and fails the example."""
    try:
        call()
    except (TypeError, ValueError):
        pass
    except documented as exc:
        assert message in str(exc), exc


def every_argument(value: Any) -> None:
    """``value`` as each argument of the public API, one at a time."""
    elsewhere = () if sys.platform == "win32" else (OSError,)
    for flag in ("details", "power", "ending", "service"):
        holds(functools.partial(Notifier, **{flag: value}))
    holds(lambda: Notifier(value))
    holds(lambda: Notifier(on_error=value))
    holds(lambda: Notifier(register_timeout=value))
    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS)
    holds(lambda: notifier.subscribe(value))
    holds(lambda: notifier.subscribe(print, value))
    holds(lambda: notifier.on(value))
    holds(lambda: notifier.unsubscribe(value))
    holds(lambda: notifier.stop(value))
    holds(lambda: notifier.iter_events(value), RuntimeError, message=NOT_RUNNING)
    if sys.platform != "win32" or not (value is None or callable(value)):
        # (on Windows, a valid on_ready would start pumping)
        holds(lambda: notifier.run(on_ready=value), OSError, message="needs Windows")
    # A list is never a control's data: nothing is read (addresses are fuzzed
    # in a child process, below).
    holds(lambda: Notifier(service=True).feed(value, value, [value]),
          RuntimeError, message=NOT_RUNNING)
    holds(lambda: session_info(value), LookupError, *elsewhere)
    holds(lambda: idle_state(value), *elsewhere)
    holds(lambda: SessionTracker(value))
    holds(lambda: PresenceTracker(value))
    holds(lambda: SessionTracker().on_start(value))
    holds(lambda: PresenceTracker().on_change(value))
    holds(lambda: SessionTracker().stop(value))
    holds(lambda: PresenceTracker().close(value))
    holds(lambda: Service(value))
    holds(lambda: Service("audit").on_control(value))
    holds(lambda: Service("audit").fail(value, "why"))


@pytest.mark.parametrize("value", EDGES, ids=[ascii(v)[:20] for v in EDGES])
def test_every_argument_at_the_edges(value: Any) -> None:
    every_argument(value)


@FUZZ
@given(value=HOSTILE)
def test_every_argument(value: Any) -> None:
    every_argument(value)


@FUZZ
@given(kinds=st.lists(HOSTILE | st.sampled_from(list(SessionNotificationMsg)), max_size=3))
def test_several_kinds(kinds: list[Any]) -> None:
    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS, power=True, ending=True)
    holds(lambda: notifier.subscribe(print, *kinds))
    holds(lambda: notifier.on(*kinds))
    holds(lambda: notifier.iter_events(*kinds), RuntimeError, message=NOT_RUNNING)


# --- Messages and service controls, in a child process. ---------------------

CHILD = textwrap.dedent(
    r'''
    import ctypes, faulthandler, sys
    sys.path.insert(0, sys.argv[1])

    # The crash debugger off, for this process only: a top-level exception
    # filter that answers EXCEPTION_EXECUTE_HANDLER ends the process with the
    # exception's code. Wine 8.0 calls it before it starts winedbg (which
    # would wait for ever); Windows before its error report. SetErrorMode
    # keeps Windows's fault dialog away too (Wine ignores it).
    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _FILTER = ctypes.WINFUNCTYPE(ctypes.c_long, ctypes.c_void_p)
    _kernel32.SetUnhandledExceptionFilter.argtypes = (_FILTER,)
    _kernel32.SetUnhandledExceptionFilter.restype = ctypes.c_void_p
    _kernel32.SetErrorMode.argtypes = (ctypes.c_uint,)
    _kernel32.SetErrorMode.restype = ctypes.c_uint
    _EXECUTE_HANDLER = _FILTER(lambda pointers: 1)  # kept for the life of the process
    _kernel32.SetErrorMode(0x0001 | 0x0002)  # SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX
    _kernel32.SetUnhandledExceptionFilter(_EXECUTE_HANDLER)
    faulthandler.enable()  # the Python traceback of a crash, on stderr

    import threading
    from support import power_setting_buffer, session_notification_buffer, under_wine

    if under_wine():  # as tests/conftest.py does: hypothesis would ask WMI
        import platform
        if hasattr(platform, "_wmi_query"):
            def _no_wmi(*keys):
                raise OSError("WMI is not asked under Wine")
            setattr(platform, "_wmi_query", _no_wmi)

    from hypothesis import HealthCheck, given, settings, strategies as st
    from win32session import Notifier, NotifyType, PowerSetting
    from win32session._win32 import user32

    EXAMPLES = int(sys.argv[2])
    FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    print_blob=False, suppress_health_check=list(HealthCheck))
    WM_NULL, WM_QUERYENDSESSION, WM_ENDSESSION = 0x0000, 0x0011, 0x0016
    WM_POWERBROADCAST, WM_WTSSESSION_CHANGE = 0x0218, 0x02B1
    PBT_POWERSETTINGCHANGE = 0x8013
    SERVICE_CONTROL_POWEREVENT, SERVICE_CONTROL_SESSIONCHANGE = 0xD, 0xE
    MARK = 0x5EED  # the session id of the last post: all before it are handled

    WPARAM = st.integers(0, 2**64 - 1) | st.sampled_from([0, 1, 0x8013, 0xFFFFFFFF, 2**63])
    LPARAM = (st.integers(-(2**63), 2**63 - 1)
              | st.sampled_from([0, 1, 0x10, 0xFFFF, 2**47, -1, 2**63 - 1]))
    MESSAGES = st.sampled_from([WM_WTSSESSION_CHANGE, WM_POWERBROADCAST, WM_QUERYENDSESSION,
                                WM_ENDSESSION, WM_NULL])
    GUIDS = st.sampled_from([s.value for s in PowerSetting]) | st.uuids().map(str)

    class Arrivals:
        def __init__(self):
            self.marks = 0
            self.changed = threading.Condition()

        def __call__(self, event):
            if getattr(event, "session_id", None) == MARK:
                with self.changed:
                    self.marks += 1
                    self.changed.notify_all()

        def wait_for_mark(self, notifier, feed=False):
            with self.changed:
                wanted = self.marks + 1
            if feed:
                notifier.feed(SERVICE_CONTROL_SESSIONCHANGE, 7, (MARK,))
            else:
                user32.PostMessageW(notifier.hwnd, WM_WTSSESSION_CHANGE, 7, MARK)
            with self.changed:
                assert self.changed.wait_for(lambda: self.marks >= wanted, 30), "the pump hangs"

    def case(*what):
        print("case", *what, flush=True)  # the last one names the crash

    # Every source on: session changes, power, the session ending (a
    # top-level window: needs an X display under Wine).
    notifier = Notifier(NotifyType.NOTIFY_FOR_ALL_SESSIONS, power=True, ending=True)
    arrivals = Arrivals()
    notifier.subscribe(arrivals)
    notifier.start()

    @FUZZ
    @given(msg=MESSAGES, wparam=WPARAM, lparam=LPARAM, how=st.sampled_from(["post", "send"]),
           guid=GUIDS, data=st.binary(min_size=4, max_size=24))
    def messages(msg, wparam, lparam, how, guid, data):
        case(how, hex(msg), hex(wparam), hex(lparam))
        if how == "post":  # anybody may post anything
            user32.PostMessageW(notifier.hwnd, msg, wparam, lparam)
        elif msg == WM_POWERBROADCAST and wparam & 0xFFFFFFFF == PBT_POWERSETTINGCHANGE:
            # Windows sends a setting with a real structure, random here.
            buffer = power_setting_buffer(guid, data)
            user32.SendMessageW(notifier.hwnd, msg, wparam, ctypes.addressof(buffer))
            ctypes.memset(buffer, 0xEE, len(buffer))
        else:
            user32.SendMessageW(notifier.hwnd, msg, wparam, lparam)

    messages()
    arrivals.wait_for_mark(notifier)  # every post before it was handled
    assert notifier.running
    print("messages", EXAMPLES, flush=True)

    # Notifier.feed, as a service's control handler (or a careless caller)
    # would call it.
    service = Notifier(service=True, power=True)
    service_arrivals = Arrivals()
    service.subscribe(service_arrivals)
    service.start()

    # Addresses no control handler is ever given: NULL and the first 64 KiB
    # (never mapped), the kernel's half and beyond, negatives.
    BAD_ADDRESSES = (st.integers(0, 0xFFFF) | st.integers(2**47 - 64, 2**70)
                     | st.integers(max_value=-1))
    OTHER_DATA = (st.none() | st.binary(max_size=40) | st.text(max_size=5)
                  | st.tuples(st.integers()) | st.tuples(st.text(), st.binary())
                  | st.tuples(GUIDS, st.binary(max_size=8)) | st.floats() | st.lists(st.integers()))
    CONTROLS = (st.sampled_from([SERVICE_CONTROL_POWEREVENT, SERVICE_CONTROL_SESSIONCHANGE])
                | st.integers(-(2**70), 2**70) | st.none() | st.text(max_size=3))
    EVENT_TYPES = (st.sampled_from([PBT_POWERSETTINGCHANGE, 4, 7, 18, 0xFFFFFFFF])
                   | st.integers(-(2**70), 2**70) | st.none() | st.floats())

    @FUZZ
    @given(control=CONTROLS, event_type=EVENT_TYPES,
           data=st.one_of(BAD_ADDRESSES, OTHER_DATA, st.sampled_from(["setting", "session"])),
           guid=GUIDS, payload=st.binary(min_size=4, max_size=24),
           session_id=st.integers(0, 2**32 - 1))
    def feed(control, event_type, data, guid, payload, session_id):
        buffer = None
        if data == "setting":  # a real POWERBROADCAST_SETTING, random content
            buffer = power_setting_buffer(guid, payload)
        elif data == "session":  # a real WTSSESSION_NOTIFICATION
            buffer = session_notification_buffer(session_id)
        if buffer is not None:
            data = ctypes.addressof(buffer)
        case("feed", ascii(control)[:40], ascii(event_type)[:40], ascii(data)[:60])
        try:
            service.feed(control, event_type, data)
        except (TypeError, ValueError):
            pass

    feed()
    service_arrivals.wait_for_mark(service, feed=True)
    assert service.running
    print("feed", EXAMPLES, flush=True)
    assert service.stop(30) and notifier.stop(30)
    print("done", flush=True)
'''
)


@pytest.mark.windows
@pytest.mark.skipif(sys.platform != "win32", reason="needs the Win32 API")
def test_random_messages_and_controls_never_kill_the_process(tmp_path: Path) -> None:
    from support import Child

    script = tmp_path / "fuzz_child.py"
    script.write_text(CHILD, encoding="utf-8")
    # A console of its own, waited for by its exit, not its pipes' end: its
    # top-level window starts Wine's explorer.exe, which keeps them open.
    child = Child(str(script), str(Path(__file__).parent), str(EXAMPLES))
    status = child.wait(120)
    if status != 0:
        last = next((line for line in reversed(child.stdout) if line.startswith("case")),
                    "no case\n")
        pytest.fail(f"the fuzzed process ended with {status:#x}; its last {last}"
                    f"stderr: {''.join(child.stderr)[-3000:]}")
    child.expect("done")
    ran = [line.rstrip() for line in child.stdout if not line.startswith("case")]
    assert ran == [f"messages {EXAMPLES}", f"feed {EXAMPLES}", "done"], ran
