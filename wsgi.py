"""WSGI entry point for gunicorn: ``gunicorn --config gunicorn.conf.py wsgi:app``."""

import os

from svcalc.api.observability import configure_logging
from svcalc.app import create_app

# Configure logging before the app exists (Flask docs): JSON lines on stdout.
configure_logging(os.environ.get("SVCALC_LOG_LEVEL", "INFO"))

app = create_app()
