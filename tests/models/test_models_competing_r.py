"""Competing-events estimators against R (tests/reference/competing, made by make_reference.R).

survfit multi-state pstate/std.err/limits, cmprsk::cuminc Gray statistics,
cmprsk::crr and finegray + coxph coefficients, variances and predictions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ppprog.models.competing import aalen_johansen, gray_test
from ppprog.models.fine_gray import fine_gray

REF = Path(__file__).resolve().parents[1] / "reference" / "competing"


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"data_{name}.csv")


# dataset label -> (data file, time, status, group, entry)
AJ_CASES = {
    "mgus2": ("mgus2", "etime", "event", None, None),
    "mgus2_by_male": ("mgus2", "etime", "event", "male", None),
    "sim_ties": ("sim_ties", "time", "status", None, None),
    "sim_ties_by_group": ("sim_ties", "time", "status", "group", None),
    "sim_three_by_group": ("sim_three", "time", "status", "group", None),
    "sim_trunc": ("sim_trunc", "time", "status", None, "entry"),
    "sim_trunc_by_group": ("sim_trunc", "time", "status", "group", "entry"),
}
AJ_REF = pd.read_csv(REF / "ref_aalen_johansen.csv", keep_default_na=True)
AJ_KEYS = sorted({(d, c) for d, c in zip(AJ_REF["dataset"], AJ_REF["conf_type"])})


def _close(got: np.ndarray, want: np.ndarray, tol: float) -> None:
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=0, atol=tol, equal_nan=True)


@pytest.mark.parametrize(("label", "conf"), AJ_KEYS)
def test_aalen_johansen_matches_survfit(label: str, conf: str) -> None:
    file, t, s, g, en = AJ_CASES[label]
    d = _data(file)
    fit = aalen_johansen(d[t], d[s], group=None if g is None else d[g],
                         entry=None if en is None else d[en], conf_type=conf)  # fmt: skip
    ref = AJ_REF[(AJ_REF["dataset"] == label) & (AJ_REF["conf_type"] == conf)]
    groups = [None] if g is None else list(fit.groups or ())
    for grp in groups:
        one = fit if grp is None else fit.curve(grp)
        rg = ref if grp is None else ref[ref["group"].astype(str) == str(grp)]
        s0 = rg[rg["state"] == "(s0)"]
        _close(one.cif.index.to_numpy(), s0["time"].to_numpy(), 1e-12)
        _close(one.n_risk.to_numpy(), s0["n_risk"].to_numpy(float), 0)
        _close(one.survival["survival"].to_numpy(), s0["pstate"].to_numpy(), 1e-8)
        _close(one.survival["std_err"].to_numpy(), s0["std_err"].to_numpy(), 1e-8)
        for c in one.causes:
            rc = rg[rg["state"] == str(c)]
            _close(one.cif[c].to_numpy(), rc["pstate"].to_numpy(), 1e-8)
            _close(one.std_err[c].to_numpy(), rc["std_err"].to_numpy(), 1e-8)
            _close(one.lower[c].to_numpy(), rc["lower"].to_numpy(), 1e-8)
            _close(one.upper[c].to_numpy(), rc["upper"].to_numpy(), 1e-8)
            _close(one.n_event[c].to_numpy(), rc["n_event"].to_numpy(float), 0)


GRAY_REF = pd.read_csv(REF / "ref_gray.csv")
GRAY_CASES = {
    "mgus2_by_male": ("mgus2", "etime", "event", "male", None, 0.0),
    "sim_ties_by_group": ("sim_ties", "time", "status", "group", None, 0.0),
    "sim_three_by_group": ("sim_three", "time", "status", "group", None, 0.0),
    "sim_three_by_group_strata": ("sim_three", "time", "status", "group", "stratum", 0.0),
    "sim_three_by_group_rho1": ("sim_three", "time", "status", "group", None, 1.0),
}


@pytest.mark.parametrize(
    "row", GRAY_REF.to_dict("records"), ids=lambda r: f"{r['dataset']}-{r['cause']}"
)
def test_gray_matches_cuminc(row: dict) -> None:
    file, t, s, g, st, rho = GRAY_CASES[row["dataset"]]
    d = _data(file)
    res = gray_test(d[t], d[s], d[g], cause=int(row["cause"]),
                    strata=None if st is None else d[st], rho=rho)  # fmt: skip
    assert res.df == row["df"]
    assert res.statistic == pytest.approx(row["stat"], abs=1e-8, rel=1e-10)
    assert res.p == pytest.approx(row["p"], abs=1e-8, rel=1e-8)


FG_REF = pd.read_csv(REF / "ref_fine_gray.csv")
FG_DATA = {"mgus2": ("etime", "event", ["age", "male"]), "sim_ties": ("time", "status", ["x1", "x2"]),
           "sim_three": ("time", "status", ["z"])}  # fmt: skip
FG_KEYS = sorted(
    {(d, m, int(c)) for d, m, c in zip(FG_REF["dataset"], FG_REF["method"], FG_REF["cause"])
     if m in ("crr", "finegray")}
)  # fmt: skip
NAIVE = {"crr": "crr_naive", "finegray": "finegray"}
ROBUST = {"crr": "crr", "finegray": "finegray_robust"}


def _fg_ref(label: str, method: str, cause: int) -> pd.DataFrame:
    sel = (FG_REF["dataset"] == label) & (FG_REF["cause"] == cause)
    return FG_REF[sel & (FG_REF["method"] == method)]


@pytest.mark.parametrize(("label", "method", "cause"), FG_KEYS)
def test_fine_gray_matches_r(label: str, method: str, cause: int) -> None:
    t, s, covs = FG_DATA[label]
    fit = fine_gray(_data(label), duration=t, event=s, covariates=covs, cause=cause, method=method)
    ref = _fg_ref(label, ROBUST[method], cause)
    naive = _fg_ref(label, NAIVE[method], cause)
    assert fit.status.converged
    np.testing.assert_allclose(fit.params.to_numpy(), ref["coef"].to_numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.se.to_numpy(), ref["se"].to_numpy(), rtol=0, atol=1e-5)
    vcols = ["v1", "v2"][: len(covs)]
    np.testing.assert_allclose(
        fit.vcov.to_numpy(), ref[vcols].to_numpy(float), rtol=1e-6, atol=1e-10
    )
    np.testing.assert_allclose(
        fit.naive_vcov.to_numpy(), naive[vcols].to_numpy(float), rtol=1e-6, atol=1e-10
    )
    assert fit.loglik == pytest.approx(float(ref["loglik"].iloc[0]), abs=1e-6)


PRED_REF = pd.read_csv(REF / "ref_fine_gray_predict.csv")


@pytest.mark.parametrize(
    ("label", "cause"),
    sorted({(d, int(c)) for d, c in zip(PRED_REF["dataset"], PRED_REF["cause"])}),
)
def test_predict_cif_matches_predict_crr(label: str, cause: int) -> None:
    t, s, covs = FG_DATA[label]
    d = _data(label)
    fit = fine_gray(d, duration=t, event=s, covariates=covs, cause=cause)
    new = pd.DataFrame([d[covs].mean(), d[covs].iloc[0]], index=["mean", "first"])
    got = fit.predict_cif(new)
    ref = PRED_REF[(PRED_REF["dataset"] == label) & (PRED_REF["cause"] == cause)]
    np.testing.assert_allclose(got.index.to_numpy(), ref["time"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(
        got.to_numpy(), ref[["cif_1", "cif_2"]].to_numpy(), rtol=0, atol=1e-8
    )


def test_finegray_rows_match_r() -> None:
    from ppprog.models._kernels.finegray import finegray_rows

    d = _data("sim_ties")
    status = np.where(d["status"] == 0, 0, np.where(d["status"] == 1, 1, 2))
    row, start, stop, ev, w = finegray_rows(d["time"].to_numpy(float), status)
    ref = pd.read_csv(REF / "ref_finegray_rows_sim_ties.csv")
    np.testing.assert_array_equal(d["id"].to_numpy()[row], ref["id"].to_numpy())
    np.testing.assert_allclose(start, ref["fgstart"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(stop, ref["fgstop"].to_numpy(), atol=1e-12)
    np.testing.assert_array_equal(ev, ref["fgstatus"].to_numpy())
    np.testing.assert_allclose(w, ref["fgwt"].to_numpy(), rtol=1e-14)
