"""Compiled response dumping: the dicts marshmallow's ``Schema.dump`` builds, built without its
per-field machinery.

An appraisal response has several hundred values (the cash-flow table alone is ``19 x (T+1)``).
``Schema.dump`` reaches each through ``Field.serialize`` -> ``get_value`` -> ``_serialize``, which
cost more than computing the appraisal did (~1.2 ms of ~2 ms per proposal). :func:`compile_dump`
reads a schema's ``dump_fields`` once and generates one Python function per schema that builds the
same dict with attribute reads and inline conversions.

It is an optimisation of marshmallow, not a second serialiser: the schema stays the single
declaration (the spec is generated from it), anything the compiler does not know exactly is handed
back to marshmallow (a field type it has no inline form for -> that field's own ``_serialize``,
unless the class declares the same conversion as a ``dump_inline`` expression of ``{v}``, or
as a ``dump_columns`` function for the columns of a table; a schema with dump
hooks, a mapping or a missing attribute -> that schema's ``Schema.dump``), and
``tests/test_dumping.py`` checks the output is identical, key order included, to ``Schema.dump``.
"""

from __future__ import annotations

import keyword
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson
from marshmallow import Schema, fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import ensure_text_type

from svcalc.api.codegen import CodeBuilder

__all__ = ["CompiledDump", "compile_dump", "table_json", "tables_json"]

Dumper = Callable[[Any], Any]

# Exact types only: a subclass may change _serialize (MoneyOut rounds), so it takes the fallback.
_INLINE_NUMBERS = {fields.Float: "float", fields.Integer: "int"}


def _text(value: Any) -> str | None:
    return None if value is None else ensure_text_type(value)


def _plain_attribute(field: fields.Field) -> bool:
    """True when marshmallow would read this field as ``get_value(obj, name)`` unchanged."""
    cls = type(field)
    return (field._CHECK_ATTRIBUTE and cls.serialize is fields.Field.serialize
            and cls.get_value is fields.Field.get_value and "." not in (field.attribute or ""))


def _compilable(schema: Schema) -> bool:
    """True when ``schema.dump`` is exactly a dict of its dump_fields, each read plainly."""
    return (not schema._hooks[PRE_DUMP] and not schema._hooks[POST_DUMP]
            and schema.dict_class is dict
            and type(schema).get_attribute is Schema.get_attribute
            and type(schema)._serialize is Schema._serialize
            and all(_plain_attribute(f) for f in schema.dump_fields.values()))


def _positions(row_type: type, attrs: tuple[str, ...]) -> tuple[int, ...] | bool:
    """Where each attribute sits in a named-tuple type, or False if the type is not one that
    has them all (then rows are dumped one by one)."""
    names = getattr(row_type, "_fields", None)
    if not issubclass(row_type, tuple) or not isinstance(names, tuple):
        return False
    try:
        return tuple(names.index(a) for a in attrs)
    except ValueError:
        return False


def _table_plan(table_type: type, attrs: tuple[str, ...],
                groups: list[list[int]]) -> tuple[tuple[int, ...], list[list[int]]] | bool:
    """For a columnar table type (a ``column_names`` tuple on the class, a 2-D ``columns`` array
    on each instance, row ``k`` holding field ``column_names[k]``): where each attribute's
    column sits, and the columns of each ``dump_columns`` group. False for any other type."""
    names = getattr(table_type, "column_names", None)
    if not isinstance(names, tuple) or "columns" not in getattr(table_type, "__slots__", ()):
        return False
    try:
        where = tuple(names.index(a) for a in attrs)
    except ValueError:
        return False
    return where, [[where[k] for k in members] for members in groups]


#: A table's JSON with every number left as a ``%b`` slot, per (keys, rows, the fields that
#: are written in as the row's index): see table_json.
_TEMPLATES: dict[tuple[tuple[str, ...], int, tuple[int, ...]], bytes] = {}

#: Integers beyond this would not come out of ``astype(np.int64)`` as ``int(v)`` does.
_INT_LIMIT = 2.0**62


def _template(keys: tuple[str, ...], rows: int, indexed: tuple[int, ...]) -> bytes:
    template = _TEMPLATES.get((keys, rows, indexed))
    if template is None:
        names = [orjson.dumps(k).replace(b"%", b"%%") + b":" for k in keys]
        template = _TEMPLATES[keys, rows, indexed] = b"[" + b",".join(
            b"{" + b",".join(name + (str(r).encode() if k in indexed else b"%b")
                             for k, name in enumerate(names)) + b"}"
            for r in range(rows)) + b"]"
    return template


Groups = tuple[tuple[Callable[[np.ndarray], np.ndarray], list[int]], ...]

#: Groups of tables written together, by ``id`` of their array while it lives: (keys, groups,
#: each table's JSON).
_WRITTEN: dict[int, tuple[tuple[str, ...], Groups, list[orjson.Fragment | None]]] = {}


def table_json(a: np.ndarray, where: tuple[int, ...], ints: tuple[int, ...], groups: Groups,
               keys: tuple[str, ...]) -> orjson.Fragment | None:
    """The JSON of a columnar table's rows, ``[{key: value, ...} per year]``, exactly the bytes
    orjson writes for the row dicts the compiled dump builds, made without them: or ``None``
    (build the dicts) when a value is not finite or an integer column holds what ``int`` and
    numpy would not agree on.

    ``a`` is the table's ``(fields, rows)`` float array; output field ``k`` (key ``keys[k]``)
    is row ``where[k]``: an integer if ``k`` is in ``ints``, converted by ``convert`` if it is
    in one of ``groups``' ``(convert, fields)`` (a field class's ``dump_array``: money rounded
    to pennies with numpy, exactly ``round(v, 2)``), else a float as it is.

    A table that is one of a read-only ``(tables, fields, rows)`` array's tables (as
    ``core.appraise_many`` builds a group's) is written with all of them, once: the numpy
    calls, not the numbers, are most of the cost of one small table. The group's JSON is kept
    until its array is freed (the tables hold it), so groups dumped in turn (a batch of mixed
    terms) are each written once."""
    group = a.base
    if (group is not None and group.ndim == 3 and group.shape[1:] == a.shape
            and not group.flags.writeable and group.strides[1:] == a.strides):
        offset = a.__array_interface__["data"][0] - group.__array_interface__["data"][0]
        i, rest = divmod(offset, group.strides[0])
        if not rest and 0 <= i < len(group):
            written = _WRITTEN.get(id(group))
            if written is None or written[0] is not keys or written[1] is not groups:
                if written is None:
                    weakref.finalize(group, _WRITTEN.pop, id(group), None)
                written = _WRITTEN[id(group)] = (
                    keys, groups, tables_json(group, where, ints, groups, keys))
            return written[2][i]
    return tables_json(a[None], where, ints, groups, keys)[0]


def tables_json(tables: np.ndarray, where: tuple[int, ...], ints: tuple[int, ...],
                groups: Groups, keys: tuple[str, ...]) -> list[orjson.Fragment | None]:
    """:func:`table_json` of each table of ``tables``, a ``(tables, fields, rows)`` array.

    orjson writes a float64 array's numbers with the same shortest round-trip digits as Python
    floats (``tests/test_dumping.py`` checks the bytes), so every number is written in one call
    and each table's are dropped into a cached template holding the keys."""
    x = tables[:, list(where)]
    finite = np.isfinite(x)
    good = finite.all(axis=(1, 2))
    for k in ints:
        good &= (np.abs(np.where(finite[:, k], x[:, k], 0.0)) < _INT_LIMIT).all(axis=1)
    for convert, members in groups:
        x[:, members] = convert(x[:, members])
    n, fields, rows = x.shape
    if not x.size:
        return [orjson.Fragment(b"[]" if rows == 0 else b"[" + b",".join([b"{}"] * rows) + b"]")
                if ok else None for ok in good.tolist()]
    # An integer column holding 0, 1, 2, ... in every table (the year) is written into the
    # template; the other columns' numbers, table i's in output order (row by row, field by
    # field), are written by orjson, and its other integer columns' too.
    indexed = tuple(k for k in ints if (x[:, k] == np.arange(rows)).all())
    kept = [k for k in range(fields) if k not in indexed]
    numbers = np.ascontiguousarray(x[:, kept].transpose(0, 2, 1)).reshape(n, rows * len(kept))
    whole = {kept.index(k): np.where(good[:, None], x[:, k], 0.0).astype(np.int64)
             for k in ints if k not in indexed}
    template = _template(keys, rows, indexed)
    fields = len(kept)
    out: list[orjson.Fragment | None] = []
    # Table by table: the tokens of one table are freed before the next is split, which keeps
    # them in memory already in use (all of a group's at once took ~2.5x as long a number).
    for i, ok in enumerate(good.tolist()):
        if not ok:
            out.append(None)
            continue
        tokens = (orjson.dumps(numbers[i], option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].split(b",")
                  if fields else [])
        for k, column in whole.items():
            tokens[k::fields] = orjson.dumps(column[i], option=orjson.OPT_SERIALIZE_NUMPY
                                             )[1:-1].split(b",")
        out.append(orjson.Fragment(template % tuple(tokens)))
    return out


class _Compiler(CodeBuilder):
    def __init__(self, fragments: bool = False) -> None:
        super().__init__({"_text": _text, "_positions": _positions, "_table_plan": _table_plan,
                          "_table_json": table_json})
        self.done: dict[int, str] = {}
        self.fragments = fragments

    def value_expr(self, field: fields.Field, v: str, owner: str, attr: str) -> str:
        """An expression turning the value named ``v`` into what ``field._serialize`` returns."""
        cls = type(field)
        inline = cls.__dict__.get("dump_inline")
        if inline is not None:
            return "(" + inline.format(v=v) + ")"
        if cls in _INLINE_NUMBERS and not field.as_string:  # type: ignore[attr-defined]
            return f"(None if {v} is None else {_INLINE_NUMBERS[cls]}({v}))"
        if cls is fields.String:
            return f"({v} if {v}.__class__ is str else _text({v}))"
        if cls is fields.Raw:
            return v
        keys, values = getattr(field, "key_field", None), getattr(field, "value_field", None)
        if cls is fields.Dict and self._plain_text(keys) and self._plain_text(values):
            # Mapping._serialize: a new dict, each key and value through String._serialize.
            if keys is None and values is None:
                return f"(None if {v} is None else dict({v}))"
            k = "_mk" if keys is None else self.value_expr(keys, "_mk", owner, attr)
            x = "_mv" if values is None else self.value_expr(values, "_mv", owner, attr)
            return f"(None if {v} is None else {{{k}: {x} for _mk, _mv in {v}.items()}})"
        if cls is fields.Nested and _compilable(field.schema):  # type: ignore[attr-defined]
            schema = field.schema  # type: ignore[attr-defined]
            if schema.many or field.many:  # type: ignore[attr-defined]
                return f"{self.rows_function(schema, none_items=False)}({v})"
            return f"(None if {v} is None else {self.schema_function(schema)}({v}))"
        if cls is fields.List:
            inner = field.inner  # type: ignore[attr-defined]
            if type(inner) is fields.Nested and _compilable(inner.schema):
                # List -> Nested._serialize per item: a None item stays None.
                return f"{self.rows_function(inner.schema, none_items=True)}({v})"
            item = self.value_expr(inner, "_y", owner, attr)
            return f"(None if {v} is None else [{item} for _y in {v}])"
        # Anything else: the field's own conversion, called as Schema.dump would call it.
        bound = self._bind(field._serialize, "_s")
        return f"{bound}({v}, {attr!r}, {owner})"

    @staticmethod
    def _plain_text(field: fields.Field | None) -> bool:
        """No field, or a plain String (whose conversion value_expr inlines exactly)."""
        return field is None or type(field) is fields.String

    def schema_function(self, schema: Schema) -> str:
        """The name of a generated function dumping one object as ``schema.dump`` would."""
        key = id(schema)
        if key in self.done:
            return self.done[key]
        name = self._bind(None, f"_dump_{type(schema).__name__}_")
        self.done[key] = name
        fallback = self._bind(lambda obj, s=schema: Schema.dump(s, obj, many=False), "_marsh")
        if not _compilable(schema):
            self.namespace[name] = self.namespace[fallback]
            return name
        reads, items = [], []
        for i, (attr, field) in enumerate(schema.dump_fields.items()):
            source = field.attribute or attr
            read = (f"o.{source}" if source.isidentifier() and not keyword.iskeyword(source)
                    else f"getattr(o, {source!r})")
            reads.append(f"        _v{i} = {read}")
            key = field.data_key if field.data_key is not None else attr
            items.append(f"        {key!r}: {self.value_expr(field, f'_v{i}', 'o', attr)},")
        # marshmallow reads obj[key] first when obj has __getitem__ (a mapping), and leaves a
        # key out when the attribute is missing: both go to marshmallow itself.
        self.sources.append("\n".join([
            f"def {name}(o):",
            "    if hasattr(o, '__getitem__') and not isinstance(o, tuple):",
            f"        return {fallback}(o)",
            "    try:",
            *(reads or ["        pass"]),
            "    except AttributeError:",
            f"        return {fallback}(o)",
            "    return {",
            *items,
            "    }",
        ]))
        return name

    def rows_function(self, schema: Schema, none_items: bool) -> str:
        """The name of a generated function dumping a list of objects as ``schema.dump(rows,
        many=True)`` would (``None`` stays ``None``).

        A table is dumped by column: a field class with a ``dump_columns`` function converts
        all its columns at once (money is rounded with numpy), and the row dicts are zipped
        back. A table is either a columnar object (its class has a ``column_names`` tuple and a
        ``columns`` slot holding a 2-D float array, row ``k`` = field ``column_names[k]``, such
        as the cash-flow table) or a list of named tuples of one type (``zip(*rows)`` transposes
        it). Any other list is dumped row by row."""
        one = self.schema_function(schema)
        each = f"(None if _x is None else {one}(_x))" if none_items else f"{one}(_x)"
        name = self._bind(None, f"_rows_{type(schema).__name__}_")
        attrs = tuple(f.attribute or a for a, f in schema.dump_fields.items())
        keys = tuple(f.data_key if f.data_key is not None else a
                     for a, f in schema.dump_fields.items())
        positions = self._bind({}, "_pos")
        plans = self._bind({}, "_plans")
        columns: list[str] = []
        # Field classes with dump_columns convert all their columns in one call: _g<n>.
        groups: dict[Any, tuple[str, list[str]]] = {}
        group_fields: dict[Any, list[int]] = {}
        for k, (attr, field) in enumerate(schema.dump_fields.items()):
            column = f"_c[_i[{k}]]"
            convert = type(field).__dict__.get("dump_columns")
            if convert is not None:
                var, members = groups.setdefault(convert, (f"_g{len(groups)}", []))
                columns.append(f"{var}[{len(members)}]")
                members.append(column)
                group_fields.setdefault(convert, []).append(k)
            else:
                item = self.value_expr(field, "_y", "_r", attr)
                uses_row = "_r" in item
                columns.append(f"[{item} for _y in {column}]" if not uses_row
                               else f"[{item} for _y, _r in zip({column}, _v)]")
        ks = [group_fields[convert] for convert in groups]
        # With fragments, a columnar table of numbers is written as JSON at once (table_json).
        kinds = self._json_kinds(schema) if self.fragments else None
        fragment = [] if kinds is None else [
            f"            _j = _table_json(_a, _i, {self._bind(kinds[0], '_ints')}, "
            f"{self._bind(kinds[1], '_groups')}, {self._bind(keys, '_keys')})",
            "            if _j is not None:",
            "                return _j",
        ]
        # A dict display per row: about a third cheaper than dict(zip(keys, row)).
        names = [f"_x{k}" for k in range(len(keys))]
        display = ", ".join(f"{key!r}: {n}" for key, n in zip(keys, names, strict=True))
        rows = [
            f"            return [{{{display}}} for {', '.join(names)}"
            f"{',' if len(names) == 1 else ''} in zip(",
            *[f"                {c}," for c in columns],
            "            )]",
        ] if names else ["            return [{} for _ in range(len(_v))]"]
        self.sources.append("\n".join([
            f"def {name}(_v):",
            "    if _v is None:",
            "        return None",
            "    if _v.__class__ is not list:",
            f"        _p = {plans}.get(_v.__class__)",
            "        if _p is None:",
            f"            _p = {plans}[_v.__class__] = _table_plan(",
            f"                _v.__class__, {attrs!r}, {ks!r})",
            "        if _p:",
            "            _i, _gi = _p",
            "            _a = _v.columns",
            *fragment,
            "            _c = _a.tolist()",
            *[f"            {var} = {self._bind(convert, '_cols')}(_a[_gi[{n}]])"
              for n, (convert, (var, _)) in enumerate(groups.items())],
            *rows,
            "    if _v.__class__ is list and _v:",
            "        _t = _v[0].__class__",
            f"        _i = {positions}.get(_t)",
            "        if _i is None:",
            f"            _i = {positions}[_t] = _positions(_t, {attrs!r})",
            "        if _i and all(_r.__class__ is _t for _r in _v):",
            "            _c = list(zip(*_v))",
            *[f"            {var} = {self._bind(convert, '_cols')}([{', '.join(members)}])"
              for convert, (var, members) in groups.items()],
            *rows,
            f"    return [{each} for _x in _v]",
        ]))
        return name

    @staticmethod
    def _json_kinds(schema: Schema) -> tuple[tuple[int, ...], tuple[Any, ...]] | None:
        """:func:`table_json`'s ``ints`` and ``groups`` for a table of ``schema`` rows, or None
        if a field has no array form."""
        ints: list[int] = []
        groups: dict[Any, list[int]] = {}
        for k, field in enumerate(schema.dump_fields.values()):
            cls = type(field)
            if "dump_array" in cls.__dict__ and "dump_columns" in cls.__dict__:
                groups.setdefault(cls.__dict__["dump_array"].__func__, []).append(k)
            elif cls is fields.Integer and not field.as_string:  # type: ignore[attr-defined]
                ints.append(k)
            elif cls is not fields.Float or field.as_string:  # type: ignore[attr-defined]
                return None
        return tuple(ints), tuple(groups.items())

    def build(self, schema: Schema) -> Dumper:
        name = self.schema_function(schema)
        exec("\n\n".join(self.sources), self.namespace)  # noqa: S102 - generated from fields
        fn: Dumper = self.namespace[name]
        return fn


def compile_dump(schema: Schema, fragments: bool = False) -> Dumper:
    """A function ``obj -> dict`` equal to ``schema.dump(obj, many=False)``; with ``fragments``,
    for orjson only: a columnar table of numbers is an ``orjson.Fragment`` holding the JSON its
    rows would encode to (:func:`table_json`), byte for byte."""
    return _Compiler(fragments).build(schema)


_CACHE: dict[tuple[Any, ...], Dumper | None] = {}


def _key(schema: Schema) -> tuple[Any, ...]:
    def frozen(names: Any) -> frozenset[str] | None:
        return None if names is None else frozenset(names)

    return (type(schema), frozen(schema.only), frozen(schema.exclude),
            frozen(schema.load_only), frozen(schema.dump_only))


class CompiledDump:
    """Schema mixin: ``dump`` runs the compiled function, compiled once per schema class and
    field selection (``only``, ``exclude``, ...), so a schema made per request costs nothing;
    each instance keeps a reference to its function, so a dump does not rebuild the key.
    ``dump_for_orjson`` is the same dump with tables as ready JSON (``compile_dump``'s
    ``fragments``): for a body that orjson encodes, as the app's JSON provider does."""

    def _compiled(self, fragments: bool) -> Dumper | None:
        slot = "_compiled_json" if fragments else "_compiled_dump"
        try:
            fn: Dumper | None = self.__dict__[slot]
        except KeyError:
            schema: Schema = self  # type: ignore[assignment]
            key = (*_key(schema), fragments)
            if key not in _CACHE:
                _CACHE[key] = compile_dump(schema, fragments) if _compilable(schema) else None
            fn = self.__dict__[slot] = _CACHE[key]
        return fn

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        return self._dump(self._compiled(False), obj, many)

    def dump_for_orjson(self, obj: Any, *, many: bool | None = None) -> Any:
        return self._dump(self._compiled(True), obj, many)

    def _dump(self, fn: Dumper | None, obj: Any, many: bool | None) -> Any:
        schema: Schema = self  # type: ignore[assignment]
        if fn is None:
            return Schema.dump(schema, obj, many=many)
        if schema.many if many is None else many:
            if obj is None:
                return Schema.dump(schema, obj, many=True)
            return [fn(o) for o in obj]
        return fn(obj)
