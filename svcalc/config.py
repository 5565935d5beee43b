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
    # Operations (issue 8). Batch and simulation limits are read by those endpoints (DESIGN 10).
    "MAX_BATCH_SIZE": 1000,
    "MAX_SIMULATION_ITERATIONS": 100_000,
    # Wall-clock seconds one request may compute before it is stopped with a 503 problem
    # (svcalc/api/limits.py); 0 turns it off. The worst valid input takes a few milliseconds.
    "COMPUTE_BUDGET_SECONDS": 2.0,
    # The same for operations that appraise many proposals in one request (batches of up to
    # MAX_BATCH_SIZE, comparisons): a full batch of 25-year proposals computes for ~1.3 s on an
    # idle core, far more with simulations or under load. Keep it below gunicorn's
    # SVCALC_TIMEOUT (30 s), the last backstop.
    "BATCH_COMPUTE_BUDGET_SECONDS": 20.0,
    # The same for a report (POST /v1/reports): charts and PDF layout cost far more than the
    # appraisal (the largest valid PDF, 60 years with every block, ~5 s on an idle core), and a
    # worker's first report also loads WeasyPrint and the chart engine. Below SVCALC_TIMEOUT.
    "REPORT_COMPUTE_BUDGET_SECONDS": 20.0,
}
