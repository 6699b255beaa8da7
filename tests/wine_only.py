"""Tests of what only Wine does, and their honest skip on real Windows.

A few tests check Wine itself: ``wineboot --end-session`` (on Windows the
session ending would end the test run's own session), Linux's /dev/full as
``Z:\\dev\\full``, a folder removed from Linux while a file in it is open
(Windows refuses that), Wine 8.0's stub answers. Elsewhere they skip, with a
reason that starts with :data:`PREFIX`; conftest.py's skip gate
(``--require-windows``) lets exactly those skips through on real Windows, and
none under Wine, where they must run.

Mark a test or a module ``pytest.mark.wine_only("why")`` (conftest.py turns the
mark into the skip); in a test's body, or at module level with
``module=True``, call :func:`skip_unless_wine`.
"""

from __future__ import annotations

import pytest
import support

#: How every Wine-only skip's reason begins: the skip gate looks for it.
PREFIX = "Wine-only: "


def skip_unless_wine(why: str, *, module: bool = False) -> None:
    """Skips the test (or, with ``module``, the whole module) unless this is Wine."""
    if not support.under_wine():
        pytest.skip(PREFIX + why, allow_module_level=module)
