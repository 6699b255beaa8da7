"""The notifier: one window, the message pump that serves it, and the
callbacks it calls.

``notifier`` is the public :class:`~win32session.Notifier`; ``pump`` owns the
window and its ``GetMessageW`` loop on a thread of ours; ``hosted`` serves the
same window from a message loop that is not ours (a GUI toolkit's, for
``Notifier.attach()``); ``streams`` turns the events into iterators (``async
for``, ``for``); ``ctrl_c`` lets Ctrl+C and Ctrl+Break reach code that is
blocked waiting on us. What the window hears comes from the event sources in
``_sources``.
"""
