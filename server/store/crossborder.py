"""Durable cross-border state in the server's store: merchants' onboarding progress.

One table beside the others in the same database (SQLite or PostgreSQL),
``crossborder_onboarding(merchant_id, body, rev)``, where ``body`` is the JSON list of
steps done. A step is checked by :class:`engine.crossborder.workflows.Onboarding` inside
the write transaction, after the revision counter is taken (which serializes writers of
every server sharing the database): a refused step rolls the transaction back, so nothing
is half-written.
"""

from __future__ import annotations

import datetime as dt
import json

from engine.crossborder.workflows import Onboarding
from engine.errors import NotFoundError
from server.store.sql import SqlStore


class CrossBorderStore:
    """Onboarding progress stored in ``store``'s database (tables created if missing)."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        with store._lock, store._transaction() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS crossborder_onboarding (merchant_id TEXT PRIMARY KEY, "
                "body TEXT NOT NULL, rev BIGINT NOT NULL)"
            )

    @staticmethod
    def _decode(merchant_id: str, body: str) -> Onboarding:
        ob = Onboarding(merchant_id)
        ob.done = [(s, dt.date.fromisoformat(d)) for s, d in json.loads(body)]
        return ob

    def onboarding(self, merchant_id: str) -> tuple[Onboarding, int]:
        """A merchant's progress and the revision that wrote it.

        Raises
        ------
        NotFoundError
            If the merchant never started onboarding.
        """
        p = self._store.placeholder
        with self._store._lock, self._store._transaction() as cur:
            cur.execute(
                f"SELECT body, rev FROM crossborder_onboarding WHERE merchant_id = {p}",
                (merchant_id,),
            )
            row = cur.fetchone()
        if row is None:
            raise NotFoundError(f"merchant_id: no onboarding for {merchant_id!r}")
        return self._decode(merchant_id, str(row[0])), int(row[1])

    def advance(self, merchant_id: str, step: str, day: dt.date) -> tuple[Onboarding, int]:
        """Record ``step`` for ``merchant_id`` on ``day``; returns the progress and revision.

        Raises
        ------
        engine.errors.InvalidInputError
            An unknown step, or :class:`~engine.crossborder.errors.TransitionError` for a
            step out of order (nothing is written).
        """
        p = self._store.placeholder
        with self._store._lock, self._store._transaction() as cur:
            rev = self._store._next_rev(cur)
            cur.execute(
                f"SELECT body FROM crossborder_onboarding WHERE merchant_id = {p}", (merchant_id,)
            )
            row = cur.fetchone()
            ob = self._decode(merchant_id, str(row[0])) if row else Onboarding(merchant_id)
            ob.advance(step, day)
            body = json.dumps([(s, d.isoformat()) for s, d in ob.done])
            cur.execute(
                "INSERT INTO crossborder_onboarding (merchant_id, body, rev) "
                f"VALUES ({p}, {p}, {p}) ON CONFLICT (merchant_id) DO UPDATE SET "
                "body = excluded.body, rev = excluded.rev",
                (merchant_id, body, rev),
            )
        return ob, rev
