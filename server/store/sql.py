"""The SQL store shared by the SQLite and PostgreSQL back-ends.

Every row carries ``rev``, the store revision of the write that last touched it,
and a ``deleted`` flag (deletions are tombstones). A write takes the next revision
from the counter row ``yunli_meta('rev')`` with ``UPDATE … RETURNING``, which
locks that row until the transaction commits, so writes (from any number of server
instances) are serialized and revisions become visible in order. A server reloads
everything at start with ``changes(0)`` and then pulls ``changes(last_revision)``,
which is how the writes of other instances sharing a PostgreSQL database reach it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from engine.data.schemas import LOADS, TRIPS, VEHICLES, TableSchema
from engine.errors import NotFoundError
from server.status import ConflictError

#: Tables holding engine frames, by name.
FRAME_TABLES: Final[dict[str, TableSchema]] = {
    "vehicles": VEHICLES,
    "loads": LOADS,
    "trips": TRIPS,
}


@dataclass
class Changes:
    """Everything written after some revision, up to ``revision``.

    Attributes
    ----------
    revision
        The store revision these changes bring a reader to.
    upserted
        Table name to a frame of the rows inserted or replaced (schema columns).
    deleted
        Table name to the ids deleted.
    plans
        Live plans written: plan id to ``(version, serialized LivePlan)``.
    """

    revision: int
    upserted: dict[str, pl.DataFrame] = field(default_factory=dict)
    deleted: dict[str, list[int]] = field(default_factory=dict)
    plans: dict[str, tuple[int, bytes]] = field(default_factory=dict)


#: How long a live-plan idempotency key is kept (24 h, on the database's clock): a retry
#: within this window is answered from the record; :meth:`SqlStore.prune_live_keys`
#: deletes older ones.
LIVE_KEY_TTL_S: Final = 86_400.0


@dataclass(frozen=True)
class KeyRecord:
    """The idempotency record of one live-plan write (row of ``live_plan_keys``).

    Attributes
    ----------
    key
        The client's idempotency key (unique across plans and methods).
    plan_id
        The plan the call wrote.
    method
        The RPC (``ApplyEvents``, ``CreatePlan``, ``ReportPositions``).
    digest
        SHA-256 of the request without its key: the same key with another request
        is refused.
    version
        The plan version the call wrote.
    response
        The serialized response returned to the first call (answered again to a retry).
    """

    key: str
    plan_id: str
    method: str
    digest: str
    version: int
    response: bytes


class KeyTakenError(ConflictError):
    """The write's idempotency key was recorded by a concurrent call (which committed
    first); nothing was written. Looking the key up again answers the retry."""


def _sql_type(dtype: pl.DataType) -> str:
    if dtype == pl.Int64():
        return "BIGINT"
    if dtype == pl.Float64():
        return "DOUBLE PRECISION"
    return "TEXT"  # strings, and lists of strings as JSON


class SqlStore:
    """Base class: the SQL both back-ends share; subclasses connect and run transactions.

    Subclasses set ``placeholder`` (``?`` or ``%s``) and ``blob_type`` and implement
    :meth:`_transaction` (yielding a cursor inside one serializable write or a
    consistent read) and :meth:`close`.
    """

    placeholder: str = "?"
    blob_type: str = "BLOB"
    location: str = ""
    #: SQL expression of the database's clock in Unix seconds (instances' clocks may differ).
    now_sql: str = "((julianday('now') - 2440587.5) * 86400.0)"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    # ---- back-end hooks -----------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield None

    def close(self) -> None:  # pragma: no cover - abstract
        """Close the connection."""
        raise NotImplementedError

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        """Hold the database-wide lock under which tables are created (PostgreSQL: server
        instances starting together on an empty database would otherwise race in
        ``CREATE TABLE IF NOT EXISTS``); nothing to do for SQLite, whose ``BEGIN
        IMMEDIATE`` transactions already serialize."""
        yield

    # ---- schema -------------------------------------------------------------------------
    def _create_tables(self) -> None:
        with self._transaction() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS yunli_meta "
                "(key TEXT PRIMARY KEY, value BIGINT NOT NULL)"
            )
            cur.execute(
                "INSERT INTO yunli_meta (key, value) VALUES ('rev', 0) ON CONFLICT (key) DO NOTHING"
            )
            for name, schema in FRAME_TABLES.items():
                cols = ", ".join(
                    f"{c} {_sql_type(t)}" + (" PRIMARY KEY" if c == schema.id_column else "")
                    for c, t in schema.columns.items()
                )
                cur.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} ({cols}, rev BIGINT NOT NULL, "
                    "deleted SMALLINT NOT NULL DEFAULT 0)"
                )
                cur.execute(f"CREATE INDEX IF NOT EXISTS {name}_rev ON {name} (rev)")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS live_plans (plan_id TEXT PRIMARY KEY, "
                f"version BIGINT NOT NULL, body {self.blob_type} NOT NULL, "
                "rev BIGINT NOT NULL, deleted SMALLINT NOT NULL DEFAULT 0)"
            )
            cur.execute("CREATE INDEX IF NOT EXISTS live_plans_rev ON live_plans (rev)")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS live_plan_keys (key TEXT PRIMARY KEY, "
                "plan_id TEXT NOT NULL, method TEXT NOT NULL, digest TEXT NOT NULL, "
                f"version BIGINT NOT NULL, response {self.blob_type} NOT NULL, "
                "at DOUBLE PRECISION NOT NULL)"
            )
            cur.execute("CREATE INDEX IF NOT EXISTS live_plan_keys_at ON live_plan_keys (at)")

    def _next_rev(self, cur: Any) -> int:
        cur.execute("UPDATE yunli_meta SET value = value + 1 WHERE key = 'rev' RETURNING value")
        return int(cur.fetchone()[0])

    def revision(self) -> int:
        """The current store revision (0 for an empty store)."""
        with self._lock, self._transaction() as cur:
            cur.execute("SELECT value FROM yunli_meta WHERE key = 'rev'")
            return int(cur.fetchone()[0])

    # ---- writes -------------------------------------------------------------------------
    @staticmethod
    def _rows(df: pl.DataFrame, schema: TableSchema) -> list[tuple[Any, ...]]:
        cols = list(schema.columns)
        out = df.select(cols)
        lists = [c for c, t in schema.columns.items() if isinstance(t, pl.List)]
        if lists:
            out = out.with_columns(
                pl.col(c).map_elements(lambda v: json.dumps(list(v)), return_dtype=pl.String)
                for c in lists
            )
        return out.rows()

    def upsert(self, table: str, df: pl.DataFrame) -> int:
        """Insert or replace rows of a validated frame by id; returns the new revision."""
        schema = FRAME_TABLES[table]
        cols = list(schema.columns)
        p = self.placeholder
        sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c != schema.id_column)
        sql = (
            f"INSERT INTO {table} ({', '.join(cols)}, rev, deleted) "
            f"VALUES ({', '.join([p] * (len(cols) + 1))}, 0) "
            f"ON CONFLICT ({schema.id_column}) DO UPDATE SET {sets}, rev = excluded.rev, "
            "deleted = 0"
        )
        rows = self._rows(df, schema)
        with self._lock, self._transaction() as cur:
            rev = self._next_rev(cur)
            cur.executemany(sql, [(*r, rev) for r in rows])
            return rev

    def insert_new(self, table: str, df: pl.DataFrame) -> tuple[int, list[int]]:
        """Insert the rows whose id is not stored yet (append-only tables).

        Returns
        -------
        tuple
            The new revision and the ids actually inserted.
        """
        schema = FRAME_TABLES[table]
        cols = list(schema.columns)
        idc = schema.id_column
        p = self.placeholder
        ids = df[idc].to_list()
        with self._lock, self._transaction() as cur:
            existing: set[int] = set()
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                cur.execute(
                    f"SELECT {idc} FROM {table} WHERE {idc} IN ({', '.join([p] * len(chunk))})",
                    chunk,
                )
                existing.update(int(r[0]) for r in cur.fetchall())
            new = df.filter(~pl.col(idc).is_in(list(existing))) if existing else df
            new = new.unique(subset=[idc], keep="first", maintain_order=True)
            rev = self._next_rev(cur)
            if new.height:
                cur.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}, rev, deleted) "
                    f"VALUES ({', '.join([p] * (len(cols) + 1))}, 0)",
                    [(*r, rev) for r in self._rows(new, schema)],
                )
            return rev, new[idc].to_list()

    def delete(self, table: str, ids: Sequence[int]) -> int:
        """Delete rows by id (all or nothing); returns the new revision.

        Raises
        ------
        NotFoundError
            If an id is not stored (nothing is deleted).
        """
        schema = FRAME_TABLES[table]
        idc, p = schema.id_column, self.placeholder
        with self._lock, self._transaction() as cur:
            rev = self._next_rev(cur)
            for i in ids:
                cur.execute(
                    f"UPDATE {table} SET deleted = 1, rev = {p} WHERE {idc} = {p} AND deleted = 0",
                    (rev, int(i)),
                )
                if cur.rowcount != 1:
                    raise NotFoundError(f"{table}.{idc}: unknown id {i}")
            return rev

    def put_plan(
        self,
        plan_id: str,
        version: int,
        body: bytes,
        expected: int | None,
        guard: Callable[[Any], None] | None = None,
        key: KeyRecord | None = None,
    ) -> int:
        """Store a live plan; returns the new revision.

        ``expected`` is the version the caller changed (compare-and-set), or None to
        create the plan. ``guard`` runs first inside the write's transaction with its
        cursor; raising there writes nothing (the lease fence of
        :mod:`server.store.leases`). ``key`` is recorded in the same transaction, so the
        plan write and its idempotency record are durable together or not at all.

        Raises
        ------
        AlreadyExistsError
            Creating a plan whose id is taken.
        ConflictError
            The stored version is not ``expected`` (another writer won), or the plan
            does not exist.
        KeyTakenError
            ``key`` was recorded meanwhile by another call (nothing is written).
        """
        from server.status import AlreadyExistsError

        p = self.placeholder
        with self._lock, self._transaction() as cur:
            if guard is not None:
                guard(cur)
            if key is not None:  # first: a concurrent holder of the key is waited for
                cur.execute(
                    "INSERT INTO live_plan_keys (key, plan_id, method, digest, version, "
                    f"response, at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {self.now_sql}) "
                    "ON CONFLICT (key) DO NOTHING",
                    (key.key, key.plan_id, key.method, key.digest, int(key.version),
                     key.response),
                )  # fmt: skip
                if cur.rowcount != 1:
                    raise KeyTakenError(f"idempotency_key {key.key!r} was recorded meanwhile")
            rev = self._next_rev(cur)
            if expected is None:
                cur.execute(
                    f"INSERT INTO live_plans (plan_id, version, body, rev, deleted) "
                    f"VALUES ({p}, {p}, {p}, {p}, 0) ON CONFLICT (plan_id) DO NOTHING",
                    (plan_id, int(version), body, rev),
                )
                if cur.rowcount != 1:
                    raise AlreadyExistsError(f"plan_id: plan {plan_id!r} exists already")
            else:
                cur.execute(
                    f"UPDATE live_plans SET version = {p}, body = {p}, rev = {p} "
                    f"WHERE plan_id = {p} AND version = {p} AND deleted = 0",
                    (int(version), body, rev, plan_id, int(expected)),
                )
                if cur.rowcount != 1:
                    raise ConflictError(
                        f"plan {plan_id!r} changed since version {expected}; read it again"
                    )
            return rev

    def live_key(self, key: str) -> KeyRecord | None:
        """The idempotency record of ``key`` (None: never recorded, or pruned)."""
        p = self.placeholder
        with self._lock, self._transaction() as cur:
            cur.execute(
                "SELECT plan_id, method, digest, version, response FROM live_plan_keys "
                f"WHERE key = {p}",
                (key,),
            )
            row = cur.fetchone()
        if row is None:
            return None
        return KeyRecord(key, str(row[0]), str(row[1]), str(row[2]), int(row[3]), bytes(row[4]))

    def prune_live_keys(self, ttl_s: float = LIVE_KEY_TTL_S) -> int:
        """Delete live-plan idempotency records older than ``ttl_s`` seconds (database
        clock); returns how many."""
        with self._lock, self._transaction() as cur:
            cur.execute(
                f"DELETE FROM live_plan_keys WHERE at < {self.now_sql} - {self.placeholder}",
                (float(ttl_s),),
            )
            return int(cur.rowcount)

    def bulk_import(self, frames: dict[str, pl.DataFrame]) -> int:
        """Write whole validated tables into an empty store in one transaction (used by
        ``--import-world``); returns the new revision.

        Raises
        ------
        InvalidInputError
            If the store is not empty.
        """
        from engine.errors import InvalidInputError

        p = self.placeholder
        with self._lock, self._transaction() as cur:
            cur.execute("SELECT value FROM yunli_meta WHERE key = 'rev'")
            if int(cur.fetchone()[0]) != 0:
                raise InvalidInputError.at("import_world", "the store is not empty")
            rev = self._next_rev(cur)
            for table, df in frames.items():
                schema = FRAME_TABLES[table]
                cols = list(schema.columns)
                sql = (
                    f"INSERT INTO {table} ({', '.join(cols)}, rev, deleted) "
                    f"VALUES ({', '.join([p] * (len(cols) + 1))}, 0)"
                )
                for i in range(0, df.height, 100_000):
                    part = df.slice(i, 100_000)
                    cur.executemany(sql, [(*r, rev) for r in self._rows(part, schema)])
            return rev

    # ---- reads --------------------------------------------------------------------------
    def changes(self, since: int) -> Changes:
        """Every row written after revision ``since`` (``0``: everything)."""
        p = self.placeholder
        with self._lock, self._transaction() as cur:
            cur.execute("SELECT value FROM yunli_meta WHERE key = 'rev'")
            upto = int(cur.fetchone()[0])
            out = Changes(revision=upto)
            if upto <= since:
                return out
            for name, schema in FRAME_TABLES.items():
                cols = list(schema.columns)
                cur.execute(
                    f"SELECT {', '.join(cols)}, deleted FROM {name} WHERE rev > {p} AND rev <= {p}",
                    (since, upto),
                )
                parts: list[pl.DataFrame] = []
                gone: list[int] = []
                while rows := cur.fetchmany(100_000):
                    live = [r[:-1] for r in rows if not r[-1]]
                    gone += [int(r[0]) for r in rows if r[-1]]
                    if live:
                        parts.append(self._frame(live, schema))
                if parts:
                    out.upserted[name] = pl.concat(parts) if len(parts) > 1 else parts[0]
                if gone:
                    out.deleted[name] = gone
            cur.execute(
                f"SELECT plan_id, version, body FROM live_plans WHERE rev > {p} AND rev <= {p} "
                "AND deleted = 0",
                (since, upto),
            )
            for pid, version, body in cur.fetchall():
                out.plans[str(pid)] = (int(version), bytes(body))
            return out

    @staticmethod
    def _frame(rows: list[tuple[Any, ...]], schema: TableSchema) -> pl.DataFrame:
        cols = list(schema.columns)
        lists = {i for i, t in enumerate(schema.columns.values()) if isinstance(t, pl.List)}
        if lists:
            rows = [
                tuple(json.loads(v) if i in lists else v for i, v in enumerate(r)) for r in rows
            ]
        return pl.DataFrame(rows, schema=schema.polars_schema, orient="row").select(cols)
