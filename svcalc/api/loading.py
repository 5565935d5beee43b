"""Compiled request loading: the objects marshmallow's ``Schema.load`` builds from valid input,
built without its per-field machinery.

A proposal has a few dozen fields and up to a few hundred numbers. ``Schema.load`` reaches each
through ``Schema._deserialize`` -> ``_call_and_store`` -> ``Field.deserialize`` ->
``_validate_missing`` -> ``_deserialize`` -> ``And(*validators)``, with an ``ErrorStore`` and a
closure per field: ~165 us for a 25-year proposal, a sixth of its whole appraisal.
:func:`compile_load` reads a schema's ``load_fields`` (their types, ``required``,
``allow_none``, ``load_default``, ``data_key``, ``attribute`` and validators), its nested
schemas and its ``validates_schema`` and ``post_load`` hooks once, and generates one Python
function per schema that checks and converts the same input with type tests, comparisons and
dict reads, then calls the schema's own hooks exactly as marshmallow calls them.

It is an optimisation of marshmallow, never a second validator. The generated code (the *fast
path*) returns an object only when it is certain ``Schema.load`` accepts the input and builds an
equal object of the same types; on any doubt it raises, and :class:`CompiledLoad` then calls
marshmallow's own ``load``, which names every error exactly as before. Hence:

* A value the fast path does not accept outright (a wrong type, an out-of-range number, NaN, a
  ``bool`` for a number, an unknown key, a missing required field, a subclass of ``int`` or
  ``float``, a mapping that is not a ``dict``, a list that is not a ``list``) gives up.
* A field type the compiler does not know exactly (matched by exact class, not subclass) is left
  to the field itself: the generated code calls ``field.deserialize(value, key, data)`` as
  ``Schema._deserialize`` would, and gives up if that raises. A custom field class may instead
  declare what its ``_deserialize`` returns for input it is sure of, as a ``load_inline``
  expression of ``{v}`` (the value) and ``{f}`` (the field) that raises on anything else; it may
  use the helpers in :data:`_HELPERS`. A field class that overrides ``deserialize``,
  ``_validate_missing`` or ``_validate``, or has ``pre_load``/``post_load`` functions, is also
  left to the field.
* Validators of the exact classes ``Range``, ``Length``, ``OneOf`` and ``Regexp`` are inlined
  as the same comparisons they make; any other validator is called as ``And`` calls it.
* A schema with anything the compiler does not reproduce (``pre_load`` or ``@validates`` hooks,
  hooks with ``pass_collection``, an overridden ``load``/``_do_load``/``_deserialize``, a dotted
  ``attribute``, a ``dict_class`` other than ``dict``, ``many``, ``partial``) is not compiled:
  a nested one is loaded through its field, a top-level one always by marshmallow.
* ``load(many=..., partial=..., unknown=...)`` with anything but the defaults goes to
  marshmallow.

Invalid input therefore costs the fast attempt plus marshmallow's load (the attempt stops at the
first doubt). ``tests/test_loading.py`` checks, on generated valid and mutated invalid proposals,
that the result is equal, of the same types (``repr``) and that errors are marshmallow's.
``python -m svcalc.api.loading`` measures both on the benchmark and example proposals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, NoReturn

from marshmallow import EXCLUDE, INCLUDE, RAISE, Schema, ValidationError, fields, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.utils import missing

from svcalc.api.codegen import CodeBuilder

__all__ = ["CompiledLoad", "GiveUp", "compile_load", "floats_in_range"]

Loader = Callable[[Any], Any]


class GiveUp(Exception):  # noqa: N818 - it is not an error: marshmallow decides
    """The fast path is not certain of the answer: marshmallow's own ``load`` decides."""


#: What the fast path (or a field, validator or hook it calls) raises on input it is not sure
#: of: then marshmallow decides. Anything else propagates as it would from marshmallow's load,
#: in particular an exception raised from a signal handler while the fast path runs (the
#: compute budget's alarm, limits.ComputeBudgetExceeded), which must not be swallowed.
DOUBT: tuple[type[Exception], ...] = (GiveUp, ValidationError, TypeError, ValueError,
                                      ArithmeticError, LookupError, AttributeError)


# --------------------------------------------------------------------------- helpers
# Names a ``load_inline`` expression may use. Each returns what the described field returns for
# input it is sure of, and raises for anything else.

_INF = math.inf
_FLOAT = {float}
_INT_FLOAT = {int, float}


def _give_up() -> NoReturn:
    raise GiveUp


def _finite_float(v: Any) -> float:
    """An exact ``int`` or ``float`` as a finite float (what ``fields.Float(allow_nan=False)``
    returns for it); anything else, a huge int or a non-finite value gives up."""
    if v.__class__ is float or v.__class__ is int:
        f = float(v)
        if -_INF < f < _INF:
            return f
    raise GiveUp


def floats_in_range(v: list[Any], lo: float, hi: float) -> tuple[float, ...] | None:
    """A non-empty list's values as a tuple of floats when every one is an exact ``int`` or
    ``float`` within ``[lo, hi]`` (what a ``Number`` field returns for each); ``None`` when any
    is not (a bool, a string, NaN, an int too large for a float, out of range), for the caller
    to give up or to name the bad items. Shared by ``Yearly`` and its compiled load."""
    kinds = set(map(type, v))
    if not v or not kinds <= _INT_FLOAT:
        return None
    try:
        out = v if kinds == _FLOAT else list(map(float, v))
    except OverflowError:
        return None
    # min and max may step over a NaN; the sum cannot (nor over an inf): a non-finite sum is
    # refused (also if finite values overflowed it: safe).
    if lo <= min(out) and max(out) <= hi and -_INF < sum(out) < _INF:
        return tuple(out)
    return None


def _number_or_numbers(v: Any, lo: float, hi: float, max_len: int) -> float | tuple[float, ...]:
    """One number in ``[lo, hi]`` as a float, or a list of 1..max_len of them as a tuple of
    floats (exact ``int``/``float`` values only)."""
    if v.__class__ is list:
        out = floats_in_range(v, lo, hi) if len(v) <= max_len else None
        if out is None:
            raise GiveUp
        return out
    f = _finite_float(v)
    if lo <= f <= hi:
        return f
    raise GiveUp


_HELPERS: dict[str, Any] = {
    "_give_up": _give_up,
    "_finite_float": _finite_float,
    "_number_or_numbers": _number_or_numbers,
}


# --------------------------------------------------------------------------- what compiles

#: Schema methods whose behaviour the generated code reproduces: a class overriding any of them
#: is not compiled (``load`` itself may be CompiledLoad's).
_SCHEMA_METHODS = ("_do_load", "_deserialize", "_invoke_field_validators",
                   "_invoke_schema_validators", "_run_validator", "_invoke_load_processors",
                   "_invoke_processors", "_call_and_store")


def _compilable(schema: Schema) -> bool:
    """True when ``schema.load(data)`` (``many``, ``partial``, ``unknown`` as constructed) is
    exactly: read each load field, validate the result with the ``validates_schema`` hooks,
    then apply the ``post_load`` hooks, each hook taking one object."""
    cls = type(schema)
    for klass in cls.__mro__:
        own = klass.__dict__.get("load")
        if own is not None and own is not Schema.load and own is not CompiledLoad.load:
            return False
        if klass is Schema:
            break
    hooks = schema._hooks
    data_keys = [f.data_key if f.data_key is not None else name
                 for name, f in schema.load_fields.items()]
    return (all(getattr(cls, m) is getattr(Schema, m) for m in _SCHEMA_METHODS)
            and not hooks[PRE_LOAD] and not hooks[VALIDATES]
            and not any(many for _, many, _ in hooks[VALIDATES_SCHEMA])
            and not any(many for _, many, _ in hooks[POST_LOAD])
            and schema.dict_class is dict and not schema.many
            and schema.partial is None and schema.unknown in (RAISE, EXCLUDE, INCLUDE)
            and len(set(data_keys)) == len(data_keys)
            and all(isinstance(k, str) for k in data_keys)
            and not any("." in (f.attribute or name) for name, f in schema.load_fields.items()))


def _plain_field(field: fields.Field) -> bool:
    """True when ``field.deserialize`` is ``Field.deserialize`` over the field's own
    ``_deserialize`` and its validators."""
    cls = type(field)
    return (cls.deserialize is fields.Field.deserialize
            and cls._validate_missing is fields.Field._validate_missing
            and cls._validate is fields.Field._validate
            and cls._validate_all is fields.Field._validate_all
            and not field.pre_load and not field.post_load)


def _literal(value: Any) -> str | None:
    """A source literal equal to ``value`` and of its type, or None."""
    if value is None or value.__class__ in (bool, int, str):
        return repr(value)
    if value.__class__ is float and math.isfinite(value):
        return repr(value)  # repr round-trips a float exactly
    return None


class _Compiler(CodeBuilder):
    def __init__(self) -> None:
        super().__init__({"_M": missing, "_G": GiveUp, **_HELPERS})
        self.done: dict[tuple[int, str], str] = {}

    def _value(self, value: Any, prefix: str = "_k") -> str:
        literal = _literal(value)
        return literal if literal is not None else self._bind(value, prefix)

    # ------------------------------------------------------------------ one value

    def conversion(self, field: fields.Field, v: str) -> tuple[str, bool] | None:
        """``(expression, rejects_none)``: an expression giving what ``field._deserialize``
        returns for ``v`` (not None, not missing) or raising; None if the field class is not
        known exactly. ``rejects_none`` says the expression itself raises for None."""
        cls = type(field)
        inline = cls.__dict__.get("load_inline")
        if inline is not None:
            f = self._bind(field, "_f")
            return "(" + inline.format(v=v, f=f) + ")", False
        if cls is fields.String:
            return f"({v} if {v}.__class__ is str else _give_up())", True
        if cls is fields.Integer:
            # Strict or not, an exact int is int(v) == v; anything else gives up.
            return f"({v} if {v}.__class__ is int else _give_up())", True
        if cls is fields.Float:
            if field.allow_nan:  # type: ignore[attr-defined]
                return (f"(float({v}) if {v}.__class__ is float or {v}.__class__ is int "
                        "else _give_up())"), True
            return f"_finite_float({v})", True
        if cls is fields.Nested:
            schema = field.schema  # type: ignore[attr-defined]
            if (field.many or schema.many  # type: ignore[attr-defined]
                    or not _compilable(schema)):
                return None
            unknown = field.unknown if field.unknown is not None else schema.unknown  # type: ignore[attr-defined]
            if unknown not in (RAISE, EXCLUDE, INCLUDE):
                return None
            return f"{self.schema_function(schema, unknown)}({v})", True
        if cls is fields.List:
            item = self.item_function(field.inner)  # type: ignore[attr-defined]
            return (f"([{item}(_e) for _e in {v}] if {v}.__class__ is list "
                    "else _give_up())"), True
        return None

    def checks(self, field: fields.Field, x: str, ind: str) -> list[str]:
        """Lines raising GiveUp when a validator of ``field`` would reject ``x``."""
        lines = []
        for validator in field.validators:
            cls = type(validator)
            if cls is validate.Range:
                lo, hi = validator.min, validator.max
                if lo is not None:
                    op = "<" if validator.min_inclusive else "<="
                    lines.append(f"{ind}if {x} {op} {self._value(lo)}: raise _G")
                if hi is not None:
                    op = ">" if validator.max_inclusive else ">="
                    lines.append(f"{ind}if {x} {op} {self._value(hi)}: raise _G")
            elif cls is validate.Length:
                if validator.equal is not None:
                    lines.append(f"{ind}if len({x}) != {self._value(validator.equal)}: "
                                 "raise _G")
                    continue
                if validator.min is not None:
                    lines.append(f"{ind}if len({x}) < {self._value(validator.min)}: raise _G")
                if validator.max is not None:
                    lines.append(f"{ind}if len({x}) > {self._value(validator.max)}: raise _G")
            elif cls is validate.OneOf:
                choices = self._bind(validator.choices, "_c")
                lines.append(f"{ind}if {x} not in {choices}: raise _G")
            elif cls is validate.Regexp:
                regex = self._bind(validator.regex, "_rx")
                lines.append(f"{ind}if {regex}.match({x}) is None: raise _G")
            else:
                # As And calls it: it passes unless it raises.
                lines.append(f"{ind}{self._bind(validator, '_v')}({x})")
        return lines

    def present(self, field: fields.Field, v: str, x: str, ind: str) -> list[str] | None:
        """Lines assigning to ``x`` what ``field.deserialize(v)`` returns for a present value
        ``v``, or raising; None if the field is not compiled."""
        if not _plain_field(field):
            return None
        converted = self.conversion(field, v)
        if converted is None:
            return None
        expr, rejects_none = converted
        body = [f"{ind}{x} = {expr}", *self.checks(field, x, ind)]
        if field.allow_none:
            return [f"{ind}if {v} is None:", f"{ind}    {x} = None", f"{ind}else:",
                    *("    " + line for line in body)]
        if rejects_none:
            return body
        return [f"{ind}if {v} is None: raise _G", *body]

    def item_function(self, field: fields.Field) -> str:
        """The name of a function giving ``field.deserialize(item)`` for one list item (as
        ``List._deserialize`` calls it) or raising."""
        name = self._bind(None, "_item")
        lines = self.present(field, "v", "x", "    ")
        if lines is None:
            self.namespace[name] = field.deserialize
            return name
        self.sources.append("\n".join([f"def {name}(v):", *lines, "    return x"]))
        return name

    # ------------------------------------------------------------------ one schema

    def schema_function(self, schema: Schema, unknown: str) -> str:
        """The name of a generated function giving ``schema.load(d, unknown=unknown)`` or
        raising (the schema must be :func:`_compilable`)."""
        key = (id(schema), unknown)
        if key in self.done:
            return self.done[key]
        label = re.sub(r"\W", "_", type(schema).__name__)
        name = self._bind(None, f"_load_{label}_")
        self.done[key] = name
        lines = [f"def {name}(d):",
                 "    if d.__class__ is not dict: raise _G",
                 "    r = {}",
                 "    n = 0"]
        required = 0
        for attr, field in schema.load_fields.items():
            data_key = field.data_key if field.data_key is not None else attr
            target = repr(field.attribute or attr)
            lines.append(f"    # {attr!r}")
            lines.append(f"    v = d.get({data_key!r}, _M)")
            body = self.present(field, "v", "x", "        ")
            if body is None:
                # Left to the field, called as Schema._deserialize calls it.
                des = self._bind(field.deserialize, "_d")
                lines += ["    if v is not _M: n += 1",
                          f"    x = {des}(v, {data_key!r}, d)",
                          f"    if x is not _M: r[{target}] = x"]
                continue
            default = field.load_default
            if field.required:
                required += 1
                lines += ["    if v is _M: raise _G", *(line[4:] for line in body),
                          f"    r[{target}] = x"]
                continue
            lines += ["    if v is not _M:", "        n += 1", *body, f"        r[{target}] = x"]
            if default is not missing:
                value = (f"{self._bind(default, '_ld')}()" if callable(default)
                         else self._value(default, "_ld"))
                lines += ["    else:", f"        r[{target}] = {value}"]
        if unknown != EXCLUDE:
            # Every key read was a field's: any other key is unknown (RAISE: an error;
            # INCLUDE: it would be copied into the result, so give up either way).
            lines.append(f"    if n + {required} != len(d): raise _G")
        kwargs = f"partial={schema.partial!r}, many=False, unknown={unknown!r}"
        for attr_name, _, options in schema._hooks[VALIDATES_SCHEMA]:
            hook = self._bind(getattr(schema, attr_name), "_vs")
            original = "d, " if options.get("pass_original") else ""
            lines.append(f"    {hook}(r, {original}{kwargs})")
        for attr_name, _, options in schema._hooks[POST_LOAD]:
            hook = self._bind(getattr(schema, attr_name), "_pl")
            original = "d, " if options.get("pass_original") else ""
            lines.append(f"    r = {hook}(r, {original}{kwargs})")
        lines.append("    return r")
        self.sources.append("\n".join(lines))
        return name

    def build(self, schema: Schema) -> Loader:
        name = self.schema_function(schema, schema.unknown)
        source = "\n\n".join(self.sources)
        code = _CODE.get(source)
        if code is None:
            code = _CODE[source] = compile(source, f"<compiled load {type(schema).__name__}>",
                                           "exec")
        exec(code, self.namespace)  # noqa: S102 - generated from the schema's fields
        fn: Loader = self.namespace[name]
        return fn


#: Generated source -> code object: every instance of a schema class with the same options
#: generates the same source, so only the first one pays for ``compile``.
_CODE: dict[str, Any] = {}


def compile_load(schema: Schema) -> Loader:
    """A function ``data -> object`` equal to ``schema.load(data)`` for input it is certain
    of, raising (GiveUp or any other exception) for anything else. The schema must satisfy
    :func:`_compilable`; the function is bound to this instance's fields, nested schemas and
    hooks, the ones marshmallow would use."""
    if not _compilable(schema):
        raise ValueError(f"{type(schema).__name__} cannot be compiled")
    return _Compiler().build(schema)


def generated_source(schema: Schema) -> str:
    """The code :func:`compile_load` generates for ``schema`` (for reading and debugging)."""
    compiler = _Compiler()
    compiler.schema_function(schema, schema.unknown)
    return "\n\n".join(compiler.sources)


class CompiledLoad:
    """Schema mixin: ``load`` tries the compiled fast path first and hands anything it is not
    certain of to marshmallow's ``Schema.load``.

    Each instance compiles its own function, on its second load, bound to its own fields,
    nested schemas and hooks (the ones marshmallow would use); the generated code object is
    shared by instances of the same class and options, so compiling again costs only the walk
    over the fields. Build a schema once and reuse it to benefit."""

    def load_fast(self, data: Any) -> Any:
        """The fast path alone: the loaded object, or :class:`GiveUp` (or another exception)
        when it is not certain. Tests use it to check the fast path is taken."""
        schema: Schema = self  # type: ignore[assignment]
        entry = self.__dict__.get("_compiled_load")
        if entry is None or entry[0] is not schema.load_fields or entry[1] != schema.unknown:
            # (Re)compile when the fields were (re)built (copy.copy + _init_fields, as Nested
            # does) or unknown was set since.
            try:
                fn = compile_load(schema) if _compilable(schema) else None
            except (*DOUBT, SyntaxError):  # a schema the compiler cannot read: marshmallow
                fn = None
            entry = self.__dict__["_compiled_load"] = (schema.load_fields, schema.unknown, fn)
        if entry[2] is None:
            raise GiveUp(f"{type(schema).__name__} is loaded by marshmallow")
        return entry[2](data)

    def load(self, data: Any, *, many: bool | None = None, partial: Any = None,
             unknown: str | None = None) -> Any:
        schema: Schema = self  # type: ignore[assignment]
        if (not many and partial is None and not schema.many
                and (unknown is None or unknown == schema.unknown)):
            if "_compiled_load" in self.__dict__:
                try:
                    return self.load_fast(data)
                except DOUBT:  # any doubt: marshmallow decides
                    pass
            else:
                # An instance's first load is marshmallow's: compiling (~1 ms, most of it
                # making every nested schema) pays only for an instance that is used again,
                # not for one made per call. The next load compiles.
                self.__dict__["_compiled_load"] = (None, None, None)
        return super().load(data, many=many, partial=partial, unknown=unknown)  # type: ignore[misc]


def _measure(runs: int = 7, n: int = 2000) -> None:
    """``python -m svcalc.api.loading``: microseconds per load of the benchmark and example
    proposals, marshmallow's ``Schema.load`` against the compiled one (best of ``runs``, the
    garbage collector paused)."""
    import gc
    import time

    from svcalc.api.bench import BENCH_PROPOSAL
    from svcalc.api.examples import PROPOSAL
    from svcalc.api.schemas import ProposalSchema

    schema = ProposalSchema()

    def best(load: Callable[[Any], Any], raw: Any) -> float:
        load(raw), load(raw)  # the second load compiles
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            for _ in range(n):
                load(raw)
            times.append((time.perf_counter() - start) / n * 1e6)
        return min(times)

    gc.disable()
    try:
        for label, raw in (("BENCH_PROPOSAL", BENCH_PROPOSAL), ("examples.PROPOSAL", PROPOSAL)):
            slow = best(lambda d: Schema.load(schema, d), raw)
            fast = best(schema.load, raw)
            print(f"{label:18} marshmallow {slow:6.1f} us   compiled {fast:5.1f} us   "
                  f"({slow / fast:.1f}x)")
    finally:
        gc.enable()


if __name__ == "__main__":
    _measure()
