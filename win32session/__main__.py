"""``python -m win32session``: the command line, which lives in
:mod:`win32session._cli` (``main`` is also the console script's entry point)."""

from __future__ import annotations

import sys

from ._cli.main import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
