"""What the wheel ships. Runs where the suite is run against an installed
wheel (scripts/check.py sets W32S_EXPECT_INSTALLED on the Windows legs)."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest

import win32session

#: The name on PyPI; the import name stays win32session.
DISTRIBUTION = "win32-session-notifier"

pytestmark = pytest.mark.skipif(
    not os.environ.get("W32S_EXPECT_INSTALLED"),
    reason="only where the tests run against the installed wheel",
)


def test_the_package_under_test_is_the_installed_wheel() -> None:
    location = Path(win32session.__file__).resolve()
    assert "site-packages" in location.parts, location


def test_the_wheel_is_typed_and_versioned() -> None:
    assert (Path(win32session.__file__).parent / "py.typed").is_file()
    assert importlib.metadata.version(DISTRIBUTION) == win32session.__version__
    metadata = importlib.metadata.metadata(DISTRIBUTION)
    assert metadata["Requires-Python"] == ">=3.10"
    assert not metadata.get_all("Requires-Dist")  # no runtime dependencies


def test_the_console_script_is_declared() -> None:
    scripts = importlib.metadata.entry_points(group="console_scripts")
    (entry,) = [e for e in scripts if e.name == "win32session"]
    assert entry.value == "win32session.__main__:main"


def test_the_wheel_names_its_license_and_import_name() -> None:
    metadata = importlib.metadata.metadata(DISTRIBUTION)
    assert metadata["License-Expression"] == "MIT"
    assert metadata["License-File"] == "LICENSE"
    files = importlib.metadata.files(DISTRIBUTION) or []
    assert any(f.name == "LICENSE" for f in files), files
    # The import name comes from this distribution (read from its RECORD:
    # Python 3.10's packages_distributions() needs a top_level.txt flit omits).
    assert any(f.as_posix() == "win32session/__init__.py" for f in files), files
