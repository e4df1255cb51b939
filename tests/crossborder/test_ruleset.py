"""Rule tables: the shipped ones load and tile time; malformed ones fail naming the field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from engine.crossborder.ruleset import RULES_DIR, RuleBook
from engine.errors import InvalidInputError, NotFoundError


def test_versions_by_date(book: RuleBook) -> None:
    """Each date picks the table then in force, with the published limits."""
    assert book.tax(dt.date(2017, 1, 1)).per_transaction_fen == 200_000
    assert book.tax(dt.date(2018, 12, 31)).version == "cbec-tax-2018.1"
    r = book.tax(dt.date(2019, 1, 1))
    assert (r.version, r.per_transaction_fen, r.annual_fen) == (
        "cbec-tax-2019.1",
        500_000,
        2_600_000,
    )
    now = book.tax(dt.date(2026, 6, 1))
    assert now.version == "cbec-tax-2019.2"
    assert now.within_limits_rate_bp == 7000
    assert now.classes["general"].vat_bp == 1300
    with pytest.raises(InvalidInputError) as e:
        book.tax(dt.date(2015, 1, 1))
    assert e.value.field == "date"


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(RULES_DIR, dst)
    return dst


def test_gap_is_rejected(tmp_path: Path) -> None:
    """Removing a middle table leaves a gap: the loader names effective_to."""
    d = _copy(tmp_path)
    (d / "tax" / "2018-05-01.toml").unlink()
    with pytest.raises(InvalidInputError) as e:
        RuleBook.load(d)
    assert e.value.field == "effective_to"
    assert "gap" in str(e.value)


def test_overlap_is_rejected(tmp_path: Path) -> None:
    """An open-ended table followed by another overlaps it."""
    d = _copy(tmp_path)
    p = d / "tax" / "2019-01-01.toml"
    p.write_text(p.read_text().replace("effective_to = 2019-04-01\n", ""))
    with pytest.raises(InvalidInputError) as e:
        RuleBook.load(d)
    assert e.value.field == "effective_from"
    assert "overlaps" in str(e.value)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("per_transaction_fen = 500000", "per_transaction_fen = -1", "limits.per_transaction_fen"),
        ('over_annual = "reject"', 'over_annual = "ignore"', "treatment.over_annual"),
        ('"3304" = "cosmetics_premium"', '"3304" = "perfume"', "positive_list"),
        ("vat_bp = 1300", "vat_bp = 13.0", "tax_classes.general.vat_bp"),
        ("effective_from = 2019-04-01", 'effective_from = "soon"', "effective_from"),
    ],
)
def test_malformed_table(tmp_path: Path, old: str, new: str, field: str) -> None:
    """A bad value in the current table fails naming its field and the file."""
    d = _copy(tmp_path)
    p = d / "tax" / "2019-04-01.toml"
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))
    with pytest.raises(InvalidInputError) as e:
        RuleBook.load(d)
    assert e.value.field == field
    assert "2019-04-01.toml" in str(e.value.row_id)


def test_missing_folder(tmp_path: Path) -> None:
    """A folder that does not exist is NotFoundError; one without a family is invalid."""
    with pytest.raises(NotFoundError):
        RuleBook.load(tmp_path / "nope")
    d = _copy(tmp_path)
    shutil.rmtree(d / "customs")
    with pytest.raises(InvalidInputError, match="customs"):
        RuleBook.load(d)
