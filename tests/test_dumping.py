"""The compiled dumper builds exactly what marshmallow's Schema.dump builds (svcalc/api/dumping.py).

The second method here is marshmallow itself: every comparison calls ``Schema.dump`` unbound, which
skips the compiled override, and compares the JSON text (so key order counts too).
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields, post_dump

from svcalc import core
from svcalc.api import examples
from svcalc.api.dumping import CompiledDump, compile_dump
from svcalc.api.portal import ComparisonSchema, comparison
from svcalc.api.schemas import AppraisalSchema, CashFlowRowSchema, ProposalSchema
from svcalc.core.model import CashFlowRow, CashFlowTable
from tests.test_social_api import ACCEPTABILITY, CHANNEL_SHIFT, SOCIAL_VALUE

_PROPOSAL = ProposalSchema()


def _text(data: Any) -> str:
    return json.dumps(data, allow_nan=False)


def _same(schema: Schema, obj: Any) -> None:
    assert _text(schema.dump(obj)) == _text(Schema.dump(schema, obj))


@st.composite
def proposals(draw: st.DrawFn) -> dict[str, Any]:
    """Proposals covering every optional block, yearly lists, and figures that come out null."""
    p = copy.deepcopy(examples.PROPOSAL)
    n = draw(st.integers(1, 60))
    p["term_years"] = n
    money = st.floats(0, 2e7, allow_nan=False)
    p["public"]["annual_payment"] = draw(money | st.lists(money, min_size=n, max_size=n))
    p["public"]["baseline_annual_cost"] = draw(st.sampled_from([0.0, 1e7, 2e7]))
    p["supplier"]["annual_operating_cost"] = draw(money)
    if draw(st.booleans()):
        p["price_basis"], p["inflation"] = "nominal", draw(st.floats(0, 0.1))
    if draw(st.booleans()):
        p["channel_shift"] = copy.deepcopy(CHANNEL_SHIFT)
        p["channel_shift"]["years_to_target"] = draw(st.integers(1, n))
    if draw(st.booleans()):
        p["social_value"] = copy.deepcopy(SOCIAL_VALUE)
        p["acceptability"] = dict(ACCEPTABILITY)
    if draw(st.booleans()):
        p["simulation"] = {"iterations": 200, "seed": draw(st.integers(0, 2**31))}
    return p


@settings(max_examples=60, deadline=None)
@given(proposals())
def test_appraisal_dump_equals_marshmallow(raw: dict[str, Any]) -> None:
    appraisal = core.appraise(_PROPOSAL.load(raw))
    _same(AppraisalSchema(), appraisal)
    _same_bytes_for_orjson(AppraisalSchema(), appraisal)


def _same_bytes_for_orjson(schema: Any, obj: Any) -> None:
    """``dump_for_orjson`` (tables written as JSON at once) encodes to the very bytes ``dump``
    (the dicts) encodes to."""
    assert orjson.dumps(schema.dump_for_orjson(obj)) == orjson.dumps(schema.dump(obj))


def test_a_batch_of_appraisals_dumps_for_orjson_as_its_dicts_encode() -> None:
    """appraise_many builds each term's cash-flow tables as views of one read-only array, which
    table_json writes all at once: tables of two groups dumped in turn, and a lone table of
    another term, come out as their dicts encode."""
    raws = []
    from svcalc.core.batch import _MIN_GROUP_ROWS

    for term, n in ((5, _MIN_GROUP_ROWS), (12, _MIN_GROUP_ROWS + 1), (3, 1)):
        for i in range(n):
            raw = copy.deepcopy(examples.PROPOSAL)
            raw["term_years"] = term
            raw["public"]["baseline_annual_cost"] = 9_000_000.0 + 1_234.567 * i
            raws.append(raw)
    appraisals = core.appraise_many([_PROPOSAL.load(r) for r in raws])
    groups = {a.cash_flows.columns.base is not None for a in appraisals}
    assert groups == {True, False}  # both kinds of table are here
    schema = AppraisalSchema()
    from svcalc.api import dumping

    kept = len(dumping._WRITTEN)
    for a in appraisals[::2] + appraisals[1::2] + appraisals[::-1]:
        _same_bytes_for_orjson(schema, a)
    assert len(dumping._WRITTEN) == kept + 2  # each group written once, and kept ...
    del appraisals, a
    assert len(dumping._WRITTEN) == kept  # ... only while its tables live


def test_examples_and_a_comparison_dump_equal_marshmallow() -> None:
    _same(AppraisalSchema(), core.appraise(_PROPOSAL.load(examples.PROPOSAL)))
    from svcalc.api.portal import ComparisonRequestSchema, examples_comparison

    data = ComparisonRequestSchema().load(examples_comparison())
    _same(ComparisonSchema(), comparison(data))


def test_many_and_none() -> None:
    schema = AppraisalSchema(many=True)
    appraisals = [core.appraise(_PROPOSAL.load(examples.PROPOSAL))] * 2
    assert _text(schema.dump(appraisals)) == _text(Schema.dump(schema, appraisals))
    assert schema.dump([]) == []


# --------------------------------------------------------------------------- what it hands back


@dataclass
class _Thing:
    a: float | None
    b: str


class _Upper(fields.String):
    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str:
        return str(value).upper()


class _Plain(Schema):
    a = fields.Float(allow_none=True)
    b = fields.String(data_key="B")
    c = _Upper(attribute="b", dump_only=True)


class _Hooked(Schema):
    a = fields.Float()

    @post_dump
    def _tag(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "hooked": True}


class _Outer(Schema):
    plain = fields.Nested(_Plain)
    hooked = fields.Nested(_Hooked, many=True)
    items = fields.List(fields.Nested(_Plain))


@pytest.mark.parametrize("obj", [
    _Thing(1, "x"),
    _Thing(None, "y"),
    {"a": 2, "b": "from a mapping"},   # marshmallow reads keys: handed back to it
    {"b": "no a: key left out"},
    object(),                            # every attribute missing: handed back, keys left out
])
def test_fields_data_keys_attributes_and_fallbacks(obj: Any) -> None:
    _same(_Plain(), obj)
    fn = compile_dump(_Plain())
    assert _text(fn(obj)) == _text(Schema.dump(_Plain(), obj))


def test_nested_hooks_and_lists() -> None:
    @dataclass
    class Outer:
        plain: Any
        hooked: Any
        items: Any

    class CompiledOuter(CompiledDump, _Outer):
        pass

    obj = Outer(_Thing(3.5, "p"), [_Thing(1, "h")], [_Thing(2, "i"), {"a": 4, "b": "j"}])
    _same(CompiledOuter(), obj)
    assert CompiledOuter().dump(obj)["hooked"] == [{"a": 1.0, "hooked": True}]
    _same(CompiledOuter(), Outer(None, None, None))


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow() -> None:
    class CompiledHooked(CompiledDump, _Hooked):
        pass

    assert CompiledHooked().dump(_Thing(1, "x")) == {"a": 1.0, "hooked": True}


# --------------------------------------------------------------------------- money by column


def _near_ties() -> list[float]:
    import math

    ties = [(k + 0.5) / 100 for k in range(-3000, 3000)] + [k / 200 for k in range(-3000, 3000)]
    ties += [t * 10.0**e for t in (1.005, 2.675, 0.125, 1234567.885) for e in range(-3, 8)]
    return ties + [math.nextafter(t, s) for t in ties for s in (-math.inf, math.inf)]


@pytest.mark.parametrize("values", [
    _near_ties(),
    [0.0, -0.0, 1e-300, -1e-300, 5e-324, -0.004, 0.004, 4e13, -4e13 - 0.005, 3.9999e13 + 0.005,
     1e300, float("inf"), float("-inf"), float("nan")],
])
def test_money_columns_round_as_round_does(values: list[float]) -> None:
    from svcalc.api.schemas import round_money_columns

    columns = [values[i:i + 37] for i in range(0, len(values), 37)]
    got = round_money_columns(columns)
    assert [repr(v) for c in got for v in c] == [repr(round(v, 2)) for v in values]
    # A 2-D float array (a columnar table's money) is rounded the same way.
    as_array = round_money_columns(np.array([values, values[::-1]]))
    assert repr(as_array) == repr([[round(v, 2) for v in values],
                                   [round(v, 2) for v in values[::-1]]])


@settings(max_examples=300)
@given(st.lists(st.lists(st.floats() | st.integers(-10**6, 10**6) | st.none(),
                         min_size=3, max_size=3), min_size=1, max_size=4))
def test_money_columns_of_any_values(columns: list[list[Any]]) -> None:
    from svcalc.api.schemas import round_money_columns

    got = round_money_columns(columns)
    assert repr(got) == repr([[None if v is None else round(v, 2) for v in c] for c in columns])


@settings(max_examples=300)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=60))
def test_money_columns_of_floats(values: list[float]) -> None:
    from svcalc.api.schemas import round_money_columns

    assert repr(round_money_columns([values])) == repr([[round(v, 2) for v in values]])


# --------------------------------------------------------------------------- columnar tables


def test_a_columnar_table_dumps_as_its_rows_do() -> None:
    """The cash-flow table is dumped from its column array; the same appraisal with the table
    as a plain list of CashFlowRow (dumped row by row, the named-tuple path) gives the same
    JSON, and so does marshmallow."""
    from dataclasses import replace

    raw = copy.deepcopy(examples.PROPOSAL)
    raw["channel_shift"] = copy.deepcopy(CHANNEL_SHIFT)
    appraisal = core.appraise(_PROPOSAL.load(raw))
    assert isinstance(appraisal.cash_flows, CashFlowTable)
    as_rows = replace(appraisal, cash_flows=list(appraisal.cash_flows))
    schema = AppraisalSchema()
    assert _text(schema.dump(appraisal)) == _text(schema.dump(as_rows))
    _same(schema, appraisal)


def test_cash_flow_table_reads_as_a_sequence_of_rows() -> None:
    table = core.appraise(_PROPOSAL.load(examples.PROPOSAL)).cash_flows
    rows = list(table)
    n = _PROPOSAL.load(examples.PROPOSAL).term_years
    assert len(table) == len(rows) == n + 1
    assert [r.year for r in rows] == list(range(n + 1))
    assert all(type(r) is CashFlowRow and type(r.year) is int for r in rows)
    assert table[0] == rows[0] and table[-1] == rows[-1] and table[2:4] == rows[2:4]
    assert table == rows and table == tuple(rows) and rows[1:] != table
    # Each row holds what its columns hold, by name.
    for k, name in enumerate(CashFlowTable.column_names):
        assert [getattr(r, name) for r in rows] == table.columns[k].tolist()
    with pytest.raises(ValueError):
        table.columns[6, 1] = 0.0  # read-only: an appraisal's table cannot be changed
    with pytest.raises(IndexError):
        table[n + 1]
    assert repr(table).startswith("CashFlowTable([CashFlowRow(year=0, ")
    import pickle

    for twin in (copy.deepcopy(table), pickle.loads(pickle.dumps(table))):
        assert twin == table and twin.columns is not table.columns
        assert not twin.columns.flags.writeable


class _CashFlowsSchema(CompiledDump, Schema):
    cash_flows = fields.List(fields.Nested(CashFlowRowSchema))


@dataclass
class _CashFlows:
    cash_flows: Any


_near = st.sampled_from(_near_ties())
_special = st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 4e13, 1e16, 1e22, 1.7e308, -1.7e308,
                            2.0**62, -(2.0**63), 1e19, math.nan, math.inf, -math.inf])
_cell = st.floats() | _near | _special | st.integers(-10**7, 10**7).map(float)


@st.composite
def _table_groups(draw: st.DrawFn) -> list[tuple[np.ndarray, bool]]:
    """Groups of (tables, fields, years) arrays, each read-only or not, values anything (NaN,
    infinities, ties, huge, tiny); the year row finite, often 0, 1, 2, ..."""
    out = []
    for _ in range(draw(st.integers(1, 3))):
        n, years = draw(st.integers(1, 4)), draw(st.integers(0, 4))
        values = draw(st.lists(_cell, min_size=n * 19 * years, max_size=n * 19 * years))
        t = np.array(values, dtype=float).reshape(n, 19, years)
        # A year is a number int() takes (an infinite one fails both ways: not a table's).
        t[:, 0, :] = np.where(np.isfinite(t[:, 0, :]), t[:, 0, :], 7.0)
        if draw(st.booleans()):
            t[:, 0, :] = np.arange(years)
        out.append((t, draw(st.booleans())))
    return out


@settings(max_examples=200, deadline=None)
@given(_table_groups())
def test_tables_written_as_json_are_the_bytes_of_their_rows(groups: Any) -> None:
    """table_json's bytes against orjson on the row dicts (the second method), for tables of a
    group (read-only: written together) and alone, dumped in interleaved order; a table with a
    value it cannot write (NaN, infinity, a year int() and numpy disagree on) is dumped as
    dicts, so the bytes still agree."""
    tables = []
    for t, read_only in groups:
        t.flags.writeable = not read_only
        tables += [CashFlowTable(t[i]) for i in range(len(t))]
        tables += [CashFlowTable(t[i].copy()) for i in range(len(t))]
    schema = _CashFlowsSchema()
    for table in tables[::2] + tables[1::2]:
        holder = _CashFlows(table)
        json_ready = schema.dump_for_orjson(holder)
        try:
            expected = orjson.dumps(schema.dump(holder))
        except TypeError:  # a year int() makes beyond 64 bits: orjson refuses both
            with pytest.raises(TypeError):
                orjson.dumps(json_ready)
            continue
        assert orjson.dumps(json_ready) == expected
        if np.isfinite(table.columns).all() and (np.abs(table.columns[0]) < 2.0**62).all():
            assert isinstance(json_ready["cash_flows"], orjson.Fragment)


def test_a_writeable_group_is_not_written_ahead() -> None:
    """Tables of a writeable array are written one by one, when dumped: a change made to the
    array between two dumps shows (a read-only group, written at once, cannot change)."""
    t = np.zeros((2, 19, 2))
    first, second = CashFlowTable(t[0]), CashFlowTable(t[1])
    t.flags.writeable = True
    schema = _CashFlowsSchema()
    dumped = orjson.dumps(schema.dump_for_orjson(_CashFlows(first)))
    assert orjson.loads(dumped)["cash_flows"][0]["public_net"] == 0
    t[1, 6, 0] = 12.345
    dumped = orjson.dumps(schema.dump_for_orjson(_CashFlows(second)))
    assert orjson.loads(dumped)["cash_flows"][0]["public_net"] == round(12.345, 2)
    assert dumped == orjson.dumps(schema.dump(_CashFlows(second)))


def test_the_json_provider_decodes_written_json_for_the_standard_encoder() -> None:
    """Indented output (and the NaN check under TESTING) goes through ``json``, which gets a
    Fragment's JSON decoded."""
    from svcalc.app import create_app

    app = create_app({"TESTING": True})
    body = {"a": orjson.Fragment(b'[{"x":1.5}]'), "b": 2}
    assert json.loads(app.json.dumps(body, indent=2)) == {"a": [{"x": 1.5}], "b": 2}
    assert app.json.encode(body) == b'{"a":[{"x":1.5}],"b":2}'
    # A key that is not a string is beyond orjson's options: the standard encoder writes it.
    assert json.loads(app.json.encode({1: 2.5, "c": body["a"]})) == {"1": 2.5, "c": [{"x": 1.5}]}


@pytest.mark.parametrize("n_fields", [0, 1, 2])
def test_tables_of_narrow_named_tuples(n_fields: int) -> None:
    from typing import NamedTuple

    class Row(NamedTuple):
        a: float = 1.005
        b: int = 2

    row_schema = Schema.from_dict({k: fields.Float() for k in ("a", "b")[:n_fields]})

    class TableSchema(CompiledDump, Schema):
        rows = fields.List(fields.Nested(row_schema))

    @dataclass
    class Table:
        rows: list[Row]

    obj = Table([Row(), Row(3.5, 4)])
    assert compile_dump(TableSchema())(obj) == Schema.dump(TableSchema(), obj)
    assert TableSchema().dump(obj) == Schema.dump(TableSchema(), obj)


@pytest.mark.parametrize("value", [
    {"irr": "no sign change", "payback_years": "not within the term"}, {}, None,
    {1: 2, "k": None, "é": "ü"},  # String._serialize turns a non-str into str, keeps None
])
def test_dict_fields_dump_as_marshmallow_does(value: Any) -> None:
    @dataclass
    class Holder:
        notes: Any
        bare: Any
        keys_only: Any
        numbers: Any

    class DictSchema(CompiledDump, Schema):
        notes = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
        bare = fields.Dict(allow_none=True)
        keys_only = fields.Dict(keys=fields.String(), allow_none=True)
        numbers = fields.Dict(values=fields.Float(), allow_none=True)  # not inlined

    numbers = None if value is None else {"a": 1, "b": 2.5}
    obj = Holder(value, value, value, numbers)
    assert _text(DictSchema().dump(obj)) == _text(Schema.dump(DictSchema(), obj))
