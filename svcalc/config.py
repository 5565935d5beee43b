"""Deployment settings. Layered in ``create_app``: these defaults, then ``SVCALC_*`` environment
variables (JSON-decoded, e.g. ``SVCALC_MAX_CONTENT_LENGTH=65536``), then the test's mapping."""

from svcalc import __version__

DEFAULTS: dict[str, object] = {
    # 8 MiB: a full batch of typical proposals is about 3.5 MB (DESIGN.md section 10).
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "API_TITLE": "svcalc",
    "API_VERSION": __version__,
    # 3.0.3 has the broadest client-generator support (openapi-python-client, openapi-generator).
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": "/docs/static/",
    # Swagger UI would otherwise send the spec's URL to validator.swagger.io (an online badge).
    "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None},
    "PROPAGATE_EXCEPTIONS": False,
    # Origins allowed to call from a browser/add-in: "*", a comma-separated list, or "" (none).
    "CORS_ORIGINS": "*",
    # POST /v1/appraisals/batch: most proposals in one batch (more is a 422 at #/proposals).
    "MAX_BATCH_SIZE": 1_000,
    # Most Monte Carlo scenarios one appraisal may ask for (more is a 422 at the field).
    "MAX_SIMULATION_ITERATIONS": 100_000,
}
