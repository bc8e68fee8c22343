"""End to end: the quick claims suite writes a consistent report folder."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ppprog.report.build import REPORT_FILES, write_claims_report
from ppprog.report.claims_result import REPLICATE_COLUMNS, run_claims_study


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):  # noqa: ANN001, ANN201
    result = run_claims_study(quick=True, workers=1, progress=False)
    folder = write_claims_report(result, tmp_path_factory.mktemp("report") / "ppprog-report")
    return result, folder


def test_folder_structure(quick_run) -> None:  # noqa: ANN001
    result, folder = quick_run
    for name in REPORT_FILES:
        assert (folder / name).is_file(), name
    pngs = sorted(p.stem for p in (folder / "figures").glob("*.png"))
    assert pngs == sorted([
        "two_cases_likelihood_ratio", "publication_resolution", "publication_onset",
        "immortal_time", "power_onset", "power_resolution", "refractory_power", "report_cases_km",
    ])  # fmt: skip
    md = (folder / "report.md").read_text()
    for heading in ("## Summary", "## 1. What two cases can tell", "## 2. Publication",
                    "## 3. Drug switches", "## 4. What it would take",
                    "## 5. Protracted or refractory", "## 6. The report's own"):  # fmt: skip
        assert heading in md
    for png in pngs:
        assert f"](figures/{png}.png)" in md
    html = (folder / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(pngs)
    assert "src='figures/" not in html
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["quick"] is True
    assert manifest["seed"] == result.settings["study"]["seed"]
    assert set(manifest["sections"]) == {
        "two_cases", "publication", "publication_onset", "immortal_time",
        "requirements_onset", "requirements_resolution", "refractory",
    }  # fmt: skip
    assert manifest["section_seeds"]["two_cases"] != manifest["section_seeds"]["publication"]
    headlines = json.loads((folder / "headlines.json").read_text())
    assert [h["id"] for h in headlines] == [h.id for h in result.headlines]


def test_replicate_table_round_trips(quick_run) -> None:  # noqa: ANN001
    result, folder = quick_run
    table = pd.read_parquet(folder / "replicates.parquet")
    assert list(table.columns[: len(REPLICATE_COLUMNS)]) == list(REPLICATE_COLUMNS)
    cols = list(REPLICATE_COLUMNS) + ["scenario_label", "n", "hr", "switch_rate"]
    pd.testing.assert_frame_equal(table[cols], result.replicates[cols].reset_index(drop=True))
    reps = result.settings["runs"]["immortal_time"]["replicates"]
    sub = table[(table["section"] == "immortal_time") & (table["estimand"] == "switches")]
    assert (sub.groupby(["scenario", "method"]).size() == reps).all()


def test_numbers_recompute_from_the_replicates(quick_run) -> None:  # noqa: ANN001
    result, folder = quick_run
    table = pd.read_parquet(folder / "replicates.parquet")
    md = (folder / "report.md").read_text()
    # section 1: simulated P(both ANA-high) is the mean of the per-replicate indicators
    # (every scenario: the null and each mechanism and effect)
    s1 = table[(table["section"] == "two_cases") & (table["estimand"] == "cases_all_ana_high")]
    s1 = s1[s1["status"] == "converged"]
    checks = pd.read_csv(folder / "tables" / "two_cases_check.csv")
    for (mech, eff), grp in checks.groupby(["mechanism", "effect"]):
        check = grp.set_index("estimand")
        g = s1[(s1["mechanism"] == mech) & (s1["effect"] == eff)]
        assert check.loc["cases_all_ana_high", "simulated"] == pytest.approx(g["estimate"].mean(), rel=1e-12)
        assert check.loc["cases_all_ana_high", "replicates"] == len(g)
        p = check.loc["case_ana_high", "exact"]
        assert check.loc["cases_all_ana_high", "exact"] == pytest.approx(p**2, rel=1e-12)
    check = checks[checks["mechanism"] == "none"].set_index("estimand")
    # section 3: bias per encoding is mean(estimate) - truth over converged fits
    imm = pd.read_csv(folder / "tables" / "immortal_time.csv")
    s3 = table[(table["section"] == "immortal_time") & (table["estimand"] == "switches")]
    for row in imm.itertuples():
        g = s3[(s3["scenario"] == row.scenario) & (s3["method"] == row.method)]
        g = g[g["status"] == "converged"]
        assert row.bias == pytest.approx((g["estimate"] - g["truth"]).mean(), rel=1e-9, abs=1e-12)
        cover = ((g["lower"] <= g["truth"]) & (g["truth"] <= g["upper"])).mean()
        assert row.coverage == pytest.approx(cover, rel=1e-12)
    # section 4: power is the share of p <= alpha among all replicates
    alpha = result.settings["study"]["alpha"]
    pw = pd.read_csv(folder / "tables" / "power_resolution.csv")
    s4 = table[
        (table["section"] == "requirements_resolution")
        & (table["estimand"] == "extent[generalized]")
    ]
    for row in pw.itertuples():
        g = s4[(s4["scenario"] == row.scenario) & (s4["method"] == row.method)]
        hit = (g["status"] == "converged") & (g["p"] <= alpha)
        assert row.power == pytest.approx(hit.mean(), abs=1e-12)
    # the report prints these numbers
    assert f"p = {check.loc['case_ana_high', 'exact']:.3g} (exact)" in md
    naive = imm[imm["method"].str.contains("naive")].iloc[-1]
    assert f"per switch by {naive['bias']:.3g} (MC SE" in md


def test_report_cases_section(quick_run) -> None:  # noqa: ANN001
    result, _ = quick_run
    rc = result.report_cases
    cr = rc.table[rc.table["endpoint"] == "complete resolution"]
    assert len(cr) == 2
    assert cr["event"].sum() == 0
    assert set(rc.fits["status"]) <= {"no_events", "singular_information"}
    assert math.isclose(float(rc.km["complete resolution"].table["survival"].min()), 1.0)
    assert np.isfinite(rc.table["months"]).all()


def test_summary_and_text(quick_run) -> None:  # noqa: ANN001
    result, _ = quick_run
    summary = result.summary
    assert set(summary["section"]) >= {"two_cases", "publication", "switches", "requirements"}
    check = result.tables["two_cases_check"]
    null = check[(check["mechanism"] == "none") & (check["estimand"] == "case_ana_high")]
    assert summary["value"].iloc[0] == null["exact"].iloc[0]
    assert summary["value"].iloc[1] == null["simulated"].iloc[0]
    assert summary["mcse"].iloc[1] == null["mcse"].iloc[0]
    assert list(summary["item"]) == [h.id for h in result.headlines]
    assert "The study of the report's claims" in str(result)


def test_headlines_json_content_recomputes_from_the_replicates(quick_run) -> None:  # noqa: ANN001
    """Every headline: id, estimate, MC SE or "exact", replicates, mode, definition; the
    simulated ones equal their recomputation from the per-replicate table."""
    result, folder = quick_run
    heads = json.loads((folder / "headlines.json").read_text())
    assert {tuple(sorted(h)) for h in heads} == {
        ("definition", "estimable", "estimate", "failed", "id", "mcse", "mode", "replicates")
    }
    assert all(h["mode"] == "quick" and h["definition"] for h in heads)
    for h in heads:
        if h["mcse"] == "exact":
            assert h["replicates"] in (0, 1) or h["id"].startswith("requirements")
    by_id = {h["id"]: h for h in heads}
    table = pd.read_parquet(folder / "replicates.parquet")
    # publication: mean log HR of the converged published Cox fits, MC SE sd / sqrt(n)
    h = by_id["publication.log_hr.severe_and_refractory"]
    g = table[(table["section"] == "publication") & (table["method"] == "published (Cox)")
              & (table["estimand"] == "extent[generalized]")
              & (table["selection.label"] == "severe AND refractory")]  # fmt: skip
    ok = g[g["status"] == "converged"]["estimate"]
    assert h["estimate"] == pytest.approx(ok.mean(), rel=1e-12)
    assert h["mcse"] == pytest.approx(ok.std(ddof=1) / math.sqrt(len(ok)), rel=1e-12)
    assert h["replicates"] == len(g)
    # refractory: power over all replicates, failed fits not significant
    h = by_id["refractory.power.cox.refractory_only"]
    g = table[(table["section"] == "refractory") & (table["method"] == "Cox")
              & table["scenario_label"].str.contains("cure.log_or.extent[generalized]=1", regex=False)
              & table["scenario_label"].str.contains("administrative=120", regex=False)]  # fmt: skip
    assert len(g) == result.settings["runs"]["refractory"]["replicates"]
    hit = (g["status"] == "converged") & (g["p"] <= 0.05)
    assert h["estimate"] == pytest.approx(hit.mean(), abs=1e-12)
    assert h["mcse"] == pytest.approx(math.sqrt(hit.mean() * (1 - hit.mean()) / len(g)), rel=1e-9)
    # switches: bias of the naive count at the highest switch rate
    h = by_id["switches.bias.naive"]
    g = table[(table["section"] == "immortal_time") & (table["estimand"] == "switches")
              & (table["method"] == "baseline count (naive)")]  # fmt: skip
    g = g[(g["switch_rate"] == g["switch_rate"].max()) & (g["status"] == "converged")]
    assert h["estimate"] == pytest.approx((g["estimate"] - g["truth"]).mean(), rel=1e-9)
