"""The guard of the Windows legs: --require-windows fails a run in which a
test marked ``windows`` was skipped, so a leg cannot pass by skipping."""

from __future__ import annotations

from pathlib import Path

import pytest

import win32session

pytest_plugins = ["pytester"]

HERE = Path(__file__).parent

SUITE = """
import pytest

@pytest.mark.windows
def test_needs_windows():
    pytest.skip("as if Win32 were missing")

def test_plain():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A small suite under this project's own conftest.py and support.py."""
    # The child pytest imports win32session from where this one did.
    monkeypatch.setenv("PYTHONPATH", str(Path(win32session.__file__).parent.parent))
    pytester.makeconftest((HERE / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(support=(HERE / "support.py").read_text(encoding="utf-8"))
    # conftest.py loads the strict access-rights layer as a plugin.
    pytester.makepyfile(
        strict_service=(HERE / "strict_service.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_suite=SUITE)
    pytester.makeini("[pytest]\nmarkers =\n    windows: needs Win32\n")
    return pytester


def test_a_skipped_windows_test_fails_the_run(suite: pytest.Pytester) -> None:
    result = suite.runpytest_subprocess("--require-windows", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["*--require-windows: 1 Windows test(s) skipped*test_needs_windows*"]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_without_the_option_a_skip_is_only_a_skip(suite: pytest.Pytester) -> None:
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.OK
