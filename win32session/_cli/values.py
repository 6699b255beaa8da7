"""What the command line's values must be, and bad input as one line: the
checks each option's value passes (``ValueError`` with the message), the
defaults, and the one-line error.

Importing it loads nothing: the parser wraps these checks for argparse, and
``main`` reads the audit service's own command line with them alone, so that
the service control manager's start pays for no argparse.
"""

from __future__ import annotations

import math
import sys

__all__ = ["PROG", "CommandLineError", "error", "output_file", "seconds", "service_name"]

PROG = "win32session"
#: ``status --idle-threshold``'s default: a minute without keyboard or mouse
#: input. Someone reading or listening touches nothing for a while; a minute
#: keeps them "in use" without waiting for Windows's own idle timeouts (the
#: screen saver's and the display's are many minutes).
DEFAULT_IDLE_THRESHOLD = 60.0
SERVICE_NAME = "win32session-audit"
#: ``service install``'s flag that accepts a user-writable interpreter
#: (``audit.trust.ALLOW_FLAG``; spelled here so that the parser imports no more).
ALLOW_USER_WRITABLE = "--allow-user-writable-python"


class CommandLineError(Exception):
    """Bad arguments: exit 2 with one line."""


#: What ``str.splitlines`` breaks a line at: escaped in every message, so
#: that a hostile argument (a name with a newline) still makes one line.
#: Spelled out, as the unicode_escape codec writes them, so that no command
#: pays for loading that codec.
_LINE_BREAKS = {0x0A: "\\n", 0x0D: "\\r", 0x0B: "\\x0b", 0x0C: "\\x0c", 0x1C: "\\x1c",
                0x1D: "\\x1d", 0x1E: "\\x1e", 0x85: "\\x85", 0x2028: "\\u2028",
                0x2029: "\\u2029"}


def error(message: object) -> None:
    """``message`` as one line on stderr."""
    print(str(message).translate(_LINE_BREAKS), file=sys.stderr)


def seconds(text: str) -> float:
    """A finite number of seconds, 0 or more (JSON has no infinity); ``-0``
    is 0, printed so."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"must be a finite number of seconds, 0 or more, got {text!r}")
    return value + 0.0  # -0.0 + 0.0 is 0.0


#: CreateServiceW: "The maximum string length is 256 characters" and
#: "Forward-slash (/) and backslash (\\) are not valid service name characters."
#: https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-createservicew
MAX_SERVICE_NAME = 256


def service_name(text: str) -> str:
    """``--name``: what Windows accepts as a service name, and what
    ``service install`` accepts (``audit.folder.check_name``: the name is
    also a file's), for every action: a name install refuses cannot be a
    service of ours, and a name with a line break could not be said in one
    line."""
    if not text:
        raise ValueError("needs a service name, got ''")
    if len(text) > MAX_SERVICE_NAME:
        raise ValueError(
            f"a service name has at most {MAX_SERVICE_NAME} characters, got {len(text)}")
    bad = sorted({c for c in text
                  if c in "/\\" or ord(c) < 32 or ord(c) == 127 or ord(c) in _LINE_BREAKS})
    if bad:
        raise ValueError(
            f"a service name cannot hold {''.join(bad)!r}, got {text!r}")
    from .audit.folder import check_name

    check_name(text)  # what install accepts: any other name is not ours
    return text


def output_file(text: str) -> str:
    """``--output``: a name (what it names is checked when it is opened)."""
    if not text:
        raise ValueError("needs a file name, got ''")
    if "\0" in text:
        raise ValueError(f"a file name cannot hold a NUL character, got {text!r}")
    return text
