"""Section 4 helpers (power tables, requirement interpolation) and the study file loader."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ppprog._core.errors import SpecError
from ppprog.studies.builtin.requirements import (
    PowerData,
    build_studies,
    power_generator,
    power_table,
    requirement_table,
    resolution_power_method,
)
from ppprog.studies.builtin.settings import default_spec_path, load_settings
from ppprog.studies.power import schoenfeld_events, schoenfeld_power
from ppprog.studies.power_curve import fit_power_curve


def _fake_rows(power_by_n: dict[int, float], hr: float = 0.5, reps: int = 20) -> pd.DataFrame:
    rows = []
    for s, (n, pw) in enumerate(power_by_n.items()):
        hits = int(round(pw * reps))
        for r in range(reps):
            rows.append({
                "scenario": s, "method": "Cox", "replicate": r, "estimand": "generalized",
                "p": 0.01 if r < hits else 0.5, "status": "converged", "n_events": n / 2,
                "n": n, "hr": hr,
            })  # fmt: skip
    return pd.DataFrame(rows)


def test_power_table_counts_and_formula() -> None:
    table = _fake_rows({100: 0.25, 400: 0.6, 1600: 0.95})
    pw = power_table(table, "resolution", alpha=0.05)
    assert pw["power"].tolist() == [0.25, 0.6, 0.95]
    assert pw["power_mcse"].iloc[0] == pytest.approx(math.sqrt(0.25 * 0.75 / 20))
    a = float(pw["allocation"].iloc[0])
    assert pw["formula_power"].iloc[1] == pytest.approx(schoenfeld_power(0.5, 200.0, allocation=a))


def test_requirement_uses_the_fitted_power_curve() -> None:
    """The simulated size is the probit power curve's (no interpolation without an error)."""
    table = _fake_rows({100: 0.25, 400: 0.6, 1600: 0.95})
    req = requirement_table(power_table(table, "resolution", alpha=0.05), target=0.8, alpha=0.05)
    curve = fit_power_curve([100, 400, 1600], [5, 12, 19], [20, 20, 20], target=0.8)
    assert req["n_simulated"].iloc[0] == pytest.approx(curve.n_target, rel=1e-12)
    assert req["n_simulated_lower"].iloc[0] == pytest.approx(curve.lower, rel=1e-12)
    assert req["n_simulated_upper"].iloc[0] == pytest.approx(curve.upper, rel=1e-12)
    assert req["n_simulated_lower"].iloc[0] < 400 * 2 < req["n_simulated_upper"].iloc[0]
    a = float(req["allocation"].iloc[0])
    assert req["events_needed"].iloc[0] == pytest.approx(schoenfeld_events(0.5, allocation=a))
    assert req["n_formula"].iloc[0] == pytest.approx(req["events_needed"].iloc[0] / 0.5)
    # without a truth the estimand is the generator's HR
    assert req["hr_estimand"].iloc[0] == 0.5
    assert req["n_formula_estimand"].iloc[0] == pytest.approx(req["n_formula"].iloc[0])
    low = requirement_table(power_table(_fake_rows({100: 0.1, 400: 0.3}), "resolution", alpha=0.05),
                            target=0.8, alpha=0.05)  # fmt: skip
    assert low["n_simulated"].iloc[0] > 400
    assert low["n_simulated_note"].iloc[0] == "extrapolated"


def test_resolution_power_methods_run_and_failures_are_kept() -> None:
    settings = load_settings(quick=True)
    _, res = build_studies(settings)
    params = dict(res.scenarios[0].params, n=60)
    data = power_generator(params, replicates=6, seed=1, scenario=0, first_replicate=0)
    assert isinstance(data, PowerData)
    for fit in ("cox", "firth", "logrank"):
        out = resolution_power_method(data, fit=fit)
        assert len(out) == 6
        assert set(out["status"]) <= {
            "converged",
            "monotone_likelihood",
            "singular_information",
            "no_events",
        }


def test_settings_quick_replicates_and_seed() -> None:
    base = load_settings()
    quick = load_settings(quick=True)
    assert quick["two_cases"]["replicates"] < base["two_cases"]["replicates"]
    assert quick["study"]["quick"] is True
    assert base["study"]["quick"] is False
    assert quick["study"]["source"] == str(default_spec_path())
    fixed = load_settings(replicates=7, seed=3)
    for sec in ("two_cases", "publication", "immortal_time"):
        assert fixed[sec]["replicates"] == 7
    assert fixed["requirements"]["onset"]["replicates"] == 7
    assert fixed["study"]["seed"] == 3
    with pytest.raises(SpecError, match="at least 2"):
        load_settings(replicates=1)
    with pytest.raises(SpecError, match="missing tables"):
        load_settings({"study": {}})


def test_settings_file_errors(tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_settings(bad)
