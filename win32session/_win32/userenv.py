"""userenv: the folder of all user profiles, which the audit service's trust
checks treat as users' ground (win32session._cli.audit.trust).

Imported only in the function that asks; importing it loads userenv.
"""

from __future__ import annotations

import sys

if sys.platform == "win32":
    import ctypes
    from collections.abc import Callable
    from ctypes import wintypes

    from .shared import _declare, _fails_on_zero

    _dll = ctypes.WinDLL("userenv", use_last_error=True)

    # The folder that holds every user's profile (C:\Users).
    #: https://learn.microsoft.com/windows/win32/api/userenv/nf-userenv-getprofilesdirectoryw
    GetProfilesDirectoryW: Callable[..., int] = _declare(
        _dll, "GetProfilesDirectoryW", wintypes.BOOL,
        (wintypes.LPWSTR, wintypes.LPDWORD), _fails_on_zero)
