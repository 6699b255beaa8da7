"""Every Win32 declaration the package uses, as data, one module per DLL.

``user32``, ``kernel32``, ``wtsapi32``, ``advapi32``, ``shell32``, ``ole32``,
``userenv`` and ``ntdll`` each declare their DLL's functions, with the
structures, constants and failure conventions that DLL's functions alone use;
``shared`` holds what several use (the pointer-sized ``LRESULT``, ``WPARAM``
and ``LPARAM``, ``GUID``, access rights, common error codes) and ``_declare``.

The rules:

- Declarations only, no logic: every function gets argtypes, restype and an
  errcheck (one of the failure conventions), nothing left to ctypes' ``int``
  default; no module outside this package touches a DLL.
- Each DLL module loads its DLL, when imported, as its own private
  ``ctypes.WinDLL(name, use_last_error=True)``: argtypes set on the shared
  ``ctypes.windll`` would clash with other packages, and ``GetLastError``
  must be captured by ctypes right after the call. So importing a module
  costs its DLL; a caller that needs a DLL only on a rare path (shell32,
  ole32, userenv) imports that module inside the function that needs it.
- A DLL module imports only ``shared``, never another DLL's module.
- The declarations exist only on Windows (typeshed has ``WinDLL`` and
  ``WINFUNCTYPE`` only there): each module declares under
  ``if sys.platform == "win32":`` and callers check the platform first.
- Callers look each name up on its module at call time
  (``user32.PostMessageW(...)``), so a test that replaces a function
  replaces it on the module that declares it.

This ``__init__`` imports nothing: importing one module must not load the
other DLLs.
"""
