"""PostgreSQL back-end (psycopg 3), for several server instances sharing one database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from server.status import UnavailableError
from server.store.sql import SqlStore


class PostgresStore(SqlStore):
    """A store in a PostgreSQL database given by a ``postgresql://`` URL.

    Commits are durable with PostgreSQL's default ``synchronous_commit = on``. A
    broken connection is re-opened on the next call.
    """

    placeholder = "%s"
    blob_type = "BYTEA"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.location = url
        self._conn: psycopg.Connection[Any] | None = None
        self._connect()
        self._create_tables()

    def _connect(self) -> psycopg.Connection[Any]:
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

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
