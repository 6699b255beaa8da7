"""kernel32: the process and its session, console control, events, memory,
the power status, and files: the audit trail's folder and the output lines.

Used by nearly every part (the notifier, the queries, the service host, the
command line); importing this module loads kernel32.
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

    from .shared import (
        HANDLE,
        PSECURITY_DESCRIPTOR,
        _cannot_fail,
        _declare,
        _fails_on_zero,
        _P,
        _raise_last_error,
    )

    _dll = ctypes.WinDLL("kernel32", use_last_error=True)

    #: https://learn.microsoft.com/windows/console/handlerroutine
    PHANDLER_ROUTINE = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)

    class SYSTEM_POWER_STATUS(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winbase/ns-winbase-system_power_status"""

        _fields_ = [
            ("ACLineStatus", ctypes.c_ubyte),  # BYTE: unsigned
            ("BatteryFlag", ctypes.c_ubyte),  # BYTE: unsigned
            ("BatteryLifePercent", ctypes.c_ubyte),  # BYTE: unsigned
            ("SystemStatusFlag", ctypes.c_ubyte),  # BYTE: unsigned
            ("BatteryLifeTime", wintypes.DWORD),
            ("BatteryFullLifeTime", wintypes.DWORD),
        ]

    class SYSTEM_INFO(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/sysinfoapi/ns-sysinfoapi-system_info"""

        _fields_ = [
            ("dwOemId", wintypes.DWORD),  # a union with two WORDs: the architecture
            ("dwPageSize", wintypes.DWORD),
            ("lpMinimumApplicationAddress", ctypes.c_void_p),
            ("lpMaximumApplicationAddress", ctypes.c_void_p),
            ("dwActiveProcessorMask", ctypes.c_size_t),  # DWORD_PTR
            ("dwNumberOfProcessors", wintypes.DWORD),
            ("dwProcessorType", wintypes.DWORD),
            ("dwAllocationGranularity", wintypes.DWORD),
            ("wProcessorLevel", wintypes.WORD),
            ("wProcessorRevision", wintypes.WORD),
        ]

    class MEMORY_BASIC_INFORMATION(ctypes.Structure):
        """What VirtualQuery says of a region of pages (the tests' strict
        ReadProcessMemory); 64-bit Windows adds a WORD PartitionId after
        AllocationProtect, which the alignment of RegionSize already leaves
        room for.
        https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-memory_basic_information"""

        _fields_ = [
            ("BaseAddress", ctypes.c_void_p),
            ("AllocationBase", ctypes.c_void_p),
            ("AllocationProtect", wintypes.DWORD),
            ("RegionSize", ctypes.c_size_t),
            ("State", wintypes.DWORD),
            ("Protect", wintypes.DWORD),
            ("Type", wintypes.DWORD),
        ]

    class SECURITY_ATTRIBUTES(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/wtypesbase/ns-wtypesbase-security_attributes"""

        _fields_ = [
            ("nLength", wintypes.DWORD),
            ("lpSecurityDescriptor", PSECURITY_DESCRIPTOR),
            ("bInheritHandle", wintypes.BOOL),
        ]

    #: SYSTEM_POWER_STATUS.BatteryFlag: no system battery.
    BATTERY_FLAG_NO_BATTERY: Final = 128
    BATTERY_PERCENTAGE_UNKNOWN: Final = 255
    # VirtualAlloc and VirtualFree (the tests' unreadable pages).
    MEM_COMMIT: Final = 0x00001000
    MEM_RESERVE: Final = 0x00002000
    MEM_RELEASE: Final = 0x00008000
    PAGE_NOACCESS: Final = 0x01
    PAGE_READWRITE: Final = 0x04
    PAGE_GUARD: Final = 0x100
    #: ReadProcessMemory's error for a range it cannot read whole.
    ERROR_PARTIAL_COPY: Final = 299
    CTRL_C_EVENT: Final = 0
    CTRL_BREAK_EVENT: Final = 1
    #: WTSGetActiveConsoleSessionId's answer when no session is attached.
    NO_CONSOLE_SESSION: Final = 0xFFFFFFFF

    # --- The process, its session, console control, events, memory, power. ---
    GetModuleHandleW: Callable[..., int] = _declare(
        _dll, "GetModuleHandleW", wintypes.HMODULE, (wintypes.LPCWSTR,), _fails_on_zero)
    # Cannot fail (documented with no error return).
    GetCurrentProcessId: Callable[[], int] = _declare(
        _dll, "GetCurrentProcessId", wintypes.DWORD, (), _cannot_fail)
    ProcessIdToSessionId: Callable[..., int] = _declare(
        _dll, "ProcessIdToSessionId", wintypes.BOOL, (wintypes.DWORD, wintypes.LPDWORD),
        _fails_on_zero)
    SetConsoleCtrlHandler: Callable[..., int] = _declare(
        _dll, "SetConsoleCtrlHandler", wintypes.BOOL, (PHANDLER_ROUTINE, wintypes.BOOL),
        _fails_on_zero)
    GenerateConsoleCtrlEvent: Callable[..., int] = _declare(
        _dll, "GenerateConsoleCtrlEvent", wintypes.BOOL, (wintypes.DWORD, wintypes.DWORD),
        _fails_on_zero)
    AttachConsole: Callable[..., int] = _declare(
        _dll, "AttachConsole", wintypes.BOOL, (wintypes.DWORD,), _fails_on_zero)
    # FALSE only means there was no console to leave.
    FreeConsole: Callable[[], int] = _declare(
        _dll, "FreeConsole", wintypes.BOOL, (), _cannot_fail)
    OpenEventW: Callable[..., int] = _declare(
        _dll, "OpenEventW", HANDLE, (wintypes.DWORD, wintypes.BOOL, wintypes.LPCWSTR),
        _fails_on_zero)
    CreateEventW: Callable[..., int] = _declare(
        _dll, "CreateEventW", HANDLE,
        (wintypes.LPVOID, wintypes.BOOL, wintypes.BOOL, wintypes.LPCWSTR), _fails_on_zero)
    SetEvent: Callable[..., int] = _declare(
        _dll, "SetEvent", wintypes.BOOL, (HANDLE,), _fails_on_zero)
    CloseHandle: Callable[..., int] = _declare(
        _dll, "CloseHandle", wintypes.BOOL, (HANDLE,), _fails_on_zero)
    # Milliseconds since boot, wrapping every 49.7 days; it cannot fail.
    #: https://learn.microsoft.com/windows/win32/api/sysinfoapi/nf-sysinfoapi-gettickcount
    GetTickCount: Callable[[], int] = _declare(
        _dll, "GetTickCount", wintypes.DWORD, (), _cannot_fail)
    # Returns nothing: it cannot fail. Its lowest and highest application
    # addresses bound what a service's handler can be given (Notifier.feed).
    #: https://learn.microsoft.com/windows/win32/api/sysinfoapi/nf-sysinfoapi-getsysteminfo
    GetSystemInfo: Callable[..., None] = _declare(
        _dll, "GetSystemInfo", None, (_P(SYSTEM_INFO),), _cannot_fail)
    #: Copies ``nSize`` bytes of a process's memory, ours included (the
    #: handle of GetCurrentProcess has PROCESS_VM_READ, which it needs): it
    #: checks first that the whole range is readable and fails otherwise
    #: (ERROR_PARTIAL_COPY, ERROR_NOACCESS) where reading it would fault.
    #: How feed() reads an lpEventData it cannot trust.
    #: https://learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-readprocessmemory
    ReadProcessMemory: Callable[..., int] = _declare(
        _dll, "ReadProcessMemory", wintypes.BOOL,
        (HANDLE, wintypes.LPCVOID, wintypes.LPVOID, ctypes.c_size_t, _P(ctypes.c_size_t)),
        _fails_on_zero)
    #: Reserves or commits pages: the tests reserve some without committing,
    #: an address in the application range that cannot be read.
    #: https://learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualalloc
    VirtualAlloc: Callable[..., int] = _declare(
        _dll, "VirtualAlloc", wintypes.LPVOID,
        (wintypes.LPVOID, ctypes.c_size_t, wintypes.DWORD, wintypes.DWORD), _fails_on_zero)
    #: The region of pages an address lies in; 0 (a failure) beyond the
    #: application range.
    #: https://learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualquery
    VirtualQuery: Callable[..., int] = _declare(
        _dll, "VirtualQuery", ctypes.c_size_t,
        (wintypes.LPCVOID, _P(MEMORY_BASIC_INFORMATION), ctypes.c_size_t), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualfree
    VirtualFree: Callable[..., int] = _declare(
        _dll, "VirtualFree", wintypes.BOOL,
        (wintypes.LPVOID, ctypes.c_size_t, wintypes.DWORD), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-getsystempowerstatus
    GetSystemPowerStatus: Callable[..., int] = _declare(
        _dll, "GetSystemPowerStatus", wintypes.BOOL, (_P(SYSTEM_POWER_STATUS),), _fails_on_zero)

    # 0xFFFFFFFF (no session attached to the console) is an answer, not a failure.
    #: https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-wtsgetactiveconsolesessionid
    WTSGetActiveConsoleSessionId: Callable[[], int] = _declare(
        _dll, "WTSGetActiveConsoleSessionId", wintypes.DWORD, (), _cannot_fail)

    # --- The alertable wait of service management (the command line's scm).
    #: SleepEx's answer when an APC (a status notification) ran.
    WAIT_IO_COMPLETION: Final = 0x000000C0
    # An alertable wait, so the status notification's APC can run; it
    # returns 0 (time up) or WAIT_IO_COMPLETION, and cannot fail.
    #: https://learn.microsoft.com/windows/win32/api/synchapi/nf-synchapi-sleepex
    SleepEx: Callable[..., int] = _declare(
        _dll, "SleepEx", wintypes.DWORD, (wintypes.DWORD, wintypes.BOOL), _cannot_fail)

    # --- The audit service's folder and the trust checks (win32session._cli.audit):
    # its own process (for its token), folders, renames, and LocalFree for what
    # advapi32's SDDL conversions and GetNamedSecurityInfoW allocate.
    #: https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-getcurrentprocess
    GetCurrentProcess: Callable[[], int] = _declare(
        _dll, "GetCurrentProcess", HANDLE, (), _cannot_fail)
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createdirectoryw
    CreateDirectoryW: Callable[..., int] = _declare(
        _dll, "CreateDirectoryW", wintypes.BOOL,
        (wintypes.LPCWSTR, _P(SECURITY_ATTRIBUTES)), _fails_on_zero)
    # Renames an untrusted audit folder or file aside (never adopted: handles
    # opened before a take-over keep their access). Flags 0: fails when the
    # new name exists, and moves within the volume only; a rename needs
    # DELETE on the object or FILE_DELETE_CHILD on its folder, and adding to
    # the folder (SYSTEM and Administrators have both on %ProgramData%). A
    # link is renamed itself, not what it points to.
    #: https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-movefileexw
    MoveFileExW: Callable[..., int] = _declare(
        _dll, "MoveFileExW", wintypes.BOOL,
        (wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD), _fails_on_zero)

    def _fails_on_non_null(result: Any, func: Any, args: Any) -> Any:
        """LocalFree: NULL means freed; the handle back means it failed."""
        if result:
            _raise_last_error(func)
        return result

    # Frees what the SDDL conversions and GetNamedSecurityInfoW allocate.
    #: https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-localfree
    LocalFree: Callable[..., int | None] = _declare(
        _dll, "LocalFree", wintypes.HLOCAL, (wintypes.HLOCAL,), _fails_on_non_null)


    # --- Output lines (win32session._cli.output). -----------
    # Written with WriteFile, not the C runtime's write(), because the C
    # runtime turns a closed pipe (ERROR_NO_DATA) into EINVAL and drops the
    # Windows error code; ctypes.WinError keeps it, and maps 232 and 109 to
    # BrokenPipeError.
    INVALID_HANDLE_VALUE: Final = ctypes.c_void_p(-1).value
    #: Without FILE_WRITE_DATA: each write goes to the end of the file, as one
    #: piece, even when another process appends to it too (CreateFileW's page).
    FILE_APPEND_DATA: Final = 0x0004
    #: A named pipe is written with FILE_WRITE_DATA alone: on a pipe,
    #: FILE_APPEND_DATA means FILE_CREATE_PIPE_INSTANCE (the right to create
    #: an instance, which a client must not ask for: the default pipe DACL
    #: gives others read access only) and WriteFile fails with 5 without
    #: FILE_WRITE_DATA. GENERIC_WRITE would ask for both.
    #: https://learn.microsoft.com/windows/win32/fileio/file-access-rights-constants
    #: https://learn.microsoft.com/windows/win32/ipc/named-pipe-security-and-access-rights
    FILE_WRITE_DATA: Final = 0x0002
    #: Others may read the file (and append to it) while it is open; not
    #: delete it: the C runtime's open() shares the same way.
    FILE_SHARE_READ: Final = 0x00000001
    FILE_SHARE_WRITE: Final = 0x00000002
    OPEN_ALWAYS: Final = 4  # created when missing, never truncated
    OPEN_EXISTING: Final = 3  # a pipe's client: the server made it
    #: GetFileType's answers: only a disk file keeps what is written.
    FILE_TYPE_UNKNOWN: Final = 0
    FILE_TYPE_DISK: Final = 1
    FILE_TYPE_CHAR: Final = 2  # a console, a port, the null device
    FILE_TYPE_PIPE: Final = 3
    FILE_ATTRIBUTE_NORMAL: Final = 0x80
    CREATE_NEW: Final = 1  # fails with ERROR_FILE_EXISTS when the name is taken
    ERROR_SHARING_VIOLATION: Final = 32
    ERROR_FILE_EXISTS: Final = 80
    FILE_READ_ATTRIBUTES: Final = 0x0080
    #: The link itself, not what it points to (win32session._cli.audit.trust).
    FILE_FLAG_OPEN_REPARSE_POINT: Final = 0x00200000
    #: Needed to open a folder at all.
    FILE_FLAG_BACKUP_SEMANTICS: Final = 0x02000000
    FILE_ATTRIBUTE_DIRECTORY: Final = 0x10
    FILE_ATTRIBUTE_REPARSE_POINT: Final = 0x400

    def _fails_on_invalid_handle(result: Any, func: Any, args: Any) -> Any:
        """CreateFileW: INVALID_HANDLE_VALUE, not NULL, means failure."""
        if result is None or result == INVALID_HANDLE_VALUE:
            _raise_last_error(func)
        return result

    # OPEN_ALWAYS sets ERROR_ALREADY_EXISTS (183) on success: only the handle
    # says whether it failed.
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew
    CreateFileW: Callable[..., int] = _declare(
        _dll, "CreateFileW", HANDLE,
        (wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID,
         wintypes.DWORD, wintypes.DWORD, HANDLE),
        _fails_on_invalid_handle)

    def _fails_on_unknown_with_error(result: Any, func: Any, args: Any) -> Any:
        """GetFileType: FILE_TYPE_UNKNOWN is an answer when the last error is
        0 (the caller zeroes it before the call), a failure otherwise."""
        if result == FILE_TYPE_UNKNOWN and ctypes.get_last_error():
            _raise_last_error(func)
        return result

    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-getfiletype
    GetFileType: Callable[..., int] = _declare(
        _dll, "GetFileType", wintypes.DWORD, (HANDLE,), _fails_on_unknown_with_error)
    # lpBuffer as c_char_p: the bytes object itself is passed, not copied.
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-writefile
    WriteFile: Callable[..., int] = _declare(
        _dll, "WriteFile", wintypes.BOOL,
        (HANDLE, ctypes.c_char_p, wintypes.DWORD, wintypes.LPDWORD, wintypes.LPVOID),
        _fails_on_zero)

    #: https://learn.microsoft.com/windows/win32/api/fileapi/ns-fileapi-by_handle_file_information
    class BY_HANDLE_FILE_INFORMATION(ctypes.Structure):
        _fields_ = [
            ("dwFileAttributes", wintypes.DWORD),
            ("ftCreationTime", wintypes.FILETIME),
            ("ftLastAccessTime", wintypes.FILETIME),
            ("ftLastWriteTime", wintypes.FILETIME),
            ("dwVolumeSerialNumber", wintypes.DWORD),
            ("nFileSizeHigh", wintypes.DWORD),
            ("nFileSizeLow", wintypes.DWORD),
            ("nNumberOfLinks", wintypes.DWORD),
            ("nFileIndexHigh", wintypes.DWORD),
            ("nFileIndexLow", wintypes.DWORD),
        ]

    # nNumberOfLinks: a trail file with a second name is refused (_cli.audit.trust).
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-getfileinformationbyhandle
    GetFileInformationByHandle: Callable[..., int] = _declare(
        _dll, "GetFileInformationByHandle", wintypes.BOOL,
        (HANDLE, _P(BY_HANDLE_FILE_INFORMATION)), _fails_on_zero)

    # The path the file of a handle has now, whatever name opened it: the
    # trail's write handle must be the file at the checked path, not one a
    # junction put there. Returns the length without the null; when the buffer
    # is too small, the size needed with it; 0 on failure. FILE_NAME_NORMALIZED
    # | VOLUME_NAME_DOS (0) gives "\\?\C:\..." (or "\\?\UNC\server\...").
    #: https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-getfinalpathnamebyhandlew
    GetFinalPathNameByHandleW: Callable[..., int] = _declare(
        _dll, "GetFinalPathNameByHandleW", wintypes.DWORD,
        (HANDLE, wintypes.LPWSTR, wintypes.DWORD, wintypes.DWORD), _fails_on_zero)
    FILE_NAME_NORMALIZED: Final = 0x0
    VOLUME_NAME_DOS: Final = 0x0
