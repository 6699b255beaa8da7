"""The one check every Windows-only entry point makes first.

It sits below every other module so that any of them can call it without
importing the notifier (which imports the pump, which imports the session
queries: a circle when they lived together).
"""

from __future__ import annotations

import sys

__all__ = ["require_windows"]


def require_windows() -> None:
    """Raises the error every Windows-only entry point gives elsewhere."""
    if sys.platform != "win32":
        raise OSError(
            "win32session needs Windows: session notifications come from the "
            f"Win32 API (this is sys.platform {sys.platform!r})"
        )
