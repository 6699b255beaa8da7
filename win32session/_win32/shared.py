"""What the DLL modules share: the types every DLL takes, the access rights and
error codes functions of several DLLs use, the failure conventions and
``_declare``, the one way a function is declared.

Loads no DLL and declares no function: each DLL module does that for its own
DLL. A constant or a failure convention that one DLL's functions alone use
lives in that DLL's module instead, next to them.
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

    # --- Types: pointer-sized where Windows says so (64-bit correctness). ---
    LRESULT = ctypes.c_ssize_t  # LONG_PTR
    WPARAM = ctypes.c_size_t  # UINT_PTR
    LPARAM = ctypes.c_ssize_t  # LONG_PTR
    HWND = wintypes.HWND
    HANDLE = wintypes.HANDLE

    class GUID(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/guiddef/ns-guiddef-guid"""

        _fields_ = [
            ("Data1", wintypes.DWORD),
            ("Data2", wintypes.WORD),
            ("Data3", wintypes.WORD),
            ("Data4", ctypes.c_ubyte * 8),
        ]

    # A security descriptor, a SID and an ACL, passed by pointer: advapi32
    # reads and writes them, kernel32 takes a descriptor (SECURITY_ATTRIBUTES).
    PSECURITY_DESCRIPTOR = ctypes.c_void_p
    PSID = ctypes.c_void_p
    PACL = ctypes.c_void_p

    # --- Access rights that objects of every kind take (a service, a file, an
    # event), beside each kind's own.
    #: https://learn.microsoft.com/windows/win32/secauthz/standard-access-rights
    DELETE: Final = 0x00010000
    READ_CONTROL: Final = 0x00020000
    WRITE_DAC: Final = 0x00040000
    WRITE_OWNER: Final = 0x00080000
    SYNCHRONIZE: Final = 0x00100000
    STANDARD_RIGHTS_REQUIRED: Final = 0x000F0000
    MAXIMUM_ALLOWED: Final = 0x02000000
    #: https://learn.microsoft.com/windows/win32/secauthz/generic-access-rights
    GENERIC_ALL: Final = 0x10000000
    GENERIC_EXECUTE: Final = 0x20000000
    GENERIC_WRITE: Final = 0x40000000
    GENERIC_READ: Final = 0x80000000

    # --- System error codes that functions of any DLL may set.
    #: https://learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-
    ERROR_FILE_NOT_FOUND: Final = 2
    ERROR_ACCESS_DENIED: Final = 5
    ERROR_INVALID_PARAMETER: Final = 87
    ERROR_INSUFFICIENT_BUFFER: Final = 122
    ERROR_ALREADY_EXISTS: Final = 183

    # --- Failure conventions, one errcheck each. ---
    def _raise_last_error(func: Any) -> None:
        code = ctypes.get_last_error()
        name = getattr(func, "__name__", "a Win32 call")
        if code == 0:
            # "Error 0: the operation completed successfully" is no cause.
            raise OSError(f"{name} failed and Windows gave no error code")
        raise ctypes.WinError(code, f"{name}: {ctypes.FormatError(code)}")

    def _fails_on_zero(result: Any, func: Any, args: Any) -> Any:
        """BOOL, ATOM, HWND or HANDLE results: 0 or NULL means failure."""
        if not result:
            _raise_last_error(func)
        return result

    def _cannot_fail(result: Any, func: Any, args: Any) -> Any:
        """For functions whose every result is a valid answer."""
        return result

    def _declare(
        dll: ctypes.WinDLL,
        name: str,
        restype: Any,
        argtypes: tuple[Any, ...],
        errcheck: Callable[[Any, Any, Any], Any],
    ) -> Any:
        function = getattr(dll, name)
        function.restype = restype
        function.argtypes = argtypes
        function.errcheck = errcheck
        return function

    _P = ctypes.POINTER
