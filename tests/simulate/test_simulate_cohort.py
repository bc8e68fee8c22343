"""generate(): reproducibility, chunking, counting-process arrays, records, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppprog._core.errors import SpecError
from ppprog.records.validate import validate
from ppprog.simulate import CohortSpec, generate
from ppprog.simulate._cases import DAYS_PER_MONTH
from ppprog.simulate.hazards import Exponential

ONSET = CohortSpec.default("onset")
RESOLUTION = CohortSpec.default("resolution")
SPECS = {"onset": ONSET, "resolution": RESOLUTION}


def _arrays(b):
    out = [b.time, b.event, b.status, b.cured, b.latent_time, b.breaks]
    out += [b.covariates[k] for k in sorted(b.covariates)]
    out += [b.segments[k] for k in sorted(b.segments)]
    return out


@pytest.mark.parametrize("endpoint", ["onset", "resolution"])
def test_same_seed_same_cohort_and_chunking_is_bitwise(endpoint):
    spec = SPECS[endpoint]
    whole = generate(spec, 40, 10, seed=7, scenario=2)
    again = generate(spec, 40, 10, seed=7, scenario=2)
    a = generate(spec, 40, 5, seed=7, scenario=2)
    b = generate(spec, 40, 5, seed=7, scenario=2, first_replicate=5)
    for x, y in zip(_arrays(whole), _arrays(again)):
        assert np.array_equal(x, y)
    for x, ya, yb in zip(_arrays(whole), _arrays(a), _arrays(b)):
        assert np.array_equal(x, np.concatenate([ya, yb]))  # bitwise, inf included
    single = generate(spec, 40, 1, seed=7, scenario=2, first_replicate=3)
    for x, y in zip(_arrays(whole), _arrays(single)):
        assert np.array_equal(x[3:4], y)
    other = generate(spec, 40, 10, seed=8, scenario=2)
    assert not np.array_equal(whole.time, other.time)


@pytest.mark.parametrize("endpoint", ["onset", "resolution"])
def test_counting_rows_tile_follow_up(endpoint):
    b = generate(SPECS[endpoint], 60, 4, seed=11)
    ca = b.counting()
    R, m = ca.mask.shape
    assert ca.X.shape == (R, m, len(ca.names))
    assert ca.time_unit == "days"
    event = ca.event_indicator()
    for r in range(R):
        rows = np.flatnonzero(ca.mask[r])
        assert rows.max() == len(rows) - 1  # padding only at the end
        for i in range(b.n):
            mine = rows[ca.subject[r, rows] == i]
            start, stop, ev = ca.start[r, mine], ca.stop[r, mine], event[r, mine]
            assert start[0] == 0.0
            assert stop[-1] == b.time[r, i] * DAYS_PER_MONTH  # months -> days at the boundary
            assert ca.event[r, mine][-1] == b.status[r, i]  # the cause code
            assert np.all(stop > start)
            assert np.array_equal(start[1:], stop[:-1])
            assert ev.sum() == int(b.event[r, i])
            assert not ev[:-1].any()
    assert not event[~ca.mask].any()
    assert np.all(ca.subject[~ca.mask] == -1)


def test_counting_values_follow_the_processes():
    b = generate(RESOLUTION, 80, 3, seed=5)
    ca = b.counting()
    j = {c: k for k, c in enumerate(ca.names)}
    for r in range(3):
        for row in np.flatnonzero(ca.mask[r])[:200]:
            i = ca.subject[r, row]
            breaks_days = b.breaks[r, i] * DAYS_PER_MONTH
            seg = np.searchsorted(breaks_days, ca.start[r, row], side="right")
            code = b.segments["strategy"][r, i, seg]
            for c, s in ((1, "stop"), (2, "switch_tnf"), (3, "switch_class")):
                assert ca.X[r, row, j[f"strategy[{s}]"]] == float(code == c)
            assert ca.X[r, row, j["female"]] == float(b.covariates["female"][r, i])
    flat = b.counting(time_varying=False, covariates=["female", "strategy[stop]"])
    assert flat.X.shape == (3, 80, 2)
    assert np.all(flat.X[..., 1] == 0.0)


def test_baseline_arrays_and_derived_summaries():
    b = generate(RESOLUTION, 100, 2, seed=9)
    X, names = b.baseline_arrays()
    assert names == b.names[0]
    assert X.shape == (2, 100, len(names))
    X2, _ = b.baseline_arrays(["n_changes", "n_drug_switches", "ever_changed"])
    expect = (b.breaks < b.time[..., None]).sum(-1)
    assert np.array_equal(X2[..., 0], expect)
    assert np.all(X2[..., 1] <= X2[..., 0])
    assert np.array_equal(X2[..., 2], expect > 0)
    with pytest.raises(SpecError, match="unknown columns"):
        b.baseline_arrays(["nope"])
    o = generate(ONSET, 100, 2, seed=9)
    ever, _ = o.baseline_arrays(["ana_high_ever", "ana_high"])
    assert np.all(ever[..., 0] >= ever[..., 1])


def test_to_cases_match_arrays_and_validate():
    b = generate(RESOLUTION, 120, 2, seed=4)
    cases = b.to_cases(1)
    assert len(validate(cases)) == 0
    for i, c in enumerate(cases):
        follow = (c.last_follow_up.day - c.onset.day.day) / DAYS_PER_MONTH
        assert follow == pytest.approx(b.time[1, i], rel=1e-9)
        assert (c.first_event("complete_resolution") is not None) == bool(b.event[1, i])
        assert c.onset.pustular_extent.value == b.levels["extent"][b.covariates["extent"][1, i]]
    o = generate(ONSET, 200, 1, seed=4)
    oc = o.to_cases(0)
    assert len(validate(oc)) == 0
    assert sum(c.has_onset for c in oc) == int(o.event.sum())


def test_to_frame():
    b = generate(ONSET, 30, 2, seed=1)
    df = b.to_frame()
    assert len(df) == 60
    assert set(df["replicate"]) == {0, 1}
    assert (df["time"].to_numpy() == b.time.ravel() * DAYS_PER_MONTH).all()
    assert (df["cause"].to_numpy() == b.status.ravel()).all()
    assert df.attrs["time_unit"] == "days"
    cf = b.to_frame("counting")
    # the case records' counting process splits at every ANA measurement (each break)
    assert len(cf) == int((b.breaks < b.time[..., None]).sum()) + b.time.size
    assert cf["event"].sum() == b.event.sum()
    assert cf.attrs["time_unit"] == "days"


def test_bad_arguments():
    with pytest.raises(SpecError, match="n must be"):
        generate(ONSET, 0)
    with pytest.raises(SpecError, match="CohortSpec"):
        generate({"endpoint": "onset"}, 5)
    no_cens = RESOLUTION.replace(
        {
            "censoring": {"administrative": None, "loss_rate": 0.0},
            "resolution.cure.intercept": -50.0,
        }
    )
    # without censoring every subject must still exit: here all resolve, so it works
    assert np.isfinite(generate(no_cens, 20, 1, seed=0).time).all()
    never = no_cens.replace({"resolution.cure.intercept": 5.0})
    with pytest.raises(SpecError, match="never censored"):
        generate(never, 200, 1, seed=0)


@settings(max_examples=25, deadline=None)
@given(
    endpoint=st.sampled_from(["onset", "resolution"]),
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 30),
    ana_effect=st.floats(-2.0, 2.0),
    admin=st.floats(1.0, 80.0),
    loss=st.floats(0.0, 0.2),
)
def test_every_cohort_is_valid(endpoint, seed, n, ana_effect, admin, loss):
    """Properties: records validate; times positive; events never after censoring."""
    p = endpoint
    spec = SPECS[p].replace(
        {
            f"{p}.log_hr.ana_high": ana_effect,
            "censoring.administrative": admin,
            "censoring.loss_rate": loss,
        }
    )
    b = generate(spec, n, 2, seed=seed)
    assert np.all(b.time > 0)
    assert np.all(np.isfinite(b.time))
    assert np.all(b.time <= admin)
    assert np.all(b.latent_time[b.event] == b.time[b.event])
    assert np.all(b.latent_time[~b.event] >= b.time[~b.event])  # no event before exit if censored
    assert not np.any(b.event & b.cured)
    assert len(validate(b.to_cases(0))) == 0
    assert len(validate(b.to_cases(1))) == 0


def test_user_hazard_and_piecewise_specs_generate():
    spec = ONSET.replace(
        {"onset.baseline": {"kind": "piecewise", "breaks": [6.0], "rates": [0.2, 0.02]}}
    )
    b = generate(spec, 50, 2, seed=3)
    assert b.time.shape == (2, 50)
    from ppprog.simulate.hazards import UserHazard

    user = UserHazard(lambda t: 0.1 * np.asarray(t) ** 1.2)
    spec2 = CohortSpec(
        endpoint="onset",
        onset=__import__("dataclasses").replace(ONSET.onset, baseline=user),
        censoring=ONSET.censoring,
    )
    assert generate(spec2, 20, 1, seed=3).time.shape == (1, 20)
    assert isinstance(RESOLUTION.resolution.baseline, Exponential)


def test_records_encode_back_to_the_arrays():
    """Simulated Case records run through the real-data encoders and give the arrays back."""
    from ppprog.tables.counting import counting_process
    from ppprog.tables.onset import onset_table
    from ppprog.tables.resolution import resolution_table

    b = generate(RESOLUTION, 150, 1, seed=21)
    cases = b.to_cases(0)
    rt = resolution_table(cases)
    np.testing.assert_allclose(rt["time"].to_numpy() / DAYS_PER_MONTH, b.time[0], rtol=1e-9)
    assert np.array_equal(rt["event"].to_numpy() == 1, b.event[0])
    cp = counting_process(cases, time_varying=["treatment"])
    rows = cp.groupby("id", sort=False).size().to_numpy()
    assert np.array_equal(rows, (b.breaks[0] < b.time[0][:, None]).sum(axis=1) + 1)
    o = generate(ONSET, 300, 1, seed=21)
    ot = onset_table(o.to_cases(0))
    np.testing.assert_allclose(ot["time"].to_numpy() / DAYS_PER_MONTH, o.time[0], rtol=1e-9)
    assert np.array_equal(ot["event"].to_numpy() == 1, o.event[0])


def test_event_times_solve_the_cumulative_hazard_exactly():
    """H_i(T_i) equals the drawn Exp(1) target for every non-cured subject (no time grid)."""
    from ppprog.simulate._invert import cumhaz_at
    from ppprog.simulate.cohort import _uniforms
    from ppprog.simulate.truth import subject_hazards

    spec = RESOLUTION.replace({"resolution.log_hr.ana_high": 0.3})
    b = generate(spec, 500, 3, seed=8)
    u = _uniforms(spec, 500, 8, 0, b.replicates)
    target = -np.log1p(-u["event"])
    _, log_mult = subject_hazards(b)
    ok = ~b.cured
    H = cumhaz_at(np.where(ok, b.latent_time, 0.0), b.breaks, log_mult, spec.model.baseline.cumhaz)
    np.testing.assert_allclose(H[ok], target[ok], rtol=1e-12)
    assert np.all(np.isinf(b.latent_time[b.cured]))
