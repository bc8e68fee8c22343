"""The built-in study of the seed report's claims (``ppprog study`` with no arguments).

Sections: what two cases can tell (:mod:`.two_cases`, :mod:`.two_cases_study`,
:mod:`.ana_exact`); publication bias (:mod:`.reporting`, :mod:`.publication`);
drug switches and immortal time (:mod:`.immortal_time`); what it would take
(:mod:`.requirements`); the report's own cases (:mod:`.report_cases`). The
study file is ``data/studies/claims.toml``; :func:`run_claims_study` runs it
and :func:`ppprog.report.build.write_claims_report` writes the report folder.
"""

from ppprog.studies.builtin.run import ClaimsResult, run_claims_study

__all__ = ["ClaimsResult", "run_claims_study"]
