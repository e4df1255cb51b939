"""Tables of the order subsystem (created beside the fleet tables, same database).

Every write of the order subsystem takes the next number from a counter row of
``order_meta`` with ``UPDATE … RETURNING``, which locks that row until the transaction
commits: event sequence numbers are therefore gap-free and become visible in order,
which is what lets a subscriber resume from a cursor without missing an event.
"""

from __future__ import annotations

from typing import Final

#: Counter rows of ``order_meta``.
COUNTERS: Final = ("event_seq", "order_id", "bid_id", "txn_id", "exception_id")


def statements(blob_type: str) -> list[str]:
    """``CREATE TABLE/INDEX IF NOT EXISTS`` statements, valid on SQLite and PostgreSQL."""
    del blob_type  # bodies are JSON text on both back-ends
    return [
        "CREATE TABLE IF NOT EXISTS order_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS orders (order_id BIGINT PRIMARY KEY, "
        "shipper_id BIGINT NOT NULL, "
        "carrier_id BIGINT NOT NULL, state TEXT NOT NULL, price_mode TEXT NOT NULL, "
        "deadline BIGINT NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS orders_state ON orders (state, deadline)",
        "CREATE TABLE IF NOT EXISTS order_events (seq BIGINT PRIMARY KEY, "
        "order_id BIGINT NOT NULL, "
        "shipper_id BIGINT NOT NULL, carrier_id BIGINT NOT NULL, kind TEXT NOT NULL, "
        "from_state TEXT NOT NULL, to_state TEXT NOT NULL, actor TEXT NOT NULL, "
        "at BIGINT NOT NULL, "
        "reason TEXT NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS order_events_order ON order_events (order_id, seq)",
        "CREATE TABLE IF NOT EXISTS order_bids (bid_id BIGINT PRIMARY KEY, "
        "order_id BIGINT NOT NULL, "
        "carrier_id BIGINT NOT NULL, vehicle_id BIGINT NOT NULL, amount_fen BIGINT NOT NULL, "
        "placed_at BIGINT NOT NULL, match_score DOUBLE PRECISION NOT NULL, "
        "credit DOUBLE PRECISION NOT NULL, withdrawn SMALLINT NOT NULL, outlier SMALLINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS order_bids_order ON order_bids (order_id)",
        "CREATE TABLE IF NOT EXISTS ledger_entries (txn_id BIGINT NOT NULL, line INTEGER NOT NULL, "
        "order_id BIGINT NOT NULL, kind TEXT NOT NULL, account TEXT NOT NULL, "
        "amount_fen BIGINT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (txn_id, line))",
        "CREATE TABLE IF NOT EXISTS ledger_balances (account TEXT PRIMARY KEY, "
        "balance_fen BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS order_ratings (order_id BIGINT NOT NULL, rater TEXT NOT NULL, "
        "ratee TEXT NOT NULL, stars INTEGER NOT NULL, comment TEXT NOT NULL, at BIGINT NOT NULL, "
        "PRIMARY KEY (order_id, rater))",
        "CREATE TABLE IF NOT EXISTS order_exceptions (exception_id BIGINT PRIMARY KEY, "
        "order_id BIGINT NOT NULL, resolved SMALLINT NOT NULL, body TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS order_exceptions_order ON order_exceptions (order_id)",
        "CREATE TABLE IF NOT EXISTS credit_stats (party TEXT PRIMARY KEY, ratings BIGINT NOT NULL, "
        "stars_sum BIGINT NOT NULL, deliveries BIGINT NOT NULL, on_time BIGINT NOT NULL, "
        "orders BIGINT NOT NULL, exceptions BIGINT NOT NULL, cancellations BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, method TEXT NOT NULL, "
        "digest TEXT NOT NULL, response TEXT, at BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS idempotency_at ON idempotency (at)",
    ]


__all__ = ["COUNTERS", "statements"]
