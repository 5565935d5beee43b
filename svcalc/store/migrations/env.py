"""Alembic's environment: run the migrations on the connection svcalc.store.migrate hands over
(never an alembic.ini; the URL is svcalc's setting)."""

from alembic import context

from svcalc.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
