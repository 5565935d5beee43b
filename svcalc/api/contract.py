"""Keeping the OpenAPI document exact: spec details that flask-smorest/apispec leave out.

* A marshmallow ``Range(min_inclusive=False)`` (e.g. a rate in (-0.99, 1]) is documented by apispec
  as a plain ``minimum``, so a client (or schemathesis) would send -0.99 and be refused. The
  attribute function below adds OpenAPI 3.0's boolean ``exclusiveMinimum``/``exclusiveMaximum``.
* apispec writes a free-form object as ``additionalProperties: {}``, which openapi-generator
  refuses ("must be either a Boolean or a Schema instance"), documents a ``Length`` on a ``Dict``
  as ``maxLength`` (a string keyword), and a nullable nested object as
  ``anyOf: [{$ref}, {type: object, nullable: true}]``, which generators turn into union types
  named like ``AppraisalSimulationType1Type0``. ``field2generator_friendly`` writes ``true``,
  ``min/maxProperties`` and OpenAPI 3.0's own ``allOf: [{$ref}], nullable: true``.
* Every operation gets an ``operationId``: the view function's name (``create_appraisal``), so
  generated clients have stable, readable method names (``create_appraisal.sync(...)``) rather
  than ones derived from the path. A view may set its own with ``@bp.doc(operationId=...)``.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from marshmallow import fields, validate


def field2exclusive(self: Any, field: fields.Field, ret: dict[str, Any]) -> dict[str, Any]:
    """apispec attribute function: declare the open ends of ``Range`` validators.

    >>> from marshmallow import fields, validate
    >>> f = fields.Float(validate=validate.Range(-0.99, 1.0, min_inclusive=False))
    >>> field2exclusive(None, f, ret={"type": "number", "minimum": -0.99, "maximum": 1.0})
    {'exclusiveMinimum': True}
    """
    out: dict[str, Any] = {}
    for validator in field.validators:
        if not isinstance(validator, validate.Range):
            continue
        if validator.min is not None and not validator.min_inclusive and "minimum" in ret:
            out["exclusiveMinimum"] = True
        if validator.max is not None and not validator.max_inclusive and "maximum" in ret:
            out["exclusiveMaximum"] = True
    return out


_NULL_OBJECT = {"type": "object", "nullable": True}


def field2generator_friendly(self: Any, field: fields.Field,
                             ret: dict[str, Any]) -> dict[str, Any]:
    """apispec attribute function (runs last): the forms every common generator reads.

    >>> from marshmallow import fields
    >>> free = {"type": "object", "additionalProperties": {}}
    >>> field2generator_friendly(None, fields.Dict(), free)
    {'additionalProperties': True}
    >>> ret = {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "object", "nullable": True}]}
    >>> field2generator_friendly(None, fields.Raw(), ret), ret
    ({'allOf': [{'$ref': '#/components/schemas/A'}], 'nullable': True}, {})
    """
    out: dict[str, Any] = {}
    if ret.get("additionalProperties") == {}:
        out["additionalProperties"] = True
    if isinstance(field, fields.Dict):
        for string_word, object_word in (("minLength", "minProperties"),
                                         ("maxLength", "maxProperties")):
            if string_word in ret:
                out[object_word] = ret.pop(string_word)
    if "allOf" in ret:  # an object documented as another schema: that schema says it all
        ret.pop("type", None)
        ret.pop("additionalProperties", None)
        out.pop("additionalProperties", None)
    any_of = ret.get("anyOf")
    if any_of and _NULL_OBJECT in any_of:
        ret.pop("anyOf")
        out["allOf"] = [item for item in any_of if item != _NULL_OBJECT]
        out["nullable"] = True
    return out


class OperationIdPlugin(BasePlugin):
    """apispec plugin: ``operationId`` from the Flask endpoint's view name."""

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        name = rule.endpoint.rsplit(".", 1)[-1]
        for method, operation in operations.items():
            if isinstance(operation, dict) and "operationId" not in operation:
                operation["operationId"] = name if len(operations) == 1 else f"{method}_{name}"


def install(api: Any) -> None:
    """Register svcalc's spec extensions on a flask-smorest Api, before any schema is documented."""
    api.ma_plugin.converter.add_attribute_function(field2exclusive)
    api.ma_plugin.converter.add_attribute_function(field2generator_friendly)
    plugin = OperationIdPlugin()
    plugin.init_spec(api.spec)
    api.spec.plugins.append(plugin)
