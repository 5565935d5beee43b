"""The channel_shift, social_value and acceptability blocks over HTTP: validation and response."""

from __future__ import annotations

import copy

import pytest

CHANNEL_SHIFT = {
    "annual_contacts": 1_000_000,
    "borne_by": "public",
    "years_to_target": 3,
    "channels": [
        {"channel": "face_to_face", "unit_cost": 8.62, "share_now": 0.3, "share_target": 0.15},
        {"channel": "telephone", "unit_cost": 2.83, "share_now": 0.5, "share_target": 0.4},
        {"channel": "online", "unit_cost": 0.15, "share_now": 0.2, "share_target": 0.45},
    ],
}
SOCIAL_VALUE = {
    "base_calendar_year": 2026,
    "outcomes": [
        {"name": "Into work", "quantity": 20, "unit_value": 5000, "source": "own evaluation",
         "duration_years": 3, "deadweight": 0.25, "attribution": 0.2, "evidence_grade": 3},
        {"name": "Carbon saved", "quantity": 100, "proxy": "carbon", "duration_years": 5,
         "displacement": 0.1, "evidence_grade": 4},
    ],
}
ACCEPTABILITY = {"citizen_support": 0.62, "staff_support": 0.48, "assisted_digital": True,
                 "retains_face_to_face": True, "open_book": True, "performance_regime": True,
                 "jobs_transferred": 120, "jobs_lost": 10}


@pytest.fixture
def full(proposal):
    proposal.update(channel_shift=copy.deepcopy(CHANNEL_SHIFT),
                    social_value=copy.deepcopy(SOCIAL_VALUE),
                    acceptability=dict(ACCEPTABILITY))
    return proposal


def _pointers(response):
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return {e["pointer"] for e in response.json["errors"]}


def test_full_proposal_is_appraised(client, full):
    r = client.post("/v1/appraisals", json=full)
    assert r.status_code == 200, r.json
    body = r.json
    # DESIGN.md section 9 order.
    assert list(body) == ["name", "method", "verdict", "public", "supplier", "partnership",
                          "social_value", "channel_shift", "risk", "sensitivity", "simulation",
                          "flags", "cash_flows"]
    cs = body["channel_shift"]
    assert cs["years"][0]["cost_shifted"] == pytest.approx(3_518_166.67)
    assert cs["years"][0]["cost_baseline"] == pytest.approx(4_031_000.0)
    assert body["cash_flows"][1]["public_contact_cost"] == pytest.approx(3_518_166.67)
    sv = body["social_value"]
    assert [o["name"] for o in sv["outcomes"]] == ["Into work", "Carbon saved"]
    assert sv["outcomes"][1]["price_year"] == 2020
    assert set(sv["scores"]) == {"benefit", "support", "acceptability"}
    assert sv["scores"]["acceptability"]["missing"] == []
    assert all(set(f) == {"code", "severity", "field", "message", "given", "benchmark", "source"}
               for f in body["flags"])


def test_every_appraisal_has_scores_and_names_what_is_missing(client, proposal):
    body = client.post("/v1/appraisals", json=proposal).json
    assert body["channel_shift"] is None
    scores = body["social_value"]["scores"]
    assert scores["acceptability"]["score"] is None
    assert "acceptability.citizen_support" in scores["acceptability"]["missing"]
    assert "social_value" in scores["benefit"]["missing"]
    assert scores["support"]["score"] is not None


def test_flags_reach_the_response(client, full):
    full["channel_shift"]["years_to_target"] = 1
    full["channel_shift"]["avoidable_contact_now"] = 0.6
    full["acceptability"]["assisted_digital"] = False
    full["social_value"]["outcomes"][1]["displacement"] = 0.0
    codes = [f["code"] for f in client.post("/v1/appraisals", json=full).json["flags"]]
    for code in ("MIGRATION_TOO_FAST", "DIGITAL_TARGET_ABOVE_CEILING", "UNIT_COST_OUT_OF_RANGE",
                 "AVOIDABLE_CONTACT_CLAIM_HIGH", "SOCIAL_VALUE_UNADJUSTED"):
        assert code in codes


def _set(doc, path, value):
    *head, last = path
    for key in head:
        doc = doc[key]
    if value is _DELETE:
        del doc[last]
    else:
        doc[last] = value


_DELETE = object()


@pytest.mark.parametrize("path, value, pointer", [
    (("channel_shift", "channels", 0, "share_now"), 0.4, "#/channel_shift/channels"),
    (("channel_shift", "channels", 2, "share_target"), 0.5, "#/channel_shift/channels"),
    (("channel_shift", "channels", 1, "channel"), "fax", "#/channel_shift/channels/1/channel"),
    (("channel_shift", "channels", 1, "channel"), "online", "#/channel_shift/channels/2/channel"),
    (("channel_shift", "channels", 0, "share_now"), 1.3, "#/channel_shift/channels/0/share_now"),
    (("channel_shift", "channels", 0, "unit_cost"), -1, "#/channel_shift/channels/0/unit_cost"),
    (("channel_shift", "channels"), [], "#/channel_shift/channels"),
    (("channel_shift", "annual_contacts"), -5, "#/channel_shift/annual_contacts"),
    (("channel_shift", "borne_by"), "nobody", "#/channel_shift/borne_by"),
    (("channel_shift", "years_to_target"), 0, "#/channel_shift/years_to_target"),
    (("channel_shift", "years_to_target"), 2.5, "#/channel_shift/years_to_target"),
    (("channel_shift", "avoidable_contact_now"), 1.0, "#/channel_shift/avoidable_contact_now"),
    (("channel_shift", "colour"), "blue", "#/channel_shift/colour"),
    (("social_value", "outcomes", 0, "quantity"), -1, "#/social_value/outcomes/0/quantity"),
    (("social_value", "outcomes", 0, "evidence_grade"), 6,
     "#/social_value/outcomes/0/evidence_grade"),
    (("social_value", "outcomes", 0, "evidence_grade"), 0,
     "#/social_value/outcomes/0/evidence_grade"),
    (("social_value", "outcomes", 0, "deadweight"), 1.5, "#/social_value/outcomes/0/deadweight"),
    (("social_value", "outcomes", 0, "source"), _DELETE, "#/social_value/outcomes/0/source"),
    (("social_value", "outcomes", 0, "proxy"), "wellby", "#/social_value/outcomes/0/unit_value"),
    (("social_value", "outcomes", 1, "proxy"), "toms_nt1", "#/social_value/outcomes/1/proxy"),
    (("social_value", "outcomes", 1, "duration_years"), 61,
     "#/social_value/outcomes/1/duration_years"),
    (("social_value", "base_calendar_year"), _DELETE, "#/social_value/base_calendar_year"),
    (("social_value", "outcomes"), [], "#/social_value/outcomes"),
    (("acceptability", "citizen_support"), 62, "#/acceptability/citizen_support"),
    (("acceptability", "assisted_digital"), "yes", "#/acceptability/assisted_digital"),
    (("acceptability", "jobs_lost"), -1, "#/acceptability/jobs_lost"),
    (("acceptability", "jobs_lost"), 1.5, "#/acceptability/jobs_lost"),
])
def test_invalid_blocks_are_rejected_with_pointers(client, full, path, value, pointer):
    _set(full, path, value)
    assert pointer in _pointers(client.post("/v1/appraisals", json=full))


def test_too_many_outcomes(client, full):
    outcome = full["social_value"]["outcomes"][0]
    full["social_value"]["outcomes"] = [outcome] * 101
    assert _pointers(client.post("/v1/appraisals", json=full)) == {"#/social_value/outcomes"}


def test_several_bad_fields_are_all_named(client, full):
    full["channel_shift"]["channels"][0]["channel"] = "fax"
    full["social_value"]["outcomes"][1]["evidence_grade"] = 9
    full["acceptability"]["staff_support"] = -0.1
    assert _pointers(client.post("/v1/appraisals", json=full)) >= {
        "#/channel_shift/channels/0/channel", "#/social_value/outcomes/1/evidence_grade",
        "#/acceptability/staff_support"}


def test_shares_within_tolerance_are_accepted(client, full):
    full["channel_shift"]["channels"][0]["share_now"] = 0.3 + 5e-7
    assert client.post("/v1/appraisals", json=full).status_code == 200


def test_reference_exposes_the_new_sections(client):
    ref = client.get("/v1/reference").json
    for section in ("channel_costs", "digital_inclusion", "social_value_proxies",
                    "evidence_grades", "scores", "social_flags"):
        assert ref[section]["source"] and ref[section]["licence"]
    assert ref["channel_costs"]["channels"]["face_to_face"]["benchmark"] == 8.62
    assert ref["social_value_proxies"]["proxies"]["wellby"]["values"] == [
        {"year": None, "value": 13000.0}]
    assert ref["evidence_grades"]["haircuts"]["1"] == 0.0
    # No National TOMs or HACT values are shipped (their licences forbid it).
    assert set(ref["social_value_proxies"]["proxies"]) == {"wellby", "carbon"}


def test_cross_field_errors_come_with_the_field_errors(client, full):
    """A rule across fields is checked in the same pass as the fields: one answer names all."""
    full["term_years"] = 10
    full["public"]["annual_payment"] = [1.0] * 9                   # 9 values for 10 years
    full["price_basis"] = "nominal"                                # and no inflation
    full["public"]["retained_costs"] = -5                          # a field error beside it
    full["supplier"]["cost_of_capital"] = "eight per cent"         # a field error
    full["channel_shift"]["channels"][0]["share_now"] = 0.4        # shares sum to 1.1
    full["channel_shift"]["channels"][1]["unit_cost"] = -1         # a field error in channels
    full["channel_shift"]["channels"][2]["channel"] = "telephone"  # listed twice
    outcome = full["social_value"]["outcomes"][0]
    del outcome["source"]                                          # unit_value without source
    outcome["proxy"] = "wellby"                                    # and both value and proxy
    outcome["deadweight"] = 1.5                                    # a field error
    del full["social_value"]["base_calendar_year"]                 # carbon needs a calendar
    full["social_value"]["outcomes"][1]["quantity"] = -1           # ... and a field error there
    assert _pointers(client.post("/v1/appraisals", json=full)) == {
        "#/public/annual_payment", "#/public/retained_costs", "#/inflation",
        "#/supplier/cost_of_capital",
        "#/channel_shift/channels", "#/channel_shift/channels/1/unit_cost",
        "#/channel_shift/channels/2/channel",
        "#/social_value/outcomes/0/unit_value", "#/social_value/outcomes/0/source",
        "#/social_value/outcomes/0/deadweight", "#/social_value/base_calendar_year",
        "#/social_value/outcomes/1/quantity"}
