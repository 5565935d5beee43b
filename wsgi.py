"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

import logging
import os

from svcalc.app import create_app

# Configure logging before the app exists (Flask docs).
logging.basicConfig(
    level=os.environ.get("SVCALC_LOG_LEVEL", "INFO"),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)

app = create_app()
