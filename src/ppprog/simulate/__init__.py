"""Synthetic cohorts: calibrated, exact data-generating mechanisms (time in months).

``generate(spec, n, replicates, seed)`` returns a :class:`CohortBatch` of arrays
with a leading replicate axis. Its histories go through the same encoders as
case records (:mod:`ppprog.tables.encode`): ``.counting()`` gives
:class:`~ppprog.tables.data.SurvivalData` in days, ``.to_frame()`` the tables
of real data; ``.to_cases()`` gives the same ``Case`` records as real data;
``.truth`` its :class:`Truth`.
"""

from ppprog.simulate.calibration import (
    assumptions,
    calibrate_intercept,
    default_spec,
    parameter_sources,
)
from ppprog.simulate.cohort import CohortBatch, generate
from ppprog.simulate.hazards import (
    BaselineHazard,
    Exponential,
    Gompertz,
    PiecewiseConstant,
    UserHazard,
    Weibull,
)
from ppprog.simulate.reporting import (
    DAYS_PER_MONTH,
    DAYS_PER_WEEK,
    DAYS_PER_YEAR,
    MONTHS_PER_WEEK,
    ReportedTimes,
    rounded_bounds,
    visit_bounds,
)
from ppprog.simulate.spec import (
    AnaSpec,
    CensoringSpec,
    CohortSpec,
    Logistic,
    ManagementSpec,
    OnsetSpec,
    Population,
    ResolutionSpec,
    design_columns,
)
from ppprog.simulate.truth import Truth, truth

__all__ = [
    "DAYS_PER_MONTH",
    "DAYS_PER_WEEK",
    "DAYS_PER_YEAR",
    "MONTHS_PER_WEEK",
    "ReportedTimes",
    "rounded_bounds",
    "visit_bounds",
    "AnaSpec",
    "BaselineHazard",
    "CensoringSpec",
    "CohortBatch",
    "CohortSpec",
    "Exponential",
    "Gompertz",
    "Logistic",
    "ManagementSpec",
    "OnsetSpec",
    "PiecewiseConstant",
    "Population",
    "ResolutionSpec",
    "Truth",
    "UserHazard",
    "Weibull",
    "assumptions",
    "calibrate_intercept",
    "default_spec",
    "design_columns",
    "generate",
    "parameter_sources",
    "truth",
]
