"""Durable state of the server: vehicles, loads, completed trips and live plans.

:func:`open_store` picks the back-end from the location: a ``postgresql://`` (or
``postgres://``) URL opens PostgreSQL through psycopg 3, anything else is a SQLite
file path (WAL mode, ``synchronous=FULL``: a write is on disk before the call that
made it is acknowledged, so it survives ``kill -9`` and power loss).
"""

from __future__ import annotations

from server.store.sql import Changes, SqlStore


def open_store(location: str) -> SqlStore:
    """Open (creating the tables if needed) the store at ``location``.

    Raises
    ------
    server.status.UnavailableError
        If the database cannot be opened or reached.
    """
    if location.startswith(("postgresql://", "postgres://")):
        from server.store.postgres import PostgresStore

        return PostgresStore(location)
    from server.store.sqlite import SqliteStore

    return SqliteStore(location)


__all__ = ["Changes", "SqlStore", "open_store"]
