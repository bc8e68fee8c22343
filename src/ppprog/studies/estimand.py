"""What a study estimates: an :class:`Estimand`, its true value and its allocation.

A truth is a number, a scenario parameter (``"param"`` or its negation
``"-param"``), the generator's own truth, or an exact value computed by a
function (``"exact:module:function"``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ppprog._core.errors import SpecError

__all__ = ["Estimand"]


@dataclass(frozen=True)
class Estimand:
    """A quantity the methods estimate, and where its true value comes from.

    Parameters
    ----------
    name : str
        Name the methods use for it (for Cox methods: the covariate name).
    truth : float, str or None, optional
        The true value: a number; the name of a scenario parameter; ``"-p"``
        for minus scenario parameter ``p`` (e.g. an odds ratio of ever having
        the endpoint, when the generator specifies that of never having it);
        ``"log(p)"`` for the logarithm of scenario parameter ``p`` (a hazard
        ratio given on its own scale); ``"exact:module:function"`` for a value
        computed exactly from the scenario's parameters (the function takes
        the parameter mapping and returns a float, e.g.
        :func:`ppprog.simulate.exact.case_ana_high_from_params`); or None to read it from the generator's truth (the
        ``truth`` mapping of the generated data, under ``truth_key``).
    null : float, optional
        Value under the null hypothesis of the methods' tests (0 for a log
        hazard ratio). Used for the formula power.
    allocation : float, str or None, optional
        Proportion of subjects with the (binary) covariate: a number, the name
        of a scenario parameter, or ``"prevalence"`` to read it from the
        generator's truth (``prevalence.<truth_key>``). When set, the
        performance summary shows the Schoenfeld and Freedman formula power
        beside the simulated power.
    truth_key : str or None, optional
        Key in the generator's truth mapping (default: ``name``).
    description : str, optional
        Free text.
    """

    name: str
    truth: float | str | None = None
    null: float = 0.0
    allocation: float | str | None = None
    truth_key: str | None = None
    description: str = ""

    def true_value(self, params: Mapping[str, Any], generated: Mapping[str, float] | None) -> float:
        """Return the true value in a scenario.

        Parameters
        ----------
        params : mapping
            The scenario's parameters.
        generated : mapping or None
            The generator's truth, if it reports one.

        Returns
        -------
        float
            NaN when no truth is declared and the generator reports none.
        """
        if self.truth is None:
            key = self.truth_key or self.name
            if generated is not None and key in generated:
                return float(generated[key])
            return math.nan
        return _resolve_number(self.truth, params, f"estimand {self.name!r} truth")

    def allocation_value(self, params: Mapping[str, Any]) -> float:
        """Return the covariate prevalence in a scenario (NaN when not declared)."""
        if self.allocation is None or self.allocation == "prevalence":
            return math.nan
        return _resolve_number(self.allocation, params, f"estimand {self.name!r} allocation")


def _resolve_number(value: float | str, params: Mapping[str, Any], what: str) -> float:
    if not isinstance(value, str):
        return float(value)
    if value.startswith("log(") and value.endswith(")"):
        return math.log(float(_param(value[4:-1].strip(), params, what)))
    if value.startswith("-") and value[1:].strip() in params:
        return -float(_param(value[1:].strip(), params, what))
    if value.startswith("exact:"):
        return _exact(value[6:].strip(), params, what)
    return float(_param(value, params, what))


def _exact(ref: str, params: Mapping[str, Any], what: str) -> float:
    """An exact truth: ``"exact:module:function"`` called with the scenario's parameters."""
    from ppprog.studies.methods import resolve_ref

    fn = resolve_ref(ref, {})
    if not callable(fn):
        raise SpecError(f"{what}: {ref!r} is not callable")
    return float(fn(dict(params)))


def _param(name: str, params: Mapping[str, Any], what: str) -> Any:
    if name not in params:
        raise SpecError(f"{what}: scenario has no parameter {name!r}")
    return params[name]
