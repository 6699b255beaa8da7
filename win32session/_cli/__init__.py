"""The ``win32session`` command: an application built on the library, and
what only it uses.

``main`` parses the command line (``parser``) and runs one command
(``watch``, ``commands``, ``service``, ``doctor``), importing only what that
command needs; ``records`` and ``output`` are how events become lines
and where the lines go; ``paths`` is Windows's file-naming rules for the
paths a user gives; ``doctor`` and ``selftest`` check this Windows; ``audit``
is the audit service that ``win32session service`` installs and runs, and
``scm`` the client of the service control manager that installs and controls
it. The library never imports anything here.
"""
