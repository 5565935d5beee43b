"""``@record`` (svcalc/core/records.py) is ``dataclass(frozen=True, slots=True)`` with a faster
``__init__``: the same signature, the same stored values, still frozen."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from typing import Any

import pytest

from svcalc.core import model
from svcalc.core.records import record


@record
class _Plain:
    a: float
    b: str = "b"
    c: tuple[int, ...] = ()
    d: dict[str, Any] = dataclasses.field(default_factory=dict)
    e: int = dataclasses.field(default=5, kw_only=True)


@dataclasses.dataclass(frozen=True, slots=True)
class _Reference:  # the same class made by dataclass alone: the behaviour to match
    a: float
    b: str = "b"
    c: tuple[int, ...] = ()
    d: dict[str, Any] = dataclasses.field(default_factory=dict)
    e: int = dataclasses.field(default=5, kw_only=True)


def _fast(cls: type) -> bool:
    code = cls.__init__.__code__
    return "__dataclass_builtins_object__" not in code.co_names + code.co_freevars


@pytest.mark.parametrize("args, kwargs", [
    ((1.5,), {}), ((1.5, "x"), {}), ((1.5, "x", (1, 2)), {"d": {"k": "v"}, "e": 7}),
    ((), {"a": 2.0, "e": 0}),
])
def test_same_values_as_dataclass(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    ours, theirs = _Plain(*args, **kwargs), _Reference(*args, **kwargs)
    assert _fast(_Plain) and not _fast(_Reference)
    assert repr(ours).replace("_Plain", "_Reference") == repr(theirs)
    assert dataclasses.astuple(ours) == dataclasses.astuple(theirs)


def test_same_signature_and_errors() -> None:
    assert str(inspect.signature(_Plain)) == str(inspect.signature(_Reference))
    for bad in [(), (1.0, "b", (), {}, 5)]:  # missing a; e is keyword-only
        with pytest.raises(TypeError):
            _Plain(*bad)
        with pytest.raises(TypeError):
            _Reference(*bad)
    with pytest.raises(TypeError):
        _Plain(1.0, f=3)  # type: ignore[call-arg]


def test_each_default_factory_call_is_a_new_object() -> None:
    assert _Plain(1.0).d == {} and _Plain(1.0).d is not _Plain(1.0).d


def test_still_frozen_hashable_copyable_and_picklable() -> None:
    x = _Plain(1.0, "x", (3,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        x.a = 2.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del x.b  # type: ignore[misc]
    y = dataclasses.replace(x, b="y")
    assert (y.a, y.b, y.c) == (1.0, "y", (3,)) and x.b == "x"
    assert copy.deepcopy(x) == x and pickle.loads(pickle.dumps(x)) == x
    assert hash(model.UpfrontCosts(procurement=1.0)) == hash(model.UpfrontCosts(procurement=1.0))


def test_post_init_keeps_the_dataclass_init() -> None:
    @record
    class Checked:
        a: float

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    assert not _fast(Checked)
    with pytest.raises(ValueError):
        Checked(-1.0)


def test_every_core_record_has_the_fast_init() -> None:
    import importlib
    import pkgutil

    import svcalc.core

    found = [obj for m in pkgutil.iter_modules(svcalc.core.__path__)
             for obj in vars(importlib.import_module(f"svcalc.core.{m.name}")).values()
             if isinstance(obj, type) and dataclasses.is_dataclass(obj)]
    assert len(found) > 40
    assert [c.__qualname__ for c in found if not _fast(c)] == []

