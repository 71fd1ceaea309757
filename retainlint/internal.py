"""Internal errors: bugs in retainlint, not in the checked code.

Each is reported as one line that says where it happened (the file being processed, or the stage
of the run) and asks for a bug report; the rest of the run goes on where it can, and the run
exits with 2 so that CI notices.
"""

from __future__ import annotations

import os
import traceback

from retainlint import HOMEPAGE

REPORT_URL = f"{HOMEPAGE}/issues"


def describe(exc: BaseException) -> str:
    """``ValueError: message (retainlint/extract/locate.py:98)``: the exception and the innermost
    retainlint frame it came through, enough to start a bug report from one line."""
    message = " ".join(str(exc).split())[:200]
    where = ""
    package = os.path.dirname(os.path.abspath(__file__))
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if os.path.abspath(frame.filename).startswith(package + os.sep):
            where = f" ({os.path.relpath(frame.filename, os.path.dirname(package))}:{frame.lineno})"
            break
    return f"{type(exc).__name__}{': ' + message if message else ''}{where}"


def internal_error_message(exc: BaseException) -> str:
    return f"internal error: {describe(exc)}; this is a bug in retainlint, please report it at {REPORT_URL}"
