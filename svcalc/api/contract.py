"""Keeping the OpenAPI document exact: spec details that flask-smorest/apispec leave out.

* A marshmallow ``Range(min_inclusive=False)`` (e.g. a rate in (-0.99, 1]) is documented by apispec
  as a plain ``minimum``, so a client (or schemathesis) would send -0.99 and be refused. The
  attribute function below adds OpenAPI 3.0's boolean ``exclusiveMinimum``/``exclusiveMaximum``.
* A nullable string enum (``allow_none`` + ``OneOf``) is emitted inline with ``null`` in its
  ``enum``, which openapi-python-client turns into three identical enum classes with names like
  ``PublicCaseVfmCategoryType3Type1``. It is named in ``components`` instead (``vfm_category`` ->
  ``VfmCategory``) and referenced as ``allOf: [$ref] + nullable: true``, which generators read as
  "None or VfmCategory".
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


def _camel(name: str) -> str:
    """``vfm_category`` -> ``VfmCategory``.

    >>> _camel("vfm_category")
    'VfmCategory'
    """
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def field2named_enum(self: Any, field: fields.Field, ret: dict[str, Any]) -> dict[str, Any]:
    """apispec attribute function: a nullable string enum becomes a named component.

    Mutates ``ret`` in place (as apispec's own ``field2nullable`` does) to drop the inline enum.
    Two different enums with the same field name are an error, raised when the spec is built.
    """
    enum = ret.get("enum")
    if not (ret.get("nullable") and ret.get("type") == "string" and isinstance(enum, list)
            and field.name):
        return {}
    name = _camel(field.name)
    component = {"type": "string", "enum": [v for v in enum if v is not None]}
    existing = self.spec.components.schemas.get(name)
    if existing is None:
        self.spec.components.schema(name, component=component)
    elif existing != component:
        raise ValueError(f"two different enums would be named {name} in the OpenAPI components")
    del ret["enum"], ret["type"]
    return {"allOf": [{"$ref": f"#/components/schemas/{name}"}]}


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
    api.ma_plugin.converter.add_attribute_function(field2named_enum)
    plugin = OperationIdPlugin()
    plugin.init_spec(api.spec)
    api.spec.plugins.append(plugin)
