"""The seed report's two cases: loading them reproduces the report's Tables 1 and 2.

Expected values are typed from the seed report (shared/seed/000_7b624f0b1fbba7d9.txt),
Table 1 "Changes of anti-nuclear antibodies during infliximab treatment" and Table 2
"Changes in blood-test results before and after the rash during infliximab treatment".
(The seed text lost the Greek alpha in two cells, printing "TNF-:"; it is typed as TNF-α.)
"""

from __future__ import annotations

import pytest

from ppprog._core.resources import data_path
from ppprog.records.case import Case
from ppprog.records.io import read_cases
from ppprog.records.timeline import format_timeline
from ppprog.records.vocab import Agent, Disease, Endpoint, PustularExtent, Sex

TABLE1_COLUMNS = ["Baseline", "8 wk", "Outbreak of pustulosis", "During 3 mo of follow-up"]
TABLE1 = {
    "seed-case-1": ["Negative", "1: 100", "1: 320", "Negative"],
    "seed-case-2": ["Negative", "–", "1: 1000", "1:320"],
}
# (status, reciprocal) of each Table 1 cell
TABLE1_PARSED = {
    "seed-case-1": [
        ("negative", None),
        ("positive", 100.0),
        ("positive", 320.0),
        ("negative", None),
    ],
    "seed-case-2": [
        ("negative", None),
        ("missing", None),
        ("positive", 1000.0),
        ("positive", 320.0),
    ],
}
TABLE2_COLUMNS = ["N/L", "CRP, 0-5 mg/L", "ESR, 20 mm/H", "Cytokines"]
TABLE2 = {
    "seed-case-1": {
        "before": ["1.20", "< 3.23", "27", "TNF-α: 165.00 pg/mL, IL-8: normal"],
        "after": ["4.28", "30.1", "105", "TNF-α: 202.00 pg/mL, IL-8: 81.80 pg/mL"],
    },
    "seed-case-2": {
        "before": ["4.07", "< 3.23", "12", "–"],
        "after": ["4.58", "10.4", "23", "TNF-α: 84.80 pg/mL"],
    },
}
# numeric values (value, qualifier) of the N/L, CRP and ESR cells
TABLE2_VALUES = {
    "seed-case-1": {"before": [(1.20, "="), (3.23, "<"), (27.0, "=")],
                    "after": [(4.28, "="), (30.1, "="), (105.0, "=")]},
    "seed-case-2": {"before": [(4.07, "="), (3.23, "<"), (12.0, "=")],
                    "after": [(4.58, "="), (10.4, "="), (23.0, "=")]},
}  # fmt: skip
_CYTOKINE_NAMES = {"tnf_alpha": "TNF-α", "il8": "IL-8"}


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    return {c.case_id: c for c in read_cases(data_path("cases", "seed_report.yaml"))}


def _table1(case: Case) -> list[str]:
    by_label = {a.label: a for a in case.ana}
    assert sorted(by_label) == sorted(TABLE1_COLUMNS)
    return [str(by_label[col].titer) for col in TABLE1_COLUMNS]


def _cytokines(case: Case, when: str) -> str:
    labs = [lab for lab in case.labs if lab.label == when and lab.name in _CYTOKINE_NAMES]
    if all(lab.text == "–" for lab in labs):
        return "–"
    cells = [
        f"{_CYTOKINE_NAMES[lab.name]}: {lab.text}" + (f" {lab.unit}" if lab.unit else "")
        for lab in labs
    ]  # noqa: E501
    return ", ".join(cells)


def _table2(case: Case, when: str) -> list[str]:
    labs = {lab.name: lab for lab in case.labs if lab.label == when}
    return [labs["nlr"].text, labs["crp"].text, labs["esr"].text, _cytokines(case, when)]


def test_both_cases_load(cases) -> None:
    assert list(cases) == ["seed-case-1", "seed-case-2"]


@pytest.mark.parametrize("cid", list(TABLE1))
def test_table1_reproduced(cases, cid: str) -> None:
    assert _table1(cases[cid]) == TABLE1[cid]
    by_label = {a.label: a.titer for a in cases[cid].ana}
    got = [(by_label[c].status, by_label[c].reciprocal) for c in TABLE1_COLUMNS]
    assert got == TABLE1_PARSED[cid]


@pytest.mark.parametrize("cid", list(TABLE2))
@pytest.mark.parametrize("when", ["before", "after"])
def test_table2_reproduced(cases, cid: str, when: str) -> None:
    assert _table2(cases[cid], when) == TABLE2[cid][when]
    labs = {lab.name: lab for lab in cases[cid].labs if lab.label == when}
    got = [(labs[n].value, labs[n].qualifier) for n in ("nlr", "crp", "esr")]
    assert got == TABLE2_VALUES[cid][when]
    assert labs["crp"].unit == "mg/L"
    assert labs["crp"].reference_range == "0-5 mg/L"


def test_table2_orders_before_after_in_time(cases) -> None:
    for case in cases.values():
        for lab in case.labs:
            if lab.label == "before":
                assert lab.day.day < case.onset.day.day <= lab.day.high
            else:
                assert lab.day.day >= case.onset.day.day


def test_history_and_course(cases) -> None:
    c1, c2 = cases["seed-case-1"], cases["seed-case-2"]
    assert (c1.patient.sex, c1.patient.disease, c1.patient.de_novo) == (
        Sex.FEMALE,
        Disease.PSORIASIS,
        False,
    )  # noqa: E501
    assert (c2.patient.sex, c2.patient.disease, c2.patient.de_novo) == (
        Sex.MALE,
        Disease.CROHNS,
        True,
    )  # noqa: E501
    assert c1.inducing_agent is c2.inducing_agent is Agent.INFLIXIMAB
    assert c1.onset.pustular_extent is c2.onset.pustular_extent is PustularExtent.GENERALIZED
    # treatments in the order the report gives them
    assert [e.agent.value for e in c1.treatments] == [
        "infliximab", "methotrexate", "corticosteroid", "secukinumab", "secukinumab", "colchicine"]  # fmt: skip
    assert [e.agent_detail or e.agent.value for e in c2.treatments] == [
        "infliximab", "acyclovir", "cyclosporine", "acitretin", "cyclosporine", "ustekinumab"]  # fmt: skip
    assert [e.dose for e in c2.treatments if e.dose] == [
        "5 mg/kg",
        "300 mg/d",
        "20-40 mg/d",
        "45 mg",
    ]
    # switches are derived: case 1 infliximab -> secukinumab; case 2 four changes of line
    assert [s.to_agent.value for s in c1.drug_switches] == ["secukinumab"]
    assert [s.to_agent.value for s in c2.drug_switches] == [
        "cyclosporine", "acitretin", "cyclosporine", "ustekinumab"]  # fmt: skip
    # outcomes at last follow-up: neither reached complete resolution
    assert c1.first_event(Endpoint.COMPLETE_RESOLUTION) is None
    assert c2.first_event(Endpoint.COMPLETE_RESOLUTION) is None
    assert c1.first_event(Endpoint.PUSTULE_CLEARANCE) is not None
    assert c2.first_event(Endpoint.RECURRENCE) is not None
    # "At the 1.5-year follow-up visit": presentation + 1.5 y
    assert c2.last_follow_up.day == pytest.approx(518 + 548, abs=1)


def test_every_number_carries_its_quote(cases) -> None:
    for case in cases.values():
        items = [*case.ana, *case.labs, *case.treatments, *case.outcomes, case.onset]
        assert all(x.quote is not None for x in items)
        assert case.last_follow_up.quote is not None
        for tv in [case.onset.day, *(e.start for e in case.treatments)]:
            assert tv.quote is not None
            assert tv.exact or tv.approximate


def test_timeline_lists_the_course(cases) -> None:
    text = format_timeline(cases["seed-case-2"])
    lines = text.splitlines()
    assert lines[0] == "Case seed-case-2 (Case 2)"
    order = [next(i for i, ln in enumerate(lines) if key in ln) for key in (
        "START infliximab", "ONSET", "SWITCH infliximab -> cyclosporine", "EVENT pustule_clearance",
        "EVENT recurrence", "START ustekinumab", "LAST FOLLOW-UP")]  # fmt: skip
    assert order == sorted(order)
    assert "ANA 1: 1000 -> high (Outbreak of pustulosis)" in text
