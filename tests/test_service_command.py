"""The audit service's command line, for a plain install and for a venv.

The pure part (which interpreter, which arguments, the quoting) is checked on
any OS. The Windows tests install a real service through the real service
control manager (Wine's, or Windows's) with the command line
``_service_command.command_line`` builds, start it, stop it, and read what the
probe service (tests/services/service_probe.py) found itself to be: nothing of the
operating system's part is simulated. Each service is removed in ``finally``.

The interpreters are copies of the running one's installation without its
site-packages, so that the service can import only what the test put there.
The venv is made by that copy's own ``python -m venv`` where it has the venv
module (real Windows: ``Scripts\\python.exe`` is then CPython's real venv
redirector). The embeddable CPythons of the Wine bed have no venv module and
no redirector, so there the venv is laid out by hand as ``venv`` lays it out
(pyvenv.cfg with ``home``, ``Scripts``, ``Lib\\site-packages``) with a copy of
python.exe as ``Scripts\\python.exe``, as virtualenv does without a
redirector. The command line never runs ``Scripts\\python.exe``, so the
service is the same either way; the test says which layout it used.
"""

from __future__ import annotations

import dataclasses
import json
import ntpath
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import win32session
from win32session._cli.audit.image_path import (
    VENV_BOOTSTRAP,
    Interpreter,
    command_line,
    service_command_line,
)

BASE = r"C:\Program Files\Python312\python.exe"
VENV = r"C:\srv\audit venv"


def _plain(**changes: str) -> Interpreter:
    home = ntpath.dirname(BASE)
    plain = Interpreter(
        executable=BASE, base_executable=BASE, prefix=home, base_prefix=home,
        package_dir=home + r"\Lib\site-packages",
        user_site=r"C:\Users\ann\AppData\Roaming\Python\Python312\site-packages")
    return dataclasses.replace(plain, **changes)


def _venv() -> Interpreter:
    return _plain(executable=VENV + r"\Scripts\python.exe", prefix=VENV,
                  package_dir=VENV + r"\Lib\site-packages")


def test_a_plain_install_runs_its_module_in_isolated_mode() -> None:
    line = service_command_line("audit", r"C:\ProgramData\win32session\audit.jsonl", _plain())
    assert line == ('"C:\\Program Files\\Python312\\python.exe" -I -m win32session service run'
                    ' --name audit --output C:\\ProgramData\\win32session\\audit.jsonl')


def test_a_venv_runs_the_base_interpreter_with_the_venv_made_visible() -> None:
    line = service_command_line("audit", r"D:\logs\a b.jsonl", _venv())
    assert line == subprocess.list2cmdline([
        BASE, "-I", "-S", "-c", VENV_BOOTSTRAP, VENV + r"\Scripts\python.exe", "win32session",
        "service", "run", "--name", "audit", "--output", r"D:\logs\a b.jsonl"])
    # The venv's own python.exe (CPython's redirector) is an argument, never the program.
    assert line.startswith(f'"{BASE}" -I -S -c ')


def test_the_bootstrap_hands_the_module_its_own_arguments(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The bootstrap, run here with site.main and runpy.run_module faked,
    calls site.main with the venv's python.exe as sys.executable, then runs
    the module with exactly its own arguments (runpy sets sys.argv[0])."""
    import runpy
    import site

    calls: list[object] = []
    monkeypatch.setattr(sys, "argv", ["-c", r"C:\v\Scripts\python.exe", "win32session",
                                      "service", "run"])
    monkeypatch.setattr(sys, "executable", sys.executable)  # restored afterwards
    monkeypatch.setattr(site, "main", lambda: calls.append(("site.main", sys.executable)))
    monkeypatch.setattr(runpy, "run_module",
                        lambda name, **kw: calls.append((name, list(sys.argv), kw)))
    exec(VENV_BOOTSTRAP, {})
    assert calls == [("site.main", r"C:\v\Scripts\python.exe"),
                     ("win32session", ["-c", "service", "run"],
                      {"run_name": "__main__", "alter_sys": True})]


def test_quotes_survive_the_command_line() -> None:
    line = service_command_line('a"b', r'C:\x y\"odd".jsonl', _plain())
    assert line.endswith(r' --name a\"b --output "C:\x y\\\"odd\".jsonl"')


def test_a_package_installed_for_one_user_is_refused() -> None:
    user_site = r"C:\Users\ann\AppData\Roaming\Python\Python312\site-packages"
    with pytest.raises(ValueError, match="one user only"):
        service_command_line("audit", "x", _plain(package_dir=user_site))


def test_an_interpreter_without_a_full_path_is_refused() -> None:
    with pytest.raises(ValueError, match="which python.exe"):
        service_command_line("audit", "x", _plain(base_executable="python.exe"))


def test_the_running_interpreter_is_described_as_it_is() -> None:
    here = Interpreter.running()
    assert (here.executable, here.prefix, here.base_prefix) == (
        sys.executable, sys.prefix, sys.base_prefix)
    assert Path(here.package_dir, "win32session").resolve() == Path(
        win32session.__file__).parent.resolve()


# --- Through the real service control manager. ------------------------------

_NOT_COPIED = {"site-packages", "__pycache__", "test", "tests", "idlelib", "tkinter",
               "turtledemo", "Doc", "tcl", "include", "libs", "Tools", "Scripts", "share"}


def _copy(source: str | Path, target: str | Path) -> None:
    """shutil.copyfile: copy2 calls CopyFile2 on 3.12+, which Wine 8.0 lacks."""
    shutil.copyfile(source, target)


def _base_copy(where: Path) -> Path:
    """The running installation without site-packages (left empty) or its bulk."""
    base = where / "base"
    shutil.copytree(sys.base_prefix, base, copy_function=_copy, ignore=lambda d, names: [
        n for n in names if n in _NOT_COPIED or n.endswith(".provisioned")])
    (base / "Lib" / "site-packages").mkdir(parents=True, exist_ok=True)
    return base


def _install_into(site_packages: Path, *, marker: bool) -> None:
    """win32session and the probe (and the venv-only marker) into site_packages."""
    site_packages.mkdir(parents=True, exist_ok=True)
    shutil.copytree(Path(win32session.__file__).parent, site_packages / "win32session",
                    copy_function=_copy, ignore=shutil.ignore_patterns("__pycache__"))
    probe = Path(__file__).parent / "services" / "service_probe.py"
    _copy(probe, site_packages / "service_probe.py")
    if marker:
        (site_packages / "w32s_venv_only").mkdir()
        (site_packages / "w32s_venv_only" / "__init__.py").write_text("")


def _make_venv(base: Path, venv: Path) -> str:
    """A venv over ``base``; which layout it got."""
    if (base / "Lib" / "venv").is_dir():
        subprocess.run([str(base / "python.exe"), "-m", "venv", "--without-pip", str(venv)],
                       check=True, capture_output=True, timeout=120)
        return "python -m venv (CPython's redirector as Scripts\\python.exe)"
    version = ".".join(map(str, sys.version_info[:3]))
    (venv / "Scripts").mkdir(parents=True)
    _copy(base / "python.exe", venv / "Scripts" / "python.exe")
    (venv / "pyvenv.cfg").write_text(
        f"home = {base}\ninclude-system-site-packages = false\nversion = {version}\n")
    return "laid out by hand (no venv module here), python.exe copied as Scripts\\python.exe"


def _run_service(name: str, line: str, output: Path) -> tuple[dict[str, object], int]:
    """Installs, starts and stops the service; its report and its RUNNING pid."""
    if sys.platform != "win32":
        raise OSError("needs the Win32 API")
    from win32session._cli import scm as manager

    manager.install(name, name, "the service_probe.py test service", line, start="demand")
    try:
        pid = manager.start(name)  # raises unless it reports RUNNING
        manager.stop(name)
        stopped = manager.status(name)
        assert (stopped.state, stopped.win32_exit_code) == ("stopped", 0)
    finally:
        manager.uninstall(name)
    lines = output.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0]), pid


def _same(a: object, b: object) -> bool:
    return ntpath.normcase(os.path.abspath(str(a))) == ntpath.normcase(os.path.abspath(str(b)))


@pytest.mark.windows
def test_a_plain_install_runs_as_a_service(tmp_path: Path) -> None:
    base = _base_copy(tmp_path)
    _install_into(base / "Lib" / "site-packages", marker=False)
    python = str(base / "python.exe")
    plain = Interpreter(python, python, str(base), str(base), str(base / "Lib" / "site-packages"))
    output = tmp_path / "plain.jsonl"
    name = f"w32s-probe-plain-{os.getpid()}"
    line = command_line(plain, "service_probe", ["--name", name, "--output", str(output)])
    found, pid = _run_service(name, line, output)
    print(line, json.dumps(found, indent=1), sep="\n")
    assert _same(found["executable"], python) and _same(found["prefix"], base)
    assert _same(ntpath.dirname(str(found["win32session"])),
                 base / "Lib" / "site-packages" / "win32session")
    assert str(found["w32s_venv_only"]).startswith("ImportError")
    assert found["pid"] == pid  # the process the SCM started is the interpreter


@pytest.mark.windows
def test_a_venv_install_runs_as_a_service(tmp_path: Path) -> None:
    base = _base_copy(tmp_path)
    venv = tmp_path / "venv"
    layout = _make_venv(base, venv)
    site_packages = venv / "Lib" / "site-packages"
    _install_into(site_packages, marker=True)
    venv_python = str(venv / "Scripts" / "python.exe")
    interpreter = Interpreter(venv_python, str(base / "python.exe"), str(venv), str(base),
                              str(site_packages))
    output = tmp_path / "venv.jsonl"
    name = f"w32s-probe-venv-{os.getpid()}"
    line = command_line(interpreter, "service_probe", ["--name", name, "--output", str(output)])
    found, pid = _run_service(name, line, output)
    print(layout, line, json.dumps(found, indent=1), sep="\n")
    assert _same(found["executable"], venv_python)
    assert _same(found["base_executable"], base / "python.exe")
    assert _same(found["prefix"], venv) and _same(found["base_prefix"], base)
    assert _same(ntpath.dirname(str(found["w32s_venv_only"])), site_packages / "w32s_venv_only")
    assert _same(ntpath.dirname(str(found["win32session"])), site_packages / "win32session")
    assert found["pid"] == pid  # no redirector in between


# --- `service install`: what it refuses, and --check. -----------------------------

def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    from support import spawn

    process = spawn([sys.executable, "-m", "win32session", *args], stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _installed(name: str) -> bool:
    if sys.platform != "win32":
        raise OSError("needs the Win32 API")
    from win32session._cli import scm as manager

    try:
        manager.status(name)
    except manager.ServiceNotInstalled:
        return False
    return True


def _remove(name: str) -> None:
    if sys.platform == "win32":
        from win32session._cli import scm as manager

        try:
            manager.uninstall(name)
        except manager.ServiceNotInstalled:
            pass


def _this_interpreter_refused() -> str | None:
    """What `service install` must say of this Python, judged in-process."""
    if sys.platform != "win32":
        raise OSError("needs the Win32 API")
    from win32session._cli.audit import trust as _trust

    return _trust.refusal(_trust.interpreter_checks(
        Interpreter.running(), _trust.read_descriptor, _trust.profiles_directory()))


@pytest.mark.windows
def test_install_refuses_an_interpreter_others_can_change(tmp_path: Path) -> None:
    """Under Wine the Wine user owns every file, the interpreter too: a plain
    install must refuse, with one line, exit 1, and nothing made."""
    from support import under_wine

    expected = _this_interpreter_refused()
    if under_wine():
        assert expected is not None
    name = f"w32s-refused-{os.getpid()}"
    output = tmp_path / "trail" / "audit.jsonl"
    try:
        result = _cli("service", "install", "--name", name, "--output", str(output))
        print(result.stderr)
        if expected is None:  # a Python installed for all users: it installs
            assert (result.returncode, result.stderr) == (0, ""), result.stderr
            assert _installed(name)
            return
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == f"win32session: service install: {expected}\n"
        assert "install Python for all users" in result.stderr
        assert "--allow-user-writable-python" in result.stderr
        assert not _installed(name)
        assert not output.parent.exists()
    finally:
        _remove(name)


@pytest.mark.windows
def test_the_flag_installs_anyway_and_says_so(tmp_path: Path) -> None:
    expected = _this_interpreter_refused()
    name = f"w32s-accepted-{os.getpid()}"
    output = tmp_path / "audit.jsonl"
    try:
        result = _cli("service", "install", "--name", name, "--output", str(output),
                      "--allow-user-writable-python")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"installed service {name}: ")
        if expected is None:
            assert result.stderr == ""
        else:
            assert result.stderr.count("\n") == 1
            assert result.stderr.startswith("win32session: service install: warning: ")
            assert result.stderr.endswith(
                "installed anyway, as --allow-user-writable-python asks\n")
        assert _installed(name)
    finally:
        _remove(name)


@pytest.mark.windows
def test_check_prints_each_precondition_and_installs_nothing(tmp_path: Path) -> None:
    name = f"w32s-check-{os.getpid()}"
    output = tmp_path / "trail" / "audit.jsonl"
    result = _cli("service", "install", "--check", "--name", name, "--output", str(output))
    print(result.stdout)
    lines = result.stdout.splitlines()
    assert all(line.startswith(("OK    ", "FAIL  ")) for line in lines), lines
    assert [line[6:].split(" ")[0] for line in lines[:4]] == [
        "elevated:", "service", "output", "package"]
    assert any(" interpreter " in f" {line} " for line in lines)
    assert any("standard library" in line for line in lines)
    assert any(line.endswith("audit.jsonl trustworthy: not there yet") for line in lines)
    assert result.returncode == (1 if any(line.startswith("FAIL") for line in lines) else 0)
    assert result.stderr == ""
    assert not _installed(name) and not output.parent.exists()
    if _this_interpreter_refused() is not None:
        assert result.returncode == 1


@pytest.mark.windows
def test_check_reports_a_bad_output_as_a_failed_line(tmp_path: Path) -> None:
    result = _cli("service", "install", "--check", "--output", str(tmp_path))
    assert result.returncode == 1
    assert f"FAIL  service name and output: cannot use {tmp_path} as the output file: it is a " \
           "folder" in result.stdout


@pytest.mark.windows
@pytest.mark.parametrize(("args", "message"), [
    (["--output", ""], "the output file must not be empty"),
    (["--output", "{tmp}"], "it is a folder"),
    (["--output", "{tmp}\\nul.jsonl"], "reserved device name NUL"),
    (["--output", "{tmp}\\audit.log"], "a .log file"),
    (["--output", "\\\\.\\pipe\\w32s"], "a device path"),
    (["--name", "nul"], "reserved device name NUL"),
    (["--name", "con.x"], "reserved device name CON"),
    (["--name", "x" * 257], "at most 256 characters"),
    (["--name", "x" * 240], "more than Windows's 259 (MAX_PATH)"),
])
def test_bad_names_and_outputs_are_one_line_and_exit_2(
        tmp_path: Path, args: list[str], message: str) -> None:
    """Before anything is made: no service, no folder, no file."""
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    name = filled[1] if filled[0] == "--name" else f"w32s-bad-{os.getpid()}"
    before = sorted(tmp_path.iterdir())
    result = _cli("service", "install", "--allow-user-writable-python", "--name", name,
                  *(filled if filled[0] == "--output" else []))
    print(result.stderr)
    assert (result.returncode, result.stdout, result.stderr.count("\n")) == (2, "", 1)
    # A name no service action takes is refused by the parser; the rest by install.
    assert result.stderr.startswith(("win32session service install: argument --name: ",
                                     "win32session: service install: "))
    assert message in result.stderr
    assert sorted(tmp_path.iterdir()) == before
    if len(name) <= 256:
        assert not _installed(name)


@pytest.mark.windows
def test_install_refuses_a_trail_with_a_second_name(tmp_path: Path) -> None:
    name = f"w32s-linked-{os.getpid()}"
    output = tmp_path / "audit.jsonl"
    output.write_text("")
    os.link(output, tmp_path / "second-name")
    try:
        result = _cli("service", "install", "--name", name, "--output", str(output),
                      "--allow-user-writable-python")
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr.splitlines()[-1] == (
            f"win32session: service install: {output} has 2 names (hard links): another name "
            "may reach it from anywhere; the service does not append to it: remove it and "
            "try again")
        assert not _installed(name)
    finally:
        _remove(name)


@pytest.mark.windows
def test_the_service_does_not_append_to_a_trail_linked_after_the_install(
        tmp_path: Path) -> None:
    """The real audit service, installed by the command line and started by
    Wine's service control manager: a second name made after the install
    fails the start (service exit code 1, START_FAILED) with the reason in
    its log, and nothing is appended to the file."""
    if sys.platform != "win32":
        raise OSError("needs the Win32 API")
    from win32session._cli import scm as manager

    name = f"w32s-linked-start-{os.getpid()}"
    output = tmp_path / "audit.jsonl"
    try:
        installed = _cli("service", "install", "--name", name, "--output", str(output),
                         "--allow-user-writable-python")
        assert installed.returncode == 0, installed.stderr
        output.write_text("before\n")
        os.link(output, tmp_path / "second-name")
        with pytest.raises(OSError):
            manager.start(name)
        status = manager.status(name)
        assert (status.state, status.win32_exit_code, status.service_exit_code) == (
            "stopped", 1066, 1)
        assert output.read_text() == "before\n"
        log = (tmp_path / "audit.log").read_text(encoding="utf-8")
        print(log)
        assert f"cannot start: {output} has 2 names (hard links)" in log
    finally:
        _remove(name)


_DENIED_CHECK = """
import ctypes, sys
from win32session._win32 import advapi32, shared
def denied(*args):
    raise ctypes.WinError(shared.ERROR_ACCESS_DENIED)
advapi32.OpenSCManagerW = denied
from win32session.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.windows
def test_check_says_when_the_prompt_is_not_elevated(tmp_path: Path) -> None:
    """Faked, as Wine runs everything as an administrator: OpenSCManagerW
    refuses SC_MANAGER_CREATE_SERVICE (error 5), as Windows does outside an
    elevated prompt."""
    from support import spawn

    process = spawn([sys.executable, "-c", _DENIED_CHECK, "service", "install", "--check",
                     "--output", str(tmp_path / "a.jsonl")], stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1 and stderr == ""
    first = stdout.splitlines()[0]
    assert first.startswith("FAIL  elevated: this prompt may create services: [WinError 5]")
    assert first.endswith("use an Administrator prompt")
