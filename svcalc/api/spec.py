"""The OpenAPI document as YAML: served at ``/openapi.yaml`` and written by ``make openapi``."""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line strings as readable literal blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(api: Any) -> str:
    """The spec of ``api`` (a flask-smorest Api) as YAML, in declaration order."""
    return yaml.dump(api.spec.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=100)
