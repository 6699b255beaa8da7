"""What the audit service trusts: the decisions, fed with descriptors.

Wine 8.0 keeps no owners or ACLs: every file it describes is owned by the
one Wine user (S-1-5-21-0-0-0-1000), with SYSTEM and that user full control
and Everyone read where the Unix bits let others read. So the decisions are
pure functions (``_trust.writers``, ``file_verdict``, ``interpreter_checks``)
and are fed here both what Wine really answers and descriptors written the
way Windows returns them (SDDL, from what ``icacls``/``Get-Acl`` show for a
python.org install under Program Files, a per-user one under
%LOCALAPPDATA%, a folder an administrator made in C:\\, and a folder a user
made in %ProgramData%). On any OS they are given as parsed descriptors; under
Wine or Windows the same SDDL also goes through Windows's own parser
(``ConvertStringSecurityDescriptorToSecurityDescriptorW``) and our reading
of it (``GetAce``), which must give the same descriptors. The exact
descriptors of real files are asserted on real Windows only.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from support import under_wine

from win32session._cli.audit.image_path import Interpreter
from win32session._cli.audit.trust import (
    ADMINISTRATORS,
    EVERYONE,
    FILE_ATTRIBUTE_DIRECTORY,
    FILE_ATTRIBUTE_REPARSE_POINT,
    INHERIT_ONLY_ACE,
    INHERITED_ACE,
    SYSTEM,
    TRAIL_OWNERS,
    TRUSTED_INSTALLER,
    Ace,
    Check,
    Descriptor,
    FileFacts,
    file_verdict,
    folder_verdict,
    interpreter_checks,
    location_problem,
    refusal,
    writers,
)

USER = "S-1-5-21-1004336348-1177238915-682003330-1001"
WINE_USER = "S-1-5-21-0-0-0-1000"
USERS, AUTHENTICATED, CREATOR_OWNER = "S-1-5-32-545", "S-1-5-11", "S-1-3-0"
FA, READ_EXECUTE, MODIFY, GA = 0x1F01FF, 0x1200A9, 0x1301BF, 0x10000000
GX, GW, GR = 0x20000000, 0x40000000, 0x80000000
OWNER_RIGHTS, APPS = "S-1-3-4", "S-1-15-2-1"  # ALL APPLICATION PACKAGES
OICI, ID, IO, CI = 0x3, INHERITED_ACE, INHERIT_ONLY_ACE, 0x2
TI = TRUSTED_INSTALLER


def allow(sid: str, mask: int, flags: int = 0) -> Ace:
    return Ace(0, flags, mask, sid)


#: SDDL as Windows returns it, and the descriptor it stands for.
WINDOWS = {
    # python.exe of a python.org install for all users, C:\Program Files\Python312.
    "program_files": (
        f"O:BAD:AI(A;ID;FA;;;{TI})(A;ID;FA;;;SY)(A;ID;0x1200a9;;;BA)(A;ID;0x1200a9;;;BU)"
        f"(A;OICIIOID;GA;;;CO)",
        Descriptor(ADMINISTRATORS, (
            allow(TI, FA, ID), allow(SYSTEM, FA, ID), allow(ADMINISTRATORS, READ_EXECUTE, ID),
            allow(USERS, READ_EXECUTE, ID), allow(CREATOR_OWNER, GA, OICI | IO | ID)))),
    # The folder C:\Program Files itself.
    "program_files_folder": (
        f"O:{TI}D:P(A;;0x1200a9;;;BU)(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;{TI})",
        Descriptor(TI, (allow(USERS, READ_EXECUTE), allow(SYSTEM, FA),
                        allow(ADMINISTRATORS, FA), allow(TI, FA)))),
    # python.exe of a per-user install, %LOCALAPPDATA%\Programs\Python\Python312.
    "per_user": (
        f"O:{USER}D:(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;FA;;;{USER})",
        Descriptor(USER, (allow(SYSTEM, FA, OICI | ID), allow(ADMINISTRATORS, FA, OICI | ID),
                          allow(USER, FA, OICI | ID)))),
    # A venv an administrator made in C:\srv: Authenticated Users inherit Modify.
    "c_root_folder": (
        "O:BAD:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)(A;OICIID;0x1200a9;;;BU)"
        "(A;ID;0x1301bf;;;AU)",
        Descriptor(ADMINISTRATORS, (
            allow(ADMINISTRATORS, FA, OICI | ID), allow(SYSTEM, FA, OICI | ID),
            allow(USERS, READ_EXECUTE, OICI | ID), allow(AUTHENTICATED, MODIFY, ID)))),
    # %ProgramData%\win32session made by a user first, and closed to others.
    "user_made_folder": (
        f"O:{USER}D:P(A;OICI;FA;;;{USER})",
        Descriptor(USER, (allow(USER, FA, OICI),))),
    # The audit folder as _audit_folder protects it.
    "protected_folder": (
        "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
        Descriptor(ADMINISTRATORS, (allow(SYSTEM, FA, OICI), allow(ADMINISTRATORS, FA, OICI)))),
    # A file in it that a user made before the install.
    "user_file_inside": (
        f"O:{USER}D:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;;FA;;;{USER})",
        Descriptor(USER, (allow(SYSTEM, FA, ID), allow(ADMINISTRATORS, FA, ID),
                          allow(USER, FA)))),
    # The service's own file there.
    "service_file": (
        "O:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)",
        Descriptor(SYSTEM, (allow(SYSTEM, FA, ID), allow(ADMINISTRATORS, FA, ID)))),
    # C:\ itself: Authenticated Users may add a folder, and pass Modify on to
    # what they create below (generic rights, inherit-only).
    "c_root": (
        "O:SYD:(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)(A;OICIIO;SDGXGWGR;;;AU)"
        "(A;;0x4;;;AU)",
        Descriptor(SYSTEM, (allow(ADMINISTRATORS, FA, OICI), allow(SYSTEM, FA, OICI),
                            allow(USERS, READ_EXECUTE, OICI),
                            allow(AUTHENTICATED, 0x10000 | GX | GW | GR, OICI | IO),
                            allow(AUTHENTICATED, 0x4)))),
    # A trail given with --output in C:\Logs, which an administrator made:
    # the file inherits Authenticated Users' Modify from C:\.
    "logs_file": (
        "O:BAD:AI(A;ID;FA;;;BA)(A;ID;FA;;;SY)(A;ID;0x1200a9;;;BU)(A;ID;0x1301bf;;;AU)",
        Descriptor(ADMINISTRATORS, (allow(ADMINISTRATORS, FA, ID), allow(SYSTEM, FA, ID),
                                    allow(USERS, READ_EXECUTE, ID),
                                    allow(AUTHENTICATED, MODIFY, ID)))),
    # C:\Program Files\Python312 of an install for all users, as inherited
    # from C:\Program Files: TrustedInstaller owns it, CREATOR OWNER gets full
    # control of what is created below, Users and the app packages read.
    "program_files_python_folder": (
        f"O:{TI}D:AI(A;ID;FA;;;{TI})(A;CIIOID;GA;;;{TI})(A;ID;0x1301bf;;;SY)"
        "(A;OICIIOID;GA;;;SY)(A;ID;0x1301bf;;;BA)(A;OICIIOID;GA;;;BA)(A;ID;0x1200a9;;;BU)"
        f"(A;OICIIOID;GXGR;;;BU)(A;OICIIOID;GA;;;CO)(A;ID;0x1200a9;;;{APPS})"
        f"(A;OICIIOID;GXGR;;;{APPS})",
        Descriptor(TI, (allow(TI, FA, ID), allow(TI, GA, CI | IO | ID),
                        allow(SYSTEM, MODIFY, ID), allow(SYSTEM, GA, OICI | IO | ID),
                        allow(ADMINISTRATORS, MODIFY, ID),
                        allow(ADMINISTRATORS, GA, OICI | IO | ID),
                        allow(USERS, READ_EXECUTE, ID), allow(USERS, GX | GR, OICI | IO | ID),
                        allow(CREATOR_OWNER, GA, OICI | IO | ID),
                        allow(APPS, READ_EXECUTE, ID), allow(APPS, GX | GR, OICI | IO | ID)))),
    # A folder of the interpreter where Users may not write, but pass Modify
    # on to every file and folder made inside: icacls's Users:(OI)(CI)(IO)(M).
    "passes_on_modify": (
        "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)(A;OICIIO;0x1301bf;;;BU)",
        Descriptor(ADMINISTRATORS, (allow(SYSTEM, FA, OICI), allow(ADMINISTRATORS, FA, OICI),
                                    allow(USERS, READ_EXECUTE, OICI),
                                    allow(USERS, MODIFY, OICI | IO)))),
    # A file of a user's that only its owner could rewrite: OWNER RIGHTS
    # (OW) takes the place of the owner's implicit READ_CONTROL and WRITE_DAC.
    "owner_rights_file": (
        f"O:{USER}D:P(A;;FA;;;{USER})(A;;0x120089;;;OW)",
        Descriptor(USER, (allow(USER, FA), allow(OWNER_RIGHTS, 0x120089)))),
}

#: What Wine 8.0 really answers (GetNamedSecurityInfoW, seen in the tests
#: below): a file, and a folder.
WINE_FILE = Descriptor(WINE_USER, (allow(SYSTEM, FA), allow(WINE_USER, FA),
                                   allow(EVERYONE, READ_EXECUTE)))
WINE_FOLDER = Descriptor(WINE_USER, (allow(SYSTEM, FA, OICI), allow(WINE_USER, FA, OICI),
                                     allow(EVERYONE, READ_EXECUTE, OICI)))


def windows(key: str) -> Descriptor:
    return WINDOWS[key][1]


# --- Who may write. ------------------------------------------------------------

def test_program_files_is_written_by_no_one_but_the_trusted() -> None:
    assert writers(windows("program_files")) == ()
    assert writers(windows("program_files_folder")) == ()


def test_a_per_user_python_is_its_users() -> None:
    assert writers(windows("per_user")) == (USER,)  # the owner, and its ACE


def test_an_owner_without_an_ace_may_still_rewrite_the_dacl() -> None:
    """The owner's implicit READ_CONTROL and WRITE_DAC: no ACE needed."""
    closed = Descriptor(USER, (allow(SYSTEM, FA), allow(ADMINISTRATORS, FA)))
    assert writers(closed) == (USER,)
    assert file_verdict(_facts(closed)) == ("fix", f"owned by {USER}")


def test_authenticated_users_modify_makes_a_folder_writable() -> None:
    assert writers(windows("c_root_folder")) == (AUTHENTICATED,)


def test_wine_says_the_wine_user_owns_everything() -> None:
    assert writers(WINE_FILE) == (WINE_USER,)
    assert writers(WINE_FOLDER) == (WINE_USER,)


@pytest.mark.parametrize("mask", [0x2, 0x4, 0x10, 0x40, 0x10000, 0x40000, 0x80000,
                                  0x10000000, 0x40000000])
def test_each_write_right_counts(mask: int) -> None:
    assert writers(Descriptor(SYSTEM, (allow(USERS, READ_EXECUTE | mask),))) == (USERS,)


def test_what_does_not_reach_the_object_itself_does_not_count() -> None:
    only_children = allow(CREATOR_OWNER, GA, OICI | IO)
    denied = Ace(1, 0, FA, USERS)
    read = allow(EVERYONE, READ_EXECUTE)
    assert writers(Descriptor(TI, (only_children, denied, read))) == ()


def test_no_owner_and_a_null_dacl_are_anyones() -> None:
    assert writers(Descriptor(None, ())) == ("nobody (no owner)",)
    assert writers(Descriptor(SYSTEM, None)) == (EVERYONE,)


# --- Where it lives. -------------------------------------------------------------

def test_a_microsoft_store_python_is_refused_whatever_the_flag() -> None:
    store = (r"C:\Program Files\WindowsApps\PythonSoftwareFoundation.Python.3.12_3.12.2288"
             r".0_x64__qbz5n2kfra8p0\python.exe")
    assert location_problem(store, r"C:\Users") == (
        "a Microsoft Store app (WindowsApps), which LocalSystem cannot start", False)


def test_a_python_under_a_profile_is_refused_unless_the_flag_accepts_it() -> None:
    per_user = r"C:\Users\ann\AppData\Local\Programs\Python\Python312\python.exe"
    assert location_problem(per_user, r"C:\Users") == (r"under a user profile (C:\Users)", True)
    assert location_problem(r"c:\USERS\ann\venv", r"C:\Users") is not None
    assert location_problem(r"C:\Program Files\Python312\python.exe", r"C:\Users") is None
    assert location_problem(r"C:\UsersData\python.exe", r"C:\Users") is None


# --- The interpreter, as `service install` checks it. -----------------------------

def _layout(root: Path) -> Interpreter:
    """A plain install's files: python.exe, a DLL, Lib with a module and a
    package, site-packages with a .pth and win32session."""
    for path in ["python.exe", "python312.dll", "DLLs/_ctypes.pyd", "Lib/os.py",
                 "Lib/json/__init__.py", "Lib/site-packages/extra.pth",
                 "Lib/site-packages/win32session/__init__.py"]:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("")
    python = str(root / "python.exe")
    return Interpreter(python, python, str(root), str(root), str(root / "Lib/site-packages"))


def _reader(untrusted: set[str], bad: Descriptor
            ) -> tuple[list[str], Callable[[str], Descriptor]]:
    read: list[str] = []

    def descriptor(path: str) -> Descriptor:
        read.append(path)
        name = Path(path).name
        if name in untrusted:
            return bad
        return windows("program_files_folder" if os.path.isdir(path) else "program_files")

    return read, descriptor


def test_a_trusted_interpreter_passes_every_check(tmp_path: Path) -> None:
    interpreter = _layout(tmp_path / "Python312")
    read, reader = _reader(set(), windows("per_user"))
    checks = interpreter_checks(interpreter, reader, None)
    assert [c.line() for c in checks if not c.ok] == []
    assert refusal(checks) is None
    for expected in ["python.exe", "python312.dll", "_ctypes.pyd", "os.py", "__init__.py",
                     "extra.pth", "site-packages"]:
        assert any(Path(p).name == expected for p in read), expected
    assert str(tmp_path) in read  # the folders above


@pytest.mark.parametrize(("name", "label"), [
    ("python312.dll", "interpreter"), ("_ctypes.pyd", "interpreter"),
    ("json", "standard library"), ("extra.pth", "package"), ("win32session", "package"),
])
def test_one_user_writable_piece_fails_its_check(tmp_path: Path, name: str, label: str) -> None:
    interpreter = _layout(tmp_path / "Python312")
    _, reader = _reader({name}, windows("per_user"))
    checks = interpreter_checks(interpreter, reader, None)
    failed = [c for c in checks if not c.ok]
    assert [c.what.split(" ")[0] for c in failed] == [label.split(" ")[0]]
    assert f"{name} is owned by {USER}" in (failed[0].problem or "")
    line = refusal(checks)
    assert line is not None and "\n" not in line
    assert line.startswith("refused: the service would run code as LocalSystem that others "
                           "can change: ")
    assert "install Python for all users" in line and "--allow-user-writable-python" in line


def test_a_layout_without_dlls_or_lib_reads_only_what_is_there(tmp_path: Path) -> None:
    """An embeddable CPython: python.exe, python312.zip, no DLLs or Lib."""
    root = tmp_path / "embed"
    root.mkdir()
    for name in ("python.exe", "python312.zip", "python312._pth"):
        (root / name).write_text("")
    python = str(root / "python.exe")
    interpreter = Interpreter(python, python, str(root), str(root), str(root / "site"))
    read, reader = _reader(set(), windows("per_user"))
    assert all(c.ok for c in interpreter_checks(interpreter, reader, None))
    assert all(os.path.exists(p) for p in read)
    assert str(root / "python312._pth") in read


def test_a_folder_above_that_lets_users_replace_it_fails(tmp_path: Path) -> None:
    interpreter = _layout(tmp_path / "srv" / "Python312")
    _, reader = _reader({"srv"}, Descriptor(ADMINISTRATORS, (allow(USERS, 0x40),)))
    checks = interpreter_checks(interpreter, reader, None)
    assert [c.what for c in checks if not c.ok] == [
        "folders above them owned by and closed to others"]


def test_under_wine_every_check_fails_on_the_wine_user(tmp_path: Path) -> None:
    interpreter = _layout(tmp_path / "py3.12")
    checks = interpreter_checks(interpreter, lambda path: WINE_FILE, None)
    assert [c.ok for c in checks] == [True, False, False, False, False]  # venv: none


def test_a_store_python_cannot_be_accepted_by_the_flag() -> None:
    checks = [Check("interpreter x", "in WindowsApps", overridable=False)]
    line = refusal(checks)
    assert line is not None and "--allow-user-writable-python" not in line


# --- The trail's folder and files. --------------------------------------------------

def _facts(descriptor: Descriptor, attributes: int = 0x20, links: int = 1) -> FileFacts:
    return FileFacts(descriptor, attributes, links)


def test_the_services_own_file_is_trusted() -> None:
    assert file_verdict(_facts(windows("service_file")))[0] == "ok"


def test_a_file_a_user_made_first_is_taken_over() -> None:
    assert file_verdict(_facts(windows("user_file_inside"))) == ("fix", f"owned by {USER}")
    explicit = Descriptor(SYSTEM, (allow(SYSTEM, FA, ID), allow(USERS, 0x4)))
    assert file_verdict(_facts(explicit)) == ("fix", "writable by Users")


def test_a_file_closed_to_the_service_is_taken_over_unless_it_is_a_link() -> None:
    """READ_CONTROL denied: only the attributes and links are known. A link
    is still refused (taking it over would change what it points to)."""
    assert file_verdict(FileFacts(None, 0x20, 1)) == (
        "fix", "closed to this account (its owner keeps it)")
    assert file_verdict(FileFacts(None, 0x20 | FILE_ATTRIBUTE_REPARSE_POINT, 1))[0] == "refuse"
    assert file_verdict(FileFacts(None, 0x20, 3))[0] == "refuse"
    assert folder_verdict(None) == "closed to this account"


def test_a_link_a_second_name_or_a_folder_is_refused() -> None:
    trusted = windows("service_file")
    assert file_verdict(_facts(trusted, 0x20 | FILE_ATTRIBUTE_REPARSE_POINT))[0] == "refuse"
    assert file_verdict(_facts(trusted, links=2)) == (
        "refuse", "has 2 names (hard links): another name may reach it from anywhere")
    assert file_verdict(_facts(trusted, FILE_ATTRIBUTE_DIRECTORY))[0] == "refuse"


def test_wine_files_are_trusted_only_for_the_account_the_service_runs_as() -> None:
    # At install (an administrator, for a service that runs as SYSTEM) Wine's
    # answer is a file of someone else's; in the service, Wine's one user is
    # the service's own account.
    assert file_verdict(_facts(WINE_FILE))[0] == "fix"
    assert file_verdict(_facts(WINE_FILE), TRAIL_OWNERS | {WINE_USER})[0] == "ok"


def test_a_folder_a_user_made_first_is_not_trusted_until_taken_over() -> None:
    assert folder_verdict(windows("user_made_folder")) == f"owned by {USER}"
    assert folder_verdict(windows("protected_folder")) is None
    assert folder_verdict(WINE_FOLDER) == f"owned by {WINE_USER}"


# --- Through Windows's own parser (Wine's or Windows's). ----------------------------

if sys.platform == "win32":  # mypy reads these for Windows only

    @pytest.mark.windows
    @pytest.mark.parametrize("key", sorted(WINDOWS))
    def test_the_sddl_reads_back_as_the_descriptor(key: str) -> None:
        """Windows's SDDL parser and our GetAce reading give the descriptor the
        decisions above were fed."""
        from win32session._cli.audit import trust as _trust

        sddl, expected = WINDOWS[key]
        assert _trust.from_sddl(sddl) == expected

    @pytest.mark.windows
    def test_a_real_file_is_described_as_this_windows_does(tmp_path: Path) -> None:
        from win32session._cli.audit import trust as _trust

        pinned, read_descriptor = _trust.pinned, _trust.read_descriptor
        service_account = _trust.service_account
        made = tmp_path / "a.jsonl"
        made.write_text("{}\n")
        described = read_descriptor(str(made))
        with pinned(str(made)) as facts:
            assert facts is not None
        print(described, facts, sep="\n")
        assert facts.descriptor == described and facts.links == 1
        if under_wine():
            # What Wine 8.0 answers: the one Wine user owns it (this process's
            # own account), SYSTEM and that user have full control, Everyone reads.
            assert described == Descriptor(service_account(), WINE_FILE.dacl)
            assert service_account() == WINE_USER
            return
        assert described.owner in (service_account(), ADMINISTRATORS)
        assert file_verdict(facts, TRAIL_OWNERS | {service_account()})[0] == "ok"


@pytest.mark.parametrize(("include", "refused"), [("true", True), ("false", False)])
def test_a_venv_reads_the_bases_pth_files_only_when_it_includes_them(
        tmp_path: Path, include: str, refused: bool) -> None:
    base = _layout(tmp_path / "Python312")
    (tmp_path / "Python312/Lib/site-packages/base-only.pth").write_text("")
    venv = tmp_path / "venv"
    (venv / "Lib/site-packages/win32session").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {tmp_path / 'Python312'}\n"
                                     f"include-system-site-packages = {include}\n")
    interpreter = Interpreter(str(venv / "Scripts/python.exe"), base.base_executable,
                              str(venv), base.base_prefix, str(venv / "Lib/site-packages"))
    _, reader = _reader({"base-only.pth"}, windows("per_user"))
    checks = interpreter_checks(interpreter, reader, None)
    assert [c.what.split(" ")[0] for c in checks if not c.ok] == (
        ["package"] if refused else [])


def test_a_package_imported_from_elsewhere_leaves_the_installations_pth_checked(
        tmp_path: Path) -> None:
    """As under the Wine bed: win32session comes from a folder a .pth of the
    installation's site-packages names."""
    base = _layout(tmp_path / "Python312")
    elsewhere = tmp_path / "checkout"
    (elsewhere / "win32session").mkdir(parents=True)
    interpreter = Interpreter(base.executable, base.base_executable, base.prefix,
                              base.base_prefix, str(elsewhere))
    read, reader = _reader(set(), windows("per_user"))
    assert all(c.ok for c in interpreter_checks(interpreter, reader, None))
    assert str(elsewhere) in read and str(elsewhere / "win32session") in read
    _, reader = _reader({"extra.pth"}, windows("per_user"))
    checks = interpreter_checks(interpreter, reader, None)
    assert [c.what.split(" ")[0] for c in checks if not c.ok] == ["package"]


# --- Second review (issue 15): rename, inheritance, OWNER RIGHTS. -----------------

def _reader_of(table: dict[str, Descriptor], default_file: str = "program_files",
               default_folder: str = "program_files_python_folder"
               ) -> Callable[[str], Descriptor]:
    """Each path's descriptor: ``table``'s by name ("/" or "X:\\" for a
    drive's root), else a real all-users install's file or folder."""
    def descriptor(path: str) -> Descriptor:
        key = path if os.path.dirname(path) == path else Path(path).name
        if key in table:
            return table[key]
        return windows(default_folder if os.path.isdir(path) else default_file)
    return descriptor


def test_a_real_all_users_install_passes(tmp_path: Path) -> None:
    """TrustedInstaller's folder, CREATOR OWNER's inherit-only full control,
    Users and ALL APPLICATION PACKAGES reading: nobody else may write, nor
    pass writing on. C:\\ above it (its root) lets Authenticated Users add
    folders and pass Modify on; neither replaces anything below."""
    interpreter = _layout(tmp_path / "Python312")
    root = os.path.abspath(os.sep)
    checks = interpreter_checks(interpreter, _reader_of({root: windows("c_root")}), None)
    assert [c.line() for c in checks if not c.ok] == []


def test_a_folder_above_that_others_may_rename_fails(tmp_path: Path) -> None:
    """DELETE on C:\\Tools lets a user rename it and put a folder of their
    own, with their own python.exe, in its place.
    https://learn.microsoft.com/windows/win32/fileio/file-security-and-access-rights"""
    interpreter = _layout(tmp_path / "Tools" / "Python312")
    renamable = Descriptor(ADMINISTRATORS, (allow(ADMINISTRATORS, FA), allow(USERS, 0x10000)))
    checks = interpreter_checks(interpreter, _reader_of({"Tools": renamable}), None)
    failed = [c for c in checks if not c.ok]
    assert [c.what for c in failed] == ["folders above them owned by and closed to others"]
    assert failed[0].problem == f"{tmp_path / 'Tools'} is writable by Users"


def test_delete_on_a_drive_root_and_generic_write_above_replace_nothing(
        tmp_path: Path) -> None:
    """A drive's root cannot be renamed; GENERIC_WRITE on a folder maps to
    FILE_GENERIC_WRITE (add a file or a subfolder), which deletes nothing."""
    interpreter = _layout(tmp_path / "Python312")
    root = os.path.abspath(os.sep)
    table = {root: Descriptor(SYSTEM, (allow(USERS, 0x10000),)),
             tmp_path.name: Descriptor(ADMINISTRATORS, (allow(USERS, GW),))}
    checks = interpreter_checks(interpreter, _reader_of(table), None)
    assert [c.line() for c in checks if not c.ok] == []


@pytest.mark.parametrize("where", ["Lib", "site-packages", "win32session", "Python312"])
def test_a_folder_that_passes_write_on_to_new_files_fails(tmp_path: Path, where: str) -> None:
    """Users:(OI)(CI)(IO)(M) gives them nothing on the folder itself, but
    Modify on every .pyc the service's Python later writes as SYSTEM in a new
    __pycache__ there."""
    interpreter = _layout(tmp_path / "Python312")
    table = {where: windows("passes_on_modify")}
    checks = interpreter_checks(interpreter, _reader_of(table), None)
    failed = [c for c in checks if not c.ok]
    assert failed  # Lib fails twice: listed in the interpreter's folder, and the stdlib
    assert all((c.problem or "").endswith(f"{where} is writable by Users") for c in failed)


def test_creator_owner_and_passing_on_to_the_trusted_do_not_count() -> None:
    folder = windows("program_files_python_folder")
    assert writers(folder, children=True) == ()
    assert writers(windows("passes_on_modify"), children=True) == (USERS,)
    assert writers(windows("passes_on_modify")) == ()  # the folder itself: read only


def test_a_trail_that_inherits_others_write_is_taken_over() -> None:
    """--output C:\\Logs\\audit.jsonl: Authenticated Users' Modify comes
    from C:\\ by inheritance, and lets every user rewrite the trail."""
    assert file_verdict(_facts(windows("logs_file"))) == (
        "fix", "writable by Authenticated Users")


def test_a_file_with_owner_rights_is_still_a_users() -> None:
    assert file_verdict(_facts(windows("owner_rights_file"))) == ("fix", f"owned by {USER}")


def test_the_write_handle_must_reach_the_checked_path() -> None:
    """GetFinalPathNameByHandleW's answers as Windows gives them: the \\\\?\\
    prefix and another case still name the trail; a path a junction led to
    does not, nor does a file with a wrong verdict at the right path."""
    from win32session._cli.audit.trust import handle_problem, same_path

    path = r"C:\ProgramData\win32session\audit.jsonl"
    assert same_path(r"\\?\C:\ProgramData\Win32Session\AUDIT.jsonl", path)
    assert same_path(r"\\?\UNC\host\share\t.jsonl", r"\\host\share\t.jsonl")
    assert not same_path(r"\\?\C:\Windows\System32\drivers\etc\hosts", path)
    ok = FileFacts(Descriptor(SYSTEM, (Ace(0, 0, 0x1F01FF, SYSTEM),)), 0x20, 1)
    assert handle_problem(ok, "\\\\?\\" + path, path, TRAIL_OWNERS) is None
    assert handle_problem(ok, r"\\?\C:\Windows\win.ini", path, TRAIL_OWNERS) == (
        rf"{path} was opened as \\?\C:\Windows\win.ini: a link or junction on the way, "
        "or a folder renamed since the check")
    linked = FileFacts(ok.descriptor, 0x20, 2)
    assert "has 2 names" in (handle_problem(linked, path, path, TRAIL_OWNERS) or "")


def test_an_output_folder_users_may_change_is_refused(tmp_path: Path) -> None:
    """--output C:\\Logs\\t.jsonl, C:\\Logs made by an administrator under C:\\:
    it inherits Authenticated Users' Modify (DELETE, add files), so a user
    could rename it and put a junction in its place. Windows-shaped SDDL."""
    from win32session._cli.audit.trust import output_folder_problem

    logs = tmp_path / "Logs"
    logs.mkdir()
    root = os.path.abspath(os.sep)
    inherited = Descriptor(ADMINISTRATORS, (
        allow(ADMINISTRATORS, FA, OICI | ID), allow(SYSTEM, FA, OICI | ID),
        allow(USERS, READ_EXECUTE, OICI | ID), allow(AUTHENTICATED, MODIFY, ID)))
    read = _reader_of({"Logs": inherited, root: windows("c_root")})
    assert output_folder_problem(str(logs), read, TRAIL_OWNERS) == (
        f"{logs} is writable by Authenticated Users")
    protected = Descriptor(ADMINISTRATORS, (allow(SYSTEM, FA, OICI),
                                            allow(ADMINISTRATORS, FA, OICI)))
    read = _reader_of({"Logs": protected, root: windows("c_root")})
    assert output_folder_problem(str(logs), read, TRAIL_OWNERS) is None
    # Protected, but in a folder that lets Users rename it (DELETE_CHILD).
    read = _reader_of({"Logs": protected, tmp_path.name: Descriptor(
        ADMINISTRATORS, (allow(USERS, 0x40),)), root: windows("c_root")})
    assert output_folder_problem(str(logs), read, TRAIL_OWNERS) == (
        f"{tmp_path} is writable by Users")


def test_under_wine_an_output_folder_is_the_service_accounts(tmp_path: Path) -> None:
    """What Wine 8.0 answers for every folder: the Wine user's, the account
    Wine's services run as; trusted as the service's own, else refused."""
    from win32session._cli.audit.trust import output_folder_problem

    def read(path: str) -> Descriptor:
        return WINE_FOLDER

    assert output_folder_problem(str(tmp_path), read, TRAIL_OWNERS | {WINE_USER}) is None
    assert output_folder_problem(str(tmp_path), read, TRAIL_OWNERS) == (
        f"{tmp_path} is owned by {WINE_USER}")
