"""The store as the HTTP edge uses it: which database, migrating it, ``/healthz``'s check, the
503 answer when it cannot be reached, and the ``flask db`` commands.

The database is ``DATABASE_URL`` (environment ``SVCALC_DATABASE_URL``): PostgreSQL as
``postgresql://user:password@host/db`` (psycopg 3), or SQLite as ``sqlite:////absolute/path.db``;
by default the SQLite file ``svcalc.db`` in the app's instance folder, so ``make run`` works with
nothing else installed. ``wsgi.py`` migrates it to the newest schema when a worker starts
(``DATABASE_MIGRATE``; several workers or instances at once are safe, see
:mod:`svcalc.store.migrate`); ``flask --app wsgi db upgrade`` does the same as one step.
"""

from __future__ import annotations

import os

import click
import flask
from flask.cli import AppGroup

from svcalc.api.problems import problem_response
from svcalc.store import migrate
from svcalc.store.database import Store, StoreUnavailable

#: Seconds a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 5


def database_url(app: flask.Flask) -> str:
    """The database's URL: ``DATABASE_URL``, or the SQLite file in the instance folder."""
    url = app.config.get("DATABASE_URL")
    if url:
        return str(url)
    return "sqlite:///" + os.path.join(app.instance_path, "svcalc.db")


def store() -> Store:
    """The current app's store."""
    found: Store = flask.current_app.extensions["svcalc.store"]
    return found


def upgrade(app: flask.Flask, revision: str = "head") -> None:
    """Migrate ``app``'s database up to ``revision`` (making the instance folder for the default
    SQLite file)."""
    if not app.config.get("DATABASE_URL"):
        os.makedirs(app.instance_path, exist_ok=True)
    migrate.upgrade(database_url(app), revision)


def migrate_on_start(app: flask.Flask) -> None:
    """Migrate to the newest schema if ``DATABASE_MIGRATE`` says so (``wsgi.py``)."""
    if app.config["DATABASE_MIGRATE"]:
        upgrade(app)


def database_status() -> str:
    """``ok`` when the database answers, else ``unavailable`` (one trivial query)."""
    return "ok" if store().ping() else "unavailable"


def handle_store_unavailable(error: StoreUnavailable) -> flask.Response:
    """503: the database cannot be reached now; stateless appraisal still works."""
    flask.current_app.logger.warning("database unavailable: %s", error)
    return problem_response(
        503, "The database cannot be reached just now, so saved appraisals cannot be saved or "
             "read. Try again shortly; appraising without saving still works.",
        kind="store-unavailable", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


db_cli = AppGroup("db", help="Migrate svcalc's database (SVCALC_DATABASE_URL).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    upgrade(flask.current_app, revision)
    click.echo(f"database at {migrate.current(database_url(flask.current_app))}")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Migrate the database down to REVISION (base: drop every table)."""
    migrate.downgrade(database_url(flask.current_app), revision)
    click.echo(f"database at {migrate.current(database_url(flask.current_app))}")


@db_cli.command("current")
def current_command() -> None:
    """Print the database's revision and the newest this svcalc has."""
    click.echo(f"database at {migrate.current(database_url(flask.current_app))}, "
               f"newest {migrate.head()}")


def register(app: flask.Flask) -> None:
    """Give ``app`` its store (connected on first use), the 503 answer and ``flask db``."""
    app.extensions["svcalc.store"] = Store(database_url(app))
    app.register_error_handler(StoreUnavailable, handle_store_unavailable)
    app.cli.add_command(db_cli)
