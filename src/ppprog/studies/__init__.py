"""Simulation studies (ADEMP): design, execution on any backend, performance, power.

A :class:`Study` crosses scenarios (a grid over data-generating parameters)
with methods and replicates; :func:`run` executes it in chunks of replicates
(serially, on local processes or on a Dask cluster, with checkpoints) and
returns a :class:`StudyResult` whose ``performance()`` gives every measure of
Morris, White & Crowther (2019) with its Monte-Carlo SE.
"""

from ppprog.studies.design import Estimand, Scenario, Study
from ppprog.studies.execute import run
from ppprog.studies.generators import register_generator, registered_generators
from ppprog.studies.methods import Method, estimates_frame, register_method, registered_methods
from ppprog.studies.performance import measures, performance
from ppprog.studies.power import (
    freedman_events,
    freedman_power,
    replicates_needed,
    schoenfeld_events,
    schoenfeld_power,
)
from ppprog.studies.result import StudyResult
from ppprog.studies.studyfile import load_study, run_study_file

run_study = run

__all__ = [
    "Estimand",
    "Method",
    "Scenario",
    "Study",
    "StudyResult",
    "estimates_frame",
    "freedman_events",
    "freedman_power",
    "load_study",
    "measures",
    "performance",
    "register_generator",
    "register_method",
    "registered_generators",
    "registered_methods",
    "replicates_needed",
    "run",
    "run_study",
    "run_study_file",
    "schoenfeld_events",
    "schoenfeld_power",
]
