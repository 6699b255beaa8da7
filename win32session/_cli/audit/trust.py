"""What the audit service trusts: the code it runs as LocalSystem, and the
files it appends to.

The service runs ``python.exe -I -m win32session service run`` as SYSTEM at
every boot. Whoever can change that python.exe, its DLLs, its standard
library, the venv's ``pyvenv.cfg``, a ``.pth`` file or a module in
site-packages, or win32session itself, runs code as SYSTEM: a local privilege
escalation. So ``service install`` reads the owner and DACL of each of them
and refuses when anyone but SYSTEM, Administrators and TrustedInstaller may
write one (:func:`interpreter_checks`). An owner may always rewrite its
object's DACL, so an owner outside those three counts as a writer too.
A path under a user profile is the user's (python.org's default per-user
install, ``%LOCALAPPDATA%\\Programs\\Python``) and a Microsoft Store Python
(``WindowsApps``) cannot be started by SYSTEM at all: both are refused from
the path alone.

The trail and the service's log are appended to by SYSTEM: a user who made
either first (``%ProgramData%`` lets users create) owns it, and could make it
a link to a file of Windows's, or a second name (a hard link) of one. So each
must be owned by SYSTEM or Administrators (or the account the service runs
as: SYSTEM), not be a reparse point, and have one link (:func:`file_verdict`).
Anyone else who may write it, through its own ACEs or inherited ones, counts
too. Such a folder or file is never adopted: a handle its maker opened
before an owner or DACL change keeps the access it was granted. It is moved
aside (:func:`move_aside`) and a fresh one made with a protected DACL; a
link or a second name is refused: which file it reaches is not ours to
change. The service opens each for writing with no one else allowed to
write it (``LineOutput(exclusive=True)``) and, before the first line, checks
the file through that very handle (:func:`verify_handle`: owner, DACL,
links, and that its final path is the checked one, not a file a junction
put on the way). ``--output``'s folder, and the folders above it, must be
ones only administrators can change (:func:`output_folder_problem`).

The decisions are pure functions of parsed descriptors (:class:`Descriptor`),
so that tests feed them the descriptors Wine really returns and descriptors
built the way Windows returns them; reading them needs Windows.
"""

from __future__ import annotations

import contextlib
import ntpath
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..._platform import require_windows

if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    from ..._win32 import advapi32, kernel32, shared

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final
    from .image_path import Interpreter

__all__ = [
    "ALLOW_FLAG",
    "REQUIRED_PRIVILEGES",
    "Ace",
    "Check",
    "Descriptor",
    "FileFacts",
    "UntrustedFile",
    "file_verdict",
    "interpreter_checks",
    "location_problem",
    "writers",
]

#: ``service install``'s flag that accepts an interpreter others can write.
ALLOW_FLAG: Final = "--allow-user-writable-python"

#: The privileges the audit service needs beyond what LocalSystem's DACL
#: rights give it: none. A folder or file it does not trust is moved aside,
#: never taken over (a handle opened before a take-over keeps its access),
#: which SYSTEM's FILE_DELETE_CHILD on the folder allows.
#: For ``SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO``.
REQUIRED_PRIVILEGES: Final[tuple[str, ...]] = ()

# Well-known SIDs. https://learn.microsoft.com/windows/win32/secauthz/well-known-sids
SYSTEM: Final = "S-1-5-18"
ADMINISTRATORS: Final = "S-1-5-32-544"
#: NT SERVICE\TrustedInstaller, the service SID of Windows Modules Installer:
#: the owner of Windows's own files and of Program Files.
TRUSTED_INSTALLER: Final = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
EVERYONE: Final = "S-1-1-0"
#: Who may change what LocalSystem runs.
TRUSTED: Final = frozenset({SYSTEM, ADMINISTRATORS, TRUSTED_INSTALLER})
#: Who may own what the service appends to.
TRAIL_OWNERS: Final = frozenset({SYSTEM, ADMINISTRATORS})
_NAMES: Final = {
    SYSTEM: "SYSTEM", ADMINISTRATORS: "Administrators", TRUSTED_INSTALLER: "TrustedInstaller",
    EVERYONE: "Everyone", "S-1-5-32-545": "Users", "S-1-5-11": "Authenticated Users",
    "S-1-5-4": "INTERACTIVE", "S-1-3-0": "CREATOR OWNER", "S-1-3-4": "OWNER RIGHTS",
    "S-1-5-32-546": "Guests",
}

# Access rights that let a trustee change a file or what a folder holds.
# https://learn.microsoft.com/windows/win32/fileio/file-access-rights-constants
FILE_WRITE_DATA: Final = 0x0002  # a folder: FILE_ADD_FILE
FILE_APPEND_DATA: Final = 0x0004  # a folder: FILE_ADD_SUBDIRECTORY
FILE_WRITE_EA: Final = 0x0010
FILE_DELETE_CHILD: Final = 0x0040
DELETE: Final = 0x00010000
WRITE_DAC: Final = 0x00040000
WRITE_OWNER: Final = 0x00080000
GENERIC_ALL: Final = 0x10000000
GENERIC_WRITE: Final = 0x40000000
#: Any of these lets its holder change the object.
WRITE_RIGHTS: Final = (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_DELETE_CHILD
                       | DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_ALL | GENERIC_WRITE)
#: On a folder above: any of these lets its holder replace what is below:
#: delete or rename a child (FILE_DELETE_CHILD), rename the folder itself
#: and put another in its place (DELETE: a rename needs DELETE on what is
#: renamed), or take the folder over. Adding a file or a folder is not
#: enough (C:\\ lets Authenticated Users do that), and GENERIC_WRITE on a
#: folder maps to no more than that (FILE_GENERIC_WRITE: add a file or a
#: subfolder, write attributes; no delete), so neither counts here.
#: https://learn.microsoft.com/windows/win32/fileio/file-security-and-access-rights
REPLACE_RIGHTS: Final = FILE_DELETE_CHILD | DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_ALL
#: A drive's root cannot be renamed: DELETE on it replaces nothing.
ROOT_REPLACE_RIGHTS: Final = REPLACE_RIGHTS & ~DELETE

# ACE types and flags. https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-ace_header
ACCESS_ALLOWED_ACE_TYPE: Final = 0x0
ACCESS_DENIED_ACE_TYPE: Final = 0x1
ACCESS_ALLOWED_OBJECT_ACE_TYPE: Final = 0x5
ACCESS_ALLOWED_CALLBACK_ACE_TYPE: Final = 0x9
ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE: Final = 0xB
_ALLOWING: Final = frozenset({ACCESS_ALLOWED_ACE_TYPE, ACCESS_ALLOWED_OBJECT_ACE_TYPE,
                              ACCESS_ALLOWED_CALLBACK_ACE_TYPE,
                              ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE})
OBJECT_INHERIT_ACE: Final = 0x01
CONTAINER_INHERIT_ACE: Final = 0x02
INHERIT_ONLY_ACE: Final = 0x08
INHERITED_ACE: Final = 0x10
#: CREATOR OWNER and CREATOR GROUP: in an inheritable ACE they stand for
#: whoever creates the child (SYSTEM, for what the service's Python writes),
#: so they give no one else anything.
#: https://learn.microsoft.com/windows/win32/secauthz/well-known-sids
CREATORS: Final = frozenset({"S-1-3-0", "S-1-3-1"})


@dataclass(frozen=True)
class Ace:
    """One ACE as :func:`writers` needs it: type, flags, access mask, SID."""

    kind: int
    flags: int
    mask: int
    sid: str

    @property
    def allows(self) -> bool:
        """Grants access to the object itself (not only to what it will hold)."""
        return self.kind in _ALLOWING and not self.flags & INHERIT_ONLY_ACE

    @property
    def passes_on(self) -> bool:
        """A folder's ACE that grants what it will hold (files, subfolders)
        the access, to someone other than their creator."""
        return (self.kind in _ALLOWING and bool(self.flags & (OBJECT_INHERIT_ACE
                                                              | CONTAINER_INHERIT_ACE))
                and self.sid not in CREATORS)


@dataclass(frozen=True)
class Descriptor:
    """An object's owner and DACL; ``dacl`` None is a NULL DACL, which
    grants everyone everything."""

    owner: str | None
    dacl: tuple[Ace, ...] | None


def name(sid: str) -> str:
    """A well-known SID's name, else the SID itself."""
    return _NAMES.get(sid, sid)


def writers(descriptor: Descriptor, trusted: Iterable[str] = TRUSTED,
            rights: int = WRITE_RIGHTS, *, children: bool = False) -> tuple[str, ...]:
    """The SIDs outside ``trusted`` that may change the object: its owner
    (an owner may always rewrite the DACL), and every trustee of an ACE that
    allows any of ``rights``, inherited or not. With ``children`` (a folder
    whose new files count: a Python run as SYSTEM writes ``__pycache__``
    there), also every trustee of an ACE that passes them on to what the
    folder will hold, inherit-only or not (:attr:`Ace.passes_on`).

    Deny ACEs are not subtracted: a deny for one group does not stop a member
    allowed through another, so counting allows alone errs on the safe side.
    https://learn.microsoft.com/windows/win32/secauthz/how-dacls-control-access-to-an-object
    """
    allowed = frozenset(trusted)
    found: list[str] = []
    if descriptor.owner is None or descriptor.owner not in allowed:
        found.append(descriptor.owner or "nobody (no owner)")
    if descriptor.dacl is None:
        found.append(EVERYONE)
    else:
        for ace in descriptor.dacl:
            if ((ace.allows or children and ace.passes_on) and ace.mask & rights
                    and ace.sid not in allowed):
                found.append(ace.sid)
    return tuple(dict.fromkeys(found))


def _describe_writers(descriptor: Descriptor, found: Sequence[str]) -> str:
    parts = []
    for sid in found:
        if sid == descriptor.owner:
            parts.append(f"owned by {name(sid)}")
        else:
            parts.append(f"writable by {name(sid)}")
    return ", ".join(parts)


def location_problem(path: str, profiles: str | None) -> tuple[str, bool] | None:
    """Why ``path`` may not hold what LocalSystem runs, from its place alone,
    and whether the flag may override it; None when its place is fine.
    ``profiles`` is the folder of all user profiles (C:\\Users)."""
    parts = [p.lower() for p in ntpath.normpath(path).split("\\")]
    if "windowsapps" in parts:
        return ("a Microsoft Store app (WindowsApps), which LocalSystem cannot start", False)
    if profiles and _within(path, profiles):
        return (f"under a user profile ({profiles})", True)
    return None


def _within(path: str, folder: str) -> bool:
    path, folder = (ntpath.normcase(ntpath.normpath(p)) for p in (path, folder))
    return path == folder or path.startswith(folder.rstrip("\\") + "\\")


@dataclass(frozen=True)
class FileFacts:
    """What a trail file is, as read through one handle; ``descriptor``
    None when this account may not read it."""

    descriptor: Descriptor | None
    attributes: int
    links: int


FILE_ATTRIBUTE_DIRECTORY: Final = 0x10
FILE_ATTRIBUTE_REPARSE_POINT: Final = 0x400


def file_verdict(facts: FileFacts, owners: Iterable[str] = TRAIL_OWNERS) -> tuple[str, str]:
    """(``"ok"``, ``"fix"`` or ``"refuse"``, why) for a file the service
    appends to. A link, a junction or a second name is refused: taking it
    over would change a file that is not ours. A wrong owner, or any ACE
    that lets someone else write, its own or inherited (``--output`` in a
    folder such as ``C:\\Logs`` passes on Authenticated Users' Modify from
    ``C:\\``), is fixed by taking ownership and giving it
    :data:`FILE_SDDL`'s protected DACL."""
    if facts.attributes & FILE_ATTRIBUTE_REPARSE_POINT:
        return "refuse", "is a link or reparse point, not a plain file"
    if facts.attributes & FILE_ATTRIBUTE_DIRECTORY:
        return "refuse", "is a folder"
    if facts.links != 1:
        return "refuse", (f"has {facts.links} names (hard links): another name may reach "
                          "it from anywhere")
    if facts.descriptor is None:
        return "fix", "closed to this account (its owner keeps it)"
    found = writers(facts.descriptor, owners)
    if found:
        return "fix", _describe_writers(facts.descriptor, found)
    return "ok", f"owned by {name(facts.descriptor.owner or '')}, one link, a plain file"


def folder_verdict(descriptor: Descriptor | None, owners: Iterable[str] = TRAIL_OWNERS
                   ) -> str | None:
    """Why the protected folder is not trustworthy, or None (``descriptor``
    None: this account may not even read it)."""
    if descriptor is None:
        return "closed to this account"
    found = writers(descriptor, owners)
    return _describe_writers(descriptor, found) if found else None


@dataclass(frozen=True)
class Check:
    """One precondition: what was checked, and why it fails (None: it holds).
    ``overridable``: the administrator's flag may accept the failure."""

    what: str
    problem: str | None = None
    overridable: bool = True

    @property
    def ok(self) -> bool:
        return self.problem is None

    def line(self) -> str:
        """``OK    what`` or ``FAIL  what: why``."""
        return f"OK    {self.what}" if self.ok else f"FAIL  {self.what}: {self.problem}"


class UntrustedFile(OSError):
    """A trail file, or the folder, that the service will not append to."""


# --- What LocalSystem would run. ----------------------------------------------

Reader = Callable[[str], Descriptor]


def _tree(top: str, skip: Iterable[str] = ()) -> Iterator[str]:
    """``top`` and everything below it, folders first, without ``skip``."""
    skipped = {ntpath.normcase(os.path.abspath(s)) for s in skip}
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs
                   if ntpath.normcase(os.path.abspath(os.path.join(folder, d))) not in skipped]
        yield folder
        for file in files:
            yield os.path.join(folder, file)


def _entries(folder: str) -> Iterator[str]:
    """``folder`` and what it holds directly; nothing when it does not exist
    (an embeddable CPython has no DLLs folder)."""
    if not os.path.isdir(folder):
        return
    yield folder
    with contextlib.suppress(OSError):
        for entry in sorted(os.listdir(folder)):
            yield os.path.join(folder, entry)


def _ancestors(paths: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for path in paths:
        parent = os.path.dirname(os.path.abspath(path))
        while True:
            if os.path.isdir(parent):
                seen.setdefault(ntpath.normcase(parent), parent)
            up = os.path.dirname(parent)
            if up == parent:
                break
            parent = up
    return list(seen.values())


def _first_writable(paths: Iterable[str], read: Reader) -> str | None:
    """The first of ``paths`` (what LocalSystem runs) that others may change,
    a folder counting what it passes on to the files it will hold."""
    for path in paths:
        try:
            descriptor = read(path)
        except OSError as exc:
            return f"{path} cannot be read ({exc})"
        found = writers(descriptor, TRUSTED, children=os.path.isdir(path))
        if found:
            return f"{path} is {_describe_writers(descriptor, found)}"
    return None


def _first_replaceable(folders: Iterable[str], read: Reader,
                       trusted: Iterable[str] = TRUSTED) -> str | None:
    """The first of the folders above that lets others replace what it holds
    or itself (:data:`REPLACE_RIGHTS`; a drive's root cannot be renamed)."""
    for path in folders:
        try:
            descriptor = read(path)
        except OSError as exc:
            return f"{path} cannot be read ({exc})"
        rights = ROOT_REPLACE_RIGHTS if os.path.dirname(path) == path else REPLACE_RIGHTS
        found = writers(descriptor, trusted, rights)
        if found:
            return f"{path} is {_describe_writers(descriptor, found)}"
    return None


#: What no one else may do in ``--output``'s own folder: replace what it
#: holds or itself, and add to it (a file made first under the trail's or
#: the log's name).
OUTPUT_FOLDER_RIGHTS: Final = REPLACE_RIGHTS | FILE_WRITE_DATA | FILE_APPEND_DATA


def output_folder_problem(folder: str, read: Reader, owners: Iterable[str]) -> str | None:
    """Why ``--output``'s ``folder`` is not one only administrators can
    change, or None: it must let no one but SYSTEM, Administrators,
    TrustedInstaller and ``owners`` (the service's account) add to it,
    delete what it holds or rename it (:data:`OUTPUT_FOLDER_RIGHTS`), and
    the folders above none of them replace it (:func:`_first_replaceable`):
    otherwise a user renames a folder on the way and puts a junction in its
    place. ``read`` gives a path's descriptor."""
    trusted = TRUSTED | frozenset(owners)
    try:
        descriptor = read(folder)
    except OSError as exc:
        return f"{folder} cannot be read ({exc})"
    found = writers(descriptor, trusted, OUTPUT_FOLDER_RIGHTS)
    if found:
        return f"{folder} is {_describe_writers(descriptor, found)}"
    return _first_replaceable(_ancestors([folder]), read, trusted)


def interpreter_checks(interpreter: Interpreter, read: Reader, profiles: str | None
                       ) -> list[Check]:
    """One :class:`Check` each for the interpreter (python.exe, its folder,
    its DLLs), the standard library, the venv, the installed package (its
    site-packages, what that holds at the top, every ``.pth``, win32session
    itself), and the folders above them all (which must not let anyone else
    delete or rename what they hold). ``read`` gives a path's descriptor."""
    base_dir = os.path.dirname(interpreter.base_executable)
    stdlib = os.path.join(interpreter.base_prefix, "Lib")
    package = os.path.join(interpreter.package_dir, "win32session")
    groups: list[tuple[str, str, Callable[[], Iterable[str]]]] = [
        ("interpreter", interpreter.base_executable, lambda: [
            *_entries(base_dir), *_entries(os.path.join(interpreter.base_prefix, "DLLs"))]),
        ("standard library", stdlib, lambda: _tree(stdlib, skip=[
            os.path.join(stdlib, "site-packages")]) if os.path.isdir(stdlib) else []),
    ]
    checks: list[Check] = []
    if interpreter.in_venv:
        groups.append(("venv", interpreter.prefix, lambda: [
            interpreter.prefix, os.path.join(interpreter.prefix, "pyvenv.cfg")]))
    else:
        checks.append(Check("venv: none, a plain install"))
    sites = _site_dirs(interpreter)
    groups.append(("package", package, lambda: [
        *(path for folder in sites for path in _entries(folder)), *_tree(package)]))
    roots = [base_dir, *sites, *([interpreter.prefix] if interpreter.in_venv else [])]
    for label, where, paths in groups:
        what = f"{label} {where} not writable by users"
        place = location_problem(where, profiles)
        if place is not None:
            checks.append(Check(what, f"{where} is {place[0]}", place[1]))
            continue
        checks.append(Check(what, _first_writable(paths(), read)))
    checks.append(Check("folders above them owned by and closed to others",
                        _first_replaceable(_ancestors(roots), read)))
    return checks


def _site_dirs(interpreter: Interpreter) -> list[str]:
    """The site-packages folders whose ``.pth`` files the service's Python
    runs at start: the venv's (and the base's too when ``pyvenv.cfg`` says
    include-system-site-packages), or the installation's; and the folder
    win32session was imported from, if another."""
    base = os.path.join(interpreter.base_prefix, "Lib", "site-packages")
    found = [base]
    if interpreter.in_venv:
        found = [os.path.join(interpreter.prefix, "Lib", "site-packages")]
        try:
            with open(os.path.join(interpreter.prefix, "pyvenv.cfg"), encoding="utf-8") as cfg:
                settings = dict(line.partition("=")[::2] for line in cfg)
        except OSError:
            settings = {}
        wanted = {k.strip().lower(): v.strip().lower() for k, v in settings.items()}
        if wanted.get("include-system-site-packages") == "true":
            found.append(base)
    if not any(_within(interpreter.package_dir, f) and _within(f, interpreter.package_dir)
               for f in found):
        found.append(interpreter.package_dir)
    return found


def refusal(checks: Sequence[Check]) -> str | None:
    """The one line ``service install`` refuses with, or None."""
    failed = [c for c in checks if not c.ok]
    if not failed:
        return None
    first = failed[0]
    advice = (f"install Python for all users (under {_program_files()}) and win32session "
              f"into it, or pass {ALLOW_FLAG} to accept the risk")
    if not all(c.overridable for c in failed):
        advice = f"install Python for all users from python.org (under {_program_files()})"
    return (f"refused: the service would run code as LocalSystem that others can change: "
            f"{first.problem}; {advice}")


def _program_files() -> str:
    return os.environ.get("ProgramFiles", "C:\\Program Files")


# --- Reading descriptors and files (Windows). ---------------------------------

def profiles_directory() -> str | None:
    """The folder of all user profiles (``GetProfilesDirectoryW``), or None."""
    from ..._win32 import userenv

    if sys.platform == "win32":
        size = wintypes.DWORD(0)
        with contextlib.suppress(OSError):
            userenv.GetProfilesDirectoryW(None, ctypes.byref(size))
        buffer = ctypes.create_unicode_buffer(max(size.value, 1))
        try:
            userenv.GetProfilesDirectoryW(buffer, ctypes.byref(size))
        except OSError:
            return None
        return buffer.value or None
    require_windows()
    raise AssertionError("unreachable")


if sys.platform == "win32":

    def _sid_string(sid: int | None) -> str | None:
        if not sid:
            return None
        text = ctypes.c_void_p()
        advapi32.ConvertSidToStringSidW(sid, ctypes.byref(text))
        try:
            return ctypes.wstring_at(text.value) if text.value else None
        finally:
            kernel32.LocalFree(text)

    def _ace_sid_offset(kind: int, ace: int) -> int:
        """Where the SID starts in an ACE of type ``kind`` at address ``ace``:
        after header and mask, and for object ACEs after their flags and the
        GUIDs those flags say are present.
        https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-access_allowed_object_ace"""
        offset = ctypes.sizeof(advapi32.ACE_HEADER) + 4
        if kind in (ACCESS_ALLOWED_OBJECT_ACE_TYPE, 0x6, ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE,
                    0xC):
            flags = wintypes.DWORD.from_address(ace + offset).value
            offset += 4 + 16 * bin(flags & 0x3).count("1")
        return offset

    def parse(descriptor: int | None) -> Descriptor:
        """A :class:`Descriptor` from a security descriptor in memory, read
        with ``GetSecurityDescriptorOwner``/``Dacl``, ``GetAclInformation``
        and ``GetAce``."""
        owner, dacl = ctypes.c_void_p(), ctypes.c_void_p()
        present, defaulted = wintypes.BOOL(), wintypes.BOOL()
        advapi32.GetSecurityDescriptorOwner(descriptor, ctypes.byref(owner),
                                            ctypes.byref(defaulted))
        advapi32.GetSecurityDescriptorDacl(descriptor, ctypes.byref(present), ctypes.byref(dacl),
                                           ctypes.byref(defaulted))
        if not present.value or not dacl.value:
            return Descriptor(_sid_string(owner.value), None)
        size = advapi32.ACL_SIZE_INFORMATION()
        advapi32.GetAclInformation(dacl, ctypes.byref(size), ctypes.sizeof(size),
                                   advapi32.AclSizeInformation)
        aces = []
        for index in range(size.AceCount):
            pointer = ctypes.c_void_p()
            advapi32.GetAce(dacl, index, ctypes.byref(pointer))
            address = pointer.value or 0
            header = advapi32.ACE_HEADER.from_address(address)
            mask = wintypes.DWORD.from_address(address + ctypes.sizeof(header)).value
            sid = _sid_string(address + _ace_sid_offset(header.AceType, address))
            aces.append(Ace(header.AceType, header.AceFlags, mask, sid or ""))
        return Descriptor(_sid_string(owner.value), tuple(aces))

    def from_sddl(sddl: str) -> Descriptor:
        """:func:`parse` of the descriptor Windows builds from ``sddl``
        (``ConvertStringSecurityDescriptorToSecurityDescriptorW``)."""
        descriptor = ctypes.c_void_p()
        advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl, advapi32.SDDL_REVISION_1, ctypes.byref(descriptor), None)
        try:
            return parse(descriptor.value)
        finally:
            kernel32.LocalFree(descriptor)

    _WHAT: Final = advapi32.OWNER_SECURITY_INFORMATION | advapi32.DACL_SECURITY_INFORMATION

    def read_descriptor(path: str) -> Descriptor:
        """``path``'s owner and DACL (``GetNamedSecurityInfoW``, which opens
        it with READ_CONTROL)."""
        descriptor = ctypes.c_void_p()
        advapi32.GetNamedSecurityInfoW(path, advapi32.SE_FILE_OBJECT, _WHAT, None, None, None, None,
                                       ctypes.byref(descriptor))
        try:
            return parse(descriptor.value)
        finally:
            kernel32.LocalFree(descriptor)

    def _open_itself(path: str, access: int) -> int:
        """``path`` itself (a link is not followed), a file or a folder."""
        return kernel32.CreateFileW(
            path, access, kernel32.FILE_SHARE_READ | kernel32.FILE_SHARE_WRITE, None,
            kernel32.OPEN_EXISTING,
            kernel32.FILE_FLAG_OPEN_REPARSE_POINT | kernel32.FILE_FLAG_BACKUP_SEMANTICS, None)

    def _facts(handle: int, readable: bool) -> tuple[FileFacts, tuple[int, int, int]]:
        """What the file of ``handle`` is, and who it is: its volume's serial
        number and its file index, which name one file on one volume.
        https://learn.microsoft.com/windows/win32/api/fileapi/ns-fileapi-by_handle_file_information"""
        info = kernel32.BY_HANDLE_FILE_INFORMATION()
        kernel32.GetFileInformationByHandle(handle, ctypes.byref(info))
        parsed: Descriptor | None = None
        if readable:
            descriptor = ctypes.c_void_p()
            advapi32.GetSecurityInfo(handle, advapi32.SE_FILE_OBJECT, _WHAT, None, None, None,
                                     None, ctypes.byref(descriptor))
            try:
                parsed = parse(descriptor.value)
            finally:
                kernel32.LocalFree(descriptor)
        identity = (info.dwVolumeSerialNumber, info.nFileIndexHigh, info.nFileIndexLow)
        return FileFacts(parsed, info.dwFileAttributes, info.nNumberOfLinks), identity

    @dataclass(frozen=True)
    class Held:
        """A file or folder open as itself: its handle, the access that
        handle was granted, and what was read through it."""

        path: str
        handle: int
        access: int
        facts: FileFacts
        identity: tuple[int, int, int]

    @contextlib.contextmanager
    def held(path: str) -> Iterator[Held | None]:
        """The file or folder at ``path`` itself (a link is not followed:
        FILE_FLAG_OPEN_REPARSE_POINT), open for the block; None when there
        is nothing there. Its descriptor is None when this account may not
        read it (READ_CONTROL denied: a user's file closed to SYSTEM); its
        attributes and links are read anyway (FILE_READ_ATTRIBUTES, which
        the folder's list right grants). The handle pins nothing: Windows
        applies share modes only to opens that ask to read, write or delete
        data, so the name may be given to another file meanwhile.
        https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew"""
        tries = [shared.READ_CONTROL | kernel32.FILE_READ_ATTRIBUTES, kernel32.FILE_READ_ATTRIBUTES]
        handle: int | None = None
        for access in tries:
            try:
                handle = _open_itself(path, access)
                break
            except FileNotFoundError:
                handle = None
                break
            except PermissionError:
                if access == tries[-1]:
                    raise
        if handle is None:
            yield None
            return
        try:
            facts, identity = _facts(handle, bool(access & shared.READ_CONTROL))
            yield Held(path, handle, access, facts, identity)
        finally:
            kernel32.CloseHandle(handle)

    def final_path(handle: int) -> str:
        """The path of the file open through ``handle``, links resolved
        (``GetFinalPathNameByHandleW``, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS):
        asked again with the size it says when the buffer was too small."""
        size = 260
        while True:
            buffer = ctypes.create_unicode_buffer(size)
            length = kernel32.GetFinalPathNameByHandleW(
                handle, buffer, size, kernel32.FILE_NAME_NORMALIZED | kernel32.VOLUME_NAME_DOS)
            if length < size:
                return buffer.value
            size = length

    @contextlib.contextmanager
    def pinned(path: str) -> Iterator[FileFacts | None]:
        """:func:`held`'s facts alone: what is at ``path`` now, read through
        one handle; for checks that change nothing."""
        with held(path) as found:
            yield None if found is None else found.facts

    def service_account() -> str:
        """The SID of the account this process runs as (``TokenUser``): for
        the audit service, SYSTEM (Wine's services run as the Wine user)."""
        token = wintypes.HANDLE()
        advapi32.OpenProcessToken(kernel32.GetCurrentProcess(), advapi32.TOKEN_QUERY,
                                  ctypes.byref(token))
        try:
            size = wintypes.DWORD()
            advapi32.GetTokenInformation(token, advapi32.TokenUser, None, 0, ctypes.byref(size))
            buffer = ctypes.create_string_buffer(size.value)
            advapi32.GetTokenInformation(token, advapi32.TokenUser, buffer, size,
                                         ctypes.byref(size))
            # TOKEN_USER starts with SID_AND_ATTRIBUTES, which starts with the PSID.
            sid = ctypes.c_void_p.from_buffer(buffer).value
            return _sid_string(sid) or ""
        finally:
            kernel32.CloseHandle(token)

    def move_aside(path: str) -> str:
        """Renames ``path`` (a file, a folder, or a link itself) to
        ``NAME.untrusted-YYYYmmddTHHMMSS`` next to it, and returns that name:
        an object someone else made first is never adopted, since handles
        opened before an owner or DACL change keep the access they were
        granted. https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-movefileexw"""
        import datetime

        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")
        aside = f"{path}.untrusted-{stamp}"
        kernel32.MoveFileExW(path, aside, 0)
        return aside

    def create_protected(path: str) -> bool:
        """Creates ``path`` empty with :data:`FILE_SDDL`'s owner and DACL,
        so that it never has the permissive ACEs its folder may pass on;
        False when something is there already (CREATE_NEW: never opened).
        https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew"""
        with sddl_descriptor(FILE_SDDL) as descriptor:
            attributes = kernel32.SECURITY_ATTRIBUTES(
                ctypes.sizeof(kernel32.SECURITY_ATTRIBUTES), descriptor, False)
            try:
                handle = kernel32.CreateFileW(path, kernel32.FILE_READ_ATTRIBUTES,
                                              kernel32.FILE_SHARE_READ,
                                              ctypes.byref(attributes), kernel32.CREATE_NEW,
                                              kernel32.FILE_ATTRIBUTE_NORMAL, None)
            except FileExistsError:
                return False
            kernel32.CloseHandle(handle)
            return True

    @contextlib.contextmanager
    def sddl_descriptor(sddl: str) -> Iterator[ctypes.c_void_p]:
        """A self-relative security descriptor made from ``sddl``, freed after."""
        descriptor = ctypes.c_void_p()
        advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl, advapi32.SDDL_REVISION_1, ctypes.byref(descriptor), None)
        try:
            yield descriptor
        finally:
            kernel32.LocalFree(descriptor)

#: What the service gives a trail file it creates: owner Administrators, and full
#: control for SYSTEM and Administrators only, protected: a file of one's own
#: (``--output``) may sit in a folder whose inheritable ACEs let its user in.
FILE_SDDL: Final = "O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)"


def trail_owners() -> frozenset[str]:
    """Who may own the trail: SYSTEM, Administrators, and the account this
    process runs as when it is the service (SYSTEM on Windows; under Wine,
    whose services run as the one Wine user, that user)."""
    if sys.platform == "win32":
        return TRAIL_OWNERS | {service_account()}
    return TRAIL_OWNERS


def file_checks(paths: Sequence[str], owners: Iterable[str], *, fix: bool = False,
                create: bool = False, moved: list[str] | None = None
                ) -> list[tuple[str, str, str]]:
    """(path, verdict, why) for each of ``paths`` (the trail and its log)
    as :func:`file_verdict` decides; with ``fix``, a file it says "fix" is
    moved aside (:func:`move_aside`; one line saying so goes to ``moved``)
    and a fresh one made with :data:`FILE_SDDL` in its place, whose verdict
    is the one given; with ``create``, a file not there yet is made with
    :data:`FILE_SDDL` and checked like one that was."""
    require_windows()
    found: list[tuple[str, str, str]] = []
    if sys.platform == "win32":
        for path in paths:
            if create:
                create_protected(path)
            verdict, why = _file_verdict_now(path, owners)
            if fix and verdict == "fix":
                try:
                    aside = move_aside(path)
                except OSError as exc:
                    raise UntrustedFile(f"{path} is {why}, and moving it aside failed: "
                                        f"{exc}; remove it and try again") from None
                if moved is not None:
                    moved.append(f"moved {path} aside to {aside}: it was {why}")
                if not create_protected(path):
                    raise UntrustedFile(f"{path} was made again by someone else after it was "
                                        "moved aside; the service does not append to it: "
                                        "try again")
                verdict, why = _file_verdict_now(path, owners)
            found.append((path, verdict, why))
    return found


def _file_verdict_now(path: str, owners: Iterable[str]) -> tuple[str, str]:
    """:func:`file_verdict` of what is at ``path`` now, read through one handle."""
    require_windows()
    if sys.platform == "win32":
        with pinned(path) as facts:
            if facts is None:
                return "ok", "not there yet"
            return file_verdict(facts, owners)
    raise AssertionError("unreachable")


def secure_files(paths: Sequence[str], owners: Iterable[str], *, create: bool = False,
                 moved: list[str] | None = None) -> list[str]:
    """Makes each existing file of ``paths`` trustworthy, moving aside one
    :func:`file_verdict` says "fix" and making a fresh one, or raises
    :class:`UntrustedFile` (one line) when one cannot be: a link, a second
    name, or an owner that the fresh file has too (Wine keeps no owners).
    ``create``: the service, which makes a missing one with :data:`FILE_SDDL`
    first. Returns one line for each file moved aside (appended to
    ``moved`` too, as they are moved, so that a caller that catches the
    error still knows them)."""
    moved = [] if moved is None else moved
    for path, verdict, why in file_checks(paths, frozenset(owners), fix=True, create=create,
                                          moved=moved):
        if verdict == "refuse":
            raise UntrustedFile(f"{path} {why}; the service does not append to it: "
                                "remove it and try again")
        if verdict == "fix":
            raise UntrustedFile(f"{path} is {why}, even made afresh; the service "
                                "does not append to a file it does not trust")
    return moved


def same_path(final: str, expected: str) -> bool:
    """Whether ``final`` (``GetFinalPathNameByHandleW``'s answer, with its
    ``\\\\?\\`` or ``\\\\?\\UNC\\`` prefix) names ``expected``: compared
    without case, as NTFS names are. A short (8.3) name in ``expected``
    does not match, which refuses rather than trusts."""
    def plain(path: str) -> str:
        if path.startswith("\\\\?\\UNC\\"):
            path = "\\" + path[len("\\\\?\\UNC"):]
        elif path.startswith("\\\\?\\"):
            path = path[len("\\\\?\\"):]
        return ntpath.normcase(ntpath.normpath(path))
    return plain(final) == plain(ntpath.abspath(expected) if sys.platform == "win32"
                                 else expected)


def handle_problem(facts: FileFacts, final: str, path: str, owners: Iterable[str]
                   ) -> str | None:
    """Why the file open for writing (``facts`` and ``final``, its path now,
    both read through the write handle) is not the trustworthy ``path``."""
    if not same_path(final, path):
        return (f"{path} was opened as {final}: a link or junction on the way, or a "
                "folder renamed since the check")
    verdict, why = file_verdict(facts, owners)
    if verdict != "ok":
        return f"{path} {'is ' if verdict == 'fix' else ''}{why}"
    return None


def verify_handle(handle: int, path: str, owners: Iterable[str]) -> None:
    """Raises :class:`UntrustedFile` unless the file open through ``handle``
    (for appending, with READ_CONTROL and FILE_READ_ATTRIBUTES) is the file
    at ``path`` and :func:`file_verdict` trusts it, all read through this
    handle, before a line is written: a name opened again after the check
    may have reached another file (a folder above swapped for a junction).
    https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-getfinalpathnamebyhandlew"""
    require_windows()
    if sys.platform == "win32":
        facts = _facts(handle, True)[0]
        problem = handle_problem(facts, final_path(handle), path, owners)
        if problem:
            raise UntrustedFile(f"{problem}; the service does not append to a file it "
                                "does not trust")


def verify_folder(path: str, owners: Iterable[str]) -> None:
    """Raises :class:`UntrustedFile` unless the folder ``path`` is a plain
    folder owned by one of ``owners`` that no one else may write: checked
    after it was protected, since Wine, say, keeps no owner it is given."""
    require_windows()
    if sys.platform == "win32":
        with pinned(path) as facts:
            if facts is None:
                raise UntrustedFile(f"the audit folder {path} does not exist")
            if facts.attributes & FILE_ATTRIBUTE_REPARSE_POINT:
                why: str | None = "is a link or junction"
            elif not facts.attributes & FILE_ATTRIBUTE_DIRECTORY:
                why = "is not a folder"
            else:
                found = folder_verdict(facts.descriptor, owners)
                why = f"is {found}" if found else None
        if why:
            raise UntrustedFile(f"the audit folder {path} {why}, even made afresh; "
                                "the service does not write there")


def verify_output_folder(folder: str, owners: Iterable[str]) -> None:
    """Raises :class:`UntrustedFile` (one line) when :func:`output_folder_problem`
    finds ``--output``'s ``folder`` changeable by others."""
    require_windows()
    if sys.platform == "win32":
        problem = output_folder_problem(folder, read_descriptor, owners)
        if problem:
            raise UntrustedFile(f"the folder of the output is not one only administrators "
                                f"can change: {problem}; use a folder whose ACL is locked "
                                "down (the documentation's page \"Auditing from boot\")")


# --- `service install --check`: the trail and the prompt, read only. ---------

def elevation_check() -> Check:
    """Whether this process may create services: ``OpenSCManagerW`` with
    SC_MANAGER_CREATE_SERVICE, the right ``service install`` needs, which
    Windows grants to Administrators only (an elevated prompt).
    https://learn.microsoft.com/windows/win32/services/service-security-and-access-rights"""
    what = "elevated: this prompt may create services"
    require_windows()
    if sys.platform == "win32":
        try:
            scm = advapi32.OpenSCManagerW(None, None, advapi32.SC_MANAGER_CONNECT
                                          | advapi32.SC_MANAGER_CREATE_SERVICE)
        except OSError as exc:
            return Check(what, f"{exc}: use an Administrator prompt", overridable=False)
        advapi32.CloseServiceHandle(scm)
    return Check(what)


def trail_checks(output: str, protect: bool) -> list[Check]:
    """The folder (``protect``: the default one) and each file of the trail,
    judged for the service (SYSTEM) without changing anything. A wrong owner
    fails here although the install moves it aside: it holds only once made afresh."""
    from ..paths import log_path

    require_windows()
    checks: list[Check] = []
    if sys.platform == "win32":
        if protect:
            folder = os.path.dirname(output)
            what = f"folder {folder} owned by SYSTEM or Administrators, closed to others"
            with pinned(folder) as facts:
                if facts is None:
                    checks.append(Check(f"{what} (made by the install)"))
                elif facts.attributes & FILE_ATTRIBUTE_REPARSE_POINT:
                    checks.append(Check(what, "it is a link or junction", False))
                else:
                    found = folder_verdict(facts.descriptor, TRAIL_OWNERS)
                    checks.append(Check(what, found and f"{found}; install moves it aside"))
        else:
            folder = os.path.dirname(os.path.abspath(output))
            what = f"folder {folder} and those above changeable by administrators only"
            if os.path.isdir(folder):
                found = output_folder_problem(folder, read_descriptor, trail_owners())
                checks.append(Check(what, found, False))
            else:
                checks.append(Check(f"{what} (made by the install: checked then)"))
        for path, verdict, why in file_checks([output, log_path(output)], TRAIL_OWNERS):
            what = f"file {path} trustworthy"
            if verdict == "ok":
                checks.append(Check(f"{what}: {why}"))
            elif verdict == "fix":
                checks.append(Check(what, f"{why}; install moves it aside"))
            else:
                checks.append(Check(what, f"it {why}", False))
    return checks
