"""Where the audit service writes by default, and the folder's protection.

The default file is ``%ProgramData%\\win32session\\<name>.jsonl``. Its folder
is owned by Administrators and its DACL grants SYSTEM and Administrators full
control, inherited by every file and subfolder, and nobody else anything: an
audit trail that a user can neither rewrite nor read. Not even read: the
records name every user, domain and client computer that used the machine and
when, which Windows itself keeps in the Security event log, readable only by
administrators (and the Event Log Readers group). The DACL is protected, so
the permissive inheritable ACEs of ``%ProgramData%`` (where Users may create
and CREATOR OWNER gets full control) never reach it.

The functions import on any OS and raise ``OSError`` off Windows.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from ..._platform import require_windows
from ..paths import device_name

if sys.platform == "win32":
    import ctypes

    from ..._win32 import advapi32, kernel32, shared

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

__all__ = [
    "FOLDER_SDDL",
    "default_output",
    "ensure_protected_folder",
    "folder_sddl",
    "program_data",
]

#: The folder's security descriptor in SDDL: owner Administrators (O:BA), so
#: that no user who created the folder first keeps the owner's implicit right
#: to change its DACL; a protected DACL (P) with full file access (FA) for
#: SYSTEM (SY) and Administrators (BA), inherited by files (OI) and
#: subfolders (CI). https://learn.microsoft.com/windows/win32/secauthz/security-descriptor-string-format
FOLDER_SDDL: Final = "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

#: CreateServiceW's limit for lpServiceName.
#: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-createservicew
MAX_SERVICE_NAME: Final = 256

#: The folder under %ProgramData%.
FOLDER_NAME: Final = "win32session"

#: Characters no file name may hold (and '/' and '\\' no service name).
#: https://learn.microsoft.com/windows/win32/fileio/naming-a-file
_NOT_IN_FILE_NAMES: Final = frozenset('<>:"/\\|?*')


def program_data() -> str:
    """``%ProgramData%`` as Windows knows it, from the known-folder API
    (``FOLDERID_ProgramData``), not from the environment.

    The service runs as LocalSystem, whose environment is whatever the service
    control manager built; a variable can be missing or set otherwise there
    (the service's ``Environment`` registry value overrides it), while the
    known folder comes from the system's own configuration and is the same
    for every account. https://learn.microsoft.com/windows/win32/shell/knownfolderid
    """
    from ..._win32 import ole32, shell32

    if sys.platform == "win32":
        a, b, c, d = shell32.FOLDERID_ProgramData
        folder_id = shared.GUID(a, b, c, (ctypes.c_ubyte * 8)(*d))
        path = ctypes.c_void_p()
        try:
            shell32.SHGetKnownFolderPath(ctypes.byref(folder_id), 0, None, ctypes.byref(path))
            return ctypes.wstring_at(path.value) if path.value else ""
        finally:
            # Freed whether the call succeeded or not, as its page says.
            ole32.CoTaskMemFree(path)
    require_windows()
    raise AssertionError("unreachable")


def default_output(name: str) -> str:
    """The audit service ``name``'s default file:
    ``%ProgramData%\\win32session\\<name>.jsonl``."""
    check_name(name)
    return os.path.join(program_data(), FOLDER_NAME, f"{name}.jsonl")


def check_name(name: str) -> None:
    """Raises ``ValueError`` unless ``name`` can name both a service and a file."""
    if not name or name.strip(" .") != name:
        raise ValueError(f"a service name must not be empty or start or end with '.' "
                         f"or a space: {name!r}")
    bad = sorted({ch for ch in name if ch in _NOT_IN_FILE_NAMES or ord(ch) < 32})
    if bad:
        raise ValueError(f"a service name cannot hold {''.join(bad)!r}: {name!r}")
    if len(name) > MAX_SERVICE_NAME:
        raise ValueError(f"a service name has at most {MAX_SERVICE_NAME} characters, "
                         f"this one {len(name)}")
    device = device_name(name)
    if device:
        raise ValueError(f"a service name cannot be the reserved device name {device}: its "
                         f"file {name}.jsonl would be the device, not a file: {name!r}")


def ensure_protected_folder(path: str, owners: Iterable[str] | None = None) -> str | None:
    """Makes ``path`` a folder with :data:`FOLDER_SDDL`'s owner and DACL;
    returns one line when an untrusted folder was moved aside, else None.

    A new folder gets them from ``CreateDirectoryW``'s SECURITY_ATTRIBUTES, so
    it never exists with the parent's ACL; missing parents are made first, as
    usual. An existing folder that ``trust.folder_verdict`` does not trust
    for ``owners`` (default SYSTEM and Administrators) is never adopted: a
    user who made it first may still hold a handle with WRITE_DAC, which an
    owner or DACL change would not take back. It is moved aside
    (``trust.move_aside``) and a fresh one made. A link or junction, or a
    file, is refused: the trail must not be redirected. Needs an
    administrator or SYSTEM; ``OSError`` says what failed and where.
    https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createdirectoryw
    """
    require_windows()
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    if parent != path:
        os.makedirs(parent, exist_ok=True)
    if sys.platform == "win32":
        from .trust import (
            TRAIL_OWNERS,
            UntrustedFile,
            folder_verdict,
            held,
            move_aside,
        )

        if _create_protected_folder(path):
            return None
        with held(path) as found:
            if found is None:
                raise FileNotFoundError(f"the audit folder {path} vanished")
            if found.facts.attributes & kernel32.FILE_ATTRIBUTE_REPARSE_POINT:
                raise OSError(f"the audit folder {path} is a link or junction; "
                              "remove it and try again")
            if not found.facts.attributes & kernel32.FILE_ATTRIBUTE_DIRECTORY:
                raise NotADirectoryError(f"the audit folder {path} is a file, not a folder")
            why = folder_verdict(found.facts.descriptor,
                                 TRAIL_OWNERS if owners is None else owners)
        if why is None:
            return None
        try:
            aside = move_aside(path)
        except OSError as exc:
            raise _explained(exc, "cannot move aside the untrusted audit folder",
                             path) from None
        if not _create_protected_folder(path):
            raise UntrustedFile(f"the audit folder {path} was made again by someone else "
                                "after it was moved aside; try again")
        return f"moved the audit folder {path} aside to {aside}: it was {why}"
    return None


if sys.platform == "win32":

    def _create_protected_folder(path: str) -> bool:
        """``CreateDirectoryW`` with :data:`FOLDER_SDDL`; False when the name
        is taken already."""
        from .trust import sddl_descriptor

        with sddl_descriptor(FOLDER_SDDL) as descriptor:
            attributes = kernel32.SECURITY_ATTRIBUTES(
                ctypes.sizeof(kernel32.SECURITY_ATTRIBUTES), descriptor, False)
            try:
                kernel32.CreateDirectoryW(path, ctypes.byref(attributes))
                return True
            except OSError as exc:
                if exc.winerror != shared.ERROR_ALREADY_EXISTS:
                    raise _explained(exc, "cannot create the audit folder", path) from None
                return False


def folder_sddl(path: str) -> str:
    """``path``'s owner and DACL in SDDL, as Windows reports them
    (``GetNamedSecurityInfoW``): for the tests and ``service status``.
    https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-getnamedsecurityinfow
    """
    if sys.platform == "win32":
        what = advapi32.OWNER_SECURITY_INFORMATION | advapi32.DACL_SECURITY_INFORMATION
        descriptor = ctypes.c_void_p()
        try:
            advapi32.GetNamedSecurityInfoW(path, advapi32.SE_FILE_OBJECT, what, None, None, None,
                                           None, ctypes.byref(descriptor))
        except OSError as exc:
            raise _explained(exc, "cannot read the security of", path) from None
        try:
            text = ctypes.c_void_p()
            advapi32.ConvertSecurityDescriptorToStringSecurityDescriptorW(
                descriptor, advapi32.SDDL_REVISION_1, what, ctypes.byref(text), None)
            try:
                return ctypes.wstring_at(text.value) if text.value else ""
            finally:
                kernel32.LocalFree(text)
        finally:
            kernel32.LocalFree(descriptor)
    require_windows()
    raise AssertionError("unreachable")


if sys.platform == "win32":

    def _explained(exc: OSError, what: str, path: str) -> OSError:
        """``exc`` again, of the same kind and Windows code, saying what and where."""
        hint = ""
        if isinstance(exc, PermissionError) or exc.winerror in (1307, 1314):
            # 5 access denied; 1307 ERROR_INVALID_OWNER, 1314 privilege not held.
            hint = " (run it as an administrator)"
        return type(exc)(exc.errno, f"{what} {path}: {exc.strerror}{hint}", None,
                         exc.winerror)


def secure_trail(output: str, protect: bool, owners: Iterable[str],
                 files: Iterable[str] | None = None, *, create: bool = False) -> list[str]:
    """Makes the trail ``output`` and its log ones the service may append
    to, or raises ``OSError`` (``trust.UntrustedFile``: one line): with
    ``protect`` (the default file), its folder protected and then checked;
    then each file that exists moved aside where its owner or its ACEs are
    wrong, a fresh one made in its place, and refused where it is a link or
    has a second name (``files``:
    which of them, the log first by default; ``create``: a missing one made
    with ``trust.FILE_SDDL``, as the service does; without ``protect``, a
    missing folder is made, and must be one only administrators can change).
    Run by ``service install`` and at each start of the service; returns one
    line for each folder or file moved aside."""
    from ..paths import log_path
    from .trust import (
        UntrustedFile,
        secure_files,
        trail_owners,
        verify_folder,
        verify_output_folder,
    )

    owner_set = frozenset(owners)
    folder = os.path.dirname(output)
    moved: list[str] = []
    try:
        if protect:
            aside = ensure_protected_folder(folder, owner_set)
            moved += [aside] if aside else []
            verify_folder(folder, owner_set)
        else:
            # A folder of the administrator's choice (--output) is made as it
            # is named, with what it inherits, and must be one only
            # administrators (and the service's account) can change: a user
            # who may rename it or a folder above could put a junction there.
            os.makedirs(folder, exist_ok=True)
            verify_output_folder(folder, owner_set | trail_owners())
        secure_files([log_path(output), output] if files is None else list(files),
                     owner_set, create=create, moved=moved)
    except UntrustedFile as exc:
        if moved:  # said on the same line, since nothing else will say it
            raise UntrustedFile(f"{exc} ({'; '.join(moved)})") from None
        raise
    return moved
