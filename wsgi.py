"""WSGI entry point for gunicorn: ``gunicorn --config gunicorn.conf.py wsgi:app``."""

import os

from svcalc.api.observability import configure_logging
from svcalc.api.storage import migrate_on_start
from svcalc.app import create_app

# Configure logging before the app exists (Flask docs): JSON lines on stdout.
configure_logging(os.environ.get("SVCALC_LOG_LEVEL", "INFO"))

app = create_app()
# Bring the database to the newest schema (SVCALC_DATABASE_MIGRATE; safe in every worker at once).
migrate_on_start(app)
