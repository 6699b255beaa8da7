"""The command line the service control manager runs for the audit service.

A venv's ``Scripts\\python.exe`` is not an interpreter but CPython's venv
redirector (``PC/venvlauncher.c``; ``PC/launcher.c`` built with VENV_REDIRECT
before 3.13): it reads ``home`` from the venv's ``pyvenv.cfg``, sets
``__PYVENV_LAUNCHER__`` to its own path, starts ``<home>\\python.exe`` as a
child process with the same command line, in a job object that kills the
child when the redirector goes, and waits to return the child's exit code. As
a service, the service control manager would start the redirector, but the
child would call ``StartServiceCtrlDispatcherW``: Windows logs event 7039 ("A
service process other than the one launched by the Service Control Manager
connected") at every start, and the process the manager watches and stops is
not the one that reports to it.

So the service always runs the base interpreter (``sys._base_executable``)
itself. For a venv the command line makes the venv visible the way ``site``
documents: with ``-S`` no site directory is added at start-up; a short
program sets ``sys.executable`` to the venv's ``python.exe`` and calls
``site.main()``, which finds ``pyvenv.cfg`` one folder above it, sets
``sys.prefix`` to the venv and adds its site-packages (and the base's only if
``include-system-site-packages`` is true), as a venv start does; then it runs
the module. ``-I`` (isolated) keeps the machine's PYTHON* variables, the user
site-packages and the working folder off ``sys.path``: none of them belong to
a service. https://docs.python.org/3/library/site.html
"""

from __future__ import annotations

import ntpath
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Final

__all__ = ["Interpreter", "command_line", "service_command_line", "VENV_BOOTSTRAP"]

#: The program ``-c`` runs for a venv: its arguments are the venv's python.exe,
#: then the module, then the module's own. No double quotes inside, so that
#: the command line quotes it plainly.
VENV_BOOTSTRAP: Final = (
    "import sys;sys.executable=sys.argv.pop(1);import site;site.main();"
    "import runpy;runpy.run_module(sys.argv.pop(1),run_name='__main__',alter_sys=True)"
)


@dataclass(frozen=True)
class Interpreter:
    """What decides the command line: the running Python's facts, or a test's."""

    #: ``sys.executable``: in a venv, its ``Scripts\\python.exe``.
    executable: str
    #: ``sys._base_executable``: the installed interpreter itself.
    base_executable: str
    prefix: str
    base_prefix: str
    #: The folder the package to run was imported from.
    package_dir: str
    #: ``site.getusersitepackages()``, or None where there is none.
    user_site: str | None = None

    @property
    def in_venv(self) -> bool:
        """As the venv documentation says to tell: the prefixes differ."""
        return ntpath.normcase(self.prefix) != ntpath.normcase(self.base_prefix)

    @classmethod
    def running(cls) -> Interpreter:
        """This Python, with win32session where it was imported from."""
        import site

        executable = sys.executable
        base = getattr(sys, "_base_executable", "") or executable
        try:
            user_site: str | None = site.getusersitepackages()
        except AttributeError:  # no user site in this build
            user_site = None
        # The folder that holds the package (site-packages, or a checkout).
        package = os.path.dirname(os.path.abspath(sys.modules["win32session"].__file__ or ""))
        package_dir = os.path.dirname(package)
        return cls(executable, base, sys.prefix, sys.base_prefix, package_dir, user_site)


def command_line(interpreter: Interpreter, module: str, args: Sequence[str]) -> str:
    """``python -m module args`` as the service must run it (see the module's
    docstring), quoted by the C runtime's rules with ``list2cmdline``.
    https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments

    Raises ``ValueError`` when the service could not start it: no interpreter
    path, or a package installed for one user only (``pip install --user``),
    which the service's account does not see.
    """
    if not interpreter.base_executable or not ntpath.isabs(interpreter.base_executable):
        raise ValueError("cannot tell which python.exe to run as a service: "
                         f"{interpreter.base_executable!r}")
    if interpreter.user_site and _within(interpreter.package_dir, interpreter.user_site):
        raise ValueError(
            f"{module} is installed for one user only ({interpreter.package_dir}); the "
            "service runs as LocalSystem and would not find it: install it for all "
            "users, or in a venv")
    argv = [interpreter.base_executable, "-I"]
    if interpreter.in_venv:
        argv += ["-S", "-c", VENV_BOOTSTRAP, interpreter.executable, module]
    else:
        argv += ["-m", module]
    return subprocess.list2cmdline([*argv, *args])


def service_command_line(name: str, output: str,
                         interpreter: Interpreter | None = None) -> str:
    """The command line ``service install`` registers for the audit service
    ``name`` writing to ``output``: ``win32session service run`` run by this
    Python (a plain install or a venv, see the module's docstring)."""
    return command_line(interpreter or Interpreter.running(), "win32session",
                        ["service", "run", "--name", name, "--output", output])


def _within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or inside it (Windows paths, any OS)."""
    path, folder = (ntpath.normcase(ntpath.normpath(p)) for p in (path, folder))
    return path == folder or path.startswith(folder.rstrip("\\") + "\\")
