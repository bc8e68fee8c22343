"""The study of the seed report's claims (``ppprog study`` with no arguments).

Sections: what two cases can tell (the study file
``data/studies/claims/two_cases.toml``, summarized by :mod:`.two_cases_study`);
publication bias (:mod:`.reporting`, :mod:`.publication`); drug switches and
immortal time (:mod:`.immortal_time`); what it would take
(:mod:`.requirements`); protracted or refractory (the study file
``data/studies/claims/refractory.toml``, :mod:`.refractory`); the report's own
cases (:mod:`.report_cases`). The settings file is ``data/studies/claims.toml``;
:func:`run_claims_study` runs every section with the ordinary runner and
:func:`ppprog.report.build.write_claims_report` writes the report folder.
"""

from ppprog.studies.builtin.run import ClaimsResult, run_claims_study

__all__ = ["ClaimsResult", "run_claims_study"]
