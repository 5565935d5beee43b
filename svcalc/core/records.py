"""``@record``: a frozen, slotted dataclass whose instances are built ~2.5x faster.

Every value type of the core (proposal blocks in, appraisal blocks out) is immutable: a frozen
dataclass with slots. The ``__init__`` that ``dataclass(frozen=True)`` writes must get past its
own ``__setattr__`` (which refuses every assignment), so it calls
``__dataclass_builtins_object__.__setattr__(self, "name", value)`` for each field: a global
lookup, an attribute lookup and a generic call per field. An appraisal builds about 40 such
objects with 270 fields; that cost was ~10% of ``appraise()``.

:func:`record` applies exactly ``dataclass(frozen=True, slots=True)`` and then replaces only
``__init__`` with one that stores each field through its slot's descriptor (``__set__`` bound
once, when the class is made), with the same signature: the same parameters, kinds and
defaults, ``default_factory`` called when the argument is left out. Everything else is the
dataclass's own: ``__setattr__``/``__delattr__`` still raise ``FrozenInstanceError``, and
``__eq__``, ``__hash__``, ``__repr__``, ``replace()``, pickling and ``fields()`` are unchanged. A
class using what the fast ``__init__`` does not reproduce (``__post_init__``, ``InitVar``,
``init=False`` fields) keeps the dataclass ``__init__``.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar, dataclass_transform

__all__ = ["record"]

T = TypeVar("T")

_MISSING = dataclasses.MISSING


class _Factory:
    """The default of a parameter whose field has a ``default_factory``."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """``@dataclass(frozen=True, slots=True)`` with a faster ``__init__`` (see the module)."""
    made: type[T] = dataclasses.dataclass(frozen=True, slots=True)(cls)
    fast = _fast_init(made)
    if fast is not None:
        made.__init__ = fast  # type: ignore[misc]
    return made


def _fast_init(cls: type) -> Any:
    if hasattr(cls, "__post_init__"):
        return None
    fields = dataclasses.fields(cls)
    declared = getattr(cls, "__dataclass_fields__", {})
    if len(declared) != len(fields) or not all(f.init for f in fields):
        return None  # InitVar or ClassVar pseudo-fields, or init=False: not reproduced here
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for i, f in enumerate(fields):  # parameters are the field names; helpers are _s0, _d0, _f0
        setter = f"_s{i}"
        namespace[setter] = cls.__dict__[f.name].__set__
        if f.default is not _MISSING:
            namespace[f"_d{i}"] = f.default
            param = f"{f.name}=_d{i}"
        elif f.default_factory is not _MISSING:
            namespace[f"_f{i}"] = f.default_factory
            param = f"{f.name}=_FACTORY"
            body.append(f"    if {f.name} is _FACTORY:\n        {f.name} = _f{i}()")
        else:
            param = f.name
        (keyword if f.kw_only else positional).append(param)
        body.append(f"    {setter}(self, {f.name})")
    params = ["self", *positional] + (["*", *keyword] if keyword else [])
    source = f"def __init__({', '.join(params)}):\n" + "\n".join(body or ["    pass"])
    exec(source, namespace)  # noqa: S102 - generated from the class's own fields
    fn = namespace["__init__"]
    fn.__qualname__ = f"{cls.__qualname__}.__init__"
    fn.__module__ = cls.__module__
    fn.__annotations__ = dict(cls.__init__.__annotations__)
    if not _same_signature(inspect.signature(cls.__init__), inspect.signature(fn)):
        return None  # pragma: no cover - a dataclass feature this module does not know
    return fn


def _same_signature(theirs: inspect.Signature, ours: inspect.Signature) -> bool:
    if list(theirs.parameters) != list(ours.parameters):
        return False
    for a, b in zip(theirs.parameters.values(), ours.parameters.values(), strict=True):
        if a.kind != b.kind:
            return False
        factory = b.default is _FACTORY
        if not factory and a.default is not b.default:
            return False
        if factory and a.default is inspect.Parameter.empty:
            return False
    return True
