"""A simulation study's design (ADEMP): scenarios, estimands, methods, replicates.

A :class:`Study` crosses a grid of data-generating parameters (the scenarios)
with a list of methods, each applied to ``replicates`` simulated data sets per
scenario. Scenario ``s`` is the ``s``-th point of the grid in declaration
order (the last grid parameter varies fastest), followed by any explicitly
listed scenarios; the index fixes the random streams of its replicates.

References
----------
Morris TP, White IR, Crowther MJ (2019). Using simulation studies to evaluate
statistical methods. Statistics in Medicine 38:2074-2102.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from typing import Any

from ppprog._core.errors import ProblemReport, SpecError
from ppprog.studies.estimand import Estimand
from ppprog.studies.methods import Method, callable_ref
from ppprog.studies.options import option_problems
from ppprog.studies.selection import POPULATIONS, Selection, generator_params, honours_selection

__all__ = ["Estimand", "Scenario", "Study", "RESERVED_COLUMNS"]  # Estimand: re-exported

RESERVED_COLUMNS = (
    "scenario",
    "replicate",
    "method",
    "estimand",
    "estimate",
    "se",
    "lower",
    "upper",
    "p",
    "status",
    "n_events",
    "truth",
    "allocation",
)


@dataclass(frozen=True)
class Scenario:
    """One data-generating mechanism of a study.

    Parameters
    ----------
    index : int
        Position in the study's scenario list; fixes the random streams.
    params : mapping
        Parameters passed to the generator (base values updated by the grid).
    """

    index: int
    params: Mapping[str, Any]

    @property
    def label(self) -> str:
        """Short text naming the parameters that vary."""
        return ", ".join(f"{k}={v}" for k, v in self.params.items())


@dataclass(frozen=True)
class Study:
    """A simulation study: scenarios x methods x replicates.

    Parameters
    ----------
    name : str
        Name of the study.
    generator : str or callable
        Data-generating mechanism: a registered name (``"onset"``,
        ``"resolution"``), a ``"module:function"`` reference, or a callable
        ``f(params, *, replicates, seed, scenario, first_replicate)`` returning
        the data of replicates ``first_replicate ...`` (drawn from
        ``stream(seed, scenario, r)`` for each replicate ``r``).
    methods : sequence of Method, str or callable
        Analysis methods (a registered name or a callable is wrapped in a
        :class:`~ppprog.studies.methods.Method`).
    estimands : sequence of Estimand or str
        Estimands with their true values (a bare name takes its truth from
        the generator).
    replicates : int
        Replicates per scenario.
    seed : int
        Root seed of the study.
    base : mapping, optional
        Parameters shared by every scenario.
    grid : mapping of str to sequence, optional
        Parameters to cross; each combination is a scenario.
    scenarios : sequence of mapping, optional
        Extra scenarios listed explicitly (updates of ``base``), after the grid.
    alpha : float, optional
        Significance level for power / type-I error.
    level : float, optional
        Confidence level of the methods' intervals.
    description : str, optional
        Aims of the study, in words.
    selection : Selection, optional
        Ascertainment between generation and fitting
        (:mod:`ppprog.studies.selection`); methods with ``population =
        "selected"`` fit only the selected subjects.
    validate : bool, optional
        Check the design on construction (raise :class:`SpecError`); the file
        loader turns this off to report located problems instead.
    """

    name: str
    generator: str | Callable[..., Any]
    methods: tuple[Method, ...]
    estimands: tuple[Estimand, ...]
    replicates: int
    seed: int
    base: Mapping[str, Any] = field(default_factory=dict)
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    scenarios_listed: tuple[Mapping[str, Any], ...] = ()
    alpha: float = 0.05
    level: float = 0.95
    description: str = ""
    selection: Selection | None = None
    validate: InitVar[bool] = True

    def __post_init__(self, validate: bool) -> None:
        object.__setattr__(self, "methods", tuple(Method.coerce(m) for m in self.methods))
        ests = tuple(Estimand(e) if isinstance(e, str) else e for e in self.estimands)
        object.__setattr__(self, "estimands", ests)
        object.__setattr__(self, "scenarios_listed", tuple(self.scenarios_listed))
        report = self.problems() if validate else None
        if report:
            raise SpecError(str(report))

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        """The scenarios: the grid's combinations, then the listed ones.

        With no grid, the base alone is a scenario only when nothing is listed.
        """
        keys = list(self.grid)
        if keys:
            combos: Any = itertools.product(*(list(self.grid[k]) for k in keys))
        else:
            combos = [] if self.scenarios_listed else [()]
        params = [{**self.base, **dict(zip(keys, c))} for c in combos]
        params += [{**self.base, **dict(s)} for s in self.scenarios_listed]
        return tuple(Scenario(i, p) for i, p in enumerate(params))

    def estimand(self, name: str) -> Estimand | None:
        """Return the declared estimand called ``name`` (None if undeclared)."""
        return next((e for e in self.estimands if e.name == name), None)

    def problems(self, file: str | None = None) -> ProblemReport:
        """Check the design and return every problem found (without raising).

        Parameters
        ----------
        file : str, optional
            File name to attach to the problems.

        Returns
        -------
        ProblemReport
        """
        rep = ProblemReport()
        add = rep.add
        if not isinstance(self.replicates, int) or self.replicates < 2:
            add("replicates", f"must be an integer >= 2, got {self.replicates!r}", file=file)
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            add("seed", f"must be a non-negative integer, got {self.seed!r}", file=file)
        for name in ("alpha", "level"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not 0 < v < 1:
                add(name, f"must be a number strictly between 0 and 1, got {v!r}", file=file)
        if not self.methods:
            add("methods", "at least one method is required", file=file)
        self._check_refs(rep, file)
        self._check_selection(rep, file)
        _check_unique(rep, "methods", [m.label for m in self.methods], file)
        _check_unique(rep, "estimands", [e.name for e in self.estimands], file)
        self._check_grid(rep, file)
        if not rep:
            self._check_estimands(rep, file)
        return rep

    def _check_grid(self, rep: ProblemReport, file: str | None) -> None:
        for k, values in self.grid.items():
            if _bad_values(values):
                rep.add(f"grid.{k}", "must be a non-empty list of values", file=file)
        names = set(self.base) | set(self.grid)
        for s in self.scenarios_listed:
            names |= set(s)
        for k in sorted(names & set(RESERVED_COLUMNS)):
            rep.add(f"grid.{k}", f"parameter name {k!r} is reserved for a result column", file=file)

    def _check_refs(self, rep: ProblemReport, file: str | None) -> None:
        from ppprog.studies.generators import resolve_generator

        try:
            resolve_generator(self.generator)
        except (SpecError, TypeError) as exc:
            rep.add("generator", str(exc), file=file)
        else:
            self._check_params(rep, file)
        for i, m in enumerate(self.methods):
            try:
                fn: Any = m.resolved().fn
            except SpecError as exc:
                rep.add(f"methods[{i}].method", str(exc), file=file)
                continue
            for opt, msg in option_problems(fn, m.options):
                rep.add(f"methods[{i}].{opt}" if opt else f"methods[{i}]", msg, file=file)

    def _check_selection(self, rep: ProblemReport, file: str | None) -> None:
        """Each method's population, and each scenario's ``selection.*`` parameters."""
        for i, m in enumerate(self.methods):
            if m.population not in POPULATIONS:
                rep.add(f"methods[{i}].population",
                        f"must be one of {list(POPULATIONS)}, got {m.population!r}", file=file)  # fmt: skip
            elif m.population == "selected":
                if self.selection is None:
                    rep.add(f"methods[{i}].population",
                            "'selected' needs a [selection] table in the study", file=file)  # fmt: skip
                else:
                    try:
                        fn = m.resolved().fn
                    except SpecError:
                        continue  # reported by _check_refs
                    if not callable(fn) or not honours_selection(fn):
                        rep.add(f"methods[{i}].population", f"method {m.fn!r} does not honour "
                                "selection (it takes no 'mask' argument)", file=file)  # fmt: skip
        if self.selection is None or any(_bad_values(v) for v in self.grid.values()):
            return
        for s, origin in zip(self.scenarios, self._origins()):
            try:
                self.selection.for_scenario(s.params)
            except (SpecError, TypeError, ValueError) as exc:
                keys = [k for k in s.params if k.startswith("selection.")]
                rep.add(origin.get(keys[0], "selection") if keys else "selection", str(exc),
                        file=file)  # fmt: skip

    def _check_params(self, rep: ProblemReport, file: str | None) -> None:
        """Each scenario's parameters, as its generator checks them, named where set."""
        from ppprog.studies.generators import generator_param_problems

        if any(_bad_values(v) for v in self.grid.values()):
            return  # reported by problems(); the scenarios cannot be formed
        seen: set[tuple[str, str]] = set()
        for params, origin in zip((s.params for s in self.scenarios), self._origins()):
            for key, msg in generator_param_problems(self.generator, generator_params(params)):
                where = origin.get(key, f"base.{key}" if key else _scenario_field(origin))
                if (where, msg) not in seen:
                    seen.add((where, msg))
                    rep.add(where, msg, file=file)

    def _origins(self) -> list[dict[str, str]]:
        """For each scenario (in order), the field that set each of its parameters."""
        base = {k: f"base.{k}" for k in self.base}
        keys = list(self.grid)
        out = []
        if keys:
            for idx in itertools.product(*(range(len(self.grid[k])) for k in keys)):
                out.append({**base, **{k: f"grid.{k}[{j}]" for k, j in zip(keys, idx)}})
        elif not self.scenarios_listed:
            out.append(base)
        for i, s in enumerate(self.scenarios_listed):
            out.append({**base, **{k: f"scenarios[{i}].{k}" for k in s}})
        return out

    def _check_estimands(self, rep: ProblemReport, file: str | None) -> None:
        for i, est in enumerate(self.estimands):
            for s in self.scenarios:
                try:
                    est.true_value(s.params, None)
                    est.allocation_value(s.params)
                except (SpecError, TypeError, ValueError) as exc:
                    rep.add(f"estimands[{i}]", f"scenario {s.index}: {exc}", file=file)
                    break

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able description (callables as ``"module:qualname"``)."""
        return {
            "name": self.name,
            "description": self.description,
            "generator": callable_ref(self.generator),
            "seed": self.seed,
            "replicates": self.replicates,
            "alpha": self.alpha,
            "level": self.level,
            "base": dict(self.base),
            "grid": {k: list(v) for k, v in self.grid.items()},
            "scenarios": [dict(s) for s in self.scenarios_listed],
            "estimands": [dataclasses.asdict(e) for e in self.estimands],
            "methods": [m.to_dict() for m in self.methods],
            **({"selection": self.selection.to_dict()} if self.selection else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, validate: bool = True) -> Study:
        """Rebuild a study from :meth:`to_dict` output (or a parsed study file)."""
        return cls(
            name=str(d.get("name", "study")),
            description=str(d.get("description", "")),
            generator=d["generator"],
            seed=d["seed"],
            replicates=d["replicates"],
            alpha=d.get("alpha", 0.05),
            level=d.get("level", 0.95),
            base=dict(d.get("base", {})),
            grid={k: list(v) for k, v in d.get("grid", {}).items()},
            scenarios_listed=tuple(dict(s) for s in d.get("scenarios", [])),
            estimands=tuple(Estimand(**e) for e in d.get("estimands", [])),
            methods=tuple(Method.from_dict(m) for m in d["methods"]),
            selection=(
                Selection.from_mapping(d["selection"]) if d.get("selection") is not None else None
            ),
            validate=validate,
        )

    def fingerprint(self) -> str:
        """Hash of everything that determines each replicate's results.

        The number of replicates is left out, so a finished study can be
        extended with more replicates and resumed from its checkpoint.
        """
        d = self.to_dict()
        for k in ("replicates", "description", "name"):
            d.pop(k)
        text = json.dumps(d, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _bad_values(values: Any) -> bool:
    return isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values


def _scenario_field(origin: Mapping[str, str]) -> str:
    """The field of a scenario as a whole: its listed entry, else the grid or the base."""
    for where in origin.values():
        if where.startswith("scenarios["):
            return where.split("]")[0] + "]"
    if any(w.startswith("grid.") for w in origin.values()):
        return "grid"
    return "base"


def _check_unique(rep: ProblemReport, what: str, names: list[str], file: str | None) -> None:
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n in seen:
            rep.add(f"{what}[{i}]", f"duplicate name {n!r}", file=file)
        seen.add(n)
