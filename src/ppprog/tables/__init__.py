"""Survival tables built from case records: resolution, onset, counting process."""

from ppprog.tables.counting import CountingCheck, check_counting_process, counting_process
from ppprog.tables.covariates import AnaScale
from ppprog.tables.onset import onset_table
from ppprog.tables.resolution import resolution_table

__all__ = [
    "AnaScale",
    "CountingCheck",
    "check_counting_process",
    "counting_process",
    "onset_table",
    "resolution_table",
]
