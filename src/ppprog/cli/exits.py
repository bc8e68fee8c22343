"""Exit codes of the ``ppprog`` command (documented in docs/cli.md)."""

from __future__ import annotations

__all__ = ["EXIT_OK", "EXIT_INPUT", "EXIT_USAGE", "EXIT_MISSING", "EXIT_FIT", "EXIT_BUG"]

#: Success.
EXIT_OK = 0
#: The input has problems (validation report, bad spec or study file, unusable data).
EXIT_INPUT = 1
#: Usage error (unknown option, missing argument).
EXIT_USAGE = 2
#: A requested file or folder does not exist.
EXIT_MISSING = 3
#: A fit ran but its status is not "converged": estimates are printed with the status.
EXIT_FIT = 4
#: Internal error (a bug: the traceback is printed).
EXIT_BUG = 70
