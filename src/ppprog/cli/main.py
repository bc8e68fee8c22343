"""The ``ppprog`` command: one entry point, subcommands registered by module.

Exit codes a script can rely on:

====  ==========================================================
0     success
1     the input has problems (validation report, bad spec, unusable data)
2     usage error (unknown option, missing argument)
3     a requested file does not exist
4     a fit ran but did not converge or is not estimable (status printed)
70    internal error (a bug: the traceback is printed)
====  ==========================================================

User mistakes print one message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from ppprog._core.errors import PpprogError, ValidationError
from ppprog._version import __version__
from ppprog.cli.exits import EXIT_BUG, EXIT_FIT, EXIT_INPUT, EXIT_MISSING, EXIT_OK, EXIT_USAGE

__all__ = [
    "main",
    "build_parser",
    "EXIT_OK",
    "EXIT_INPUT",
    "EXIT_USAGE",
    "EXIT_MISSING",
    "EXIT_FIT",
    "EXIT_BUG",
]

# subcommand name -> module defining ``register(subparsers)``
_COMMANDS = {
    "cases": "ppprog.cli.cases",
    "fit": "ppprog.cli.fit",
    "simulate": "ppprog.cli.simulate",
    "study": "ppprog.cli.study",
}


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="ppprog",
        description="Survival and prognosis modelling of paradoxical psoriasis.",
    )
    parser.add_argument("--version", action="version", version=f"ppprog {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _COMMANDS.values():
        importlib.import_module(module).register(sub)
    return parser


def _run(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return int(handler(args) or EXIT_OK)
    except ValidationError as exc:
        print(f"ppprog: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except PpprogError as exc:
        print(f"ppprog: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except FileNotFoundError as exc:
        print(f"ppprog: error: {exc}", file=sys.stderr)
        return EXIT_MISSING
    except (ValueError, KeyError) as exc:
        # user-facing input errors that library code raises as ValueError/KeyError
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"ppprog: error: {text}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("ppprog: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``ppprog ... | head``): not an error of ours
        try:
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code (see the module docstring).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or usage error (2)
        return int(exc.code or 0)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return _run(handler, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
