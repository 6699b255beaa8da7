"""The Windows service host: what runs inside a service's own process.

``host`` is :class:`~win32session.Service`: the dispatcher, the control
handler and honest status reports, as Go's ``svc`` is; ``controls`` turns
what the control handler receives into the window messages the event sources
decode. Managing services from outside (install, start, stop) is apart, as
Go's ``svc/mgr`` is: the command line's :mod:`win32session._cli.scm`, which
the host never imports.
"""
