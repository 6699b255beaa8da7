"""Questions answered at once, with no window and no waiting: who is in each
session (``sessions``, Remote Desktop Services' wtsapi32), and whether anybody
is using the machine now: idle time, lock state, power status
(``activity``). The events say when these answers change.
"""
