"""PostgreSQL back-end (psycopg 3), for several server instances sharing one database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from server.status import UnavailableError
from server.store.sql import SqlStore

#: Advisory-lock key held while tables are created (any constant shared by all instances).
SCHEMA_LOCK_KEY = 0x59554E4C49  # "YUNLI"


class PostgresStore(SqlStore):
    """A store in a PostgreSQL database given by a ``postgresql://`` URL.

    Commits are durable with PostgreSQL's default ``synchronous_commit = on``. A
    broken connection is re-opened on the next call.
    """

    placeholder = "%s"
    blob_type = "BYTEA"
    now_sql = "EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.location = url
        self._conn: psycopg.Connection[Any] | None = None
        self._closed = False
        self._connect()
        with self.schema_lock():
            self._create_tables()

    def _connect(self) -> psycopg.Connection[Any]:
        if self._closed:  # a background thread after shutdown must not open a new one
            raise UnavailableError("PostgreSQL store: closed")
        if self._conn is None or self._conn.closed or self._conn.broken:
            try:
                self._conn = psycopg.connect(self.location, autocommit=True, connect_timeout=10)
            except psycopg.Error as e:
                raise UnavailableError(f"cannot connect to PostgreSQL: {e}") from e
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        conn = self._connect()
        try:
            with conn.transaction(), conn.cursor() as cur:
                yield cur
        except psycopg.Error as e:
            raise UnavailableError(f"PostgreSQL store: {e}") from e

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        """A session advisory lock (re-entrant) on this connection while tables are created:
        ``CREATE TABLE IF NOT EXISTS`` run by two instances at once can fail on
        PostgreSQL's catalog unique index."""
        conn = self._connect()
        try:
            with self._lock:
                conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        except psycopg.Error as e:
            raise UnavailableError(f"PostgreSQL store: {e}") from e
        try:
            yield
        finally:
            with self._lock:
                if not conn.closed and not conn.broken:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))

    def close(self) -> None:
        """Close the connection (for good: later calls raise UnavailableError)."""
        with self._lock:  # after a transaction in progress on another thread
            self._closed = True
            if self._conn is not None:
                self._conn.close()
