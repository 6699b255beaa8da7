"""Trackers: state kept from a notifier's events, seeded from Windows when
they start, and never polled.

``session`` is :class:`~win32session.SessionTracker` (users online, ASP.NET's
Session_OnStart and Session_OnEnd for Windows logons); ``presence`` is
:class:`~win32session.PresenceTracker` (this session in use or away).
"""
