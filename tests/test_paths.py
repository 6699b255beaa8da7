"""Which paths name a plain file on a disk (``win32session._cli.paths``).

The string rules are Microsoft's naming rules and are checked on any OS; the
file-system part (a folder, a file in the folder's way, a missing drive) asks
the real file system, so under Windows or Wine only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from win32session._cli.paths import MAX_PATH_LENGTH, check_output, device_name, log_path, problem


@pytest.mark.parametrize(("path", "device"), [
    (r"C:\x\nul", "NUL"), (r"C:\x\NUL.jsonl", "NUL"), ("con", "CON"), (r"C:\x\Com1.txt", "COM1"),
    (r"C:\x\lpt9", "LPT9"), (r"C:\x\nul .jsonl", "NUL"), ("COM\u00b9", "COM\u00b9"),
    (r"C:\x\CONOUT$", "CONOUT$"), (r"C:\x\aux:", "AUX"),
    (r"C:\x\nulx.jsonl", None), (r"C:\x\com10", None), (r"C:\nul\audit.jsonl", None),
])
def test_reserved_device_names(path: str, device: str | None) -> None:
    assert device_name(path) == device


@pytest.mark.parametrize(("path", "why"), [
    (r"\\.\pipe\audit", "a device path"),
    (r"\\?\GLOBALROOT\Device\Null", "a device path"),
    (r"C:\logs\nul.jsonl", "reserved device name NUL"),
    (r"C:\nul\audit.jsonl", "reserved device name NUL"),
    (r"C:\logs" + "\\", "a folder, not a file"),
    (r"C:\logs\a:stream", "which no file name may hold"),
    (r"C:\logs\a?.jsonl", "which no file name may hold"),
    (r"C:\logs\audit.jsonl.", "ends with a space or a dot"),
    (r"C:\logs\audit.log", "a .log file"),
    ("C:\\" + "a" * 256, "longer than 255"),
    ("C:\\" + "\\".join(["d" * 50] * 5) + "\\x.jsonl", "more than Windows's 259"),
    ("relative.jsonl", "not an absolute path"),
])
def test_paths_the_service_could_never_use(path: str, why: str) -> None:
    assert why in (problem(path) or "")


def test_the_log_goes_next_to_the_file_and_counts_towards_the_limit() -> None:
    assert log_path(r"C:\logs\audit.jsonl") == r"C:\logs\audit.log"
    # Without an extension the log's path is the longer one.
    longest = "C:\\" + "d" * (MAX_PATH_LENGTH - 3 - 3)  # 256 characters; its log 260
    assert problem(longest) is not None and "its log's path" in (problem(longest) or "")
    assert problem(r"C:\ProgramData\win32session\win32session-audit.jsonl") is None
    assert problem(r"\\server\share\audit.jsonl") is None


@pytest.mark.parametrize("path", ["", "   ", "a\0b"])
def test_empty_or_nul_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="output file"):
        check_output(path)


@pytest.mark.windows
def test_the_file_system_part(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="it is a folder"):
        check_output(str(tmp_path))
    with pytest.raises(ValueError, match=r"file is a file, so the folder cannot exist"):
        check_output(str(tmp_path / "file" / "deeper" / "audit.jsonl"))
    assert check_output(str(tmp_path / "new" / "audit.jsonl")) == str(
        tmp_path / "new" / "audit.jsonl")
    # A relative path is the working folder's: the service starts in System32.
    assert check_output("audit.jsonl") == str(Path.cwd() / "audit.jsonl")


@pytest.mark.windows
def test_a_missing_drive_is_refused() -> None:
    if sys.platform != "win32":
        raise AssertionError("unreachable: marked windows")
    import os
    import string

    free = next(d for d in reversed(string.ascii_uppercase) if not os.path.exists(f"{d}:\\"))
    with pytest.raises(ValueError, match=f"there is no drive or share {free}:"):
        check_output(f"{free}:\\audit.jsonl")
