"""The project's one test command, and the selftest, on Linux and on Windows.

    python3 scripts/check.py            # everything; exits non-zero on any failure
    python3 scripts/check.py selftest   # the command-line selftest on Windows CPython
    python3 scripts/check.py bench      # benchmarks/bench.py, with pywin32 beside it

``test`` runs mypy --strict for win32 and linux, ruff and validate-pyproject,
actionlint and zizmor on .github/workflows; on Linux, runs pytest natively and
builds the documentation site (sphinx-build -W -n on docs/, offline, into
docs/_build/html); builds the sdist and the wheel with python -m build and
checks them (twine check --strict, check-wheel-contents), then runs pytest on
each Windows CPython with that wheel installed: under Wine on Linux (after
scripts/provision-wine), natively on Windows. A skip that hides Windows
behaviour fails its leg (--require-windows, tests/conftest.py): under Wine every
Windows test must run; on real Windows only the Wine-only ones
(tests/wine_only.py) may skip. The standard library is all it needs; dev tools
go into the git-ignored .venv-dev/.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import venv
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
DIST = ROOT / "dist"
DEV_VENV = ROOT / ".venv-dev"
#: Where the test command builds the documentation site (git-ignored).
DOCS_BUILD = ROOT / "docs" / "_build" / "html"
WINENV = Path(os.environ.get("W32S_WINENV", ROOT / ".winenv"))
#: The distribution's name in file names (win32-session-notifier on PyPI).
WHEEL_NAME = "win32_session_notifier"
WINDOWS_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
#: A Wine leg takes well under a minute; one that hangs is killed after this,
#: so CI fails in time instead of waiting for its own limit.
LEG_TIMEOUT_SECONDS = 600
ON_WINDOWS = sys.platform == "win32"
# Quieter pip (older pips ignore what they do not know).
os.environ.setdefault("PIP_ROOT_USER_ACTION", "ignore")
os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")


class Failed(Exception):
    """A step failed; its output has been shown already."""


def say(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def end_wine() -> None:
    """Ends every Windows process of our Wine prefix, with its wineserver."""
    wineserver = shutil.which("wineserver") or "/usr/lib/wine/wineserver"
    with contextlib.suppress(OSError):
        subprocess.run([wineserver, "-k"], env=dict(os.environ, WINEPREFIX=str(WINENV / "prefix")),
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(
    args: list[str | Path],
    *,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> str:
    """Runs a command, showing its output as it comes; returns its last line.
    After ``timeout`` seconds it is killed, with every process it started."""
    process = subprocess.Popen(
        [str(a) for a in args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
        start_new_session=not ON_WINDOWS,
    )
    assert process.stdout is not None
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        print(f"\ncheck: killing {Path(str(args[0])).name} after {timeout} s", flush=True)
        if sys.platform == "win32":
            process.kill()
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        # A Windows process left behind (a test's child) can hold the output
        # pipe open; ending the Wine prefix's server ends them all.
        end_wine()

    timer = threading.Timer(timeout, kill) if timeout is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    last = ""
    try:
        for line in process.stdout:
            print(line, end="", flush=True)
            if line.strip():
                last = line.strip()
        process.wait()
    finally:
        if timer is not None:
            timer.cancel()
    if timed_out.is_set():
        raise Failed(f"{Path(str(args[0])).name} killed after {timeout} s: {last}")
    if process.returncode != 0:
        raise Failed(f"{Path(str(args[0])).name} exited {process.returncode}: {last}")
    return last


def native_version() -> str:
    """This Python's version as the CI workflow names it: 3.14, or 3.14t when
    it is a free-threaded build."""
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    return f"{sys.version_info[0]}.{sys.version_info[1]}{'t' if free_threaded else ''}"


def dev_tool(name: str) -> Path:
    """A command-line tool that requirements-dev.txt installs into the dev venv."""
    if ON_WINDOWS:
        return DEV_VENV / "Scripts" / f"{name}.exe"
    return DEV_VENV / "bin" / name


def _ensure_venv_support() -> None:
    """Debian splits ensurepip off into python3-venv, without which the dev
    venv dies half made: as root with apt-get it is installed, as
    provision-wine installs Wine; otherwise one line says what to install."""
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        pass
    else:
        return
    if sys.platform == "win32" or os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise Failed("python3 has no ensurepip: install python3-venv "
                     "(sudo apt-get install python3-venv)")
    say("python3-venv (Debian splits ensurepip off)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["update", "-q"], ["install", "-y", "-q", "python3-venv"]):
        subprocess.run(["apt-get", *command], check=True, env=env, stdout=subprocess.DEVNULL)


def dev_python() -> Path:
    """The dev virtual environment's python, with requirements-dev.txt in it."""
    requirements = SCRIPTS / "requirements-dev.txt"
    python = DEV_VENV / ("Scripts/python.exe" if ON_WINDOWS else "bin/python")
    stamp = DEV_VENV / ".requirements"
    # requirements-dev.txt includes requirements-build.txt: a change to either
    # makes the venv anew.
    digest = hashlib.sha256()
    for name in ("requirements-dev.txt", "requirements-build.txt"):
        digest.update((SCRIPTS / name).read_bytes())
    want = digest.hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == want:
        return python
    say(f"dev tools into {DEV_VENV.name}/")
    _ensure_venv_support()
    venv.EnvBuilder(with_pip=True, clear=True).create(DEV_VENV)
    run([python, "-m", "pip", "install", "-q",
         "-r", requirements])
    stamp.write_text(want)
    return python


def build_dists(python: Path) -> tuple[Path, Path]:
    """Builds the sdist, then the wheel from that sdist (so a file the sdist
    lacks fails here), as release.yml does; returns (sdist, wheel)."""
    say("build the sdist and the wheel (python -m build)")
    shutil.rmtree(DIST, ignore_errors=True)
    # --no-isolation: the backend is the flit_core pinned in
    # requirements-build.txt, from the dev venv, not whichever flit_core an
    # isolated build would fetch from PyPI on each run. The build is hermetic
    # (no network, the same backend each time, the one release.yml uses) and
    # seconds faster; build still checks that this flit_core satisfies
    # [build-system].requires.
    run([python, "-m", "build", "--no-isolation", "--outdir", DIST, ROOT])
    (sdist,) = DIST.glob(f"{WHEEL_NAME}-*.tar.gz")
    (wheel,) = DIST.glob(f"{WHEEL_NAME}-*-py3-none-any.whl")
    return sdist, wheel


def windows_python_command(version: str, wheel: Path, python: Path) -> list[str | Path]:
    """How to run a Windows CPython that has ``wheel`` installed: under Wine
    with the wheel in its site-packages, or the dev venv on Windows."""
    if ON_WINDOWS:
        # The distribution's old name would leave a second dist-info behind.
        run([python, "-m", "pip", "uninstall", "-q", "-y", "win32session"])
        run([python, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall",
             wheel])
        return [python]
    site = WINENV / f"py{version}" / "Lib" / "site-packages"
    # Only this wheel: a package or dist-info left by an earlier install (such
    # as one under the distribution's old name, win32session) would be tested too.
    for old in [site / "win32session", *site.glob("win32session-*.dist-info"),
                *site.glob(f"{WHEEL_NAME}-*.dist-info")]:
        shutil.rmtree(old, ignore_errors=True)
    run([python, "-m", "pip", "install", "-q", "--no-deps", "--upgrade", "--no-compile",
         "--target", site, wheel])
    # Compiled by the Windows CPython itself, as pip on Windows would: the
    # host's pip would write .pyc files for its own version, which the Windows
    # CPython ignores, compiling every module again at each import.
    run([SCRIPTS / "winpy", version, "-m", "compileall", "-q", site / "win32session"])
    return [SCRIPTS / "winpy", version]


def _read_display_number(fd: int, timeout: float) -> str:
    """What Xvfb writes to its -displayfd: the number, then a newline, in two
    writes. Reading up to the newline before the pipe is closed matters: if
    the reader closes it between the two, Xvfb's second write fails and it
    exits ("Cannot write display number to fd"), taking the display with it
    (seen: two CI runs in three lost every top-level window that way).
    "" if Xvfb ends or says nothing within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 64) if ready else b""
        if not chunk:  # no answer in time, or Xvfb ended first
            return ""
        data += chunk
    return data.decode(errors="replace").strip()


@contextlib.contextmanager
def x_display() -> Iterator[None]:
    """Runs an Xvfb display for the Wine legs, with DISPLAY naming it, and
    always stops it on the way out (after a failure or a killed leg too).

    Wine creates top-level windows only on an X display. Ours is started even
    where DISPLAY is set already (a desktop, an ssh -X session): the legs then
    see the same display as on CI, which has none, and no window of a test
    or dialog of Wine's lands on a person's screen. Off Linux it does nothing."""
    if ON_WINDOWS:
        yield
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise Failed("Xvfb is missing (scripts/provision-wine installs it as root): "
                     "apt-get install xvfb")
    # -displayfd: Xvfb picks a free display number and writes it to this pipe
    # once it accepts connections. No TCP: local clients only.
    # Its messages go to a file, which never fills up as a pipe would.
    log = tempfile.TemporaryFile()
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_end), "-nolisten", "tcp", "-screen", "0", "1024x768x24"],
        pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=log, start_new_session=True,
    )
    os.close(write_end)
    try:
        number = _read_display_number(read_end, timeout=30)
        os.close(read_end)
        if not number.isdigit():
            server.kill()
            server.wait()
            log.seek(0)
            raise Failed(f"Xvfb did not start: {log.read().decode(errors='replace').strip()}")
        say(f"Xvfb on display :{number} for the Wine legs")
        saved = os.environ.get("DISPLAY")
        os.environ["DISPLAY"] = f":{number}"
        # A wineserver still running from before (provision-wine's check, a
        # run without a display) would keep its display-less desktop, on
        # which top-level windows fail: the legs start a new one.
        end_wine()
        try:
            yield
        finally:
            if saved is None:
                del os.environ["DISPLAY"]
            else:
                os.environ["DISPLAY"] = saved
            # Wine's processes (its desktop, explorer.exe) hold the display:
            # end them first, so none outlives it or meets the next run's.
            end_wine()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def provision(versions: list[str], python: Path) -> None:
    if not ON_WINDOWS:
        say(f"provision Wine and Windows CPython {', '.join(versions)}")
        # The dev venv's pip does the downloads: the host python may have none.
        run(["bash", SCRIPTS / "provision-wine", *versions],
            env=dict(os.environ, PYTHON=str(python)))


def test(versions: list[str]) -> int:
    results: list[tuple[str, str]] = []
    python = dev_python()
    failed = False

    def leg(
        name: str, args: list[str | Path], cwd: Path = ROOT, env: dict[str, str] | None = None
    ) -> None:
        nonlocal failed
        say(name)
        started = time.monotonic()
        try:
            last = run(args, cwd=cwd, env=env, timeout=LEG_TIMEOUT_SECONDS) or "ok (silent)"
        except Failed as exc:
            failed = True
            last = f"FAILED: {exc}"
        results.append((name, f"{last}  [{time.monotonic() - started:.1f} s]"))

    for platform in ("win32", "linux"):
        leg(f"mypy --strict --platform {platform}",
            [python, "-m", "mypy", "--strict", "--platform", platform])
    leg("ruff check (the rules of pyproject.toml)", [python, "-m", "ruff", "check"])
    leg("validate-pyproject pyproject.toml",
        [python, "-m", "validate_pyproject", ROOT / "pyproject.toml"])
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    # Its shellcheck and pyflakes integrations are off: they would run only
    # where those happen to be installed (GitHub's runners), so the same tree
    # could pass here and fail there.
    leg("actionlint (.github/workflows)",
        [dev_tool("actionlint"), "-shellcheck=", "-pyflakes=", *workflows])
    # Offline: the audits that ask GitHub (known-vulnerable actions, impostor
    # commits) need a token and the network; the pedantic persona, since the
    # workflows are small enough to be held to every audit that applies.
    leg("zizmor --offline --persona pedantic (.github/workflows)",
        [dev_tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress",
         "--color", "never", *workflows])
    if not ON_WINDOWS:
        leg("pytest, native Linux (pure parts; Windows tests skip)",
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
        # The documentation site, offline (no intersphinx): -W makes any warning
        # fail, -n (nitpicky) any cross-reference that does not resolve.
        leg("sphinx-build -W -n (docs/, offline)",
            [python, "-m", "sphinx", "-q", "-W", "-n", "-b", "html", ROOT / "docs",
             DOCS_BUILD])
    sdist, wheel = build_dists(python)
    # What PyPI would show and accept: the README renders, the metadata is
    # complete; and the wheel holds the package and nothing stray.
    leg("twine check --strict (sdist and wheel)",
        [python, "-m", "twine", "--no-color", "check", "--strict", sdist, wheel])
    leg("check-wheel-contents", [python, "-m", "check_wheel_contents", wheel])
    provision(versions, python)
    with x_display():
        env = dict(os.environ, W32S_EXPECT_INSTALLED="1", PYTHONDONTWRITEBYTECODE="1")
        for version in versions:
            command = windows_python_command(version, wheel, python)
            where = "native Windows" if ON_WINDOWS else "Windows CPython under Wine"
            # From tests/, so the source tree is not on sys.path: the wheel is tested.
            leg(f"pytest, {where} {version} (wheel installed)",
                [*command, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--require-windows",
                 ROOT / "tests"],
                cwd=ROOT / "tests", env=env)

    print("\n==> summary")
    for name, outcome in results:
        print(f"  {name}\n      {outcome}")
    print("check: FAILED" if failed else "check: all legs passed")
    return 1 if failed else 0


def selftest(version: str) -> int:
    python = dev_python()
    _, wheel = build_dists(python)
    provision([version], python)
    with x_display():
        command = windows_python_command(version, wheel, python)
        say(f"python -m win32session selftest on Windows CPython {version}")
        try:
            run([*command, "-m", "win32session", "selftest"], cwd=ROOT / "tests",
                timeout=LEG_TIMEOUT_SECONDS)
        except Failed as exc:
            print(f"selftest: {exc}")
            return 1
    return 0


def bench(version: str, extra: list[str]) -> int:
    """benchmarks/bench.py on one Windows CPython, with pywin32 installed in a
    folder of its own that only the benchmark adds to its path."""
    python = dev_python()
    _, wheel = build_dists(python)
    provision([version], python)
    with x_display():
        return _bench(version, wheel, python, extra)


def _bench(version: str, wheel: Path, python: Path, extra: list[str]) -> int:
    command = windows_python_command(version, wheel, python)
    say(f"pywin32 for the benchmark on Windows CPython {version}")
    if ON_WINDOWS:
        run([python, "-m", "pip", "install", "-q", "-r", ROOT / "benchmarks" / "requirements.txt"])
        pywin32: list[str | Path] = []
    else:
        folder = WINENV / f"bench-py{version}"
        run([python, "-m", "pip", "install", "-q", "--upgrade", "--no-compile", "--no-deps",
             "--target", folder, "--platform", "win_amd64", "--python-version", version,
             "--only-binary=:all:", "-r", ROOT / "benchmarks" / "requirements.txt"])
        run([SCRIPTS / "winpy", version, "-m", "compileall", "-q", folder])
        pywin32 = ["--pywin32-dir", folder]
    say(f"benchmarks on Windows CPython {version}")
    try:
        run([*command, ROOT / "benchmarks" / "bench.py", *pywin32, *extra], cwd=ROOT / "tests")
    except Failed as exc:
        print(f"bench: {exc}")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("command", nargs="?", choices=("test", "selftest", "bench"),
                        default="test")
    # On Windows the only Windows CPython is the one running this script (any
    # version: CI runs 3.10 to 3.14 and 3.14t); under Wine, those provisioned.
    parser.add_argument(
        "--python", action="append", metavar="VERSION",
        choices=(native_version(),) if ON_WINDOWS else WINDOWS_PYTHONS,
        help="Windows CPython version(s) under Wine (default: all four for test, 3.12 "
             "for selftest and bench); on Windows, only the Python running check.py",
    )
    args, extra = parser.parse_known_args()
    if extra and args.command != "bench":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not ON_WINDOWS:
        # A TERM (a CI runner giving up) unwinds like Ctrl+C, so that Xvfb is
        # stopped by x_display() rather than left running.
        signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    if ON_WINDOWS and isinstance(sys.stdout, io.TextIOWrapper):
        # The tests' output is echoed; a console code page must not end the run.
        sys.stdout.reconfigure(errors="backslashreplace")
    one = native_version() if ON_WINDOWS else "3.12"
    try:
        if args.command == "bench":
            return bench((args.python or [one])[0], extra)
        if args.command == "selftest":
            return selftest((args.python or [one])[0])
        return test(args.python or ([one] if ON_WINDOWS else list(WINDOWS_PYTHONS)))
    except Failed as exc:
        print(f"check: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
