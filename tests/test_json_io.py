"""JSON in (svcalc/api/parsing.py loads: the standard library, huge integers as floats) and out
(svcalc/app.py JSONProvider: orjson, the standard library for what it cannot encode)."""

from __future__ import annotations

import json
import math

import pytest

from svcalc.api.parsing import loads
from svcalc.app import create_app


@pytest.mark.parametrize(("data", "expected"), [
    (b'{"a": NaN}', "{'a': nan}"),  # for the schema to refuse at its pointer
    (b'[Infinity, -Infinity, 1e999]', "[inf, -inf, inf]"),
    (b'{"a": 123456789012345678}', "{'a': 123456789012345678}"),  # 18 characters: an int
    (b'{"a": -123456789012345678}', "{'a': -1.2345678901234568e+17}"),  # more: a float
    (b'{"a": [1, 2.5, -0.0, "x", null, true]}', "{'a': [1, 2.5, -0.0, 'x', None, True]}"),
])
def test_loads(data, expected):
    assert repr(loads(data)) == expected


@pytest.mark.parametrize("data", [b'[1, 2,]', b'\xff', b'{"a": 1'])
def test_loads_refuses_what_is_not_json(data):
    with pytest.raises(ValueError):
        loads(data)


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
