"""Fixtures shared by the tests (flaskr style)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from svcalc.api import examples
from svcalc.app import create_app


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def proposal() -> dict[str, Any]:
    """A fresh deep copy of the documented worked example, safe to modify."""
    return copy.deepcopy(examples.PROPOSAL)


# Registers the portal operations' schemathesis hook before the contract fuzzing loads the spec.
from tests import portal_hooks  # noqa: E402,F401
