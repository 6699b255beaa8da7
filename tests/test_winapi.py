"""The declarations in win32session/_win32/: one module per DLL, each loading
its own DLL privately; every function has a failure convention that really
fails; nothing outside the package touches a DLL.

The source checks run anywhere; the errchecks themselves are called (with
each convention's failure value, and a last error of 5) where ctypes has
WinDLL, i.e. on Windows or Windows CPython under Wine. Nothing is simulated
but the result a failing Win32 call would return.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

PACKAGE = Path(__file__).parent.parent / "win32session"
SOURCE = PACKAGE / "_win32"
#: The DLL modules: each is named for the DLL it loads.
DLLS = ("user32", "kernel32", "wtsapi32", "advapi32", "shell32", "ole32", "userenv", "ntdll")

#: Each failure convention and a result that means failure under it.
FAILURES: dict[str, Any] = {
    "_fails_on_zero": 0,
    "_fails_on_minus_one": -1,
    "_fails_on_wait_failed": 0xFFFFFFFF,
    "_fails_unless_buffer_too_small": 0,  # with a last error other than 122
    "_fails_on_error_code": 5,
    "_fails_on_failed_hresult": -2147024891,  # E_ACCESSDENIED
    "_fails_on_non_null": 0x1234,
    "_fails_on_invalid_handle": 2**64 - 1,  # INVALID_HANDLE_VALUE, as a 64-bit HANDLE reads
    "_fails_unless_all_assigned": 0,  # AdjustTokenPrivileges' FALSE
    "_fails_on_unknown_with_error": 0,  # GetFileType's FILE_TYPE_UNKNOWN, last error set
}


def tree(name: str) -> ast.Module:
    return ast.parse((SOURCE / f"{name}.py").read_text(encoding="utf-8"))


def test_the_package_holds_one_module_per_dll_and_shared() -> None:
    assert {p.stem for p in SOURCE.glob("*.py")} == {"__init__", "shared", *DLLS}


def test_each_failure_convention_is_defined_once() -> None:
    # A second definition of a name hides the first only below it: a
    # declaration between the two would take the first. _fails_on_error_code
    # was once defined twice, the first returning None (swallowing errors).
    defined = Counter(
        node.name for name in ("shared", *DLLS) for node in ast.walk(tree(name))
        if isinstance(node, ast.FunctionDef) and node.name.startswith(("_fails", "_cannot_fail")))
    assert {name for name, count in defined.items() if count > 1} == set()
    assert set(defined) == {*FAILURES, "_cannot_fail"}


def _calls(module: ast.Module, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(module) if isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == name]


@pytest.mark.parametrize("dll", DLLS)
def test_each_dll_module_loads_its_own_dll_privately_and_declares_only_on_it(dll: str) -> None:
    """One ``_dll = ctypes.WinDLL("<its name>", use_last_error=True)``; every
    ``_declare`` gives that handle, restype, argtypes and an errcheck."""
    module = tree(dll)
    loads = _calls(module, "WinDLL")
    assert [ast.unparse(call) for call in loads] == [
        f"ctypes.WinDLL('{dll}', use_last_error=True)"]
    declared = _calls(module, "_declare")
    assert declared, f"{dll} declares nothing"
    for call in declared:
        assert len(call.args) == 5 and not call.keywords, ast.unparse(call)
        assert ast.unparse(call.args[0]) == "_dll", ast.unparse(call)


@pytest.mark.parametrize("dll", DLLS)
def test_a_dll_module_imports_only_shared(dll: str) -> None:
    """Importing one DLL's module must not load another DLL."""
    imported = {node.module for node in ast.walk(tree(dll))
                if isinstance(node, ast.ImportFrom) and node.level}
    assert imported == {"shared"}


def test_shared_loads_no_dll_and_declares_no_function() -> None:
    module = tree("shared")
    assert _calls(module, "WinDLL") == []
    assert [ast.unparse(c) for c in _calls(module, "_declare")] == []


def test_nothing_outside_the_declarations_loads_a_dll() -> None:
    """Every call goes through the _win32 modules: no other module of the
    package loads a DLL (or uses ctypes' shared loaders) itself."""
    loaders = {"WinDLL", "windll", "CDLL", "cdll", "OleDLL", "oledll", "PyDLL", "pydll",
               "LibraryLoader", "LoadLibrary"}
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent == SOURCE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in loaders or (
                    isinstance(node, ast.Name) and node.id in loaders):
                offences.append(f"{path.relative_to(PACKAGE)}: {ast.unparse(node)}")
    assert offences == []


@pytest.mark.skipif(sys.platform != "win32", reason="the declarations exist only on Windows")
def test_every_declared_function_has_a_convention_that_raises() -> None:
    if sys.platform != "win32":  # for mypy on other platforms
        return
    import ctypes

    modules = [importlib.import_module(f"win32session._win32.{name}") for name in DLLS]
    conventions = {name: getattr(module, name) for module in modules
                   for name in (*FAILURES, "_cannot_fail") if name in vars(module)}
    assert set(conventions) == {*FAILURES, "_cannot_fail"}
    # tests/strict_service.py may have wrapped some (it keeps __wrapped__)
    declared = {f"{module.__name__}.{name}": inspect.unwrap(value)
                for module in modules for name, value in vars(module).items()
                if not isinstance(value, type) and hasattr(inspect.unwrap(value), "errcheck")}
    assert len(declared) > 80
    unknown = {name: getattr(function.errcheck, "__name__", function.errcheck)
               for name, function in declared.items()
               if function.errcheck not in conventions.values()}
    assert unknown == {}, "an errcheck that is not one of the conventions"
    assert [name for name, function in declared.items() if function.argtypes is None] == []
    from win32session._win32 import kernel32

    for name, check in conventions.items():
        if name == "_cannot_fail":
            continue
        ctypes.set_last_error(5)
        failure = FAILURES[name]
        if name == "_fails_on_invalid_handle":
            failure = kernel32.INVALID_HANDLE_VALUE  # pointer-sized: 32-bit Pythons too
        with pytest.raises(OSError):
            check(failure, kernel32.CloseHandle, ())


@pytest.mark.skipif(sys.platform != "win32", reason="loads DLLs")
def test_a_notifier_loads_only_the_dlls_it_calls() -> None:
    """user32, kernel32 and wtsapi32: not advapi32's service and security
    declarations, nor shell32, ole32, userenv or ntdll (a fresh process)."""
    program = ("import sys\n"
               "from win32session import Notifier\n"
               "notifier = Notifier()\n"
               "notifier.start()\n"
               "notifier.stop()\n"
               "print(' '.join(sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
               "                      if m.startswith('win32session._win32.'))))\n")
    loaded = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                            timeout=120, check=True).stdout.split()
    assert loaded == ["kernel32", "shared", "user32", "wtsapi32"]
