"""Case construction from plain values, derived drug switches, and validation rules."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import HealthCheck, given, settings

from ppprog.records.case import (
    AnaMeasurement,
    Case,
    Onset,
    Outcome,
    Patient,
    TreatmentEpisode,
    drug_switches,
)
from ppprog.records.quantities import Source, TimeValue, Titer
from ppprog.records.validate import validate
from ppprog.records.vocab import Agent, Disease, DrugClass, Endpoint, PustularExtent, Sex
from strategies import case_lists, cases


def _case(**kw) -> Case:
    base = {
        "case_id": "c1",
        "patient": Patient(sex="F", age=40.0, disease="Crohn's disease", prior_psoriasis=False),
        "inducing_agent": "IFX",
        "onset": Onset(120, pustular_extent="palmoplantar"),
        "treatments": [TreatmentEpisode("infliximab", 0, 130), TreatmentEpisode("Cosentyx", 130)],
        "outcomes": [Outcome("clearance", 200)],
        "last_follow_up": 400,
    }
    base.update(kw)
    return Case(**base)


def test_plain_values_are_normalised() -> None:
    c = _case()
    assert c.patient.sex is Sex.FEMALE
    assert c.patient.disease is Disease.CROHNS
    assert c.patient.de_novo is True
    assert c.inducing_agent is Agent.INFLIXIMAB
    assert c.onset.day == TimeValue(120.0)
    assert c.onset.pustular_extent is PustularExtent.LOCALIZED
    assert isinstance(c.treatments, tuple)
    assert c.treatments[1].agent is Agent.SECUKINUMAB
    assert c.treatments[1].drug_class is DrugClass.IL17
    assert c.outcomes[0].endpoint is Endpoint.PUSTULE_CLEARANCE
    assert c.last_follow_up.day == 400.0
    assert isinstance(c.last_follow_up.day, float)
    assert not validate([c])


def test_non_case_and_synthetic_provenance() -> None:
    c = Case("n1", inducing_agent="adalimumab", treatments=[TreatmentEpisode("adalimumab", 0.0)],
             last_follow_up=365.0, source=Source("synthetic", seed=7, replicate=3))  # fmt: skip
    assert not c.has_onset
    assert c.first_event("complete_resolution") is None
    assert not validate([c])
    bad = dataclasses.replace(c, source=Source("synthetic"))
    assert [p.field for p in validate([bad])] == ["source.seed"]


def test_unknown_tokens_are_kept_for_validation_not_dropped() -> None:
    c = _case(inducing_agent="infliximabb")
    assert c.inducing_agent == "infliximabb"
    assert [p.field for p in validate([c])] == ["inducing_agent"]


def test_frozen_pickle_and_replace() -> None:
    c = _case()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.case_id = "x"  # type: ignore[misc]
    _ = c.drug_switches  # fill the cache, then make sure pickling still works
    assert pickle.loads(pickle.dumps(c)) == c
    assert dataclasses.replace(c, case_id="c2").drug_switches == c.drug_switches


def _ep(agent: str, start: float, stop: float | None = None) -> TreatmentEpisode:
    return TreatmentEpisode(agent, start, stop)


@pytest.mark.parametrize(
    ("episodes", "expected"),
    [
        # a plain switch
        ([_ep("infliximab", 0, 100), _ep("secukinumab", 100)], [(100.0, "secukinumab", ("infliximab",))]),  # noqa: E501
        # a dose change of one agent is not a switch
        ([_ep("infliximab", 0, 100), _ep("infliximab", 100)], []),
        # an add-on while the other continues is not a switch
        ([_ep("infliximab", 0), _ep("methotrexate", 50)], []),
        # a gap of more than 30 days is not a switch
        ([_ep("infliximab", 0, 100), _ep("secukinumab", 131)], []),
        # tapering overlap (old stops within 90 days after new starts) is a switch
        ([_ep("cyclosporine", 0, 200), _ep("ustekinumab", 150)], [(150.0, "ustekinumab", ("cyclosporine",))]),  # noqa: E501
        # going back to an earlier agent counts again
        ([_ep("infliximab", 0, 10), _ep("cyclosporine", 10, 70), _ep("acitretin", 70, 130),
          _ep("cyclosporine", 130)],
         [(10.0, "cyclosporine", ("infliximab",)), (70.0, "acitretin", ("cyclosporine",)),
          (130.0, "cyclosporine", ("acitretin",))]),
        # topical / other agents do not take part
        ([_ep("infliximab", 0, 100), _ep("topical_corticosteroid", 100)], []),
        # a continued agent (dose change) is not replaced by an add-on
        ([_ep("secukinumab", 0, 56), _ep("secukinumab", 56), _ep("colchicine", 80)], []),
        # order of episodes in the record does not matter
        ([_ep("secukinumab", 100), _ep("infliximab", 0, 100)], [(100.0, "secukinumab", ("infliximab",))]),  # noqa: E501
    ],
)  # fmt: skip
def test_drug_switch_rule(episodes, expected) -> None:
    got = [
        (s.day, s.to_agent.value, tuple(a.value for a in s.from_agents))
        for s in drug_switches(episodes)
    ]  # noqa: E501
    assert got == expected


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_switches_are_derived_and_index_episodes(case: Case) -> None:
    for s in case.drug_switches:
        assert case.treatments[s.episode].agent == s.to_agent
        assert case.treatments[s.episode].start.day == s.day
        assert s.to_agent not in s.from_agents


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=30)
@given(case_lists(0, 4))
def test_generated_cases_are_valid(cs: list[Case]) -> None:
    assert not validate(cs)


def _problems(case: Case) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in validate([case])]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"last_follow_up": None}, "last_follow_up", "missing"),
        ({"onset": Onset(-1.0)}, "onset.day", "before the index date"),
        ({"onset": Onset(500.0), "outcomes": ()}, "onset.day", "after the last follow-up"),
        ({"outcomes": [Outcome("recurrence", 150)]}, "outcomes[0].day", "recurrence before"),
        ({"outcomes": [Outcome("pustule_clearance", 100)]}, "outcomes[0].day", "before onset"),
        ({"treatments": [_ep("infliximab", 0, 130), _ep("secukinumab", 130, 120)]}, "treatments[1].stop", "before start"),  # noqa: E501
        ({"treatments": [_ep("infliximab", 0, 130), _ep("infliximab", 100)]}, "treatments[1]", "overlaps"),  # noqa: E501
        ({"treatments": [_ep("secukinumab", 0)]}, "treatments", "no episode of the inducing agent"),  # noqa: E501
        ({"ana": [AnaMeasurement(5.0, "1:320")]}, "ana[0].titer", "expected a titer"),
        ({"ana": [AnaMeasurement(5.0, Titer.positive(160), ladder="halflog100")]}, "ana[0].titer", "not on ladder"),  # noqa: E501
        ({"ana": [AnaMeasurement(5.0, Titer.positive(160), ladder="nope")]}, "ana[0].ladder", "unknown ladder"),  # noqa: E501
        ({"patient": Patient(age=200.0)}, "patient.age", "[0, 120]"),
        ({"last_follow_up": TimeValue(400.0, 500.0)}, "last_follow_up", "low <= day <= high"),
        ({"last_follow_up": TimeValue(float("nan"))}, "last_follow_up.day", "finite"),
        ({"case_id": ""}, "id", "non-empty"),
        ({"treatments": ["infliximab"]}, "treatments[0]", "expected a TreatmentEpisode"),
    ],
)  # fmt: skip
def test_validation_rules(change, field, words) -> None:
    probs = _problems(_case(**change))
    assert any(f == field and words in m for f, m in probs), probs


def test_validate_collects_everything_and_keeps_order() -> None:
    good = _case(case_id="ok")
    bad = _case(case_id="ok", last_follow_up=None, onset=Onset(-5.0), outcomes=())
    report = validate([good, bad], file="mem.yaml")
    assert [(p.case_id, p.field) for p in report] == [
        ("ok", "last_follow_up"),
        ("ok", "onset.day"),
        ("ok", "id"),
    ]
    assert all(p.file == "mem.yaml" for p in report)
