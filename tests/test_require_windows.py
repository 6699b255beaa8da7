"""The skip gate of the Windows legs: with --require-windows, a run fails for
every skip that could hide Windows behaviour, whatever its kind (a ``skipif``
mark, ``pytest.skip`` in a test's body, a module skipped at import or by its
``pytestmark``), while a Wine-only test (tests/wine_only.py) may skip on real
Windows, and only there.

Each case runs a small suite in a child pytest under this project's own
conftest.py, support.py and wine_only.py. "Real Windows" is simulated where
the Wine-only condition is decided: the child's ``support.under_wine``
answers False (the rest of the child is this Windows, or Wine)."""

from __future__ import annotations

from pathlib import Path

import pytest

import win32session

pytest_plugins = ["pytester"]

HERE = Path(__file__).parent

#: Appended to the child's conftest.py: every check of "is this Wine?" says no.
AS_IF_ON_REAL_WINDOWS = """

import support as _support

_support.under_wine = lambda: False
under_wine = _support.under_wine
"""

#: Wine-only tests, one of each kind of skip, and a real Windows test.
WINE_ONLY = {
    "test_wine_mark": """
import pytest, support

@pytest.mark.windows
@pytest.mark.wine_only("wineboot is Wine's")
def test_marked():
    assert support.under_wine()
""",
    "test_wine_in_body": """
import pytest, support
from wine_only import skip_unless_wine

@pytest.mark.windows
def test_in_body():
    skip_unless_wine("Z:\\\\dev\\\\full is Linux's")
    assert support.under_wine()
""",
    "test_wine_module_skip": """
import pytest, support
from wine_only import skip_unless_wine

pytestmark = pytest.mark.windows
skip_unless_wine("a module of Wine's", module=True)

def test_in_a_skipped_module():
    assert support.under_wine()
""",
    "test_wine_module_mark": """
import pytest, support

pytestmark = [pytest.mark.windows, pytest.mark.wine_only("Wine's stubs")]

def test_in_a_marked_module():
    assert support.under_wine()
""",
    "test_real": """
import pytest

@pytest.mark.windows
def test_real_windows():
    pass

def test_plain():
    pass
""",
}

#: Skips planted in real Windows tests, one of each kind.
PLANTED = {
    "test_planted_skipif": """
import pytest

@pytest.mark.windows
@pytest.mark.skipif(True, reason="planted")
def test_skipif():
    pass
""",
    "test_planted_in_body": """
import pytest

@pytest.mark.windows
def test_in_body():
    pytest.skip("planted")
""",
    "test_planted_module_skip": """
import pytest

pytestmark = pytest.mark.windows
pytest.skip("planted", allow_module_level=True)

def test_never_collected():
    pass
""",
    "test_planted_module_mark": """
import pytest

pytestmark = [pytest.mark.windows, pytest.mark.skipif(True, reason="planted")]

def test_in_module():
    pass
""",
}

PLANTED_IDS = [
    "test_planted_in_body.py::test_in_body",
    "test_planted_module_mark.py::test_in_module",
    "test_planted_module_skip.py",
    "test_planted_skipif.py::test_skipif",
]

def make_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *,
               as_if_on_real_windows: bool, files: dict[str, str]) -> pytest.Pytester:
    # The child pytest imports win32session from where this one did.
    monkeypatch.setenv("PYTHONPATH", str(Path(win32session.__file__).parent.parent))
    conftest = (HERE / "conftest.py").read_text(encoding="utf-8")
    pytester.makeconftest(conftest + (AS_IF_ON_REAL_WINDOWS if as_if_on_real_windows else ""))
    pytester.makepyfile(support=(HERE / "support.py").read_text(encoding="utf-8"),
                        wine_only=(HERE / "wine_only.py").read_text(encoding="utf-8"),
                        # conftest.py loads the strict access-rights layer as a plugin.
                        strict_service=(HERE / "strict_service.py").read_text(encoding="utf-8"))
    pytester.makepyfile(**files)
    pytester.makeini("[pytest]\nmarkers =\n    windows: needs Win32\n"
                     "    wine_only(why): Wine's own\n")
    return pytester


def gated(result: pytest.RunResult) -> list[str]:
    """The node ids the gate named, sorted; [] when it named none."""
    for line in result.outlines:
        if line.startswith("--require-windows: "):
            return sorted(line.split("skipped: ", 1)[1].split(", "))
    return []


def run(suite: pytest.Pytester, *args: str) -> pytest.RunResult:
    return suite.runpytest_subprocess("-p", "no:cacheprovider", "-rs", *args)


@pytest.mark.windows
def test_on_real_windows_wine_only_skips_of_each_kind_pass_the_gate(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = make_suite(pytester, monkeypatch, as_if_on_real_windows=True, files=WINE_ONLY)
    result = run(suite, "--require-windows")
    assert gated(result) == [], result.stdout.str()
    # 3 tests and 1 module skipped, each for being Wine's.
    result.assert_outcomes(passed=2, skipped=4)
    assert sum("Wine-only: " in line for line in result.outlines if "SKIPPED" in line) == 4
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.windows
def test_on_real_windows_a_planted_skip_of_each_kind_still_fails_the_gate(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = make_suite(pytester, monkeypatch, as_if_on_real_windows=True,
                       files={**WINE_ONLY, **PLANTED})
    result = run(suite, "--require-windows")
    assert gated(result) == PLANTED_IDS, result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.windows
@pytest.mark.wine_only("the suite's Wine-only tests run only under Wine")
def test_under_wine_wine_only_tests_run_and_every_skip_fails_the_gate(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Wine-only reason does not pass the gate under Wine: there the test must run.
    disguised = """
import pytest
from wine_only import PREFIX

@pytest.mark.windows
def test_disguised():
    pytest.skip(PREFIX + "but this is Wine")
"""
    suite = make_suite(pytester, monkeypatch, as_if_on_real_windows=False,
                       files={**WINE_ONLY, **PLANTED, "test_disguised": disguised})
    result = run(suite, "--require-windows")
    assert gated(result) == sorted([*PLANTED_IDS, "test_disguised.py::test_disguised"]), (
        result.stdout.str())
    result.assert_outcomes(passed=6, skipped=5)  # the Wine-only tests passed
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_planted_skip_of_each_kind_fails_the_gate(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = make_suite(pytester, monkeypatch, as_if_on_real_windows=False, files=PLANTED)
    result = run(suite, "--require-windows")
    assert gated(result) == PLANTED_IDS, result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_without_the_option_a_skip_is_only_a_skip(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = make_suite(pytester, monkeypatch, as_if_on_real_windows=False, files=PLANTED)
    result = run(suite)
    result.assert_outcomes(skipped=4)
    assert gated(result) == []
    assert result.ret == pytest.ExitCode.OK
