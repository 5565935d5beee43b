"""Alembic's history of the store's schema (``env.py`` and ``versions/``), applied by
:mod:`svcalc.store.migrate` (``flask --app wsgi db upgrade``). A change to the models is a new
file in ``versions/`` whose ``down_revision`` is the newest one's, with its ``upgrade`` and
``downgrade``; ``tests/test_store.py`` checks on SQLite and PostgreSQL that the migrated schema
equals the models and that every migration goes up from empty and down again."""
