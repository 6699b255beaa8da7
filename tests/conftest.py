"""Shared test machinery: the ``windows`` and ``wine_only`` markers and the
skip gate, ``--require-windows``.

Tests that drive the real Win32 API are marked ``windows`` and skip where
there is no Win32 (tests/support.py says how Windows's part is simulated).
Tests of what only Wine does are marked ``wine_only`` (or call
``wine_only.skip_unless_wine``) and skip elsewhere, with a reason that starts
with ``wine_only.PREFIX``.

``--require-windows`` fails the run for every skip that hides Windows
behaviour: a skipped ``windows`` or ``wine_only`` test, or a module skipped
whole at collection (its tests never even show), unless the skip is a
Wine-only one on real Windows. So a Wine leg cannot pass by skipping, and the
real-Windows workflow passes without hiding anything but Wine's own tests.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from support import Child, Collector, under_wine
from wine_only import PREFIX as WINE_ONLY

#: The strict access-rights layer for service handles, on under Wine
#: (tests/strict_service.py).
pytest_plugins = ("strict_service",)

if sys.platform == "win32" and under_wine():
    import platform

    def _no_wmi(*keys: str) -> object:
        raise OSError("WMI is not asked under Wine")

    # Python 3.12 and later ask WMI for platform.win32_ver() (hypothesis calls
    # platform.system() when imported), and that query kills the process under
    # Wine 8.0 (its propsys.VariantToString is unimplemented). Failing it with
    # OSError, as Python does where WMI is missing, makes Python fall back to
    # sys.getwindowsversion().
    if hasattr(platform, "_wmi_query"):
        # setattr: typeshed does not have this private name on every platform.
        setattr(platform, "_wmi_query", _no_wmi)  # noqa: B010


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-windows",
        action="store_true",
        help="fail the run if a skip hid Windows behaviour (a Wine-only test may "
        "skip on real Windows)",
    )
    parser.addoption(
        "--reliability-scale",
        type=float,
        default=1.0,
        help="multiply the sizes of the reliability suite (default 1: sized for CI)",
    )


_hidden_by_skips: list[str] = []


def _native_windows() -> bool:
    """Real Windows: where a Wine-only test may skip."""
    return sys.platform == "win32" and not under_wine()


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    """A skip's reason as given to pytest.skip or the mark."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def _hides_windows(report: pytest.TestReport | pytest.CollectReport) -> bool:
    """Whether this skip could hide Windows behaviour: only a Wine-only
    skip on real Windows cannot."""
    return not (_native_windows() and _skip_reason(report).startswith(WINE_ONLY))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if (report.skipped and ("windows" in report.keywords or "wine_only" in report.keywords)
            and _hides_windows(report)):
        _hidden_by_skips.append(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    # A module that skips itself while it is imported (pytest.skip with
    # allow_module_level) yields no test, only this report: none of its
    # tests is seen to skip, so the module's skip counts.
    if report.skipped and _hides_windows(report):
        _hidden_by_skips.append(report.nodeid)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if sys.platform != "win32":
        skip = pytest.mark.skip(
            reason="needs the Win32 API (Windows, or Windows CPython under Wine)")
        for item in items:
            if "windows" in item.keywords or "wine_only" in item.keywords:
                item.add_marker(skip)
        return
    if under_wine():
        return
    for item in items:
        mark = item.get_closest_marker("wine_only")
        if mark is not None:
            why = mark.args[0] if mark.args else mark.kwargs.get("reason", "checks Wine")
            item.add_marker(pytest.mark.skip(reason=WINE_ONLY + str(why)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.getoption("--require-windows") and _hidden_by_skips:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"--require-windows: {len(_hidden_by_skips)} Windows test(s) or module(s) "
                "skipped: " + ", ".join(_hidden_by_skips),
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _no_child_left_behind() -> Iterator[None]:
    yield
    for child in list(Child.live):
        child.kill()


@pytest.fixture
def scale(request: pytest.FixtureRequest) -> float:
    """--reliability-scale: how much larger than CI's the reliability runs are."""
    value = request.config.getoption("--reliability-scale")
    assert isinstance(value, float) and value > 0, "--reliability-scale must be positive"
    return value


@pytest.fixture
def collector() -> Iterator[Collector]:
    yield Collector()
