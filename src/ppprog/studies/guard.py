"""Check that a ``backend="processes"`` run is safe to spawn from the calling script.

Worker processes are started with the ``spawn`` method (the only one that is
safe with numba's threads and the same on every platform). A spawned worker
re-imports the script that started the run; if that script starts the run at
module level, outside an ``if __name__ == "__main__":`` block, every worker
would start the run again. Python then fails deep in ``multiprocessing`` with
"An attempt has been made to start a new process before the current process
has finished its bootstrapping phase" and a ``BrokenProcessPool``.

:func:`check_main_guard` finds the module-level line of ``__main__`` that led
to the call and, when that line is not inside such a block, raises a
:class:`~ppprog._core.errors.SpecError` naming the file, the line and the fix,
before any process is started. Interactive sessions, notebooks and
``python -m package`` (whose ``__main__`` module workers never re-run) pass.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import FrameType, ModuleType

from ppprog._core.errors import SpecError

__all__ = ["check_main_guard", "GUARD_HINT"]

#: The fix, as shown in error messages and in the docs.
GUARD_HINT = (
    'put the code that starts the run under `if __name__ == "__main__":` '
    "(worker processes re-import the script), or use backend='serial' or a Dask Client"
)


def _rerun_by_workers(main: ModuleType) -> str | None:
    """The path of ``__main__`` if spawned workers will execute it again, else None."""
    spec = getattr(main, "__spec__", None)
    name = getattr(spec, "name", None)
    if name is not None and (name == "__main__" or name.endswith(".__main__")):
        return None  # multiprocessing does not re-run a package's __main__
    path = getattr(main, "__file__", None)
    if not path or not Path(path).is_file():
        return None  # interactive session or notebook
    return str(path)


def _module_line(main: ModuleType, frame: FrameType | None) -> int | None:
    """Line of ``__main__``'s module-level code on the current call stack."""
    while frame is not None:
        if frame.f_globals is vars(main) and frame.f_code.co_name == "<module>":
            return frame.f_lineno
        frame = frame.f_back
    return None


def _is_main_test(node: ast.expr) -> bool:
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        return False
    if not isinstance(node.ops[0], ast.Eq):
        return False
    sides = [node.left, node.comparators[0]]
    has_name = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    has_main = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return has_name and has_main


def guarded_lines(source: str) -> list[tuple[int, int]]:
    """Line ranges (first, last) of the module-level ``if __name__ == "__main__":`` bodies.

    Parameters
    ----------
    source : str
        Python source of a script.

    Returns
    -------
    list of tuple of int
    """
    tree = ast.parse(source)
    spans: list[tuple[int, int]] = []
    for node in tree.body:
        if isinstance(node, ast.If) and _is_main_test(node.test) and node.body:
            spans.append((node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno))
    return spans


def check_main_guard() -> None:
    """Raise if starting worker processes now would re-run the calling script.

    Raises
    ------
    SpecError
        Naming the script, the line and the fix (:data:`GUARD_HINT`).
    """
    main = sys.modules.get("__main__")
    if main is None:
        return
    path = _rerun_by_workers(main)
    if path is None:
        return
    line = _module_line(main, sys._getframe(1))
    if line is None:
        return
    try:
        spans = guarded_lines(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return  # cannot read the script: let multiprocessing speak for itself
    if not any(a <= line <= b for a, b in spans):
        raise SpecError(
            f"{path}:{line}: backend='processes' was started at module level of the script; "
            + GUARD_HINT
        )
