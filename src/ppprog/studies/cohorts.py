"""ppprog's own cohort generators as study generators (``"onset"``, ``"resolution"``).

A scenario's parameters configure :func:`ppprog.simulate.cohort.generate`:

* ``n`` (required): subjects per cohort;
* ``spec`` (optional): path of a cohort-spec file (TOML/YAML/JSON) used as the
  starting point instead of the calibrated default of the endpoint;
* every other parameter is a dotted path into the spec, applied with
  ``CohortSpec.replace``, e.g. ``"onset.log_hr.ana_high" = [0.0, 0.5]`` or
  ``"censoring.administrative" = 24``.

The data of a chunk are the :class:`~ppprog.simulate.cohort.CohortBatch`;
its ``truth`` supplies the true log hazard ratios of the estimands named after
design columns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ppprog._core.errors import SpecError

__all__ = [
    "onset_cohorts",
    "resolution_cohorts",
    "cohort_spec",
    "onset_param_problems",
    "resolution_param_problems",
]

_SPECS: dict[str, Any] = {}


def cohort_spec(endpoint: str, params: dict[str, Any]) -> Any:
    """Build (and cache per process) the ``CohortSpec`` of a scenario.

    Parameters
    ----------
    endpoint : {"onset", "resolution"}
        Which cohort.
    params : dict
        Scenario parameters (``n`` and ``spec`` are not spec paths).

    Returns
    -------
    ppprog.simulate.spec.CohortSpec
    """
    from ppprog.simulate.spec import CohortSpec

    changes = {k: v for k, v in params.items() if k not in ("n", "spec")}
    key = json.dumps([endpoint, params.get("spec"), changes], sort_keys=True, default=repr)
    if key not in _SPECS:
        base = (
            CohortSpec.load(params["spec"]) if params.get("spec") else CohortSpec.default(endpoint)
        )
        if base.endpoint != endpoint:
            raise SpecError(f"spec file {params['spec']!r} is a {base.endpoint} cohort")
        _SPECS[key] = base.replace(changes) if changes else base
    return _SPECS[key]


def onset_param_problems(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems of an onset scenario's parameters (see :func:`cohort_param_problems`)."""
    return cohort_param_problems("onset", params)


def resolution_param_problems(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems of a resolution scenario's parameters (see :func:`cohort_param_problems`)."""
    return cohort_param_problems("resolution", params)


def cohort_param_problems(endpoint: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Check a scenario's parameters by building its spec (as the run will).

    Parameters
    ----------
    endpoint : {"onset", "resolution"}
        Which cohort.
    params : mapping
        ``n``, optional ``spec`` and dotted spec paths.

    Returns
    -------
    list of (str, str)
        ``(parameter, message)``: ``n`` missing or not an integer >= 1,
        ``spec`` not a file name, and every problem of the resulting spec,
        named by the parameter that set it (``""`` when none did).
    """
    out: list[tuple[str, str]] = []
    n = params.get("n")
    if "n" not in params:
        out.append(("n", "is required (subjects per cohort)"))
    elif not isinstance(n, int) or isinstance(n, bool) or n < 1:
        out.append(("n", f"must be an integer >= 1 (subjects per cohort), got {n!r}"))
    if "spec" in params and not isinstance(params["spec"], str):
        out.append(("spec", f"must be the name of a cohort-spec file, got {params['spec']!r}"))
        return out
    changes = [k for k in params if k not in ("n", "spec")]
    try:
        cohort_spec(endpoint, dict(params))
    except (SpecError, TypeError, ValueError) as exc:
        found = getattr(exc, "report", None)
        if found is None:
            key = next((k for k in changes if str(exc).startswith(f"{k}:")), "")
            out.append((key or ("spec" if params.get("spec") else ""), str(exc)))
            return out
        for p in found:
            if p.file is not None:  # a problem of the spec file named by 'spec'
                out.append(("spec", str(p)))
            else:
                out.append((_setter(p.field, changes), f"{p.field}: {p.message}"))
    return out


def _setter(field: str, changes: list[str]) -> str:
    """The parameter whose dotted path names ``field`` or a part of it."""
    for k in changes:
        if k == field or k.startswith(f"{field}.") or field.startswith(f"{k}."):
            return k
    return ""


def _generate(
    endpoint: str,
    params: dict[str, Any],
    replicates: int,
    seed: int,
    scenario: int,
    first_replicate: int,
) -> Any:
    from ppprog.simulate.cohort import generate

    if "n" not in params:
        raise SpecError("scenario parameter 'n' (subjects per cohort) is required")
    spec = cohort_spec(endpoint, params)
    return generate(
        spec, int(params["n"]), replicates, seed, scenario=scenario, first_replicate=first_replicate
    )


def onset_cohorts(
    params: dict[str, Any], *, replicates: int, seed: int, scenario: int, first_replicate: int
) -> Any:
    """Onset cohorts (patients starting an anti-TNF drug) for a study scenario.

    Parameters
    ----------
    params : dict
        ``n``, optional ``spec`` file, and dotted spec paths.
    replicates, seed, scenario, first_replicate : int
        As for :func:`ppprog.simulate.cohort.generate`.

    Returns
    -------
    ppprog.simulate.cohort.CohortBatch
    """
    return _generate("onset", params, replicates, seed, scenario, first_replicate)


def resolution_cohorts(
    params: dict[str, Any], *, replicates: int, seed: int, scenario: int, first_replicate: int
) -> Any:
    """Resolution cohorts (paradoxical-psoriasis cases from onset) for a study scenario.

    Parameters
    ----------
    params : dict
        ``n``, optional ``spec`` file, and dotted spec paths.
    replicates, seed, scenario, first_replicate : int
        As for :func:`ppprog.simulate.cohort.generate`.

    Returns
    -------
    ppprog.simulate.cohort.CohortBatch
    """
    return _generate("resolution", params, replicates, seed, scenario, first_replicate)
