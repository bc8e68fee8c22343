"""One tree of errors and warnings for the whole package.

Every error ppprog raises on purpose derives from :class:`PpprogError`; every
warning from :class:`PpprogWarning`. Input problems are collected as
:class:`Problem` records in a :class:`ProblemReport` and raised once, so that a
user fixing a hand-curated file sees every problem in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

__all__ = [
    "PpprogError",
    "ParseError",
    "ValidationError",
    "SpecError",
    "ModelError",
    "PpprogWarning",
    "FitWarning",
    "AssumptionWarning",
    "Problem",
    "ProblemReport",
    "field_line",
]


class PpprogError(Exception):
    """Root of every error raised on purpose by ppprog."""


class ParseError(PpprogError, ValueError):
    """Text from a report (a titer, a duration) could not be parsed.

    Parameters
    ----------
    message : str
        What is wrong.
    field : str, optional
        The field the text belongs to (``"ana[2].titer"``).
    text : str, optional
        The offending text, verbatim.
    """

    def __init__(self, message: str, *, field: str | None = None, text: str | None = None):
        self.field = field
        self.text = text
        where = f"{field}: " if field else ""
        shown = f" (got {text!r})" if text is not None else ""
        super().__init__(f"{where}{message}{shown}")


class SpecError(PpprogError, ValueError):
    """A scenario, study or cohort specification is invalid."""


class ModelError(PpprogError, ValueError):
    """Input to a model front end is unusable (shapes, missing values, ...)."""


class PpprogWarning(UserWarning):
    """Root of every warning emitted by ppprog front ends."""


class FitWarning(PpprogWarning):
    """A single-fit front end did not converge normally; see ``result.status``."""


class AssumptionWarning(PpprogWarning):
    """A default rests on an explicit, unverified assumption."""


@dataclass(frozen=True)
class Problem:
    """One problem found in input data.

    Parameters
    ----------
    file : str or None
        File the problem was found in (None for in-memory input).
    case_id : str or None
        Case the problem belongs to (None when not case-specific).
    field : str
        Dotted path of the offending field, e.g. ``"treatments[1].stop"``.
    message : str
        What is wrong, in words a curator can act on.
    line : int or None
        1-based line in ``file`` where known.
    """

    file: str | None
    case_id: str | None
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        loc = self.file or "<input>"
        if self.line is not None:
            loc += f":{self.line}"
        case = f" case {self.case_id!r}" if self.case_id is not None else ""
        return f"{loc}:{case} {self.field}: {self.message}"


def field_line(lines: Mapping[str, int] | None, field: str) -> int | None:
    """Line of ``field``, or of its nearest enclosing path, in a field-to-line map.

    ``"treatments[1].stop"`` tries ``treatments[1].stop``, ``treatments[1]``,
    ``treatments`` and last the whole-record key ``""``.

    Parameters
    ----------
    lines : mapping of str to int, optional
        1-based line of each dotted field path of a file.
    field : str
        Dotted path of the field (as :attr:`Problem.field`).

    Returns
    -------
    int or None
        None when neither the field nor any enclosing path is in ``lines``.
    """
    if not lines:
        return None
    key = field
    while key:
        if key in lines:
            return lines[key]
        cut = max(key.rfind("."), key.rfind("["))
        key = key[:cut] if cut > 0 else ""
    return lines.get("")


@dataclass
class ProblemReport:
    """Collects problems; raise once with :meth:`raise_if_any`.

    Parameters
    ----------
    problems : list of Problem, optional
        Initial problems.
    """

    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        field: str,
        message: str,
        *,
        file: str | None = None,
        case_id: str | None = None,
        line: int | None = None,
    ) -> None:
        """Record one problem."""
        self.problems.append(Problem(file, case_id, field, message, line))

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record several problems."""
        self.problems.extend(problems)

    def __len__(self) -> int:
        return len(self.problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])

    def raise_if_any(self) -> None:
        """Raise :class:`ValidationError` carrying every problem, if there is any."""
        if self.problems:
            raise ValidationError(self)


class ValidationError(PpprogError, ValueError):
    """Input failed validation; ``.report`` lists every problem found.

    Parameters
    ----------
    report : ProblemReport
        All problems, collected before raising.
    """

    def __init__(self, report: ProblemReport):
        self.report = report
        super().__init__(str(report))

    @property
    def problems(self) -> list[Problem]:
        """The problems, in the order they were found."""
        return list(self.report.problems)
