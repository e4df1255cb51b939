"""Leases on live plans: which server instance owns a plan, until when.

Several ``yunli serve`` processes may share one PostgreSQL database. A live plan is
changed by one of them at a time, its *owner*: a row of ``live_plan_leases`` with the
owner's instance id, the address other instances forward the plan's writes to, an
``epoch`` (bumped each time the plan changes hands) and an expiry on the database's
clock (so the instances' clocks do not matter). The owner renews its leases with a
heartbeat; a lease not renewed for its time-to-live may be taken by any instance,
which then reloads the plan from the database.

Every write of a plan is *fenced*: the plan row is written in the same transaction as
``UPDATE live_plan_leases … WHERE owner = <me> AND epoch = <my epoch>``, so a former
owner that lost its lease (paused, partitioned) can never overwrite its successor's
writes; its write fails with :class:`LeaseLostError` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from server.status import UnavailableError
from server.store.sql import SqlStore


class LeaseLostError(UnavailableError):
    """This instance no longer owns the plan's lease (another instance took it over);
    the write was not made and may be retried (it goes to the new owner)."""


@dataclass(frozen=True)
class Lease:
    """A plan's lease as read from the database.

    Attributes
    ----------
    plan_id
        The live plan.
    owner
        Instance id of the owner.
    address
        ``HOST:PORT`` at which the owner serves gRPC (writes are forwarded there).
    epoch
        Incremented every time the plan changes hands (fencing token).
    expires_in
        Seconds until the lease expires, on the database's clock (may be negative).
    """

    plan_id: str
    owner: str
    address: str
    epoch: int
    expires_in: float


class LeaseStore:
    """The ``live_plan_leases`` table of a :class:`~server.store.sql.SqlStore`
    (created if missing); every method is one transaction."""

    def __init__(self, sql: SqlStore) -> None:
        self.sql = sql
        self._p = sql.placeholder
        pg = sql.placeholder == "%s"
        self._now = (
            "EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION"
            if pg
            else "((julianday('now') - 2440587.5) * 86400.0)"
        )
        self._for_update = " FOR UPDATE" if pg else ""
        with self._txn() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS live_plan_leases (plan_id TEXT PRIMARY KEY, "
                "owner TEXT NOT NULL, address TEXT NOT NULL, epoch BIGINT NOT NULL, "
                "expires DOUBLE PRECISION NOT NULL)"
            )

    @contextmanager
    def _txn(self) -> Iterator[Any]:
        with self.sql._lock, self.sql._transaction() as cur:
            yield cur

    def _read(self, cur: Any, plan_id: str, lock: bool) -> Lease | None:
        p = self._p
        cur.execute(
            f"SELECT owner, address, epoch, expires - {self._now} FROM live_plan_leases "
            f"WHERE plan_id = {p}" + (self._for_update if lock else ""),
            (plan_id,),
        )
        row = cur.fetchone()
        if row is None:
            return None
        return Lease(plan_id, str(row[0]), str(row[1]), int(row[2]), float(row[3]))

    def acquire(self, plan_id: str, owner: str, address: str, ttl: float) -> Lease:
        """Take or renew the lease of ``plan_id`` for ``owner`` if it is free, expired
        or already ``owner``'s; otherwise leave it.

        Returns
        -------
        Lease
            The lease after the call: ``lease.owner == owner`` if ``owner`` holds it
            (for ``ttl`` seconds from now), else the current holder's.
        """
        p, now = self._p, self._now
        with self._txn() as cur:
            for _ in range(2):
                cur_lease = self._read(cur, plan_id, lock=True)
                if cur_lease is None:
                    cur.execute(
                        "INSERT INTO live_plan_leases (plan_id, owner, address, epoch, expires) "
                        f"VALUES ({p}, {p}, {p}, 1, {now} + {p}) ON CONFLICT (plan_id) DO NOTHING",
                        (plan_id, owner, address, float(ttl)),
                    )
                    if cur.rowcount == 1:
                        return Lease(plan_id, owner, address, 1, ttl)
                    continue  # another instance inserted it first: read theirs
                if cur_lease.owner == owner:
                    epoch = cur_lease.epoch
                elif cur_lease.expires_in <= 0:
                    epoch = cur_lease.epoch + 1
                else:
                    return cur_lease
                cur.execute(
                    f"UPDATE live_plan_leases SET owner = {p}, address = {p}, epoch = {p}, "
                    f"expires = {now} + {p} WHERE plan_id = {p}",
                    (owner, address, epoch, float(ttl), plan_id),
                )
                return Lease(plan_id, owner, address, epoch, ttl)
        raise UnavailableError(f"plan {plan_id!r}: its lease is being written concurrently; retry")

    def holder(self, plan_id: str) -> Lease | None:
        """The lease of ``plan_id`` (None: never leased)."""
        with self._txn() as cur:
            return self._read(cur, plan_id, lock=False)

    def renew(self, owner: str, ttl: float) -> dict[str, int]:
        """Extend every lease ``owner`` holds by ``ttl`` seconds from now; returns them
        (plan id to epoch)."""
        p = self._p
        with self._txn() as cur:
            cur.execute(
                f"UPDATE live_plan_leases SET expires = {self._now} + {p} WHERE owner = {p} "
                "RETURNING plan_id, epoch",
                (float(ttl), owner),
            )
            return {str(r[0]): int(r[1]) for r in cur.fetchall()}

    def release(self, owner: str) -> None:
        """Expire every lease ``owner`` holds (graceful shutdown: other instances may take
        the plans over at once). The epoch is kept, so fencing still holds."""
        p = self._p
        with self._txn() as cur:
            cur.execute(
                f"UPDATE live_plan_leases SET expires = {self._now} - 1 WHERE owner = {p}",
                (owner,),
            )

    def fence(self, plan_id: str, owner: str, epoch: int, ttl: float) -> Callable[[Any], None]:
        """A check to run inside the transaction writing the plan: it renews the lease
        and raises :class:`LeaseLostError` (rolling the write back) unless ``owner``
        still holds it at ``epoch``."""
        p, now = self._p, self._now

        def check(cur: Any) -> None:
            cur.execute(
                f"UPDATE live_plan_leases SET expires = {now} + {p} "
                f"WHERE plan_id = {p} AND owner = {p} AND epoch = {p}",
                (float(ttl), plan_id, owner, int(epoch)),
            )
            if cur.rowcount != 1:
                raise LeaseLostError(
                    f"plan {plan_id!r}: this instance ({owner}) lost its lease (epoch {epoch}) "
                    "to another instance; retry"
                )

        return check
