"""Saved appraisals, API keys and organisations in a SQL database (SQLAlchemy 2, Alembic).

An edge, like :mod:`svcalc.api`: :mod:`svcalc.core` never imports it, and it imports nothing of
Flask, so the same functions serve the HTTP API, the ``flask keys`` commands, the tests and the
benchmark. An embedded SQLite file is the default; PostgreSQL (psycopg 3) by URL.

* :mod:`svcalc.store.database`: :class:`Store` (one engine per URL, one transaction per call)
  and :class:`StoreUnavailable`, raised when the database cannot be reached.
* :mod:`svcalc.store.models`: the tables; :mod:`svcalc.store.migrations`: their Alembic history,
  applied by :mod:`svcalc.store.migrate` (shipped inside the package, so ``pip install .``
  carries them).
* :mod:`svcalc.store.keys`: API keys, stored as a SHA-256 digest and compared in constant time.
* :mod:`svcalc.store.appraisals`: save, read, list (keyset pages), delete.
* :mod:`svcalc.store.ids`: time-ordered ids (ULIDs), which make the keyset and date filters one
  index range.
"""
