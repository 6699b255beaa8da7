"""The package's logger, ``win32session``, loaded when first needed: importing
``logging`` costs more than the rest of what a notifier needs to start."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging


def logger() -> logging.Logger:
    import logging

    return logging.getLogger("win32session")
