"""Windows services: the host that runs inside one, and the management that
installs and controls one from outside, kept apart as Go's ``svc`` and
``svc/mgr`` are.

``host`` is :class:`~win32session.Service`: the dispatcher, the control
handler and honest status reports; ``controls`` turns what the control handler
receives into the window messages the event sources decode. ``mgr`` is the
client of the service control manager (install, start, stop, query,
uninstall); only the command line uses it, and the host never imports it.
"""
