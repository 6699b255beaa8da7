"""The session ending for real: `wineboot --end-session` under Wine.

Nothing is simulated here. Wine's wineboot sends WM_QUERYENDSESSION and then
WM_ENDSESSION to every top-level window, as Windows does at logoff or
shutdown, and then ends their processes. A child process with a
Notifier(ending=True) writes each event to a file from its callback; the test
checks the lines are on disk and that the process was ended (its run() never
returned). It needs an X display, which scripts/check.py provides (Xvfb).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from support import Child, end_session

pytestmark = pytest.mark.windows
if sys.platform != "win32":
    pytest.skip("needs the Win32 API (Windows, or Windows CPython under Wine)",
                allow_module_level=True)


CHILD = """
import sys
from win32session import Notifier

out = open(sys.argv[1], "a", encoding="utf-8")

def write(event):
    out.write(f"{event.kind_name} flags={int(event.flags):#x} ending={event.ending}\\n")
    out.flush()

notifier = Notifier(ending=True)
notifier.subscribe(write)
try:
    notifier.run(on_ready=lambda: print("ready", flush=True))
finally:
    out.write("run returned\\n")
    out.flush()
"""


@pytest.mark.wine_only("wineboot --end-session is Wine's; on Windows the session ending is "
                       "checked by hand (it ends the test run's session)")
def test_wineboot_end_session_reaches_the_callbacks_before_the_process_ends(
    tmp_path: Path,
) -> None:
    assert os.environ.get("DISPLAY"), "a top-level window under Wine needs an X display (Xvfb)"
    log = tmp_path / "ending.txt"
    child = Child("-c", CHILD, str(log))
    child.expect("ready")
    started = time.monotonic()
    end_session()
    child.wait(60)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines == [
        "WM_QUERYENDSESSION flags=0x0 ending=None",  # lParam 0: a shutdown
        "WM_ENDSESSION flags=0x0 ending=True",
    ], child.output()
    assert time.monotonic() - started < 60


def test_without_a_display_the_error_has_no_made_up_error_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Faked, as in test_power.py: Wine fails CreateWindowExW without an X
    # display and sets no error code. The message once read "[WinError None]
    # cannot create ...", an error code that does not exist.
    from typing import Any

    from win32session import Notifier
    from win32session._win32 import user32

    def no_display(*args: Any) -> Any:
        raise OSError("CreateWindowExW failed and Windows gave no error code")

    monkeypatch.setattr(user32, "CreateWindowExW", no_display)
    with pytest.raises(OSError) as raised:
        Notifier(ending=True).start()
    assert str(raised.value) == (
        "cannot create the hidden top-level window that the session-ending events need "
        "(ending=True): CreateWindowExW failed and Windows gave no error code")
    assert raised.value.winerror is None


def test_a_real_error_code_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # Faked: ERROR_NOT_ENOUGH_MEMORY (8) from CreateWindowExW.
    from typing import Any

    from win32session import Notifier
    from win32session._win32 import user32

    def no_memory(*args: Any) -> Any:
        raise OSError(None, "CreateWindowExW: Not enough memory.", None, 8)

    monkeypatch.setattr(user32, "CreateWindowExW", no_memory)
    with pytest.raises(OSError) as raised:
        Notifier(ending=True).start()
    assert raised.value.winerror == 8
    assert str(raised.value).startswith("[WinError 8] cannot create the hidden top-level window")
