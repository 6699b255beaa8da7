"""The audit trail's folder: where it is, and its owner and DACL.

Everything runs against the real security functions (Wine's or Windows's);
nothing is simulated. Wine 8.0 keeps no security descriptors for files: it
turns a DACL into Unix permission bits and, when asked, describes a file from
those bits (owner: the Wine user; SYSTEM and the user full control; Everyone
read when others may read). So under Wine these tests check what survives
that mapping, that the folder denies everyone else, and say where Wine stops
(owner, the protected flag, inheritance by the files inside); on Windows they
check the exact descriptor. Wine also runs everything as an administrator,
so that the DACL is enforced cannot be shown there.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from support import under_wine

from win32session._cli.audit.folder import (
    FOLDER_NAME,
    check_name,
    default_output,
    ensure_protected_folder,
    folder_sddl,
    program_data,
)

EVERYONE = "WD"


def _parts(sddl: str) -> tuple[str, str, set[str]]:
    """(owner, DACL flags, ACEs) of an SDDL string with O: and D: parts."""
    match = re.fullmatch(r"O:(?P<owner>[^:]+?)D:(?P<flags>[A-Z]*)(?P<aces>(\([^)]*\))*)", sddl)
    assert match, sddl
    return match["owner"], match["flags"], set(re.findall(r"\([^)]*\)", match["aces"]))


def _trustees(sddl: str) -> set[str]:
    return {ace.strip("()").split(";")[5] for ace in _parts(sddl)[2]}


@pytest.mark.parametrize("name", ["", " x", "x.", "a/b", "a\\b", "a:b", "a*b", "a\x01"])
def test_names_that_cannot_name_a_file_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="service name"):
        check_name(name)


def test_an_ordinary_name_is_accepted() -> None:
    check_name("win32session-audit")


@pytest.mark.windows
def test_the_default_file_is_under_program_data() -> None:
    assert default_output("audit") == os.path.join(program_data(), FOLDER_NAME, "audit.jsonl")
    # The known folder and the variable agree where nobody changed the variable.
    assert os.path.normcase(program_data()) == os.path.normcase(os.environ["ProgramData"])


@pytest.mark.windows
def test_a_new_folder_gets_the_owner_and_dacl(tmp_path: Path) -> None:
    plain, folder = tmp_path / "plain", tmp_path / "made" / "audit"
    plain.mkdir()
    ensure_protected_folder(str(folder))
    made = folder_sddl(str(folder))
    print("plain mkdir:", folder_sddl(str(plain)), "\nprotected:", made)
    if under_wine():
        # What Wine 8.0 answers: its mapping of the DACL to permission bits.
        assert EVERYONE in _trustees(folder_sddl(str(plain)))
        assert _trustees(made) == {"SY", _parts(made)[0]}  # SYSTEM and the owner only
        assert all(";OICI;FA;" in ace for ace in _parts(made)[2])
        return
    owner, flags, aces = _parts(made)
    assert (owner, "P" in flags, aces) == ("BA", True, {"(A;OICI;FA;;;SY)", "(A;OICI;FA;;;BA)"})


@pytest.mark.windows
def test_an_existing_permissive_folder_is_fixed(tmp_path: Path) -> None:
    folder = tmp_path / "audit"
    folder.mkdir()
    (folder / "old.jsonl").write_text("{}\n")
    before = folder_sddl(str(folder))
    ensure_protected_folder(str(folder))
    after = folder_sddl(str(folder))
    print("before:", before, "\nafter:", after)
    if under_wine():
        # SetNamedSecurityInfoW returns 0 under Wine 8.0 with both CPythons,
        # but the permission bits lose Everyone's read with 3.12 and keep it
        # with 3.10 (same Wine, same prefix; not explained yet): all that can
        # be asserted here is the call's success and SYSTEM's full control.
        assert EVERYONE in _trustees(before)
        assert "(A;OICI;FA;;;SY)" in _parts(after)[2]
        return
    owner, flags, aces = _parts(after)
    assert (owner, "P" in flags, aces) == ("BA", True, {"(A;OICI;FA;;;SY)", "(A;OICI;FA;;;BA)"})
    # SetNamedSecurityInfoW replaced the file's inherited ACEs too.
    assert _parts(folder_sddl(str(folder / "old.jsonl")))[2] == {
        "(A;ID;FA;;;SY)", "(A;ID;FA;;;BA)"}


@pytest.mark.windows
def test_a_file_made_inside_inherits(tmp_path: Path) -> None:
    folder = tmp_path / "audit"
    ensure_protected_folder(str(folder))
    (folder / "audit.jsonl").write_text("{}\n")
    inside = folder_sddl(str(folder / "audit.jsonl"))
    print("file inside:", inside)
    if under_wine():
        # Wine 8.0 gives a new file its umask's bits, not the folder's ACEs:
        # inheritance can be checked on Windows only.
        assert EVERYONE in _trustees(inside)
        return
    assert _parts(inside)[2] == {"(A;ID;FA;;;SY)", "(A;ID;FA;;;BA)"}


@pytest.mark.windows
def test_a_file_in_the_folders_place_is_refused(tmp_path: Path) -> None:
    squatter = tmp_path / "audit"
    squatter.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match=re.escape(str(squatter))):
        ensure_protected_folder(str(squatter))


@pytest.mark.windows
def test_reading_a_missing_folder_says_which(tmp_path: Path) -> None:
    missing = tmp_path / "nothing"
    with pytest.raises(FileNotFoundError, match="cannot read the security of .*nothing"):
        folder_sddl(str(missing))


# --- The trail's files: owner, links, reparse points (issue 15, item 3). -----------
# Wine 8.0 answers, as these tests see: every file is owned by the one Wine
# user, which is also the account this process and Wine's services run as;
# SetNamedSecurityInfoW with another owner returns 0 and changes nothing;
# CreateHardLinkW (os.link) works and GetFileInformationByHandle counts the
# links; CreateSymbolicLinkW (os.symlink) returns success and makes nothing,
# and a Unix symlink shows as a plain file (attributes 0x20, one link): Wine
# cannot make a reparse point, so that decision is fed Windows's facts in
# tests/test_trust.py.


def _owners() -> frozenset[str]:
    from win32session._cli.audit.trust import trail_owners

    return trail_owners()


@pytest.mark.windows
def test_a_hard_linked_trail_is_refused_and_left_alone(tmp_path: Path) -> None:
    from win32session._cli.audit.folder import secure_trail
    from win32session._cli.audit.trust import UntrustedFile

    trail = tmp_path / "audit.jsonl"
    trail.write_text("old\n")
    os.link(trail, tmp_path / "elsewhere.txt")  # CreateHardLinkW
    with pytest.raises(UntrustedFile) as refused:
        secure_trail(str(trail), False, _owners())
    assert str(refused.value) == (
        f"{trail} has 2 names (hard links): another name may reach it from anywhere; the "
        "service does not append to it: remove it and try again")
    assert trail.read_text() == "old\n"


@pytest.mark.windows
def test_the_log_is_checked_like_the_trail(tmp_path: Path) -> None:
    from win32session._cli.audit.folder import secure_trail
    from win32session._cli.audit.trust import UntrustedFile

    (tmp_path / "audit.log").write_text("")
    os.link(tmp_path / "audit.log", tmp_path / "other")
    with pytest.raises(UntrustedFile, match=r"audit\.log has 2 names"):
        secure_trail(str(tmp_path / "audit.jsonl"), False, _owners())


@pytest.mark.windows
def test_files_of_the_service_account_pass(tmp_path: Path) -> None:
    from win32session._cli.audit.folder import secure_trail

    (tmp_path / "audit.jsonl").write_text("{}\n")
    secure_trail(str(tmp_path / "audit.jsonl"), False, _owners())  # raises if not


if sys.platform == "win32":  # mypy reads these for Windows only

    @pytest.mark.windows
    def test_a_file_of_someone_else_is_replaced_or_refused(tmp_path: Path) -> None:
        """For the service (SYSTEM) at install, a file another account owns is
        moved aside and made afresh. Wine keeps no owner it is given: the
        fresh file is the Wine user's too, and the check made after refuses it."""
        from win32session._cli.audit import trust as _trust
        from win32session._cli.audit.trust import TRAIL_OWNERS, UntrustedFile, secure_files

        read_descriptor = _trust.read_descriptor

        trail = tmp_path / "audit.jsonl"
        trail.write_text("{}\n")
        if under_wine():
            with pytest.raises(UntrustedFile) as refused:
                secure_files([str(trail)], TRAIL_OWNERS)
            assert str(refused.value) == (
                f"{trail} is owned by {read_descriptor(str(trail)).owner}, even made "
                "afresh; the service does not append to a file it does not trust")
            return
        secure_files([str(trail)], TRAIL_OWNERS)
        assert read_descriptor(str(trail)).owner in TRAIL_OWNERS


@pytest.mark.windows
def test_the_folder_must_stay_ours_after_protection(tmp_path: Path) -> None:
    from win32session._cli.audit.trust import TRAIL_OWNERS, UntrustedFile, verify_folder

    folder = tmp_path / "audit"
    ensure_protected_folder(str(folder))
    verify_folder(str(folder), _owners())  # the service's own account
    if under_wine():
        with pytest.raises(UntrustedFile, match="even made afresh"):
            verify_folder(str(folder), TRAIL_OWNERS)
    else:
        verify_folder(str(folder), TRAIL_OWNERS)


@pytest.mark.windows
def test_a_symbolic_link_as_the_trail(tmp_path: Path) -> None:
    from win32session._cli.audit.trust import UntrustedFile, secure_files

    target = tmp_path / "target.txt"
    target.write_text("not the trail\n")
    link = tmp_path / "audit.jsonl"
    os.symlink(target, link)  # CreateSymbolicLinkW
    if under_wine():
        # What Wine 8.0 answers: success, and no link at all.
        assert not os.path.lexists(link)
        return
    with pytest.raises(UntrustedFile, match="is a link or reparse point"):
        secure_files([str(link)], _owners())
    assert target.read_text() == "not the trail\n"


@pytest.mark.windows
def test_the_default_folder_is_checked_after_it_is_protected(tmp_path: Path) -> None:
    """secure_trail for the default file protects its folder, then checks
    it: for the service's account it passes; for the install (a service that
    runs as SYSTEM) Wine's folder stays the Wine user's and is refused, which
    is why a default `service install` refuses under Wine."""
    from win32session._cli.audit.folder import secure_trail
    from win32session._cli.audit.trust import TRAIL_OWNERS, UntrustedFile

    trail = tmp_path / "audit" / "audit.jsonl"
    secure_trail(str(trail), True, _owners())
    if under_wine():
        with pytest.raises(UntrustedFile) as refused:
            secure_trail(str(trail), True, TRAIL_OWNERS)
        wine_user = sorted(_owners() - TRAIL_OWNERS)[0]
        (aside,) = trail.parent.parent.glob("audit.untrusted-*")
        # The move is said on the refusal's line: nothing else would say it.
        assert str(refused.value) == (
            f"the audit folder {trail.parent} is owned by {wine_user}, even made afresh; the "
            f"service does not write there (moved the audit folder {trail.parent} aside to "
            f"{aside}: it was owned by {wine_user})")
    else:
        secure_trail(str(trail), True, TRAIL_OWNERS)


@pytest.mark.windows
def test_what_is_open_is_checked_again_before_a_line_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second name made between the check and the open (simulated: the
    check before the open is skipped) is caught by the check of the open
    file: the start fails and nothing is appended. The start hook is called
    in this process, as the service host calls it after StartServiceCtrl-
    DispatcherW; only the race is simulated."""
    from win32session._cli.audit import folder as _audit_folder
    from win32session._cli.audit import service as _audit
    from win32session._cli.audit.trust import UntrustedFile

    trail = tmp_path / "audit.jsonl"
    trail.write_text("before\n")
    os.link(trail, tmp_path / "second-name")
    monkeypatch.setattr(_audit_folder, "secure_trail", lambda *args, **kwargs: [])
    log = _audit._TrailLog(str(tmp_path / "audit.log"))
    service = _audit._build("audit", str(trail), False, log)
    (open_file,) = service._on_start
    with pytest.raises(UntrustedFile, match="has 2 names"):
        open_file()
    assert trail.read_text() == "before\n"


@pytest.mark.windows
def test_a_trail_opened_through_a_junction_gets_no_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder above swapped for a junction between the check and the open:
    the open by name reaches the file the user picked. Wine 8.0 makes no
    junction that resolves (CreateSymbolicLinkW does nothing, a junction
    fails with error 50), so the redirection alone is simulated: the open
    of the trail's name is given the other file, as Windows would through
    the junction. GetFinalPathNameByHandleW on the write handle names the
    other file, and the start fails before a line is written."""
    from win32session._cli.audit import folder as _audit_folder
    from win32session._cli.audit import service as _audit
    from win32session._cli.audit.trust import UntrustedFile

    trail, picked = tmp_path / "audit.jsonl", tmp_path / "elsewhere" / "picked.txt"
    picked.parent.mkdir()
    picked.write_text("the user's pick\n")
    trail.write_text("")  # the checked trail, still there under its name
    real_open = _audit._open_exclusive
    monkeypatch.setattr(_audit_folder, "secure_trail", lambda *args, **kwargs: [])
    monkeypatch.setattr(_audit, "_open_exclusive",
                        lambda path: real_open(str(picked) if path == str(trail) else path))
    log = _audit._TrailLog(str(tmp_path / "audit.log"))
    service = _audit._build("audit", str(trail), False, log)
    (open_file,) = service._on_start
    with pytest.raises(UntrustedFile, match=r"was opened as .*picked\.txt"):
        open_file()
    assert picked.read_text() == "the user's pick\n"
    assert trail.read_text() == ""
    log.close()


@pytest.mark.windows
def test_a_log_that_fails_its_check_gets_no_line(tmp_path: Path) -> None:
    import logging

    from win32session._cli.audit import service as _audit
    from win32session._cli.audit.trust import UntrustedFile

    path = tmp_path / "audit.log"
    path.write_text("")
    os.link(path, tmp_path / "second-name")
    log = _audit._TrailLog(str(path))
    with pytest.raises(UntrustedFile, match="has 2 names"):
        log.open_checked(_owners())
    log.emit(logging.LogRecord("win32session", logging.ERROR, __file__, 1, "why", None, None))
    log.close()
    assert path.read_text() == ""


# --- Never adopted: moved aside (final review). -----------------------------------
# A handle opened before an owner or DACL change keeps what it was granted,
# so a folder or file someone else made first is renamed aside and a fresh
# one made. Wine's facts are real here: everything is the Wine user's, which
# is not SYSTEM or Administrators (TRAIL_OWNERS), so the verdict is "fix".


@pytest.mark.windows
def test_an_untrusted_folder_is_moved_aside_and_made_afresh(tmp_path: Path) -> None:
    from win32session._cli.audit.trust import TRAIL_OWNERS

    folder = tmp_path / "audit"
    folder.mkdir()
    (folder / "old.jsonl").write_text("{}\n")
    said = ensure_protected_folder(str(folder), TRAIL_OWNERS)
    (aside,) = tmp_path.glob("audit.untrusted-*")
    assert re.fullmatch(r"audit\.untrusted-\d{8}T\d{6}", aside.name)
    assert said is not None and said.startswith(
        f"moved the audit folder {folder} aside to {aside}: it was owned by ")
    assert (aside / "old.jsonl").read_text() == "{}\n"
    assert folder.is_dir() and list(folder.iterdir()) == []


@pytest.mark.windows
def test_a_trusted_folder_stays(tmp_path: Path) -> None:
    folder = tmp_path / "audit"
    folder.mkdir()
    (folder / "old.jsonl").write_text("{}\n")
    assert ensure_protected_folder(str(folder), _owners()) is None
    assert (folder / "old.jsonl").read_text() == "{}\n"
    assert list(tmp_path.glob("*.untrusted-*")) == []


@pytest.mark.windows
def test_an_untrusted_trail_is_moved_aside_and_made_afresh(tmp_path: Path) -> None:
    """Under Wine the fresh file is the Wine user's again (Wine keeps no
    owner it is given), so it is refused after the move; on Windows it is
    Administrators' and trusted."""
    from win32session._cli.audit.trust import TRAIL_OWNERS, UntrustedFile, secure_files

    trail = tmp_path / "audit.jsonl"
    trail.write_text("a user's line\n")
    if under_wine():
        with pytest.raises(UntrustedFile, match="even made afresh"):
            secure_files([str(trail)], TRAIL_OWNERS)
    else:
        (said,) = secure_files([str(trail)], TRAIL_OWNERS)
        assert said.startswith(f"moved {trail} aside to ")
    (aside,) = tmp_path.glob("audit.jsonl.untrusted-*")
    assert aside.read_text() == "a user's line\n"
    assert trail.read_text() == ""


@pytest.mark.windows
def test_the_service_logs_what_it_moved_aside(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The start hook for --output: a trail the service does not trust
    (faked "fix" verdict for the first check only: Wine's files are the
    service account's own) is moved aside, a fresh one is appended to, and
    the log says what was moved."""
    import logging
    from collections.abc import Iterable

    from win32session._cli.audit import service as _audit
    from win32session._cli.audit import trust as _trust

    trail = tmp_path / "audit.jsonl"
    trail.write_text("a user's line\n")
    real = _trust.file_verdict
    first: list[bool] = []

    def verdict(facts: _trust.FileFacts, owners: Iterable[str] = _trust.TRAIL_OWNERS
                ) -> tuple[str, str]:
        if not first and facts.attributes and facts.links == 1:
            first.append(True)
            return "fix", "owned by S-1-5-21-1004336348-1177238915-682003330-1001"
        return real(facts, owners)

    log = _audit._TrailLog(str(tmp_path / "audit.log"))
    log.open_checked(_owners())
    logger = logging.getLogger("win32session")
    logger.addHandler(log)
    logger.setLevel(logging.INFO)
    monkeypatch.setattr(_trust, "file_verdict", verdict)
    service = _audit._build("audit", str(trail), False, log)
    (open_file,) = service._on_start
    try:
        open_file()
    finally:
        logger.removeHandler(log)
        for close in service._on_stop:
            close(0)
        log.close()
    (aside,) = tmp_path.glob("audit.jsonl.untrusted-*")
    assert aside.read_text() == "a user's line\n"
    assert '"state": "start"' in trail.read_text()
    assert f"moved {trail} aside to {aside}: it was owned by S-1-5-21-" in (
        tmp_path / "audit.log").read_text(encoding="utf-8")


@pytest.mark.windows
def test_a_writer_that_opened_the_trail_first_fails_the_start(tmp_path: Path) -> None:
    """Access is checked when a file is opened: a handle for writing opened
    before the take-over would keep writing. The trail is opened shared for
    reading only, so that open fails with a sharing violation (Wine 8.0
    enforces share modes as Windows does) and the start fails with one line;
    nothing is appended."""
    from win32session._cli.audit import service as _audit
    from win32session._cli.audit.trust import UntrustedFile

    trail = tmp_path / "audit.jsonl"
    trail.write_text("before\n")
    log = _audit._TrailLog(str(tmp_path / "audit.log"))
    service = _audit._build("audit", str(trail), False, log)
    (open_file,) = service._on_start
    with open(trail, "a") as writer:  # shares reading and writing, as open() does
        with pytest.raises(UntrustedFile) as refused:
            open_file()
        writer.write("still open\n")
    assert str(refused.value) == (
        f"{trail} is open for writing in another process; the service does not append "
        "to a file someone else may write")
    assert trail.read_text() == "before\nstill open\n"
    log.close()


@pytest.mark.windows
def test_a_writer_that_opened_the_log_first_fails_its_check(tmp_path: Path) -> None:
    from win32session._cli.audit import service as _audit
    from win32session._cli.audit.trust import UntrustedFile

    path = tmp_path / "audit.log"
    path.write_text("")
    log = _audit._TrailLog(str(path))
    with open(path, "a"), pytest.raises(UntrustedFile, match="open for writing in another"):
        log.open_checked(_owners())
    assert not log.trusted
    log.close()


@pytest.mark.windows
def test_the_service_makes_a_missing_trail_with_its_own_dacl(tmp_path: Path) -> None:
    """--output in a folder that passes its users' write on: the service
    makes the file itself, protected (SYSTEM and Administrators only), so it
    never has the folder's ACEs. Wine maps that DACL to permission bits:
    others lose their read."""
    from win32session._cli.audit.folder import secure_trail
    from win32session._cli.audit.trust import file_checks

    trail = tmp_path / "audit.jsonl"
    secure_trail(str(trail), False, _owners(), [str(trail)], create=True)
    assert trail.exists() and trail.read_text() == ""
    made = folder_sddl(str(trail))
    print("made:", made)
    # The file made is one the service trusts as it is: nothing to fix.
    ((_, verdict, why),) = file_checks([str(trail)], _owners())
    assert (verdict, why != "not there yet") == ("ok", True), why
    if under_wine():
        assert EVERYONE not in _trustees(made)
        return
    owner, flags, aces = _parts(made)
    assert (owner, "P" in flags, aces) == ("BA", True, {"(A;;FA;;;SY)", "(A;;FA;;;BA)"})


@pytest.mark.windows
def test_an_output_folder_users_may_rename_is_refused_before_anything_is_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``secure_trail``, as ``service install`` and each start run it, for
    ``--output`` in a folder that inherits Authenticated Users' Modify (as
    C:\\Logs does from C:\\). Wine keeps no such ACL, so the folder's
    descriptor is the one Windows gives (faked); the ones above are Wine's."""
    if sys.platform != "win32":
        raise OSError("needs the Win32 API")
    from win32session._cli.audit import trust as _trust
    from win32session._cli.audit.folder import secure_trail
    from win32session._cli.audit.trust import ADMINISTRATORS, SYSTEM, Ace, Descriptor, UntrustedFile

    logs = tmp_path / "Logs"
    logs.mkdir()
    real = _trust.read_descriptor
    modify = Descriptor(ADMINISTRATORS, (Ace(0, 0x13, 0x1F01FF, SYSTEM),
                                         Ace(0, 0x10, 0x1301BF, "S-1-5-11")))
    monkeypatch.setattr(_trust, "read_descriptor",
                        lambda path: modify if path == str(logs) else real(path))
    with pytest.raises(UntrustedFile) as refused:
        secure_trail(str(logs / "t.jsonl"), False, _owners(), create=True)
    assert str(refused.value) == (
        f"the folder of the output is not one only administrators can change: {logs} is "
        "writable by Authenticated Users; use a folder whose ACL is locked down (the "
        "documentation's page \"Auditing from boot\")")
    assert list(logs.iterdir()) == []
