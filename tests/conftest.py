"""Shared test machinery: the ``windows`` marker and ``--require-windows``.

Tests that drive the real Win32 API are marked ``windows`` and skip where
there is no Win32 (tests/support.py says how Windows's part is simulated).
``--require-windows`` turns any skip of such a test into a failure, so the
Wine leg cannot pass by skipping.
"""

from __future__ import annotations

from collections.abc import Iterator

import sys

import pytest
from support import Child, Collector, under_wine

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
        help="fail the run if any test marked 'windows' was skipped",
    )
    parser.addoption(
        "--reliability-scale",
        type=float,
        default=1.0,
        help="multiply the sizes of the reliability suite (default 1: sized for CI)",
    )


_skipped_windows_tests: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "windows" in report.keywords:
        _skipped_windows_tests.append(report.nodeid)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if sys.platform == "win32":
        return
    skip = pytest.mark.skip(reason="needs the Win32 API (Windows, or Windows CPython under Wine)")
    for item in items:
        if "windows" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.getoption("--require-windows") and _skipped_windows_tests:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"--require-windows: {len(_skipped_windows_tests)} Windows test(s) "
                "skipped: " + ", ".join(_skipped_windows_tests),
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
