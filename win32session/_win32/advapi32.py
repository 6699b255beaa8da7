"""advapi32: service management, the service host, security descriptors,
and the tokens and ACEs the audit service's trust checks read.

Used by the command line's ``service`` commands and audit service, and by the
service host; importing this module loads advapi32, which the notifier on
its own never needs.
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
        ERROR_INSUFFICIENT_BUFFER,
        HANDLE,
        PACL,
        PSECURITY_DESCRIPTOR,
        PSID,
        _declare,
        _fails_on_zero,
        _P,
        _raise_last_error,
    )

    _dll = ctypes.WinDLL("advapi32", use_last_error=True)

    # --- Service management (install, start, stop) ---
    # What `win32session service` asks of the service control manager. The
    # code that runs inside a service (the dispatcher, the control handler)
    # is another section's. Every SC_HANDLE is closed with CloseServiceHandle.
    SC_HANDLE = wintypes.HANDLE

    class SERVICE_STATUS_PROCESS(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status_process"""

        _fields_ = [
            ("dwServiceType", wintypes.DWORD),
            ("dwCurrentState", wintypes.DWORD),
            ("dwControlsAccepted", wintypes.DWORD),
            ("dwWin32ExitCode", wintypes.DWORD),
            ("dwServiceSpecificExitCode", wintypes.DWORD),
            ("dwCheckPoint", wintypes.DWORD),
            ("dwWaitHint", wintypes.DWORD),
            ("dwProcessId", wintypes.DWORD),
            ("dwServiceFlags", wintypes.DWORD),
        ]

    class SERVICE_STATUS(ctypes.Structure):
        """ControlService's answer: the head of SERVICE_STATUS_PROCESS.
        https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status"""

        _fields_ = SERVICE_STATUS_PROCESS._fields_[:7]

    class QUERY_SERVICE_CONFIGW(ctypes.Structure):
        """The head of QueryServiceConfigW's buffer; the strings it points to
        follow in the same buffer.
        https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-query_service_configw"""

        _fields_ = [
            ("dwServiceType", wintypes.DWORD),
            ("dwStartType", wintypes.DWORD),
            ("dwErrorControl", wintypes.DWORD),
            ("lpBinaryPathName", wintypes.LPWSTR),
            ("lpLoadOrderGroup", wintypes.LPWSTR),
            ("dwTagId", wintypes.DWORD),
            ("lpDependencies", wintypes.LPWSTR),
            ("lpServiceStartName", wintypes.LPWSTR),
            ("lpDisplayName", wintypes.LPWSTR),
        ]

    class SERVICE_DESCRIPTIONW(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_descriptionw"""

        _fields_ = [("lpDescription", wintypes.LPWSTR)]

    class SC_ACTION(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-sc_action"""

        _fields_ = [("Type", ctypes.c_int), ("Delay", wintypes.DWORD)]  # SC_ACTION_TYPE; ms

    class SERVICE_FAILURE_ACTIONSW(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_failure_actionsw"""

        _fields_ = [
            ("dwResetPeriod", wintypes.DWORD),  # seconds
            ("lpRebootMsg", wintypes.LPWSTR),
            ("lpCommand", wintypes.LPWSTR),
            ("cActions", wintypes.DWORD),
            ("lpsaActions", ctypes.POINTER(SC_ACTION)),
        ]

    class SERVICE_FAILURE_ACTIONS_FLAG(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_failure_actions_flag"""

        _fields_ = [("fFailureActionsOnNonCrashFailures", wintypes.BOOL)]

    #: https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-pfn_sc_notify_callback
    PFN_SC_NOTIFY_CALLBACK = ctypes.WINFUNCTYPE(None, wintypes.LPVOID)

    class SERVICE_NOTIFYW(ctypes.Structure):
        """Must stay alive until its callback has run or the service handle
        is closed. https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_notify_2w"""

        _fields_ = [
            ("dwVersion", wintypes.DWORD),
            ("pfnNotifyCallback", PFN_SC_NOTIFY_CALLBACK),
            ("pContext", wintypes.LPVOID),
            ("dwNotificationStatus", wintypes.DWORD),
            ("ServiceStatus", SERVICE_STATUS_PROCESS),
            ("dwNotificationTriggered", wintypes.DWORD),
            ("pszServiceNames", wintypes.LPWSTR),
        ]

    class SERVICE_SID_INFO(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_sid_info"""

        _fields_ = [("dwServiceSidType", wintypes.DWORD)]

    class SERVICE_REQUIRED_PRIVILEGES_INFOW(ctypes.Structure):
        """``pmszRequiredPrivileges``: a multi-string, each name ended by a
        NUL and the list by one more.
        https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_required_privileges_infow"""

        _fields_ = [("pmszRequiredPrivileges", wintypes.LPWSTR)]

    # Access rights: https://learn.microsoft.com/windows/win32/services/service-security-and-access-rights
    SC_MANAGER_CONNECT: Final = 0x0001
    SC_MANAGER_CREATE_SERVICE: Final = 0x0002
    SC_MANAGER_ENUMERATE_SERVICE: Final = 0x0004
    SC_MANAGER_LOCK: Final = 0x0008
    SC_MANAGER_QUERY_LOCK_STATUS: Final = 0x0010
    SC_MANAGER_MODIFY_BOOT_CONFIG: Final = 0x0020
    SERVICE_QUERY_CONFIG: Final = 0x0001
    SERVICE_CHANGE_CONFIG: Final = 0x0002
    SERVICE_QUERY_STATUS: Final = 0x0004
    SERVICE_ENUMERATE_DEPENDENTS: Final = 0x0008
    SERVICE_START: Final = 0x0010
    SERVICE_STOP: Final = 0x0020
    SERVICE_PAUSE_CONTINUE: Final = 0x0040
    SERVICE_INTERROGATE: Final = 0x0080
    SERVICE_USER_DEFINED_CONTROL: Final = 0x0100  # ControlService with codes 128-255
    SERVICE_WIN32_OWN_PROCESS: Final = 0x00000010
    # Start types, as dwStartType and CreateServiceW's dwStartType.
    SERVICE_BOOT_START: Final = 0
    SERVICE_SYSTEM_START: Final = 1
    SERVICE_AUTO_START: Final = 2
    SERVICE_DEMAND_START: Final = 3
    SERVICE_DISABLED: Final = 4
    SERVICE_ERROR_NORMAL: Final = 1  # logged; the boot goes on
    # dwCurrentState values.
    SERVICE_STOPPED: Final = 1
    SERVICE_START_PENDING: Final = 2
    SERVICE_STOP_PENDING: Final = 3
    SERVICE_RUNNING: Final = 4
    SERVICE_CONTINUE_PENDING: Final = 5
    SERVICE_PAUSE_PENDING: Final = 6
    SERVICE_PAUSED: Final = 7
    SERVICE_CONTROL_STOP: Final = 1
    SC_STATUS_PROCESS_INFO: Final = 0  # QueryServiceStatusEx's only level
    # ChangeServiceConfig2W/QueryServiceConfig2W levels.
    SERVICE_CONFIG_DESCRIPTION: Final = 1
    SERVICE_CONFIG_FAILURE_ACTIONS: Final = 2
    SERVICE_CONFIG_FAILURE_ACTIONS_FLAG: Final = 4
    SERVICE_CONFIG_SERVICE_SID_INFO: Final = 5
    SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO: Final = 6
    # SERVICE_SID_INFO.dwServiceSidType: the service SID is added to the
    # process token (NONE: not added; RESTRICTED: a write-restricted token).
    SERVICE_SID_TYPE_NONE: Final = 0
    SERVICE_SID_TYPE_UNRESTRICTED: Final = 1
    SERVICE_SID_TYPE_RESTRICTED: Final = 3
    # SC_ACTION_TYPE.
    SC_ACTION_NONE: Final = 0
    SC_ACTION_RESTART: Final = 1
    SC_ACTION_REBOOT: Final = 2
    SC_ACTION_RUN_COMMAND: Final = 3
    SERVICE_NOTIFY_STATUS_CHANGE: Final = 2  # SERVICE_NOTIFYW.dwVersion
    # NotifyServiceStatusChangeW's mask, a bit per state (1 << (state - 1)).
    SERVICE_NOTIFY_STOPPED: Final = 0x0001
    SERVICE_NOTIFY_RUNNING: Final = 0x0008
    ERROR_INVALID_LEVEL: Final = 124
    ERROR_SERVICE_REQUEST_TIMEOUT: Final = 1053
    ERROR_SERVICE_ALREADY_RUNNING: Final = 1056
    ERROR_SERVICE_DOES_NOT_EXIST: Final = 1060
    ERROR_SERVICE_CANNOT_ACCEPT_CTRL: Final = 1061
    ERROR_SERVICE_NOT_ACTIVE: Final = 1062
    ERROR_SERVICE_SPECIFIC_ERROR: Final = 1066
    #: Set in every service-specific exit code the service host reports:
    #: "Bit 29 is reserved for application-defined error codes; no system
    #: error code has this bit set." Without it the System log's event 7024
    #: formats the code as an unrelated Win32 error (4: "The system cannot
    #: open the file."); pywin32's PythonService.cpp sets it too.
    #: https://learn.microsoft.com/windows/win32/api/errhandlingapi/nf-errhandlingapi-setlasterror
    CUSTOMER_BIT: Final = 0x20000000
    ERROR_SERVICE_MARKED_FOR_DELETE: Final = 1072
    ERROR_SERVICE_EXISTS: Final = 1073
    ERROR_DUPLICATE_SERVICE_NAME: Final = 1078  # the display name is taken

    def _fails_unless_buffer_too_small(result: Any, func: Any, args: Any) -> Any:
        """QueryServiceConfigW, QueryServiceConfig2W: FALSE with
        ERROR_INSUFFICIENT_BUFFER is the first of two calls (the size is in
        pcbBytesNeeded), and is returned as FALSE; any other FALSE raises."""
        if not result and ctypes.get_last_error() != ERROR_INSUFFICIENT_BUFFER:
            _raise_last_error(func)
        return result

    # --- Security descriptors (the audit folder's ACL) ---------------
    # With kernel32's CreateDirectoryW and LocalFree, shell32's
    # SHGetKnownFolderPath and ole32's CoTaskMemFree: everything
    # _cli.audit.folder needs to find %ProgramData% and give the audit trail's folder its DACL.
    SDDL_REVISION_1: Final = 1
    SE_FILE_OBJECT: Final = 1  # SE_OBJECT_TYPE
    OWNER_SECURITY_INFORMATION: Final = 0x00000001
    DACL_SECURITY_INFORMATION: Final = 0x00000004
    #: The DACL does not inherit the parent's inheritable ACEs.
    PROTECTED_DACL_SECURITY_INFORMATION: Final = 0x80000000

    def _fails_on_error_code(result: Any, func: Any, args: Any) -> Any:
        """The security-info functions return the error code itself (0: success)
        and do not set the last error."""
        if result:
            name = getattr(func, "__name__", "a Win32 call")
            raise ctypes.WinError(result, f"{name}: {ctypes.FormatError(result)}")
        return result

    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-openscmanagerw
    OpenSCManagerW: Callable[..., int] = _declare(
        _dll, "OpenSCManagerW", SC_HANDLE, (wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-createservicew
    CreateServiceW: Callable[..., int] = _declare(
        _dll, "CreateServiceW", SC_HANDLE,
        (SC_HANDLE, wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD,
         wintypes.DWORD, wintypes.DWORD, wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.LPDWORD,
         wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.LPCWSTR),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-openservicew
    OpenServiceW: Callable[..., int] = _declare(
        _dll, "OpenServiceW", SC_HANDLE, (SC_HANDLE, wintypes.LPCWSTR, wintypes.DWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-closeservicehandle
    CloseServiceHandle: Callable[..., int] = _declare(
        _dll, "CloseServiceHandle", wintypes.BOOL, (SC_HANDLE,), _fails_on_zero)
    # lpInfo points to the structure the level names.
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-changeserviceconfig2w
    ChangeServiceConfig2W: Callable[..., int] = _declare(
        _dll, "ChangeServiceConfig2W", wintypes.BOOL, (SC_HANDLE, wintypes.DWORD, wintypes.LPVOID),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-queryserviceconfigw
    QueryServiceConfigW: Callable[..., int] = _declare(
        _dll, "QueryServiceConfigW", wintypes.BOOL,
        (SC_HANDLE, wintypes.LPVOID, wintypes.DWORD, wintypes.LPDWORD),
        _fails_unless_buffer_too_small)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-queryserviceconfig2w
    QueryServiceConfig2W: Callable[..., int] = _declare(
        _dll, "QueryServiceConfig2W", wintypes.BOOL,
        (SC_HANDLE, wintypes.DWORD, wintypes.LPVOID, wintypes.DWORD, wintypes.LPDWORD),
        _fails_unless_buffer_too_small)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-queryservicestatusex
    QueryServiceStatusEx: Callable[..., int] = _declare(
        _dll, "QueryServiceStatusEx", wintypes.BOOL,
        (SC_HANDLE, ctypes.c_int, wintypes.LPVOID, wintypes.DWORD, wintypes.LPDWORD),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-startservicew
    StartServiceW: Callable[..., int] = _declare(
        _dll, "StartServiceW", wintypes.BOOL,
        (SC_HANDLE, wintypes.DWORD, _P(wintypes.LPCWSTR)), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-controlservice
    ControlService: Callable[..., int] = _declare(
        _dll, "ControlService", wintypes.BOOL, (SC_HANDLE, wintypes.DWORD, _P(SERVICE_STATUS)),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-deleteservice
    DeleteService: Callable[..., int] = _declare(
        _dll, "DeleteService", wintypes.BOOL, (SC_HANDLE,), _fails_on_zero)
    # Returns the error code itself rather than setting the last error.
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-notifyservicestatuschangew
    NotifyServiceStatusChangeW: Callable[..., int] = _declare(
        _dll, "NotifyServiceStatusChangeW", wintypes.DWORD,
        (SC_HANDLE, wintypes.DWORD, _P(SERVICE_NOTIFYW)), _fails_on_error_code)


    # --- The service host (inside a service's own process). ---
    # The dispatcher, the control handler and the status reports; the states,
    # SERVICE_STATUS and SERVICE_WIN32_OWN_PROCESS are declared above.

    class WTSSESSION_NOTIFICATION(ctypes.Structure):
        """What ``lpEventData`` points to for SERVICE_CONTROL_SESSIONCHANGE.
        https://learn.microsoft.com/windows/win32/api/winuser/ns-winuser-wtssession_notification"""

        _fields_ = [("cbSize", wintypes.DWORD), ("dwSessionId", wintypes.DWORD)]

    SERVICE_STATUS_HANDLE = wintypes.HANDLE
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lpservice_main_functionw
    LPSERVICE_MAIN_FUNCTIONW = ctypes.WINFUNCTYPE(
        None, wintypes.DWORD, ctypes.POINTER(wintypes.LPWSTR))
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex
    LPHANDLER_FUNCTION_EX = ctypes.WINFUNCTYPE(
        wintypes.DWORD, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID, wintypes.LPVOID)

    class SERVICE_TABLE_ENTRYW(ctypes.Structure):
        """https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_table_entryw"""

        _fields_ = [
            ("lpServiceName", wintypes.LPWSTR),
            ("lpServiceProc", LPSERVICE_MAIN_FUNCTIONW),
        ]

    SERVICE_CONTROL_INTERROGATE: Final = 0x4
    SERVICE_CONTROL_SHUTDOWN: Final = 0x5
    SERVICE_CONTROL_POWEREVENT: Final = 0xD
    SERVICE_CONTROL_SESSIONCHANGE: Final = 0xE
    SERVICE_CONTROL_PRESHUTDOWN: Final = 0xF
    SERVICE_ACCEPT_STOP: Final = 0x1
    SERVICE_ACCEPT_SHUTDOWN: Final = 0x4
    SERVICE_ACCEPT_POWEREVENT: Final = 0x40
    SERVICE_ACCEPT_SESSIONCHANGE: Final = 0x80
    SERVICE_ACCEPT_PRESHUTDOWN: Final = 0x100
    NO_ERROR: Final = 0
    ERROR_CALL_NOT_IMPLEMENTED: Final = 120
    ERROR_FAILED_SERVICE_CONTROLLER_CONNECT: Final = 1063

    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-startservicectrldispatcherw
    StartServiceCtrlDispatcherW: Callable[..., int] = _declare(
        _dll, "StartServiceCtrlDispatcherW", wintypes.BOOL, (_P(SERVICE_TABLE_ENTRYW),),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-registerservicectrlhandlerexw
    RegisterServiceCtrlHandlerExW: Callable[..., int] = _declare(
        _dll, "RegisterServiceCtrlHandlerExW", SERVICE_STATUS_HANDLE,
        (wintypes.LPCWSTR, LPHANDLER_FUNCTION_EX, wintypes.LPVOID), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-setservicestatus
    SetServiceStatus: Callable[..., int] = _declare(
        _dll, "SetServiceStatus", wintypes.BOOL, (SERVICE_STATUS_HANDLE, _P(SERVICE_STATUS)),
        _fails_on_zero)

    #: https://learn.microsoft.com/windows/win32/api/sddl/nf-sddl-convertstringsecuritydescriptortosecuritydescriptorw
    ConvertStringSecurityDescriptorToSecurityDescriptorW: Callable[..., int] = _declare(
        _dll, "ConvertStringSecurityDescriptorToSecurityDescriptorW", wintypes.BOOL,
        (wintypes.LPCWSTR, wintypes.DWORD, _P(PSECURITY_DESCRIPTOR), _P(wintypes.ULONG)),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/sddl/nf-sddl-convertsecuritydescriptortostringsecuritydescriptorw
    ConvertSecurityDescriptorToStringSecurityDescriptorW: Callable[..., int] = _declare(
        _dll, "ConvertSecurityDescriptorToStringSecurityDescriptorW", wintypes.BOOL,
        # The string comes back as a bare pointer: read with wstring_at, LocalFree'd.
        (PSECURITY_DESCRIPTOR, wintypes.DWORD, wintypes.DWORD, _P(ctypes.c_void_p),
         _P(wintypes.ULONG)),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-getnamedsecurityinfow
    GetNamedSecurityInfoW: Callable[..., int] = _declare(
        _dll, "GetNamedSecurityInfoW", wintypes.DWORD,
        (wintypes.LPCWSTR, ctypes.c_int, wintypes.DWORD, _P(PSID), _P(PSID), _P(PACL),
         _P(PACL), _P(PSECURITY_DESCRIPTOR)),
        _fails_on_error_code)
    # LPWSTR, not LPCWSTR, in Microsoft's prototype; ctypes passes a str either way.
    #: https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-setnamedsecurityinfow
    SetNamedSecurityInfoW: Callable[..., int] = _declare(
        _dll, "SetNamedSecurityInfoW", wintypes.DWORD,
        (wintypes.LPWSTR, ctypes.c_int, wintypes.DWORD, PSID, PSID, PACL, PACL),
        _fails_on_error_code)
    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-getsecuritydescriptordacl
    GetSecurityDescriptorDacl: Callable[..., int] = _declare(
        _dll, "GetSecurityDescriptorDacl", wintypes.BOOL,
        (PSECURITY_DESCRIPTOR, _P(wintypes.BOOL), _P(PACL), _P(wintypes.BOOL)),
        _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-getsecuritydescriptorowner
    GetSecurityDescriptorOwner: Callable[..., int] = _declare(
        _dll, "GetSecurityDescriptorOwner", wintypes.BOOL,
        (PSECURITY_DESCRIPTOR, _P(PSID), _P(wintypes.BOOL)), _fails_on_zero)

    # --- What the audit service trusts (win32session._cli.audit.trust). ---
    # Reading a descriptor's owner and ACEs one by one, the file it names, and
    # the token privilege that lets SYSTEM take ownership of a file that a
    # user created and closed to everyone else.
    #: An ACE's DACL-relative header; every ACE type starts with it.
    #: https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-ace_header
    class ACE_HEADER(ctypes.Structure):
        _fields_ = [("AceType", ctypes.c_ubyte), ("AceFlags", ctypes.c_ubyte),
                    ("AceSize", wintypes.WORD)]

    #: https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-acl_size_information
    class ACL_SIZE_INFORMATION(ctypes.Structure):
        _fields_ = [("AceCount", wintypes.DWORD), ("AclBytesInUse", wintypes.DWORD),
                    ("AclBytesFree", wintypes.DWORD)]

    #: Two 32-bit halves, so 4-byte aligned as winnt.h packs it.
    #: https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-luid
    class LUID(ctypes.Structure):
        _fields_ = [("LowPart", wintypes.DWORD), ("HighPart", wintypes.LONG)]

    #: https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-luid_and_attributes
    class LUID_AND_ATTRIBUTES(ctypes.Structure):
        _fields_ = [("Luid", LUID), ("Attributes", wintypes.DWORD)]

    #: One privilege: all the adjustment here ever needs.
    #: https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-token_privileges
    class TOKEN_PRIVILEGES(ctypes.Structure):
        _fields_ = [("PrivilegeCount", wintypes.DWORD),
                    ("Privileges", LUID_AND_ATTRIBUTES * 1)]

    AclSizeInformation: Final = 2  # ACL_INFORMATION_CLASS
    TokenUser: Final = 1  # TOKEN_INFORMATION_CLASS: TOKEN_USER, a SID_AND_ATTRIBUTES
    TOKEN_QUERY: Final = 0x0008
    TOKEN_ADJUST_PRIVILEGES: Final = 0x0020
    SE_PRIVILEGE_ENABLED: Final = 0x00000002
    ERROR_NOT_ALL_ASSIGNED: Final = 1300
    #: The DACL inherits the parent's inheritable ACEs again.
    UNPROTECTED_DACL_SECURITY_INFORMATION: Final = 0x20000000

    def _fails_unless_all_assigned(result: Any, func: Any, args: Any) -> Any:
        """AdjustTokenPrivileges: FALSE fails; TRUE with ERROR_NOT_ALL_ASSIGNED
        means the token does not hold the privilege, which fails here too."""
        if not result or ctypes.get_last_error() == ERROR_NOT_ALL_ASSIGNED:
            _raise_last_error(func)
        return result

    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-getaclinformation
    GetAclInformation: Callable[..., int] = _declare(
        _dll, "GetAclInformation", wintypes.BOOL,
        (PACL, wintypes.LPVOID, wintypes.DWORD, ctypes.c_int), _fails_on_zero)
    # The ACE comes back as a pointer into the ACL itself: valid while it is.
    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-getace
    GetAce: Callable[..., int] = _declare(
        _dll, "GetAce", wintypes.BOOL, (PACL, wintypes.DWORD, _P(ctypes.c_void_p)),
        _fails_on_zero)
    # The string is LocalAlloc'd: read with wstring_at, then LocalFree.
    #: https://learn.microsoft.com/windows/win32/api/sddl/nf-sddl-convertsidtostringsidw
    ConvertSidToStringSidW: Callable[..., int] = _declare(
        _dll, "ConvertSidToStringSidW", wintypes.BOOL, (PSID, _P(ctypes.c_void_p)),
        _fails_on_zero)
    # The handle needs READ_CONTROL to read an owner or a DACL.
    #: https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-getsecurityinfo
    GetSecurityInfo: Callable[..., int] = _declare(
        _dll, "GetSecurityInfo", wintypes.DWORD,
        (HANDLE, ctypes.c_int, wintypes.DWORD, _P(PSID), _P(PSID), _P(PACL), _P(PACL),
         _P(PSECURITY_DESCRIPTOR)),
        _fails_on_error_code)
    # The object by handle, not by name (SetNamedSecurityInfoW opens the name
    # again, and follows whatever is there by then): the owner needs a handle
    # opened with WRITE_OWNER, the DACL one with WRITE_DAC. A DACL set on a
    # folder is propagated to what it holds, as by name.
    #: https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-setsecurityinfo
    SetSecurityInfo: Callable[..., int] = _declare(
        _dll, "SetSecurityInfo", wintypes.DWORD,
        (HANDLE, ctypes.c_int, wintypes.DWORD, PSID, PSID, PACL, PACL),
        _fails_on_error_code)

    #: https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-openprocesstoken
    OpenProcessToken: Callable[..., int] = _declare(
        _dll, "OpenProcessToken", wintypes.BOOL, (HANDLE, wintypes.DWORD, _P(HANDLE)),
        _fails_on_zero)
    # The first call, with no buffer, fails with ERROR_INSUFFICIENT_BUFFER and
    # the size: returned as FALSE, as for QueryServiceConfigW.
    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-gettokeninformation
    GetTokenInformation: Callable[..., int] = _declare(
        _dll, "GetTokenInformation", wintypes.BOOL,
        (HANDLE, ctypes.c_int, wintypes.LPVOID, wintypes.DWORD, wintypes.LPDWORD),
        _fails_unless_buffer_too_small)
    #: https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-lookupprivilegevaluew
    LookupPrivilegeValueW: Callable[..., int] = _declare(
        _dll, "LookupPrivilegeValueW", wintypes.BOOL,
        (wintypes.LPCWSTR, wintypes.LPCWSTR, _P(LUID)), _fails_on_zero)
    #: https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-adjusttokenprivileges
    AdjustTokenPrivileges: Callable[..., int] = _declare(
        _dll, "AdjustTokenPrivileges", wintypes.BOOL,
        (HANDLE, wintypes.BOOL, _P(TOKEN_PRIVILEGES), wintypes.DWORD, _P(TOKEN_PRIVILEGES),
         wintypes.LPDWORD),
        _fails_unless_all_assigned)
