"""Fixtures shared by the tests (flaskr style)."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hypothesis import settings

from svcalc.api import examples
from svcalc.app import create_app

# Property tests draw the same examples on every run by default, so that CI on a clean clone is
# red only for a change, never for an example met by chance; SVCALC_HYPOTHESIS_PROFILE=explore
# draws new ones each run (and remembers failures in .hypothesis/) to look for bugs.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("SVCALC_HYPOTHESIS_PROFILE", "ci"))


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
