"""What the compiled load and dump (svcalc/api/loading.py, dumping.py) share: Python source being
generated, and the namespace that binds the objects it refers to by name."""

from __future__ import annotations

from typing import Any

__all__ = ["CodeBuilder"]


class CodeBuilder:
    """Generated function sources (:attr:`sources`) and their global :attr:`namespace`."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace: dict[str, Any] = dict(namespace)
        self.sources: list[str] = []
        self._n = 0

    def _bind(self, value: Any, prefix: str) -> str:
        """A new global name, ``prefix`` + a number, bound to ``value``; returns the name."""
        self._n += 1
        name = f"{prefix}{self._n}"
        self.namespace[name] = value
        return name
