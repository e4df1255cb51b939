"""Shared fixtures: the shipped rule book and a small seeded world."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.crossborder.model import Catalog
from engine.crossborder.ruleset import RuleBook
from engine.crossborder.world import build_world

DAY = dt.date(2026, 3, 2)  # a Monday


@pytest.fixture(scope="session")
def book() -> RuleBook:
    """The rule tables shipped with Yunli."""
    return RuleBook.load()


@pytest.fixture
def world(book: RuleBook) -> Catalog:
    """A small seeded world (fresh per test: fulfilment takes stock)."""
    return build_world(book.tax(DAY), seed=7, merchants=4, skus=120, customers=40)
