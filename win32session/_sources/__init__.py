"""Event sources: each kind of notification the notifier's window can be
registered for, behind one interface.

``base`` is the contract (``EventSource``)
between the pump and a source: register on the window, decode the messages it
owns, unregister in reverse. ``session`` is session changes
(``WTSRegisterSessionNotification``), ``power`` is sleep, wake and the power
settings, ``ending`` is the session ending. A service feeds the same sources
from its control handler: ``controls`` turns what the handler receives into
the window messages the sources decode.
"""
