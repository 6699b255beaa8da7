"""ntdll: telling Wine from Windows, for ``win32session doctor``.

Only the doctor imports it; importing it loads ntdll (always in the process
already) and looks up one export.
"""

from __future__ import annotations

import sys

if sys.platform == "win32":
    import ctypes
    from collections.abc import Callable

    from .shared import _cannot_fail, _declare

    # Kept apart from the rest: only the doctor asks, and only to name the
    # answers that are Wine's stubs instead of reporting them as defects.
    _dll = ctypes.WinDLL("ntdll", use_last_error=True)
    #: ``const char *wine_get_version(void)``: Wine's version (b"8.0"). Wine's
    #: own export, so no Microsoft page: Wine's Developer FAQ ("How can I
    #: detect Wine?") names it. Windows's ntdll has no such export; this is
    #: then None, and importing this module must not fail over it.
    wine_get_version: Callable[[], bytes | None] | None = (
        _declare(_dll, "wine_get_version", ctypes.c_char_p, (), _cannot_fail)
        if hasattr(_dll, "wine_get_version")  # GetProcAddress, no call
        else None
    )
