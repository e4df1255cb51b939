"""SQLite back-end: one file, WAL mode, ``synchronous=FULL``."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from server.status import UnavailableError
from server.store.sql import SqlStore


class SqliteStore(SqlStore):
    """A store in a SQLite file (created if missing).

    ``journal_mode=WAL`` lets readers run beside the writer; ``synchronous=FULL``
    syncs the WAL on every commit, so an acknowledged write survives a crash of
    the process or of the machine.
    """

    placeholder = "?"
    blob_type = "BLOB"

    def __init__(self, path: str) -> None:
        super().__init__()
        self.location = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._conn.execute("PRAGMA busy_timeout=30000")
            self._wal()
            self._conn.execute("PRAGMA synchronous=FULL")
            self._create_tables()
        except sqlite3.Error as e:
            raise UnavailableError(f"cannot open SQLite store {path}: {e}") from e

    def _wal(self, attempts: int = 300) -> None:
        """Switch to WAL. The switch needs the file to itself and SQLite does not wait for
        it (no busy handler), so several processes opening a new file at once retry."""
        for i in range(attempts):
            try:
                self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or i == attempts - 1:
                    raise
                time.sleep(0.01 * min(i + 1, 10))

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        try:
            cur = self._conn.cursor()
        except sqlite3.Error as e:  # closed by a shutdown while a stream was still reading
            raise UnavailableError(f"SQLite store {self.location}: {e}") from e
        try:
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
        except sqlite3.Error as e:
            raise UnavailableError(f"SQLite store {self.location}: {e}") from e
        finally:
            cur.close()

    def close(self) -> None:
        """Close the database file (after any transaction in progress on another thread:
        closing under a running statement crashes the sqlite3 module)."""
        with self._lock:
            self._conn.close()
