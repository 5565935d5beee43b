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
    # Saved appraisals (issue 17): svcalc/api/storage.py. None: the SQLite file svcalc.db in
    # the instance folder; PostgreSQL as postgresql://user:password@host:5432/db (psycopg 3).
    "DATABASE_URL": None,
    # wsgi.py migrates the database to the newest schema when a worker starts (a lock makes
    # several at once safe). False: run `flask --app wsgi db upgrade` once per release instead.
    "DATABASE_MIGRATE": True,
    # Keys (svcalc/api/auth.py): "off" lets the stateless operations take anonymous calls;
    # "required" makes every /v1 operation but the reference data need a key. Saved appraisals
    # always need one.
    "AUTH": "off",
    # Rate limits (svcalc/api/ratelimit.py), Flask-Limiter's notation ("600 per minute", several
    # separated by ";"): per key over every /v1 operation; per client address for calls without a
    # key ("": none). Counters in memory (per worker) or Redis (redis://host:6379/0, shared).
    "RATELIMIT_PER_KEY": "600 per minute",
    "RATELIMIT_ANONYMOUS": "",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    # Redis unreachable: count in memory meanwhile rather than refuse every call.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # The https:// URL users reach this server at, for the Excel add-in's manifest and script
    # (svcalc/addin): "" means the address each request came to, refused when that is plain HTTP.
    "PUBLIC_BASE_URL": "",
}

# Admission control (issue 19, svcalc/api/admission.py). A request's cost is known before it
# computes, in units of about 1 ms of one idle core: 1 per proposal appraised, + term_years/100,
# + iterations/10,000 for a simulation (bench/RESULTS.md has the measurement).
DEFAULTS.update({
    # The most one request may cost: about 3.5 s of one idle core, so that it ends well within
    # BATCH_COMPUTE_BUDGET_SECONDS on a loaded machine too. A batch of 1,000 60-year proposals
    # costs 1,600 (2,600 with the default 10,000-iteration simulations); 258 proposals with
    # 100,000-iteration simulations cost 2,993. More is a 422 naming the list (split it); 0: no
    # limit.
    "MAX_REQUEST_COST": 3_000,
    # A request costing this much or more is heavy: it needs one of HEAVY_CONCURRENCY slots
    # shared by all the server's workers, or it is answered 503 with Retry-After, so light
    # requests always find a free worker.
    "HEAVY_REQUEST_COST": 250,
    "HEAVY_CONCURRENCY": 1,
    # Where the workers share the slots (gunicorn.conf.py makes one per server); "" here means
    # a directory of this process's own.
    "ADMISSION_DIR": "",
    # Seconds a request body may stall between two reads before svcalc answers 408 (direct
    # gunicorn only: behind nginx the proxy reads the body).
    "BODY_TIMEOUT_SECONDS": 10.0,
})
