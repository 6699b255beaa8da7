"""Which paths name a plain file on a disk: Windows's naming rules, on any OS.

``service install --output`` checks its file here before it creates
anything, and so may ``watch --output``: a reserved DOS device name
(``nul``, ``con``, ``com1``...) opens a device, not a file, so that
``nul.jsonl`` would swallow every line of an audit trail while the service
looks healthy. The rules are Microsoft's "Naming Files, Paths, and
Namespaces": https://learn.microsoft.com/windows/win32/fileio/naming-a-file

The string rules are pure (``ntpath``); :func:`check_output` also asks the
file system whether the file is a folder and whether its folder can exist.
"""

from __future__ import annotations

import ntpath
import os

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

__all__ = ["MAX_PATH_LENGTH", "RESERVED_NAMES", "check_output", "device_name", "log_path"]

#: Names that open a device in every folder, with any extension (Windows 10
#: and earlier; Windows 11 still reserves the bare names). The superscript
#: digits count too, as the naming page says.
RESERVED_NAMES: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789\u00b9\u00b2\u00b3"})

#: MAX_PATH (260) less the terminating NUL: longer paths need the
#: LongPathsEnabled policy, which a service cannot count on.
MAX_PATH_LENGTH: Final = 259
#: The longest name one folder entry may have (NTFS, FAT32, exFAT).
MAX_COMPONENT_LENGTH: Final = 255
#: Characters no file or folder name may hold, besides 0-31.
_NOT_IN_NAMES: Final = frozenset('<>:"/\\|?*')


def device_name(path: str) -> str | None:
    """The reserved device name ``path``'s last part opens (``"NUL"`` for
    ``C:\\x\\nul.jsonl``), or None for an ordinary name. Windows ignores the
    extension, trailing spaces and a trailing colon here."""
    base = ntpath.basename(path)
    stem = base.split(".", 1)[0].split(":", 1)[0].rstrip(" ").upper()
    return stem if stem in RESERVED_NAMES else None


def log_path(output: str) -> str:
    """The audit service's own log, next to its file: ``NAME.log``."""
    return ntpath.splitext(output)[0] + ".log"


def _name_problem(part: str) -> str | None:
    """Why ``part`` cannot name a file or folder, or None."""
    bad = sorted({ch for ch in part if ch in _NOT_IN_NAMES or ord(ch) < 32})
    if bad:
        return f"{part!r} holds {''.join(bad)!r}, which no file name may hold"
    if part.rstrip(" .") != part:
        return f"{part!r} ends with a space or a dot, which Windows drops"
    if device_name(part):
        return f"{part!r} is the reserved device name {device_name(part)}, not a file"
    if len(part) > MAX_COMPONENT_LENGTH:
        return f"a name is longer than {MAX_COMPONENT_LENGTH} characters"
    return None


def problem(path: str) -> str | None:
    """Why the absolute Windows path ``path`` cannot be the audit trail, from
    the string alone (no file system), or None."""
    if path.startswith(("\\\\.\\", "\\\\?\\", "//./", "//?/")):
        return "a device path (\\\\.\\ or \\\\?\\), not a file on a disk"
    drive, rest = ntpath.splitdrive(path)
    if not drive or not rest.startswith(("\\", "/")):
        return "not an absolute path with a drive or a share"
    if rest.endswith(("\\", "/")) or not ntpath.basename(path):
        return "a folder, not a file"
    for part in rest.replace("/", "\\").split("\\")[1:]:
        if part in ("", ".", ".."):
            continue
        why = _name_problem(part)
        if why:
            return why
    if ntpath.splitext(path)[1].lower() == ".log":
        return "a .log file: the service writes its own log next to the trail as NAME.log"
    for what, candidate in (("the path", path), ("its log's path", log_path(path))):
        if len(candidate) > MAX_PATH_LENGTH:
            return (f"{what} is {len(candidate)} characters, more than Windows's "
                    f"{MAX_PATH_LENGTH} (MAX_PATH)")
    return None


def check_output(path: str) -> str:
    """The absolute path of the audit trail ``path``, or ``ValueError`` (one
    line) when the service could never append to it: empty, a device, a
    folder, a name Windows refuses, too long, or a folder that cannot exist
    because a file or a missing drive is in its way."""
    if not path.strip():
        raise ValueError("the output file must not be empty")
    if "\0" in path:
        raise ValueError(f"the output file cannot hold a NUL character: {path!r}")
    for part in path.replace("/", "\\").split("\\"):
        # Before abspath: GetFullPathNameW turns C:\x\nul.jsonl into \\.\nul.
        if device_name(part):
            raise ValueError(f"cannot use {path} as the output file: {part!r} is the "
                             f"reserved device name {device_name(part)}, not a file")
    full = ntpath.normpath(os.path.abspath(path)) if os.name == "nt" else path
    why = problem(full)
    if why is None and os.name == "nt":
        why = _file_system_problem(full)
    if why:
        raise ValueError(f"cannot use {full} as the output file: {why}")
    return full


def _file_system_problem(path: str) -> str | None:
    if os.path.isdir(path):
        return "it is a folder"
    drive = ntpath.splitdrive(path)[0]
    if not os.path.isdir(drive + "\\"):
        return f"there is no drive or share {drive}"
    folder = ntpath.dirname(path)
    while folder and not os.path.exists(folder):
        parent = ntpath.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    if folder and not os.path.isdir(folder):
        return f"{folder} is a file, so the folder cannot exist"
    return None
