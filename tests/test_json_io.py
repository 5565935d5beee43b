"""JSON in and out: orjson where it gives the same result as the standard library, which
decides everything else (svcalc/app.py StrictJSONProvider, svcalc/api/parsing.py loads)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcalc.api.parsing import loads
from svcalc.app import create_app

_json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(-10**25, 10**25) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=5),
    max_leaves=30)


def _reference_loads(data: bytes) -> Any:
    """What the parser did before orjson: json with huge integers as floats."""
    return json.loads(data.decode("utf-8"),
                      parse_int=lambda t: int(t) if len(t) <= 18 else float(t))


@settings(max_examples=300)
@given(_json_values)
def test_loads_equals_the_standard_library(value: Any) -> None:
    data = json.dumps(value).encode()
    assert repr(loads(data)) == repr(_reference_loads(data))


@pytest.mark.parametrize("data", [
    b'{"a": NaN}', b'[Infinity, -Infinity]', b'{"a": 1e999}', b'"\\ud800"',
    b'{"a": -123456789012345678}', b'{"a": 9223372036854775808}', b'[1, 2,]', b'\xff',
])
def test_bodies_orjson_refuses_or_reads_differently_go_to_the_standard_library(data):
    try:
        expected: Any = _reference_loads(data)
    except ValueError as exc:
        with pytest.raises(type(exc)):
            loads(data)
        return
    assert repr(loads(data)) == repr(expected)


def test_responses_are_compact_ordered_and_end_with_a_newline():
    app = create_app()
    with app.app_context():
        body = app.json.response({"b": 1.5, "a": [1, None, "é"]}).get_data()
    assert body == '{"b":1.5,"a":[1,null,"é"]}\n'.encode()


def test_nan_in_a_response_fails_tests_and_is_null_in_production():
    testing, production = create_app({"TESTING": True}), create_app()
    with testing.app_context(), pytest.raises(ValueError):
        testing.json.response({"npv": math.nan})
    with production.app_context():
        assert production.json.response({"npv": math.inf}).get_data() == b'{"npv":null}\n'


def test_what_orjson_cannot_encode_goes_to_the_standard_library():
    app = create_app()
    with app.app_context():
        assert app.json.response({"n": 10**30}).get_data() == b'{"n":' + b"1" + b"0" * 30 + b"}\n"
        assert json.loads(app.json.dumps({"a": 1}, indent=2)) == {"a": 1}
