"""ole32: freeing the memory shell32's SHGetKnownFolderPath hands back.

Imported, as shell32 is, only in the function that asks (the audit service's
folder); importing it loads ole32.
"""

from __future__ import annotations

import sys

if sys.platform == "win32":
    import ctypes
    from collections.abc import Callable

    from .shared import _cannot_fail, _declare

    _dll = ctypes.WinDLL("ole32", use_last_error=True)

    # Frees SHGetKnownFolderPath's string; returns nothing.
    #: https://learn.microsoft.com/windows/win32/api/combaseapi/nf-combaseapi-cotaskmemfree
    CoTaskMemFree: Callable[..., None] = _declare(
        _dll, "CoTaskMemFree", None, (ctypes.c_void_p,), _cannot_fail)
