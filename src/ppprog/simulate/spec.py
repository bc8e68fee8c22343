"""Cohort specifications: the declarative, validated data-generating mechanism.

A :class:`CohortSpec` describes one of two cohorts (time in **months**):

* ``endpoint = "onset"`` (:class:`OnsetSpec`): patients starting an anti-TNF
  agent. A susceptible fraction (logistic in baseline covariates, a
  mixture-cure model) can develop paradoxical psoriasis (PP); among the
  susceptible, onset follows a baseline hazard with proportional effects,
  including the time-varying indicator ``ana_high`` (ANA titer at or above
  ``ana.threshold``) whose log hazard ratio defaults to 0 (no effect, since the
  evidence conflicts: Oter-Lopez 2017 found no ANA-PP association).
* ``endpoint = "resolution"`` (:class:`ResolutionSpec`): PP cases from onset,
  with pustular extent and ANA at onset, a cure fraction that never resolves,
  and management as a time-varying process (continue, stop, switch to another
  anti-TNF, switch class) whose changes happen only while unresolved.

Design columns (the names used by effects, ``Truth.log_hr`` and the arrays):
``female``, ``age`` (years minus ``population.age_center``), ``smoker``,
``disease[<token>]`` and ``agent[<token>]`` for every level but the first
(the reference), and ``ana_high``; resolution cohorts add
``extent[localized]``, ``extent[generalized]`` and the time-varying
``strategy[stop]``, ``strategy[switch_tnf]``, ``strategy[switch_class]``.

The shipped defaults (:func:`default_spec`) come
from ``data/calibration/*.toml`` with a source for every number. The time to
resolution is a documented PLACEHOLDER: no PP-specific distribution was found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ppprog._core.errors import SpecError
from ppprog._core.resources import data_path
from ppprog._core.specfile import load_spec_file
from ppprog.simulate import spec_io
from ppprog.simulate._validate import check_spec
from ppprog.simulate.spec_parts import (
    ANTI_TNF,
    DISEASES,
    EXTENTS,
    STRATEGIES,
    AnaSpec,
    CensoringSpec,
    Logistic,
    ManagementSpec,
    OnsetSpec,
    Population,
    ResolutionSpec,
    design_columns,
    spec_columns,
)

__all__ = [
    "ANTI_TNF",
    "DISEASES",
    "STRATEGIES",
    "EXTENTS",
    "Population",
    "Logistic",
    "AnaSpec",
    "OnsetSpec",
    "ManagementSpec",
    "ResolutionSpec",
    "CensoringSpec",
    "CohortSpec",
    "default_spec",
    "design_columns",
    "spec_columns",
]


@dataclass(frozen=True)
class CohortSpec:
    """A complete, validated cohort specification (time unit: months).

    Parameters
    ----------
    endpoint : {"onset", "resolution"}
        Which cohort.
    onset, resolution : OnsetSpec or ResolutionSpec
        Exactly the one named by ``endpoint``.
    censoring : CensoringSpec
        Censoring and competing events.
    name : str
        Label.

    Raises
    ------
    SpecError
        Listing every problem found (``err.report`` holds them as Problems).
    """

    endpoint: str
    censoring: CensoringSpec
    onset: OnsetSpec | None = None
    resolution: ResolutionSpec | None = None
    name: str = ""

    def __post_init__(self) -> None:
        report = check_spec(self)
        if report:
            err = SpecError(str(report))
            err.report = report  # type: ignore[attr-defined]
            raise err

    @property
    def model(self) -> OnsetSpec | ResolutionSpec:
        """The endpoint's model (``onset`` or ``resolution``)."""
        out = self.onset if self.endpoint == "onset" else self.resolution
        assert out is not None
        return out

    @classmethod
    def default(cls, endpoint: str = "onset") -> CohortSpec:
        """Calibrated default spec (``data/calibration/defaults_<endpoint>.toml``).

        Parameters
        ----------
        endpoint : {"onset", "resolution"}
            Which cohort.

        Returns
        -------
        CohortSpec
        """
        return default_spec(endpoint)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (what the TOML/YAML/JSON files hold)."""
        return spec_io.spec_to_dict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, base: CohortSpec | None = None) -> CohortSpec:
        """Build from a nested dict; missing fields are taken from ``base`` if given.

        Parameters
        ----------
        d : mapping
            As produced by :meth:`to_dict` (possibly partial when ``base`` is given).
        base : CohortSpec, optional
            Spec supplying fields absent from ``d``. Tables merge field by field;
            probability and effect mappings are replaced whole.

        Returns
        -------
        CohortSpec
        """
        return spec_io.spec_from_dict(d, cls=cls, base=base)

    def replace(self, changes: Mapping[str, Any]) -> CohortSpec:
        """Return a copy with dotted-path changes, e.g. ``{"onset.log_hr.ana_high": 0.7}``.

        Parameters
        ----------
        changes : mapping of str to object
            Dotted paths into :meth:`to_dict`; a mapping-valued leaf such as
            ``log_hr`` may be changed key by key.

        Returns
        -------
        CohortSpec
        """
        return spec_io.replace_paths(self, changes)

    def to_toml(self) -> str:
        """TOML text of the spec."""
        return spec_io.dumps(self, "toml")

    def to_yaml(self) -> str:
        """YAML text of the spec."""
        return spec_io.dumps(self, "yaml")

    def to_json(self) -> str:
        """JSON text of the spec."""
        return spec_io.dumps(self, "json")

    @classmethod
    def from_text(cls, text: str, fmt: str, *, base: CohortSpec | None = None) -> CohortSpec:
        """Parse TOML/YAML/JSON text.

        Parameters
        ----------
        text : str
            File content.
        fmt : {"toml", "yaml", "json"}
            Format.
        base : CohortSpec, optional
            See :meth:`from_dict`.

        Returns
        -------
        CohortSpec
        """
        return spec_io.loads(text, fmt, cls=cls, base=base)

    @classmethod
    def load(cls, path: Any, *, base: CohortSpec | None = None) -> CohortSpec:
        """Read a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file.

        Parameters
        ----------
        path : str or path-like
            File; the format follows the suffix.
        base : CohortSpec, optional
            See :meth:`from_dict`.

        Returns
        -------
        CohortSpec
        """
        return spec_io.load(path, cls=cls, base=base)


@lru_cache(maxsize=4)
def default_spec(endpoint: str = "onset") -> CohortSpec:
    """The calibrated default spec for ``endpoint``.

    Parameters
    ----------
    endpoint : {"onset", "resolution"}
        Which cohort.

    Returns
    -------
    CohortSpec

    References
    ----------
    Sources per parameter: :func:`~ppprog.simulate.calibration.parameter_sources`
    (``data/calibration/sources.toml``).
    Principal ones: Brown G, et al. J Am Acad Dermatol 2017;76:334-341 (latency,
    resolution by strategy); Xie W, et al. Front Immunol 2022;13:847160 (risk
    factors); Harrison MJ, et al. Ann Rheum Dis 2009;68:209-215 (agents);
    Vermeire S, et al. Gastroenterology 2003;125:32-39 and Li L, et al. Sci Rep
    2024 (ANA seroconversion); Cyrenne BM, et al. Pediatr Dermatol
    2021;38:1086-1093 (switching). The resolution time scale is a PLACEHOLDER.
    """
    if endpoint not in ("onset", "resolution"):
        raise SpecError(f"endpoint must be 'onset' or 'resolution', got {endpoint!r}")
    path = data_path("calibration", f"defaults_{endpoint}.toml")
    return CohortSpec.from_dict(load_spec_file(path, formats=["toml"]).mapping())
