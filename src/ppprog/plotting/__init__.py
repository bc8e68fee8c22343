"""Figures from results (matplotlib; imported lazily inside each function).

Every function takes results or tidy frames and returns a
:class:`matplotlib.figure.Figure` without touching pyplot's global state, so
figures can be saved, shown in a notebook or embedded in a report.
"""

from ppprog.plotting.cif import cif_at_risk, plot_cif
from ppprog.plotting.cure import plot_cure
from ppprog.plotting.forest import hazard_ratio_frame, plot_forest
from ppprog.plotting.km import at_risk_counts, plot_km
from ppprog.plotting.study import (
    plot_likelihood_ratio,
    plot_performance,
    plot_power,
    plot_published_vs_true,
    plot_rejection_by_scenario,
)
from ppprog.plotting.timeline import plot_timeline

__all__ = [
    "at_risk_counts",
    "cif_at_risk",
    "plot_cif",
    "hazard_ratio_frame",
    "plot_cure",
    "plot_forest",
    "plot_km",
    "plot_likelihood_ratio",
    "plot_rejection_by_scenario",
    "plot_performance",
    "plot_power",
    "plot_published_vs_true",
    "plot_timeline",
]
