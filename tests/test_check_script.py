"""The test command's own machinery (scripts/check.py), where it can go wrong
in ways that fail a whole CI run: here, reading the display number Xvfb
writes to its -displayfd. Pipes and select() as check.py uses them: Linux
(the host side of the Wine bed) only."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="check.py's Xvfb side runs on the Linux host")


def load_check() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "scripts" / "check.py"
    spec = importlib.util.spec_from_file_location("check_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_later(fd: int, chunks: list[bytes], pause: float, close: bool = True) -> threading.Thread:
    def write() -> None:
        for chunk in chunks:
            os.write(fd, chunk)
            time.sleep(pause)
        if close:
            os.close(fd)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_the_number_is_read_up_to_the_newline_of_the_second_write() -> None:
    # Xvfb writes "0" and "\n" separately; closing the pipe between the two
    # made it exit. The read must take both before it returns.
    read_end, write_end = os.pipe()
    writer = write_later(write_end, [b"12", b"\n"], pause=0.2, close=False)
    started = time.monotonic()
    assert load_check()._read_display_number(read_end, timeout=10) == "12"
    assert time.monotonic() - started >= 0.2  # it waited for the newline
    writer.join(5)
    os.close(write_end)
    os.close(read_end)


def test_an_xvfb_that_ends_before_the_newline_gives_nothing() -> None:
    read_end, write_end = os.pipe()
    write_later(write_end, [b"3"], pause=0.0).join(5)
    assert load_check()._read_display_number(read_end, timeout=10) == ""
    os.close(read_end)


def test_an_xvfb_that_says_nothing_times_out() -> None:
    read_end, write_end = os.pipe()
    started = time.monotonic()
    assert load_check()._read_display_number(read_end, timeout=0.3) == ""
    assert 0.25 <= time.monotonic() - started < 5
    os.close(write_end)
    os.close(read_end)


def test_a_python_without_ensurepip_gets_one_line_not_a_half_made_venv(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Debian splits ensurepip off into python3-venv: without it, and without
    root to install it, the set-up says what to install instead of dying in
    venv's traceback (run as root with apt-get, it installs the package)."""
    check = load_check()
    monkeypatch.setitem(sys.modules, "ensurepip", None)  # import raises ImportError
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(check.Failed) as failed:
        check._ensure_venv_support()
    assert str(failed.value) == ("python3 has no ensurepip: install python3-venv "
                                 "(sudo apt-get install python3-venv)")
    monkeypatch.delitem(sys.modules, "ensurepip")
    check._ensure_venv_support()  # with ensurepip: nothing to do
