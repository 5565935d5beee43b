"""Spreadsheet plumbing: flat parameters in, one named figure (or a flat table) out.

Spreadsheets speak in flat key/value pairs and single cells. This module maps between that and
svcalc's nested proposal and appraisal, *generically*, from the marshmallow schemas:

* **Flat parameters.** Every scalar leaf of
  :class:`~svcalc.api.schemas.proposal.ProposalSchema` becomes a query parameter named by its
  dotted path (``term_years``, ``public.baseline_annual_cost``,
  ``public.upfront_costs.procurement``). A per-year figure takes one number (every year) or a
  comma-separated list (one value per contract year). Lists of objects (e.g. social-value
  outcomes) have no flat form: POST the full proposal for those. A field another engineer adds to
  the proposal schema gets its flat parameter without any change here.
* **Figures.** ``field`` is a dotted path into the serialised result (``public.npv``,
  ``verdict.rating``, ``cash_flows.3.public_net``, ``supplier.annual_margins.0``); its pattern is
  generated from the response schema, so new response fields are reachable at once.
* **Formats.** ``json`` (default), ``text`` (one bare value: ``.`` decimals, no thousands
  separator, ``TRUE``/``FALSE``, and ``#N/A`` for a figure that does not exist), ``csv``
  (``field,value,reason`` with a header row, RFC 4180, CRLF) and ``xml`` (flat, no namespaces,
  for FILTERXML).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
from flask import Response
from marshmallow import Schema, ValidationError, fields, validate

from svcalc.api.schemas.fields import MAX_TERM, Yearly

#: The text a spreadsheet cell shows for a figure that does not exist (Excel's "not available").
NOT_AVAILABLE = "#N/A"

FORMATS = ("json", "text", "csv", "xml")
TABLE_FORMATS = ("json", "csv", "xml")

MEDIA_TYPES = {
    "json": "application/json",
    "text": "text/plain",
    "csv": "text/csv",
    "xml": "text/xml",  # RFC 7303: the same as application/xml; generated clients read text/*
}

#: Fractional digits a number in a comma-separated list may carry (spreadsheets: ROUND(x, 9)).
LIST_DECIMALS = 9

#: A character XML 1.0 cannot carry at all, not even as a character reference (its ``Char``
#: production): C0 controls other than tab, newline and return, surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class NotXmlError(ValueError):
    """A value holds a character XML 1.0 cannot carry; ``name`` is its dotted path."""

    def __init__(self, name: str, char: str) -> None:
        super().__init__(f"format=xml cannot carry the character U+{ord(char):04X} in {name}: "
                         "XML 1.0 has no way to write it. Remove it, or ask for format=json or "
                         "csv.")
        self.name = name


def number_pattern(minimum: float, maximum: float) -> str:
    """A regex for decimal numbers that are all within [minimum, maximum].

    The pattern is a subset of the range, so anything it admits the server accepts: with
    ``maximum`` = 1e12 it allows 12 integer digits (< 1e12). Negative exponents only shrink a
    value, so ``1.5E-08`` (what spreadsheets print for small numbers) is allowed.

    >>> print(number_pattern(0, 1e12))
    [0-9]{1,12}(\\.[0-9]{1,9})?([eE]-[0-9]{1,2})?
    >>> print(number_pattern(-1e12, 1e12)[:14], number_pattern(0, 1)[:2])
    -?[0-9]{1,12}( 0(
    """
    limit = min(maximum, -minimum) if minimum < 0 else maximum
    sign = "-?" if minimum < 0 else ""
    frac = rf"(\.[0-9]{{1,{LIST_DECIMALS}}})?([eE]-[0-9]{{1,2}})?"
    if limit >= 10:
        digits = int(math.floor(math.log10(limit)))
        return rf"{sign}[0-9]{{1,{digits}}}{frac}"
    return rf"{sign}0{frac}"  # |value| < 1


def list_pattern(minimum: float, maximum: float, max_items: int) -> tuple[str, int]:
    """``^N(,N){0,max_items-1}$`` for :func:`number_pattern` N, and the longest match's length."""
    token = number_pattern(minimum, maximum)
    limit = min(maximum, -minimum) if minimum < 0 else maximum
    token_len = ((1 if minimum < 0 else 0) + (int(math.floor(math.log10(limit))) if limit >= 10
                                               else 1) + 1 + LIST_DECIMALS + 4)
    return rf"^{token}(,{token}){{0,{max_items - 1}}}$", max_items * (token_len + 1) - 1


def parse_number_list(text: str) -> list[float]:
    """``"-1000,300,400.5"`` -> floats (the pattern has already checked the syntax)."""
    return [float(part) for part in text.split(",")]


class NumberList(fields.Field):
    """A comma-separated list of numbers in a query string (or a JSON array in a batch)."""

    default_error_messages = {
        "invalid": "Not a comma-separated list of numbers.",
        "length": "Give between {min} and {max} values.",
    }

    def __init__(self, *, minimum: float, maximum: float, max_items: int, min_items: int = 1,
                 scalar_if_one: bool = False, description: str, example: str, unit: str,
                 length_equals: str | None = None, **kwargs: Any) -> None:
        pattern, max_length = list_pattern(minimum, maximum, max_items)
        self._re = re.compile(pattern)
        self._item = fields.Float(allow_nan=False, validate=validate.Range(minimum, maximum))
        self._bounds = (min_items, max_items)
        self._scalar_if_one = scalar_if_one
        metadata = {"type": "string", "pattern": pattern, "maxLength": max_length,
                    "description": description, "example": example, "x-unit": unit}
        if length_equals:
            # The cross-field rule, machine-readable (as the JSON bodies' per-year lists say it).
            metadata["x-length-equals"] = length_equals
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            if not self._re.fullmatch(value):  # not match: $ would allow a final newline
                raise self.make_error("invalid")
            items: list[Any] = parse_number_list(value)
        elif isinstance(value, list):
            items = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            items = [value]
        else:
            raise self.make_error("invalid")
        lo, hi = self._bounds
        if not lo <= len(items) <= hi:
            raise self.make_error("length", min=lo, max=hi)
        out: list[float] = []
        errors: dict[int, Any] = {}
        for i, item in enumerate(items):
            if isinstance(item, bool) or not isinstance(item, int | float):
                errors[i] = ["Not a valid number."]
                continue
            try:
                out.append(self._item.deserialize(item))
            except ValidationError as exc:
                errors[i] = exc.messages
        if errors:
            raise ValidationError(errors)  # type: ignore[arg-type]
        if self._scalar_if_one and len(out) == 1 and not isinstance(value, list):
            return out[0]
        return tuple(out)


# --------------------------------------------------------------------------- flat proposal


def _flat_field(field: fields.Field, required: bool, dotted: str) -> fields.Field | None:
    """The query-string twin of one scalar leaf of the proposal schema, or None (POST only)."""
    common: dict[str, Any] = {"required": required, "data_key": dotted,
                              "metadata": dict(field.metadata)}
    if isinstance(field, Yearly):
        item = field._item
        rng = next(v for v in item.validators if isinstance(v, validate.Range))
        meta = field.metadata
        return NumberList(minimum=rng.min, maximum=rng.max, max_items=MAX_TERM,
                          scalar_if_one=True, required=required, data_key=dotted,
                          description=meta.get("description", "") + " In a query string, a "
                          "list is comma-separated: 100,110,120.",
                          example=str(meta.get("example")), unit=meta.get("x-unit", ""),
                          length_equals="term_years")
    if isinstance(field, fields.Integer):
        return fields.Integer(validate=field.validators, **common)
    if isinstance(field, fields.Float):
        for rng in field.validators:
            # apispec drops Range(min_inclusive=False); say it, or -0.99 looks schema-valid.
            if isinstance(rng, validate.Range) and rng.min is not None and not rng.min_inclusive:
                common["metadata"]["exclusiveMinimum"] = True
            if isinstance(rng, validate.Range) and rng.max is not None and not rng.max_inclusive:
                common["metadata"]["exclusiveMaximum"] = True
        return fields.Float(allow_nan=False, validate=field.validators, **common)
    if isinstance(field, fields.Boolean):
        return fields.Boolean(**common)
    if isinstance(field, fields.String):
        return fields.String(validate=field.validators, **common)
    if isinstance(field, fields.List) and isinstance(field.inner, fields.String):
        # Repeated in a query string: risk.evidence=...&risk.evidence=...
        return fields.List(fields.String(validate=field.inner.validators),
                           validate=field.validators, **common)
    return None


def _has_flat_form(schema: Schema) -> bool:
    """Every required field of ``schema`` can be given as a query parameter."""
    for field in schema.fields.values():
        if not field.required:
            continue
        if isinstance(field, fields.Nested) and not field.many:
            if not _has_flat_form(field.schema):
                return False
        elif _flat_field(field, True, "") is None:
            return False
    return True


def flat_fields(schema: Schema, prefix: tuple[str, ...] = (),
                required: bool = True) -> dict[str, fields.Field]:
    """Attribute name -> query field for every scalar leaf of ``schema`` (recursively)."""
    out: dict[str, fields.Field] = {}
    for name, field in schema.fields.items():
        path = (*prefix, field.data_key or name)
        needed = required and field.required
        if isinstance(field, fields.Nested) and not field.many:
            # A block that needs a list of objects (channel_shift.channels,
            # social_value.outcomes) has no flat form at all: offering its scalar fields alone
            # would only invite requests that must fail.
            # A simulation is a whole distribution, not one spreadsheet figure: POST only.
            if not _has_flat_form(field.schema) or path == ("simulation",):
                continue
            out.update(flat_fields(field.schema, path, needed))
            continue
        flat = _flat_field(field, needed, ".".join(path))
        if flat is not None:
            out["__".join(path)] = flat
    return out


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"public__annual_payment": 5}`` -> ``{"public": {"annual_payment": 5}}``.

    >>> nest({"term_years": 3, "public__upfront_costs__it": 1.0})
    {'term_years': 3, 'public': {'upfront_costs': {'it': 1.0}}}
    """
    out: dict[str, Any] = {}
    for attr, value in flat.items():
        *parents, leaf = attr.split("__")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def flat_error_pointers(messages: Any, known: set[str], prefix: str,
                        path: tuple[str, ...] = ()) -> Iterator[dict[str, str]]:
    """Errors of the *nested* proposal, pointed at the *flat* parameter that carried the value.

    ``{"public": {"annual_payment": {3: [...]}}}`` -> ``#/query/public.annual_payment/3``.
    """
    if isinstance(messages, dict):
        for key, value in messages.items():
            sub = path if key == "_schema" else (*path, str(key))
            yield from flat_error_pointers(value, known, prefix, sub)
        return
    if isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        for i in range(len(path), 0, -1):
            dotted = ".".join(path[:i])
            if dotted in known:
                rest = path[i:]
                break
        else:
            dotted, rest = ".".join(path), ()
        base = prefix + ("/" + _escape(dotted) if dotted else "")
        ptr = base + "".join("/" + _escape(p) for p in rest)
        for message in messages:
            yield {"pointer": ptr, "detail": str(message)}
        return
    for item in messages:
        yield from flat_error_pointers(item, known, prefix, path)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# --------------------------------------------------------------------------- figures


def field_pattern(schema: Schema) -> str:
    """A regex of every dotted path into ``schema``'s serialised form (lists by index).

    Generated from the response schema, so ``field`` accepts new figures as soon as they exist.
    """
    return "^(" + _alternatives(schema) + ")$"


def _alternatives(schema: Schema) -> str:
    parts = []
    for name, field in schema.fields.items():
        key = re.escape(field.data_key or name)
        parts.append(key + _suffix(field))
    return "|".join(parts)


def _suffix(field: fields.Field) -> str:
    if isinstance(field, fields.Nested):
        inner = _alternatives(field.schema)
        if field.many:
            return rf"(\.[0-9]{{1,3}}(\.({inner}))?)?"
        return rf"(\.({inner}))?"
    if isinstance(field, fields.List):
        return r"(\.[0-9]{1,3}" + _suffix(field.inner) + ")?"
    if isinstance(field, fields.Dict):
        return r"(\.[a-z_][a-z0-9_]{0,63})?"
    return ""


def field_names(schema: Schema, prefix: str = "") -> list[str]:
    """Dotted names of the fields of ``schema`` and its nested objects (for the docs).

    >>> from svcalc.api.schemas.appraisal import MethodSchema
    >>> field_names(MethodSchema())[:2]
    ['version', 'reference_version']
    """
    out = []
    for name, field in schema.fields.items():
        dotted = prefix + (field.data_key or name)
        out.append(dotted)
        if isinstance(field, fields.Nested) and not field.many:
            out.extend(field_names(field.schema, dotted + "."))
    return out


class FieldNotFoundError(LookupError):
    """The dotted path names nothing in this result (an index beyond the list, say)."""


def lookup(root: Any, dotted: str) -> Any:
    """The value at a dotted path; list items by index.

    >>> lookup({"a": {"b": [10, 20]}}, "a.b.1")
    20
    """
    node = root
    if not dotted:
        return node
    walked: list[str] = []
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            where = ".".join(walked) or "the result"
            if isinstance(node, dict):
                raise FieldNotFoundError(
                    f"{where} has no {part!r}; it has: {', '.join(node) or 'nothing'}.")
            if isinstance(node, list):
                raise FieldNotFoundError(
                    f"{where} has {len(node)} items (0..{len(node) - 1}); {part!r} is not one.")
            raise FieldNotFoundError(f"{where} is a single value; it has no {part!r}.")
        walked.append(part)
    return node


def reason_for(root: Any, dotted: str) -> str:
    """Why the figure at ``dotted`` is null: the nearest enclosing block's ``notes`` entry."""
    parts = dotted.split(".")
    for i in range(len(parts) - 1, -1, -1):
        try:
            block = lookup(root, ".".join(parts[:i]))
        except FieldNotFoundError:  # pragma: no cover - the path was looked up already
            continue
        notes = block.get("notes") if isinstance(block, dict) else None
        if isinstance(notes, dict) and isinstance(notes.get(parts[i]), str):
            return notes[parts[i]]
    return "svcalc has no value for this figure for this proposal."


def leaves(value: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """Scalar leaves of ``value`` with their dotted names (the flat form of csv and xml)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        if not value:
            yield prefix, None
        for i, item in enumerate(value):
            yield from leaves(item, f"{prefix}.{i}" if prefix else str(i))
    else:
        yield prefix, value


def text_value(value: Any) -> str:
    """One cell's text: ``.`` decimals, no exponent or thousands separator; ``#N/A`` for null.

    >>> [text_value(v) for v in (7266605.32, 5.0, 1e-05, -0.0, 3, True, None, "robust")]
    ['7266605.32', '5', '0.00001', '0', '3', 'TRUE', '#N/A', 'robust']
    """
    if value is None:
        return NOT_AVAILABLE
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # + 0.0 turns -0.0 into 0.0: a spreadsheet should never show "-0".
        return str(np.format_float_positional(value + 0.0, trim="-"))
    return str(value)


def figure(root: Any, dotted: str) -> dict[str, Any]:
    """``{field, value, reason}`` for the dotted path (the whole result when it is empty)."""
    value = lookup(root, dotted)
    reason = reason_for(root, dotted) if value is None else None
    return {"field": dotted, "value": value, "reason": reason}


def render_figure(fig: dict[str, Any], root: Any, fmt: str) -> Response | dict[str, Any]:
    """The figure in ``fmt``. Raises ValueError for text of a block (not one value)."""
    if fmt == "json":
        return fig
    value, dotted = fig["value"], fig["field"]
    if fmt == "text":
        if isinstance(value, dict | list):
            raise ValueError(
                f"format=text returns one value, but {dotted or 'the whole result'} is a "
                f"{'table' if isinstance(value, list) else 'block'}; name one figure with field "
                f"(e.g. {_example_leaf(value, dotted)}), or use format=json, csv or xml.")
        return _response(text_value(value), "text")
    rows = [(name, item, reason_for(root, name) if item is None else "")
            for name, item in leaves(value, dotted)]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(("field", "value", "reason"))
        writer.writerows((name, "" if item is None else text_value(item), reason)
                         for name, item, reason in rows)
        return _response(out.getvalue(), "csv")
    body = "".join(
        f"<value name={quoteattr(name)}"
        + (f" reason={quoteattr(reason)}" if reason else "")
        + f">{escape(_xml_text(name, text_value(item)))}</value>"
        for name, item, reason in rows)
    return _response(f'<?xml version="1.0" encoding="UTF-8"?>\n'
                     f"<result field={quoteattr(dotted)}>{body}</result>\n", "xml")


def _xml_text(name: str, text: str) -> str:
    """``text`` if XML can carry it, else :class:`NotXmlError` (never a malformed document).

    >>> _xml_text("name", "a\\tb")
    'a\\tb'
    >>> _xml_text("name", "a\\x01b")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    svcalc.api.flat.NotXmlError: format=xml cannot carry the character U+0001 in name: ...
    """
    bad = NOT_XML.search(text)
    if bad:
        raise NotXmlError(name, bad.group())
    return text


def _example_leaf(value: Any, prefix: str) -> str:
    return next((name for name, _ in leaves(value, prefix)), prefix)


def render_table(columns: list[str], rows: list[list[Any]], fmt: str) -> Response | dict[str, Any]:
    """A table as ``{columns, rows}`` JSON, CSV with a header row, or flat XML rows."""
    if fmt == "json":
        return {"columns": columns, "rows": rows}
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows([["" if v is None else text_value(v) for v in row] for row in rows])
        return _response(out.getvalue(), "csv")
    body = "".join(
        "<row>" + "".join(f"<{c}>{escape(text_value(v))}</{c}>" for c, v in zip(columns, row,
                                                                              strict=True))
        + "</row>" for row in rows)
    return _response(f'<?xml version="1.0" encoding="UTF-8"?>\n<table>{body}</table>\n', "xml")


def _response(body: str, fmt: str) -> Response:
    mimetype = MEDIA_TYPES[fmt]
    response = Response(body, mimetype=mimetype)
    if fmt == "csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    return response


__all__ = [
    "FORMATS",
    "NOT_AVAILABLE",
    "NotXmlError",
    "TABLE_FORMATS",
    "FieldNotFoundError",
    "NumberList",
    "figure",
    "field_pattern",
    "flat_error_pointers",
    "flat_fields",
    "lookup",
    "nest",
    "render_figure",
    "render_table",
    "text_value",
]
