"""The Windows service host: what runs inside a service's own process.

``host`` is :class:`~win32session.Service`: the dispatcher, the control
handler and honest status reports, as Go's ``svc`` is. What the control
handler receives reaches the notifier's event sources as window messages
(``_sources.controls``). Managing services from outside (install, start,
stop) is apart, as Go's ``svc/mgr`` is: the command line's ``_cli.scm``,
which the host never imports.
"""
