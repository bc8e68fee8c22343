"""The claims report says what its numbers say, and the publication-bias claim holds.

One quick run of the claims suite (``ppprog study run --quick``, i.e.
``run_claims_study(quick=True)``) feeds every test here. The summary bullets of
``report.md`` are parsed back: each number must equal, to the digits printed,
the table entry it comes from, and those table entries are checked against
closed forms where one exists (1/p^2, Schoenfeld's formula, exp of the mean log
HR). The figures' drawn points are read back and compared with the same tables.

The publication-bias claim (selecting cases for publication biases the hazard
ratio) is checked on its own, with enough replicates for a sign and a size.
"""

from __future__ import annotations

import json
import math
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer
from scipy import stats

from ppprog import run_study
from ppprog._core.resources import data_path
from ppprog.report.build import write_claims_report
from ppprog.report.claims_figures import claims_figures
from ppprog.report.claims_result import run_claims_study
from ppprog.studies.studyfile import load_study

matplotlib.use("Agg")
NUM = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


@pytest.fixture(scope="module")
def claims(tmp_path_factory):  # noqa: ANN001, ANN201
    result = run_claims_study(quick=True, workers=1, progress=False)
    folder = write_claims_report(result, tmp_path_factory.mktemp("claims") / "report")
    return result, (folder / "report.md").read_text(), folder


def _summary(md: str) -> list[str]:
    text = md.split("## Summary", 1)[1].split("\n## ", 1)[0]
    return [line[2:] for line in text.strip().splitlines() if line.startswith("- ")]


def _bullet(md: str, start: str) -> str:
    (item,) = [b for b in _summary(md) if b.startswith(start)]
    return item


def printed(text: str, value: float, *, percent: bool = False) -> None:
    """``text`` is ``value`` rounded to the digits printed (0.5 units of the last digit)."""
    x = float(text)
    decimals = len(text.split(".")[1]) if "." in text else 0
    v = 100.0 * value if percent else value
    assert abs(x - v) <= 0.5 * 10.0**-decimals * (1 + 1e-9), f"printed {text}, value {v!r}"


def _match(pattern: str, text: str) -> re.Match[str]:
    m = re.search(pattern, text)
    assert m is not None, f"{pattern!r} not in {text!r}"
    return m


# --- the summary bullets, number by number -------------------------------------------------


def _headlines(folder) -> dict:  # noqa: ANN001
    return {h["id"]: h for h in json.loads((folder / "headlines.json").read_text())}


def _hl(md_number: str, mcse: str | None, h: dict) -> None:
    """A printed 'estimate (MC SE x)' or 'estimate (exact)' equals its headline."""
    printed(md_number, h["estimate"])
    if mcse is None:
        assert h["mcse"] == "exact"
    else:
        printed(mcse, h["mcse"])


def test_two_cases_bullet(claims) -> None:  # noqa: ANN001
    res, md, folder = claims
    hd = _headlines(folder)
    g = rf"{NUM} \((?:exact|MC SE {NUM})\)"
    m = _match(
        rf"at least 1:(\d+)\) at onset with probability p = {g}; simulated {g}\. .*? likelihood "
        rf"ratio of {g} at HR 2 and {g} at HR 10: .*? the likelihood ratio is {g} at odds ratio 2 "
        rf"and {g} at 10\. No effect size can push it past 1/p\^2 = {g}\. .*? would give {g} and "
        rf"{g}\. Exact and simulated probabilities agree \(largest \|z\| {NUM}\)\.",
        _bullet(md, "[QUICK MODE: small numbers, not results] **Two cases.**"),
    )
    assert int(m[1]) == res.tables["two_cases_inputs"]["threshold"].iloc[0]
    ids = ["two_cases.p_null", "two_cases.p_null.simulated", "two_cases.lr.hazard.2",
           "two_cases.lr.hazard.10", "two_cases.lr.susceptibility.2",
           "two_cases.lr.susceptibility.10", "two_cases.lr_bound", "two_cases.lr.shortcut.2",
           "two_cases.lr.shortcut.10"]  # fmt: skip
    for k, hid in enumerate(ids):
        _hl(m[2 + 2 * k], m[3 + 2 * k], hd[hid])
    printed(m[20], hd["two_cases.max_abs_z"]["estimate"])
    # the headlines against the tables and closed forms
    exact, check = res.tables["two_cases_exact"], res.tables["two_cases_check"]
    p = hd["two_cases.p_null"]["estimate"]
    null = check[(check["mechanism"] == "none") & (check["estimand"] == "case_ana_high")]
    assert p == float(null["exact"].iloc[0])
    assert hd["two_cases.lr_bound"]["estimate"] == pytest.approx(p**-2, rel=1e-12)
    for mech in ("hazard", "susceptibility", "shortcut"):
        for eff in (2.0, 10.0):
            r = exact[(exact["mechanism"] == mech) & (exact["effect"] == eff)].iloc[0]
            assert hd[f"two_cases.lr.{mech}.{eff:g}"]["estimate"] == r["likelihood_ratio"]
            assert r["likelihood_ratio"] == pytest.approx((r["p_case_positive"] / p) ** 2, rel=1e-12)
            if mech == "shortcut":
                q = eff * p / (eff * p + 1 - p)
                assert r["p_case_positive"] == pytest.approx(q, rel=1e-12)
    assert hd["two_cases.max_abs_z"]["estimate"] == pytest.approx(check["z"].abs().max())


def test_publication_bullet(claims) -> None:  # noqa: ANN001
    res, md, folder = claims
    hd = _headlines(folder)
    bullet = _bullet(md, "[QUICK MODE: small numbers, not results] **Publication.**")
    pub = res.tables["publication_resolution"]
    found = re.findall(rf"reporting '(.+?)': mean log HR {NUM} \(MC SE {NUM}\) over (\d+) series, "
                       r"([^;.]+)", bullet)  # fmt: skip
    assert len(found) == 2
    for label, est, se, n, verdict in found:
        key = str(pub.loc[pub["label"] == label, "model_key"].iloc[0])
        h = hd[f"publication.log_hr.{key}"]
        _hl(est, se, h)
        row = pub[(pub["model_key"] == key) & (pub["series"] == "published (Cox)")].iloc[0]
        assert h["estimate"] == row["mean_estimate"]
        assert h["mcse"] == row["bias_mcse"]
        assert int(n) == h["replicates"] == row["n_used"] + row["n_nonconverged"]
        # an interpreting sentence only when estimable; otherwise it says why not
        assert verdict.startswith("not estimable") == (not h["estimable"])
        if h["failed"] > 0.1 * h["replicates"]:
            assert f"{h['failed']} of {h['replicates']} fits failed" in verdict


def test_switches_bullet(claims) -> None:  # noqa: ANN001
    res, md, folder = claims
    hd = _headlines(folder)
    m = _match(
        rf"baseline covariate biases the log HR per switch by {NUM} \(MC SE {NUM}\); the "
        rf"time-varying count by {NUM} \(MC SE {NUM}\)",
        _bullet(md, "[QUICK MODE: small numbers, not results] **Drug switches.**"),
    )
    imm = res.tables["immortal_time"]
    _hl(m[1], m[2], hd["switches.bias.naive"])
    _hl(m[3], m[4], hd["switches.bias.time_varying"])
    top = imm["switch_rate"].max()
    naive = imm[(imm["switch_rate"] == top) & imm["method"].str.contains("naive")].iloc[0]
    assert hd["switches.bias.naive"]["estimate"] == naive["bias"]
    # truth 0: the HR per switch is exp(bias)
    np.testing.assert_allclose(imm["hr"], np.exp(imm["bias"]), rtol=1e-12)


@pytest.mark.parametrize("endpoint", ["onset", "resolution"])
def test_requirement_bullets(claims, endpoint: str) -> None:  # noqa: ANN001
    res, md, folder = claims
    hd = _headlines(folder)
    what = "ANA-high on onset" if endpoint == "onset" else "generalized pustular extent"
    bullet = _bullet(md, f"[QUICK MODE: small numbers, not results] **What it would take ({what}")
    m = _match(
        rf"For (\d+)% power Schoenfeld's formula at that value needs about (\d+) .+? \(at the "
        rf"generator's HR {NUM} it would say (\d+), {NUM} events\); ",
        bullet,
    )
    req = res.tables[f"requirements_{endpoint}"]
    row = req.iloc[len(req) // 2]
    tag, h = f"requirements.{endpoint}", f"hr{row['hr']:g}"
    target = res.settings["report"]["requirements"]["power"]
    printed(m[1], target, percent=True)
    printed(m[2], hd[f"{tag}.n_formula_estimand.{h}"]["estimate"])
    printed(m[2], row["n_formula_estimand"])
    printed(m[3], row["hr"])
    printed(m[4], hd[f"{tag}.n_formula.{h}"]["estimate"])
    printed(m[4], row["n_formula"])
    printed(m[5], row["events_needed"])
    printed(m[5], hd[f"{tag}.events.{h}"]["estimate"])
    i = _match(r"the asymptotic size is (\d+); ", bullet)
    printed(i[1], hd[f"{tag}.n_information.{h}"]["estimate"])
    printed(i[1], row["n_information"])
    sim = hd[f"{tag}.n_simulated.{h}"]
    if sim["estimable"]:
        s = _match(rf"power curve gives (\d+) \(95% CI (\d+)-(\d+); MC SE {NUM}\)", bullet)
        printed(s[1], sim["estimate"])
        printed(s[2], row["n_simulated_lower"])
        printed(s[3], row["n_simulated_upper"])
        printed(s[4], sim["mcse"])
    else:
        assert "the simulated size is not estimable in this run" in bullet
    if endpoint == "resolution":
        e = _match(rf"The estimand is the whole-cohort Cox HR, {NUM} \(MC SE {NUM}\)", bullet)
        _hl(e[1], e[2], hd[f"{tag}.hr_estimand.{h}"])
        # the cure fraction pulls the whole-cohort HR towards 1
        assert row["hr"] < row["hr_estimand"] < 1.0
    else:
        assert row["hr_estimand"] == row["hr"]
    # Schoenfeld: D = (z_{1-alpha/2} + z_power)^2 / (a (1 - a) log(HR)^2), written out here
    alpha = res.settings["study"]["alpha"]
    a = row["allocation"]
    zz = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(target)
    assert row["events_needed"] == pytest.approx(zz**2 / (a * (1 - a) * math.log(row["hr"]) ** 2))
    d_true = zz**2 / (a * (1 - a) * math.log(row["hr_estimand"]) ** 2)
    assert row["n_formula_estimand"] == pytest.approx(d_true / row["events_per_patient"])
    assert row["n_formula"] == pytest.approx(row["events_needed"] / row["events_per_patient"])


def test_every_summary_number_is_a_headline(claims) -> None:  # noqa: ANN001
    """headlines.json carries every number of the summary, with mode, replicates, definition."""
    res, md, folder = claims
    items = json.loads((folder / "headlines.json").read_text())
    assert {h["mode"] for h in items} == {"quick"}
    for h in items:
        assert set(h) >= {"id", "estimate", "mcse", "replicates", "mode", "definition"}
        assert h["mcse"] == "exact" or h["mcse"] is None or h["mcse"] >= 0
        assert h["definition"]
    assert [h["id"] for h in items] == [h.id for h in res.headlines]
    printed_values: list[float] = []
    for h in items:
        vals = [h["estimate"]] + ([h["mcse"]] if isinstance(h["mcse"], float) else [])
        printed_values += vals + [100 * v for v in vals if v is not None]  # percentages
    summary = " ".join(_summary(md)[:-1])  # the last bullet is the report-cases verdict
    assert "**Protracted or refractory.**" in summary
    # every decimal number but the scenario parameters ("HR 0.5") and the threshold ("1:160")
    for text in re.findall(r"(?<![\w:^/.-])(?<!'s HR )-?\d+\.\d+(?:e[-+]?\d+)?", summary):
        decimals = len(text.split(".")[1].split("e")[0])
        assert any(abs(float(text) - v) <= 0.5 * 10.0**-decimals * (1 + 1e-9)
                   for v in printed_values if v is not None), text  # fmt: skip


def test_refractory_bullet(claims) -> None:  # noqa: ANN001
    """Cure-only truth: the incidence part detects it; what Cox reports is printed as computed."""
    res, md, folder = claims
    hd = _headlines(folder)
    bullet = _bullet(md, "[QUICK MODE: small numbers, not results] **Protracted or refractory.**")
    pct = rf"{NUM}% \(MC SE {NUM} points\)"
    m = _match(rf"incidence part detects it with power {pct} while its latency part rejects with "
               rf"{pct}", bullet)  # fmt: skip
    for k, hid in enumerate(["refractory.power.cure_incidence.refractory_only",
                             "refractory.power.cure_latency.refractory_only"]):  # fmt: skip
        printed(m[1 + 2 * k], hd[hid]["estimate"], percent=True)
        printed(m[2 + 2 * k], hd[hid]["mcse"], percent=True)
    tab = res.tables["refractory"]
    row = tab[(tab["never_resolving_or"] > 1) & (tab["latency_hr"] == 1)
              & (tab["follow_up_months"] == tab["follow_up_months"].max())
              & tab["estimand"].str.startswith("incidence:")].iloc[0]  # fmt: skip
    assert hd["refractory.power.cure_incidence.refractory_only"]["estimate"] == row["power"]
    # power recomputed from the per-replicate rows: failed fits count as not significant
    reps = res.replicates
    g = reps[(reps["section"] == "refractory") & (reps["scenario"] == row["scenario"])
             & (reps["method"] == row["method"]) & (reps["estimand"] == row["estimand"])]  # fmt: skip
    hit = (g["status"] == "converged") & (g["p"] <= res.settings["study"]["alpha"])
    assert len(g) == res.settings["runs"]["refractory"]["replicates"]
    assert row["power"] == pytest.approx(hit.mean(), abs=1e-12)
    assert "latency HR 1, never-resolving OR 2.72, follow-up 60-120 months" in set(tab["label"])


def test_two_cases_section_text(claims) -> None:  # noqa: ANN001
    res, md, _ = claims
    section = md.split("## 1. What two cases can tell", 1)[1].split("\n## ", 1)[0]
    check = res.tables["two_cases_check"]
    m = _match(rf"under the null p = {NUM}\. Exact and simulated values agree .*?\(z = {NUM} and {NUM}", section)
    null = check[(check["mechanism"] == "none") & (check["estimand"] == "case_ana_high")]
    printed(m[1], null["exact"].iloc[0])
    printed(m[2], check["z"].iloc[0])
    printed(m[3], check["z"].iloc[1])
    np.testing.assert_allclose(check["z"], (check["simulated"] - check["exact"]) / check["mcse"])
    assert md.startswith("# [QUICK MODE: small numbers, not results]")


# --- the figures draw the tables ------------------------------------------------------------


def test_figures_draw_the_tables(claims) -> None:  # noqa: ANN001
    res, _, _ = claims
    figures = {name: fig for name, fig, _ in claims_figures(res)}
    pub = res.tables["publication_resolution"]
    ax = figures["publication_resolution"].axes[0]
    conts = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert [c.get_label() for c in conts] == list(dict.fromkeys(pub["series"]))
    labels = list(dict.fromkeys(pub["label"]))
    for cont in conts:
        sub = pub[pub["series"] == cont.get_label()].set_index("label").reindex(labels)
        np.testing.assert_array_equal(cont.lines[0].get_xdata(), sub["hr"])
        (bars,) = cont.lines[2]
        np.testing.assert_allclose([s[0][0] for s in bars.get_segments()], sub["lower"], rtol=1e-12)
        np.testing.assert_allclose([s[1][0] for s in bars.get_segments()], sub["upper"], rtol=1e-12)
    imm = res.tables["immortal_time"]
    ax_b = figures["immortal_time"].axes[0]
    (cont,) = [c for c in ax_b.containers if isinstance(c, ErrorbarContainer)]
    np.testing.assert_array_equal(cont.lines[0].get_xdata(), imm["bias"])


# --- the publication-bias claim --------------------------------------------------------------


@pytest.fixture(scope="module")
def publication() -> pd.DataFrame:
    """Section 2 (resolution side) at its full cohort size, two reporting models, 400 replicates."""
    path = data_path("studies", "claims", "publication.toml")
    full = load_study(path)
    keep = [dict(s) for s in full.scenarios_listed
            if s["selection.label"] in ("at random", "severe AND refractory")]  # fmt: skip
    study = load_study(path, replicates=400, scenarios=keep)
    reps = run_study(study, progress=False).replicates
    reps = reps[reps["estimand"] == "extent[generalized]"]
    reps = reps.assign(model_key=reps["selection.label"].map(
        {"at random": "random", "severe AND refractory": "refractory"}))  # fmt: skip
    wide = reps.pivot_table(index=["model_key", "replicate"], columns="method", values="estimate")
    status = reps.pivot_table(index=["model_key", "replicate"], columns="method",
                              values="status", aggfunc="first")  # fmt: skip
    return wide.where(status == "converged")


def _paired(wide: pd.DataFrame, model: str, series: str) -> tuple[float, float, int]:
    d = (wide.loc[model, series] - wide.loc[model, "all cases (Cox)"]).dropna()
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d))), len(d)


def test_selective_publication_biases_the_hazard_ratio(publication) -> None:  # noqa: ANN001
    """'Severe AND refractory' reporting: published series show HR ~0.75 under a true HR of 1.

    Paired per replicate (published minus all cases, log HR), 400 replicates of
    worlds of 1000 cases: measured -0.284 (MC SE 0.014) for Cox and -0.261
    (0.013) for Firth. Claimed: the bias is negative, between -0.40 and -0.15
    (HR 0.67 to 0.86), at 3 MC SE; all cases are unbiased (truth 0).
    """
    for series in ("published (Cox)", "published (Firth)"):
        bias, mcse, n = _paired(publication, "refractory", series)
        assert n >= 380
        assert mcse < 0.025
        assert bias + 3 * mcse < -0.15, (series, bias, mcse)
        assert bias - 3 * mcse > -0.40, (series, bias, mcse)
    everyone = publication.loc["refractory", "all cases (Cox)"].dropna()
    assert abs(everyone.mean()) < 3 * everyone.std(ddof=1) / math.sqrt(len(everyone))


def test_publication_at_random_does_not_bias(publication) -> None:  # noqa: ANN001
    """The control: publishing at random leaves the hazard ratio unbiased (within 3 MC SE).

    Measured +0.015 (MC SE 0.027) for Cox over the 379 replicates where the
    published series is estimable. (Firth's mean, +0.11 (0.033), also averages
    the separated series, about 12 exposed cases each, where its finite
    estimate is large: a property of the estimand on sparse data, not of the
    selection.)
    """
    bias, mcse, n = _paired(publication, "random", "published (Cox)")
    assert n >= 360
    assert mcse < 0.04
    assert abs(bias) < 3 * mcse, (bias, mcse)
