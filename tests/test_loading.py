"""The compiled loader gives exactly what marshmallow's Schema.load gives (svcalc/api/loading.py).

The second method here is marshmallow itself: ``Schema.load`` called unbound skips the compiled
override (the nested request schemas have none), and for schemas that nest ProposalSchema the
fast path is switched off with ``_marshmallow_only``. Loaded objects are compared with ``==`` and
by ``repr`` (so 10 and 10.0, a list and a tuple, differ); errors by ``ValidationError.messages``;
any other exception by type and text.
"""

from __future__ import annotations

import copy
import enum
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import (
    EXCLUDE,
    INCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from svcalc.api import examples
from svcalc.api.bench import BENCH_PROPOSAL
from svcalc.api.loading import CompiledLoad, GiveUp, compile_load, generated_source
from svcalc.api.portal import ComparisonRequestSchema, examples_comparison
from svcalc.api.schemas import (
    PROXY_NAMES,
    Money,
    Number,
    ProposalSchema,
    Rate,
    Share,
    StrictBoolean,
    Yearly,
)
from svcalc.core import model
from tests.test_dumping import proposals as dumping_proposals
from tests.test_social_api import ACCEPTABILITY, CHANNEL_SHIFT, SOCIAL_VALUE

_SCHEMA = ProposalSchema()


def _outcome(load: Callable[[Any], Any], raw: Any) -> tuple[Any, ...]:
    """What a load gives, comparably: the object's repr and the object, the error messages, or
    the exception's type and text."""
    try:
        obj = load(raw)
    except ValidationError as exc:
        return ("invalid", exc.messages)
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return ("raised", type(exc), str(exc))
    return ("ok", repr(obj), obj)


def _same(schema: Schema, raw: Any, reference: Callable[[Any], Any] | None = None) -> tuple:
    """schema.load(raw) gives what marshmallow gives, leaves raw alone, and the fast path, when
    it answers at all (it raises anything, a hook's ValidationError too, when it gives up),
    answers the same valid object."""
    before = repr(raw)
    expected = _outcome(reference or (lambda d: Schema.load(schema, d)), copy.deepcopy(raw))
    got = _outcome(schema.load, raw)
    assert got == expected
    assert repr(raw) == before
    fast = _outcome(schema.load_fast, raw)  # type: ignore[attr-defined]
    if fast[0] == "ok":
        assert fast == expected
    return fast


@contextmanager
def _marshmallow_only() -> Iterator[None]:
    """Every CompiledLoad schema loads through marshmallow alone."""
    def refuse(self: Any, data: Any) -> Any:
        raise GiveUp("switched off")

    with mock.patch.object(CompiledLoad, "load_fast", refuse):
        yield


# --------------------------------------------------------------------------- proposals

_numbers = st.floats(0, 2e7, allow_nan=False) | st.integers(0, 20_000_000)


@st.composite
def valid_proposals(draw: st.DrawFn) -> dict[str, Any]:
    """test_dumping's proposals (every optional block, yearly lists) with more of the optional
    fields, ints where floats are allowed, and every default left out or given."""
    p = copy.deepcopy(draw(dumping_proposals()))
    n = p["term_years"]
    public, supplier = p["public"], p["supplier"]
    yearly = _numbers | st.lists(_numbers, min_size=n, max_size=n)
    for side, key in (("public", "retained_costs"), ("supplier", "other_income"),
                      ("supplier", "annual_operating_cost"),
                      ("public", "baseline_annual_cost")):
        if draw(st.booleans()):
            p[side][key] = draw(yearly)
    if draw(st.booleans()):
        public["discount_rate"] = draw(st.floats(-0.98, 1.0) | st.sampled_from([0, 1, 1.0]))
    if draw(st.booleans()):
        supplier.pop("cost_of_capital", None)
    if draw(st.booleans()):
        supplier["upfront_investment"] = draw(st.integers(0, 10**12) | st.just(1e12))
    if draw(st.booleans()):
        upfront = public.setdefault("upfront_costs", {})
        for key in draw(st.sets(st.sampled_from(["procurement", "transition", "it", "legal",
                                                 "other"]))):
            upfront[key] = draw(_numbers)
    if draw(st.booleans()):
        p["name"] = draw(st.text(max_size=200))
    elif draw(st.booleans()):
        p.pop("name", None)
    if draw(st.booleans()):
        p["partnership_model"] = draw(st.sampled_from(model.PARTNERSHIP_MODELS))
    if draw(st.booleans()):
        p["currency"] = draw(st.from_regex(r"\A[A-Z]{3}\Z"))
    if draw(st.booleans()):
        p["risk"] = draw(st.fixed_dictionaries({}, optional={
            "project_type": st.sampled_from(model.PROJECT_TYPES),
            "mitigation": st.floats(0, 1) | st.sampled_from([0, 1])}))
    if "simulation" in p and draw(st.booleans()):
        ends = st.floats(-1, 10) | st.integers(-1, 10)
        one = st.fixed_dictionaries({"low": ends, "high": ends}, optional={
            "distribution": st.sampled_from(model.DISTRIBUTIONS)})
        p["simulation"]["ranges"] = draw(st.fixed_dictionaries({}, optional={
            "public_saving": one, "upfront_costs": one, "supplier_operating_cost": one}))
        p["simulation"].update(draw(st.fixed_dictionaries({}, optional={
            "bins": st.integers(1, 100), "iterations": st.integers(1, 1000)})))
    if "social_value" in p and draw(st.booleans()):
        p["social_value"]["outcomes"].append(draw(st.fixed_dictionaries(
            {"name": st.text(min_size=1, max_size=200), "quantity": st.floats(0, 1e12),
             "proxy": st.sampled_from(PROXY_NAMES), "duration_years": st.integers(1, 60),
             "evidence_grade": st.integers(1, 5)},
            optional={"start_year": st.integers(1, 60), "drop_off": st.floats(0, 1),
                      "deadweight": st.sampled_from([0, 1, 0.5])})))
    if "acceptability" in p and draw(st.booleans()):
        for key in draw(st.sets(st.sampled_from(sorted(ACCEPTABILITY)))):
            del p["acceptability"][key]
    return p


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_proposals())
def test_valid_proposals_load_as_marshmallow_loads_them_on_the_fast_path(raw: dict) -> None:
    fast = _same(_SCHEMA, raw)
    # JSON input marshmallow accepts is never left to it: the speed-up cannot silently vanish.
    assert fast[0] == "ok", (fast, Schema.load(_SCHEMA, copy.deepcopy(raw)))
    assert isinstance(fast[2], model.Proposal)


def test_the_examples_take_the_fast_path() -> None:
    full = copy.deepcopy(examples.PROPOSAL)
    full.update(channel_shift=copy.deepcopy(CHANNEL_SHIFT),
                social_value=copy.deepcopy(SOCIAL_VALUE), acceptability=dict(ACCEPTABILITY),
                risk={"project_type": "outsourcing", "mitigation": 0.5},
                simulation={"iterations": 100, "ranges": {"upfront_costs": {"low": 0.2,
                                                                            "high": -0.1}}})
    options = [o["proposal"] for o in examples_comparison()["options"]]
    for raw in (examples.PROPOSAL, BENCH_PROPOSAL, full, *options):
        assert _same(_SCHEMA, raw)[0] == "ok"
    # A schema made per call (spreadsheet.py) compiles too, and reuses the generated code.
    assert _same(ProposalSchema(), BENCH_PROPOSAL)[0] == "ok"


# --------------------------------------------------------------------------- invalid input

_BAD = (st.sampled_from([
    None, True, False, 0, -1, 1, 60, 61, 2**31, 2**63, 10**400, -(10**400), 1.5, -1e-9, 0.99,
    -0.99, 1.0000001, 1e12, 1e12 + 1, 1e13, math.nan, math.inf, -math.inf, "", "x", "1",
    "a" * 200, "a" * 201, "real", "nominal", "GBP", "gbp", "outsourcing", "wellby", [], [None],
    [True], ["1"], [1.0] * 61, [1.0, math.nan], [10**400], {}, {"x": 1}, {"low": 1},
    [{"channel": "online"}], (1.0, 2.0), np.float64(1.0), np.int64(3),
])
    | st.floats() | st.integers() | st.text(max_size=3)
    | st.lists(st.floats() | st.integers(-5, 10**13) | st.booleans() | st.none(), max_size=62))


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a JSON tree."""
    if isinstance(node, dict):
        for key in list(node):
            out.append((node, key))
            _slots(node[key], out)
    elif isinstance(node, list):
        for i in range(len(node)):
            out.append((node, i))
            _slots(node[i], out)
    return out


@st.composite
def invalid_proposals(draw: st.DrawFn) -> Any:
    """A valid proposal with one to three things changed: a value replaced by a wrong or edge
    one, a key removed, an unknown key added, a list resized, a number's type changed."""
    raw = copy.deepcopy(draw(valid_proposals()))
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(raw, [])
        op = draw(st.sampled_from(["replace", "replace", "delete", "unknown", "resize",
                                   "retype"]))
        if op == "unknown":
            dicts = [raw] + [c[k] for c, k in slots if isinstance(c[k], dict)]
            target = draw(st.sampled_from(dicts))
            target[draw(st.sampled_from(["extra", "Name", "term", "", "name"]))] = draw(_BAD)
            continue
        container, key = draw(st.sampled_from(slots))
        value = container[key]
        if op == "replace":
            container[key] = draw(_BAD)
        elif op == "delete":
            del container[key]
        elif op == "resize" and isinstance(value, list):
            size = draw(st.sampled_from([0, 1, len(value) - 1, len(value) + 1, 61]))
            container[key] = [value[i % len(value)] if value else 1.0 for i in range(size)]
        elif op == "retype" and isinstance(value, int | float) and not isinstance(value, bool):
            # A huge int (an earlier mutation's) has no float: math.isfinite would raise.
            finite = (math.isfinite(value) if isinstance(value, float)
                      else abs(value) < 2**1000)
            container[key] = draw(st.sampled_from(
                [float(value) if finite else 0.0, int(value) if finite else 0, -value,
                 value * 1e6 if finite else value, str(value), [value], bool(value)]))
    return raw


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_proposals())
def test_mutated_proposals_answer_as_marshmallow_does(raw: Any) -> None:
    _same(_SCHEMA, raw)


@pytest.mark.parametrize("raw", [
    None, [], "proposal", 3, [examples.PROPOSAL], {}, {"term_years": 10},
    {**examples.PROPOSAL, "term_years": True},
    {**examples.PROPOSAL, "public": {**examples.PROPOSAL["public"], "annual_payment": [1.0] * 9}},
    {**examples.PROPOSAL, "price_basis": "nominal"},
    {**examples.PROPOSAL, "public": None},
    {**examples.PROPOSAL, "name": None},
])
def test_hand_picked_invalid_proposals(raw: Any) -> None:
    assert _same(_SCHEMA, raw)[0] != "ok"


def test_load_arguments_other_than_the_defaults_go_to_marshmallow() -> None:
    extra = {**examples.PROPOSAL, "extra": 1}
    for kwargs, raw in [({"unknown": EXCLUDE}, extra), ({"unknown": INCLUDE}, extra),
                        ({"partial": True}, {"public": {"annual_payment": 1}}),
                        ({"partial": ("term_years",)}, {**examples.PROPOSAL, "term_years": None}),
                        ({"many": True}, [examples.PROPOSAL, examples.PROPOSAL]),
                        ({"many": True}, [examples.PROPOSAL, {}]),
                        ({"unknown": "raise", "many": False}, examples.PROPOSAL)]:
        assert _outcome(lambda d, kw=kwargs: _SCHEMA.load(d, **kw), raw) == _outcome(
            lambda d, kw=kwargs: Schema.load(_SCHEMA, d, **kw), copy.deepcopy(raw))
    assert _SCHEMA.load(examples.PROPOSAL, unknown="raise") == _SCHEMA.load_fast(
        examples.PROPOSAL)


# --------------------------------------------------------------------------- comparisons


def _comparison_outcome(raw: Any) -> tuple[Any, ...]:
    schema = ComparisonRequestSchema()
    got = _outcome(schema.load, raw)
    with _marshmallow_only():
        expected = _outcome(ComparisonRequestSchema().load, copy.deepcopy(raw))
    assert got == expected
    return got


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_proposals(), st.booleans())
def test_comparisons_nesting_proposals_answer_as_marshmallow_does(raw: Any, bad: bool) -> None:
    body = examples_comparison()
    body["options"][1]["proposal"] = raw if bad else body["options"][1]["proposal"]
    _comparison_outcome(body)


def test_the_example_comparison_loads_as_before() -> None:
    assert _comparison_outcome(examples_comparison())[0] == "ok"


def test_http_answers_do_not_change(client: Any) -> None:
    bad = copy.deepcopy(examples.PROPOSAL)
    bad["public"]["annual_payment"] = [1.0, math.inf]
    bad["supplier"]["cost_of_capital"] = True
    items = [examples.PROPOSAL, BENCH_PROPOSAL, bad, "x", {**examples.PROPOSAL, "y": 1}]
    comparison = examples_comparison()
    comparison["options"][2]["proposal"]["term_years"] = 11
    requests = [("/v1/appraisals/batch", {"proposals": items}),
                ("/v1/appraisals", BENCH_PROPOSAL), ("/v1/appraisals", {**bad, "z": None}),
                ("/v1/comparisons", examples_comparison()), ("/v1/comparisons", comparison)]
    for url, body in requests:
        text = json.dumps(body)  # Infinity as JSON parsers of other languages write it
        fast = client.post(url, data=text, content_type="application/json")
        with _marshmallow_only():
            slow = client.post(url, data=text, content_type="application/json")
        assert (fast.status_code, fast.get_json()) == (slow.status_code, slow.get_json()), url


# --------------------------------------------------------------------------- each field type


class _Fields(CompiledLoad, Schema):
    money = Money("m", 1.0)
    rate = Rate("r", 0.1)
    share = Share("s", 0.1, maximum=0.99)
    number = Number(minimum=-5, maximum=5, min_inclusive=False, allow_none=True)
    yearly = Yearly("y", 1.0, minimum=-2.0, maximum=3.0)
    flag = StrictBoolean()
    count = fields.Integer(strict=True, validate=validate.Range(1, 60))
    loose = fields.Integer(validate=validate.Range(1, 60, max_inclusive=False))
    ratio = fields.Float(load_default=0.5)
    wild = fields.Float(allow_nan=True, allow_none=True)
    word = fields.String(validate=[validate.OneOf(["a", "b", "", "1"]), validate.Length(0, 1)])
    code = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"), data_key="Code")
    many = fields.List(fields.Integer(strict=True), validate=validate.Length(equal=2))
    email = fields.Email()          # no inline form: its own deserialize
    either = fields.Boolean()       # no inline form: its own deserialize


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4)
    | st.sampled_from([10**400, np.float64(2.0), np.int64(2), enum.IntEnum("E", "A").A, b"a",
                       "a@b.cc", (1, 2), 0.0, -0.0, 3, 60, 1e12]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner,
                                                                 max_size=2),
    max_leaves=6)

_KEYS = ["money", "rate", "share", "number", "yearly", "flag", "count", "loose", "ratio", "wild",
         "word", "Code", "code", "many", "email", "either", "other"]


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(_KEYS), _JSON | st.lists(
    st.floats(-3, 4) | st.integers(-3, 4), min_size=0, max_size=61), max_size=6))
def test_every_field_type_answers_as_marshmallow_does(raw: dict[str, Any]) -> None:
    _same(_Fields(), raw)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-3, 4) | st.integers(-3, 4) | st.sampled_from(
    [math.nan, math.inf, -math.inf, 1e308, -1e308, True, 10**400]), min_size=1, max_size=61),
    st.integers(0, 60), st.sampled_from([math.nan, math.inf, -math.inf, 1e308]))
def test_yearly_lists_with_non_finite_values_anywhere(values: list[Any], at: int,
                                                      odd: float) -> None:
    _same(_Fields(), {"yearly": values})
    _same(_Fields(), {"yearly": [*values[:at], odd, *values[at:]]})


@pytest.mark.parametrize("raw", [
    {}, {"money": 1, "rate": 1, "share": 0.99, "number": None, "yearly": [3, -2.0, 0],
         "flag": False, "count": 60, "loose": 59, "wild": math.nan, "word": "", "Code": "GBP",
         "many": [1, 2]},
    {"wild": None, "yearly": 2, "number": 5, "rate": -0.98, "ratio": 7},
])
def test_valid_field_values_take_the_fast_path(raw: dict[str, Any]) -> None:
    assert _same(_Fields(), raw)[0] == "ok"


@pytest.mark.parametrize("raw", [
    {"money": True}, {"money": -0.0001}, {"money": 10**400}, {"rate": -0.99}, {"number": -5},
    {"yearly": []}, {"yearly": [1.0] * 61}, {"yearly": [math.nan]}, {"yearly": (1.0,)},
    {"yearly": [np.float64(1.0)]}, {"flag": 1}, {"count": 1.0}, {"count": True},
    {"loose": 60}, {"loose": "3"}, {"ratio": None}, {"word": "ab"}, {"code": "GBP"},
    {"Code": "gbp"}, {"Code": b"GBP"}, {"many": (1, 2)}, {"many": [1]}, {"email": "a@b.cc"},
    {"either": "yes"}, {"other": 1},
])
def test_doubtful_field_values_are_left_to_marshmallow(raw: dict[str, Any]) -> None:
    _same(_Fields(), raw)


# --------------------------------------------------------------------------- schema features


class _Inner(Schema):
    a = fields.Float(required=True)
    b = fields.String(attribute="bee", load_default=lambda: "made")

    @validates_schema(pass_original=True)
    def _check(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        if data["a"] > 10 or "bad" in original:
            raise ValidationError("too big", "a")

    @post_load
    def _first(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "first": True}

    @post_load(pass_original=True)
    def _second(self, data: dict[str, Any], original: Any, **_: Any) -> tuple[Any, ...]:
        return tuple(sorted(data.items())) + (len(original),)


class _Loose(Schema):
    class Meta:
        unknown = EXCLUDE

    x = fields.Integer(strict=True, allow_none=True)


class _PreLoaded(Schema):
    x = fields.Integer()

    @pre_load
    def _upper(self, data: Any, **_: Any) -> Any:
        return data


class _Outer(CompiledLoad, Schema):
    inner = fields.Nested(_Inner, required=True)
    items = fields.List(fields.Nested(_Inner, allow_none=True))
    loose = fields.Nested(_Loose)
    included = fields.Nested(_Loose, unknown=INCLUDE)
    pre = fields.Nested(_PreLoaded)
    several = fields.Nested(_Inner, many=True)


@pytest.mark.parametrize("raw", [
    {"inner": {"a": 1}},
    {"inner": {"a": 1, "b": "given"}, "items": [{"a": 2}, None, {"a": 3, "b": ""}]},
    {"inner": {"a": 11}}, {"inner": {"a": 1, "bad": 1}}, {"inner": {"a": 1, "bee": "x"}},
    {"inner": {"a": 1}, "loose": {"x": 1, "extra": 2}}, {"inner": {"a": 1}, "loose": None},
    {"inner": {"a": 1}, "included": {"x": None}}, {"inner": {"a": 1}, "included": {"y": 1}},
    {"inner": {"a": 1}, "pre": {"x": "3"}}, {"inner": {"a": 1}, "several": [{"a": 1}]},
    {"inner": {"a": 1}, "several": {"a": 1}}, {"inner": []}, {"items": [{"a": 1}]},
])
def test_nested_schemas_hooks_and_options(raw: dict[str, Any]) -> None:
    _same(_Outer(), raw)


def test_fast_path_is_taken_through_hooks_and_options() -> None:
    raw = {"inner": {"a": 1}, "items": [None, {"a": 2}], "loose": {"x": 1, "extra": 2},
           "included": {"x": 3}, "pre": {"x": 4}, "several": [{"a": 5}]}
    assert _same(_Outer(), raw)[0] == "ok"
    source = generated_source(_Outer())
    # pre_load and many are left to the fields; the rest is generated.
    assert "_load__Inner_" in source and "_load__Loose_" in source
    assert "_load__PreLoaded_" not in source


def test_schemas_it_cannot_reproduce_always_go_to_marshmallow() -> None:
    class Pre(CompiledLoad, _PreLoaded):
        pass

    class Many(CompiledLoad, _Inner):
        pass

    for schema, raw in [(Pre(), {"x": 1}), (Many(many=True), [{"a": 1}]),
                        (Many(partial=True), {})]:
        with pytest.raises(GiveUp):
            schema.load_fast(raw)
        assert _outcome(schema.load, raw) == _outcome(lambda d, s=schema: Schema.load(s, d),
                                                      copy.deepcopy(raw))
    with pytest.raises(ValueError, match="cannot be compiled"):
        compile_load(Pre())


def test_an_instance_compiles_on_its_second_load() -> None:
    fresh = ProposalSchema()
    assert fresh.load(examples.PROPOSAL) == Schema.load(fresh, examples.PROPOSAL)
    assert fresh.__dict__["_compiled_load"] == (None,) * 3  # made per call: never compiled
    assert fresh.load(examples.PROPOSAL) == Schema.load(fresh, examples.PROPOSAL)
    fields_, _, fn = fresh.__dict__["_compiled_load"]
    assert fields_ is fresh.load_fields and fn is not None
    # Fields rebuilt (as Nested does to a copied instance): compiled again, for these fields.
    fresh._init_fields()
    assert fresh.load(examples.PROPOSAL) == Schema.load(fresh, examples.PROPOSAL)
    assert fresh.__dict__["_compiled_load"][0] is fresh.load_fields
    fresh.unknown = EXCLUDE  # set on the instance: compiled again with it
    extra = {**examples.PROPOSAL, "extra": 1}
    assert fresh.load(extra) == Schema.load(fresh, extra) == fresh.load_fast(extra)


def test_each_instance_uses_its_own_nested_schemas_and_hooks() -> None:
    seen: list[Any] = []

    class Tracked(_Inner):
        @validates_schema
        def _track(self, data: dict[str, Any], **kwargs: Any) -> None:
            seen.append((self, kwargs))

    class Top(CompiledLoad, Schema):
        inner = fields.Nested(Tracked)

    one, two = Top(), Top()
    one.load_fast({"inner": {"a": 1}})
    two.load_fast({"inner": {"a": 1}})
    Schema.load(two, {"inner": {"a": 1}})
    kwargs = {"partial": None, "many": False, "unknown": "raise"}
    assert seen == [(one.fields["inner"].schema, kwargs), (two.fields["inner"].schema, kwargs),
                    (two.fields["inner"].schema, kwargs)]
    assert seen[0][0] is not seen[1][0]


def test_the_compute_budget_alarm_is_not_swallowed_by_the_fast_path():
    """The budget's SIGALRM handler raises ComputeBudgetExceeded wherever the request is. If it
    fires while the fast path runs, it must reach the budget's handler (a 503), not be taken
    for doubt and followed by marshmallow's load, which would carry the request past its
    budget with the one-shot timer spent."""
    from marshmallow import post_load

    from svcalc.api.limits import ComputeBudgetExceeded

    calls = []

    class Alarmed(CompiledLoad, Schema):
        a = fields.Float()

        @post_load
        def _hook(self, data, **_):
            calls.append(1)
            if len(calls) == 2:  # the fast path's call on the second load
                raise ComputeBudgetExceeded
            return data

    schema = Alarmed()
    assert schema.load({"a": 1}) == {"a": 1.0}  # first load: marshmallow's
    with pytest.raises(ComputeBudgetExceeded):
        schema.load({"a": 2})
    assert len(calls) == 2  # marshmallow did not run it again
    assert schema.load({"a": 3}) == {"a": 3.0}
