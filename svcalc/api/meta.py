"""Service metadata: health and the reference data."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from svcalc import __version__
from svcalc.api import examples, storage
from svcalc.api.schemas.reference import HealthSchema, ReferenceSchema
from svcalc.core.reference import REFERENCE

bp = Blueprint("meta", __name__, description="Health and reference data")


@bp.get("/healthz")
@bp.response(200, HealthSchema, example=examples.health_example())
def get_health() -> dict[str, Any]:
    """Check that the service is up

    Answers 200 with the version whenever the process can serve requests, and whether the
    database answers (one trivial query): with it unavailable the status is degraded, saved
    appraisals answer 503 and appraising without saving still works, so the instance stays in
    service. Cheap, so load balancers and container health checks may call it often.
    """
    database = storage.database_status()
    return {"status": "ok" if database == "ok" else "degraded", "version": __version__,
            "reference_version": REFERENCE["version"], "database": database}


@bp.get("/v1/reference")
@bp.response(200, ReferenceSchema, example=examples.reference_example())
def get_reference() -> dict[str, Any]:
    """Get the reference data

    Every figure svcalc uses (the Green Book discount schedule, default rates, value-for-money
    bands, ...) with its source, year and licence. Its version is on every appraisal as
    method.reference_version.
    """
    return REFERENCE
