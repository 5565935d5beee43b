"""Yearly's fast path for lists gives exactly what its per-item Number fields give."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from svcalc.api.schemas.fields import MONEY_MAX, Yearly

_FIELD = Yearly("test", 1.0)

_items = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0.0, max_value=MONEY_MAX),
    st.integers(min_value=-10, max_value=10**18),
    st.sampled_from([True, False, None, "1", 0, 0.0, -0.0, MONEY_MAX,
                     math.nextafter(MONEY_MAX, 2e12), 10**400, -(10**400)]),
)


def _per_item(value: list[Any]) -> Any:
    """The loop the fast path stands in for: each item through the Number field."""
    errors, out = {}, []
    for i, item in enumerate(value):
        try:
            out.append(_FIELD._item.deserialize(item))
        except ValidationError as exc:
            errors[i] = exc.messages
    if errors:
        return ("errors", errors)
    return tuple(out)


@settings(max_examples=400)
@given(st.lists(_items, min_size=1, max_size=60))
def test_fast_path_equals_per_item_validation(value: list[Any]) -> None:
    try:
        got: Any = _FIELD.deserialize(value)
    except ValidationError as exc:
        got = ("errors", exc.messages)
    expected = _per_item(value)
    assert repr(got) == repr(expected)
    if not isinstance(got, tuple) or got[:1] != ("errors",):
        assert all(type(x) is float for x in got)


def test_an_int_too_large_for_a_float_is_named_not_raised() -> None:
    """float(10**400) raises OverflowError; the list is answered as the Number field answers the
    item (a validation error at its index), as a single value already was."""
    value = [1.0, 10**400, 2]
    with pytest.raises(ValidationError) as caught:
        _FIELD.deserialize(value)
    assert ("errors", caught.value.messages) == _per_item(value)
    assert list(caught.value.messages) == [1]  # type: ignore[call-overload]
