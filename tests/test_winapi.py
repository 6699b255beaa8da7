"""The declarations in win32session/_winapi.py: every function has a failure
convention that really fails.

The source check runs anywhere; the errchecks themselves are called (with
each convention's failure value, and a last error of 5) where ctypes has
WinDLL, i.e. on Windows or Windows CPython under Wine. Nothing is simulated
but the result a failing Win32 call would return.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

SOURCE = Path(__file__).parent.parent / "win32session" / "_winapi.py"

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


def test_each_failure_convention_is_defined_once() -> None:
    # A second definition of a name hides the first only below it: a
    # declaration between the two would take the first. _fails_on_error_code
    # was once defined twice, the first returning None (swallowing errors).
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    defined = Counter(
        node.name for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name.startswith(("_fails", "_cannot_fail")))
    assert {name for name, count in defined.items() if count > 1} == set()
    assert set(defined) == {*FAILURES, "_cannot_fail"}


@pytest.mark.skipif(sys.platform != "win32", reason="the declarations exist only on Windows")
def test_every_declared_function_has_a_convention_that_raises() -> None:
    if sys.platform != "win32":  # for mypy on other platforms
        return
    import ctypes

    from win32session import _winapi

    conventions = {name: getattr(_winapi, name) for name in (*FAILURES, "_cannot_fail")}
    declared = {name: value for name, value in vars(_winapi).items()
                if not isinstance(value, type) and hasattr(value, "errcheck")}
    assert len(declared) > 50
    unknown = {name: getattr(function.errcheck, "__name__", function.errcheck)
               for name, function in declared.items()
               if function.errcheck not in conventions.values()}
    assert unknown == {}, "an errcheck that is not one of the conventions"
    for name, check in conventions.items():
        if name == "_cannot_fail":
            continue
        ctypes.set_last_error(5)
        failure = FAILURES[name]
        if name == "_fails_on_invalid_handle":
            failure = _winapi.INVALID_HANDLE_VALUE  # pointer-sized: 32-bit Pythons too
        with pytest.raises(OSError):
            check(failure, _winapi.CloseHandle, ())
