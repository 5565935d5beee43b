"""Response bodies from the core's records: the one place money is rounded.

The core's frozen dataclasses are already shaped like the response (the marshmallow schemas in
:mod:`svcalc.api.schemas.appraisal` declare the same fields in the same order), so a body is the
record read as JSON objects, with every field the core annotates as
:data:`~svcalc.core.model.Money` rounded to 2 decimals (DESIGN.md section 2: money is rounded only
when rendered). ``tests/test_render.py`` holds the result equal to marshmallow's own dump of the
schema, so the schema stays the declaration of the contract.
"""

from __future__ import annotations

import dataclasses
import typing
from functools import cache
from typing import Any

__all__ = ["body"]


@cache
def _fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """Each field of the record type ``cls`` (a dataclass or a named tuple) with whether it
    holds money (annotated ``Money``, ``Money | None`` or ``list[Money]``)."""
    hints = typing.get_type_hints(cls, include_extras=True)

    def money(hint: Any) -> bool:
        if typing.get_origin(hint) is typing.Annotated:
            return "money" in hint.__metadata__
        return any(money(arg) for arg in typing.get_args(hint))

    names = cls._fields if issubclass(cls, tuple) else [f.name for f in dataclasses.fields(cls)]
    return tuple((name, money(hints[name])) for name in names)


def body(value: Any) -> Any:
    """``value`` as JSON-ready objects: a record as a dict in field order with its money
    rounded to 2 decimals, lists, tuples and dicts item by item, anything else as it is."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is list or kind is tuple:
        return [body(v) for v in value]
    if kind is dict:
        return {key: body(v) for key, v in value.items()}
    out = {}
    for name, money in _fields(kind):
        v = getattr(value, name)
        if not money:
            out[name] = body(v)
        elif type(v) is list:
            out[name] = [round(x, 2) for x in v]
        else:
            out[name] = None if v is None else round(v, 2)
    return out


_AS_IS = frozenset((str, float, int, bool, type(None)))
