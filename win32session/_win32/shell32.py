"""shell32: where a known folder is (%ProgramData%, for the audit trail).

Only the audit service's folder (win32session._cli.audit.folder) uses it, and
imports this module in the function that asks: importing it loads shell32,
which the notifier and most commands never need.
"""

from __future__ import annotations

import sys

if sys.platform == "win32":
    import ctypes
    from collections.abc import Callable
    from ctypes import wintypes

    TYPE_CHECKING = False  # typing loads only for the type checker
    if TYPE_CHECKING:
        from typing import Any, Final

    from .shared import GUID, HANDLE, _declare, _P

    _dll = ctypes.WinDLL("shell32", use_last_error=True)

    #: FOLDERID_ProgramData {62AB5D82-FDC1-4DC3-A9DD-070D1D495D97}.
    #: https://learn.microsoft.com/windows/win32/shell/knownfolderid
    FOLDERID_ProgramData: Final = (
        0x62AB5D82, 0xFDC1, 0x4DC3, (0xA9, 0xDD, 0x07, 0x0D, 0x1D, 0x49, 0x5D, 0x97))

    def _fails_on_failed_hresult(result: Any, func: Any, args: Any) -> Any:
        if result < 0:
            name = getattr(func, "__name__", "a Win32 call")
            code = result & 0xFFFFFFFF
            raise OSError(None, f"{name} failed: HRESULT 0x{code:08X} {ctypes.FormatError(result)}")
        return result

    # HRESULT as c_long, not ctypes.HRESULT: the errcheck names the function.
    # The path comes back in memory the caller frees with ole32's CoTaskMemFree.
    #: https://learn.microsoft.com/windows/win32/api/shlobj_core/nf-shlobj_core-shgetknownfolderpath
    SHGetKnownFolderPath: Callable[..., int] = _declare(
        _dll, "SHGetKnownFolderPath", ctypes.c_long,
        (_P(GUID), wintypes.DWORD, HANDLE, _P(ctypes.c_void_p)), _fails_on_failed_hresult)
