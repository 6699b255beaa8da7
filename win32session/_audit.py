"""The audit service: what ``win32session service run`` runs under the
service control manager. It writes every session change, with its user,
domain and client captured on arrival, to a JSON Lines file, from boot.
"""

from __future__ import annotations

__all__ = ["run"]


def run(name: str, output: str | None) -> int:
    """Runs the audit service ``name`` until the service control manager
    stops it, appending to ``output`` (None: the default file under
    ``%ProgramData%\\win32session``); the exit status."""
    raise NotImplementedError("the audit service is being built (issue 10)")
