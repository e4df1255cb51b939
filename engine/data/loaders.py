"""Loaders and validation for the freight tables.

Every loader accepts a CSV, Parquet or Arrow IPC file path, a
:class:`pyarrow.Table` or an in-memory :class:`polars.DataFrame`, conforms it
to its schema in :mod:`engine.data.schemas` and validates it. Bad input raises
:class:`~engine.errors.InvalidInputError` naming the column, the row id and the
reason; nothing is silently dropped or coerced (the only conversions are
lossless: integer → float for coordinates, narrower → wider integers, and the
parsing of CSV text, which must parse exactly).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from engine.data.schemas import LOADS, SITES, TRIPS, VEHICLES, TableSchema
from engine.errors import InvalidInputError, NotFoundError

Source = str | os.PathLike[str] | pl.DataFrame | Any
"""A table source: a file path (``.csv``, ``.parquet``, ``.arrow``/``.ipc``/``.feather``),
a :class:`polars.DataFrame` or a :class:`pyarrow.Table`."""

_INT_TYPES = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_LIST_SEPARATOR = "|"


def read_table(source: Source, schema: TableSchema) -> pl.DataFrame:
    """Read ``source`` into a DataFrame conforming to ``schema`` and validate it.

    Parameters
    ----------
    source
        File path, Polars DataFrame or PyArrow Table.
    schema
        One of the schemas of :mod:`engine.data.schemas`.

    Returns
    -------
    polars.DataFrame
        The required columns in schema order with schema dtypes, followed by
        any extra columns the input carried (kept unchanged).

    Raises
    ------
    InvalidInputError
        If the file cannot be read, a column is missing or has the wrong type,
        or any row breaks a rule of the schema.
    """
    df = _read_raw(source, schema)
    df = conform(df, schema)
    validate(df, schema)
    return df


def _read_raw(source: Source, schema: TableSchema) -> pl.DataFrame:
    if isinstance(source, pl.DataFrame):
        return source
    if type(source).__module__.startswith("pyarrow"):
        out = pl.from_arrow(source)
        if not isinstance(out, pl.DataFrame):
            raise InvalidInputError.at(schema.name, "Arrow input must be a table, not an array")
        return out
    if not isinstance(source, str | os.PathLike):
        raise InvalidInputError.at(
            schema.name, f"cannot read a {type(source).__name__}; pass a path or a DataFrame"
        )
    path = Path(source)
    if not path.exists():
        raise NotFoundError(f"{schema.name} file {str(path)!r} does not exist")
    if path.is_dir():
        raise InvalidInputError.at(schema.name, f"{str(path)!r} is a directory, not a table file")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq", ".arrow", ".ipc", ".feather"):
        raise InvalidInputError.at(
            schema.name, f"unsupported file type {suffix!r} (use .csv, .parquet or .arrow)"
        )
    if path.stat().st_size == 0:
        raise InvalidInputError.at(schema.name, f"{path.name} is empty (not even a header)")
    try:
        if suffix == ".csv":
            # Everything as text first, then an exact parse per column, so a bad
            # cell is reported by column and row instead of being guessed at.
            return pl.read_csv(path, infer_schema=False)
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(path)
        if suffix in (".arrow", ".ipc", ".feather"):
            return pl.read_ipc(path)
    except (pl.exceptions.PolarsError, OSError) as e:
        raise InvalidInputError.at(schema.name, f"cannot read {path}: {e}") from e
    raise InvalidInputError.at(
        schema.name, f"unsupported file type {suffix!r} (use .csv, .parquet or .arrow)"
    )


def _row_id(df: pl.DataFrame, schema: TableSchema, mask: pl.Series) -> tuple[object, int]:
    """Id (or index) of the first row where ``mask`` is true, and how many rows are."""
    idx = int(mask.arg_true()[0])
    count = int(mask.sum())
    if schema.id_column in df.columns and df.schema[schema.id_column] in _INT_TYPES:
        rid = df[schema.id_column][idx]
        return (rid if rid is not None else f"#{idx}"), count
    if schema.id_column in df.columns:
        rid = df[schema.id_column][idx]
        if isinstance(rid, str) and rid.strip().lstrip("-").isdigit():
            return int(rid), count  # CSV text, ids are integers
        return rid, count
    return f"#{idx}", count


def _fail(
    df: pl.DataFrame, schema: TableSchema, column: str, mask: pl.Series, reason: str
) -> InvalidInputError:
    rid, count = _row_id(df, schema, mask)
    more = f" ({count} rows in all)" if count > 1 else ""
    return InvalidInputError.at(f"{schema.name}.{column}", reason + more, row_id=rid)


def _parse_text(df: pl.DataFrame, schema: TableSchema, col: str, target: pl.DataType) -> pl.Series:
    s = df[col]
    if isinstance(target, pl.List):
        stripped = s.str.strip_chars()
        return (
            pl.select(
                pl.when(stripped.is_null() | (stripped == ""))
                .then(pl.lit([], dtype=pl.List(pl.String())))
                .otherwise(
                    stripped.str.split(_LIST_SEPARATOR).list.eval(pl.element().str.strip_chars())
                )
            )
            .to_series()
            .alias(col)
        )
    if target == pl.String():
        return s
    stripped = s.str.strip_chars()
    parsed = stripped.cast(target, strict=False)
    bad = parsed.is_null() & stripped.is_not_null() & (stripped != "")
    if bad.any():
        value = stripped.filter(bad)[0]
        raise _fail(df, schema, col, bad, f"value {value!r} is not a valid {target}")
    # Empty cells are nulls; the null check reports them.
    return parsed.alias(col)


def conform(df: pl.DataFrame, schema: TableSchema) -> pl.DataFrame:
    """Check columns and dtypes of ``df`` against ``schema``; convert only losslessly.

    Raises
    ------
    InvalidInputError
        On a missing column or a column of the wrong type.
    """
    missing = [c for c in schema.columns if c not in df.columns]
    if missing:
        raise InvalidInputError.at(
            f"{schema.name}.{missing[0]}",
            f"missing required column(s) {', '.join(missing)}",
        )
    out: list[pl.Series] = []
    for col, target in schema.columns.items():
        s = df[col]
        dtype = s.dtype
        if dtype == target:
            out.append(s)
        elif dtype == pl.String() and target != pl.String():
            out.append(_parse_text(df, schema, col, target))
        elif dtype == pl.Null():
            out.append(s.cast(target))
        elif target == pl.Float64() and (dtype in _INT_TYPES or dtype == pl.Float32()):
            out.append(s.cast(pl.Float64))
        elif target == pl.Int64() and dtype in _INT_TYPES:
            if dtype == pl.UInt64() and s.max() is not None and int(s.max()) > 2**63 - 1:  # type: ignore[arg-type]
                raise _fail(df, schema, col, s > 2**63 - 1, "value exceeds Int64")
            out.append(s.cast(pl.Int64))
        elif (
            isinstance(target, pl.List)
            and isinstance(dtype, pl.List)
            and dtype.inner == pl.String()
        ):
            out.append(s)
        else:
            raise InvalidInputError.at(
                f"{schema.name}.{col}",
                f"wrong type {dtype}, expected {target} (values are not coerced)",
            )
    extras = [df[c] for c in df.columns if c not in schema.columns]
    return pl.DataFrame(out + extras)


def _may_break(df: pl.DataFrame, schema: TableSchema) -> bool:
    """Whether some row breaks a rule of ``schema``: every rule of :func:`validate` in
    one query (one pass, a few hundred microseconds on a small frame, where the checks
    one by one take milliseconds); :func:`validate` then finds and names the row."""
    rules: list[pl.Expr] = [
        pl.col(c).is_null().any() for c in schema.columns if c not in schema.nullable
    ]
    rules.append(pl.col(schema.id_column).is_duplicated().any())
    for lat_c, lon_c in schema.coordinates:
        for col, lim in ((lat_c, 90.0), (lon_c, 180.0)):
            rules.append((pl.col(col).is_nan() | (pl.col(col).abs() > lim)).any())
    rules += [(pl.col(c) <= 0).any() for c in schema.positive]
    rules += [(pl.col(c) < 0).any() for c in schema.non_negative]
    rules += [(pl.col(a) > pl.col(b)).any() for a, b in schema.intervals]
    rules += [(~pl.col(c).is_in(list(allowed))).any() for c, allowed in schema.enums]
    if schema is VEHICLES:
        r = pl.col("rating")
        rules.append((r.is_nan() | (r < 0) | (r > 5)).any())
    if schema is LOADS:
        from engine.data.schemas import VEHICLE_TYPES

        rules.append(
            pl.col("vehicle_types")
            .list.eval(~pl.element().is_in(list(VEHICLE_TYPES)))
            .list.any()
            .any()
        )
    return bool(df.select(pl.any_horizontal(rules)).item())


def validate(df: pl.DataFrame, schema: TableSchema) -> None:
    """Check every row rule of ``schema`` on a conformed frame.

    Raises
    ------
    InvalidInputError
        Naming the column, the first offending row id and the reason.
    """
    if not _may_break(df, schema):
        return
    for col in schema.columns:
        if col in schema.nullable:
            continue
        nulls = df[col].is_null()
        if nulls.any():
            raise _fail(df, schema, col, nulls, "missing value")
    ids = df[schema.id_column]
    dup = ids.is_duplicated()
    if dup.any():
        raise _fail(df, schema, schema.id_column, dup, "duplicate id")
    for lat_c, lon_c in schema.coordinates:
        for col, lim in ((lat_c, 90.0), (lon_c, 180.0)):
            s = df[col]
            bad = s.is_nan() | (s.abs() > lim)
            if bad.any():
                value = s.filter(bad)[0]
                raise _fail(df, schema, col, bad, f"{value} is not in [-{lim:g}, {lim:g}]")
    for col in schema.positive:
        bad = df[col] <= 0
        if bad.any():
            raise _fail(df, schema, col, bad, f"must be > 0, got {df[col].filter(bad)[0]}")
    for col in schema.non_negative:
        bad = df[col] < 0
        if bad.any():
            raise _fail(df, schema, col, bad, f"must be >= 0, got {df[col].filter(bad)[0]}")
    for start, end in schema.intervals:
        bad = df[start] > df[end]
        if bad.any():
            i = int(bad.arg_true()[0])
            raise _fail(
                df,
                schema,
                end,
                bad,
                f"inverted window: {start}={df[start][i]} is after {end}={df[end][i]}",
            )
    for col, allowed in schema.enums:
        bad = ~df[col].is_in(list(allowed))
        if bad.any():
            raise _fail(
                df,
                schema,
                col,
                bad,
                f"unknown value {df[col].filter(bad)[0]!r}; allowed: {allowed}",
            )
    if schema is VEHICLES:
        r = df["rating"]
        bad = r.is_nan() | (r < 0) | (r > 5)
        if bad.any():
            raise _fail(df, schema, "rating", bad, f"must be in [0, 5], got {r.filter(bad)[0]}")
    if schema is LOADS:
        from engine.data.schemas import VEHICLE_TYPES

        exploded = (
            df.select(schema.id_column, "vehicle_types").explode("vehicle_types").drop_nulls()
        )
        bad_t = ~exploded["vehicle_types"].is_in(list(VEHICLE_TYPES))
        if bad_t.any():
            rid = exploded[schema.id_column].filter(bad_t)[0]
            raise InvalidInputError.at(
                "loads.vehicle_types",
                f"unknown vehicle type {exploded['vehicle_types'].filter(bad_t)[0]!r}",
                row_id=rid,
            )


def check_references(
    child: pl.DataFrame,
    child_schema: TableSchema,
    column: str,
    parent: pl.DataFrame,
    parent_column: str,
) -> None:
    """Every ``child[column]`` must occur in ``parent[parent_column]``.

    Raises
    ------
    InvalidInputError
        Naming the child column, the first row id and the unknown value.
    """
    bad = ~child[column].is_in(parent[parent_column].implode())
    if bad.any():
        value = child[column].filter(bad)[0]
        raise _fail(child, child_schema, column, bad, f"unknown {parent_column} {value}")


def load_vehicles(source: Source) -> pl.DataFrame:
    """Load and validate a vehicles table (see :data:`engine.data.schemas.VEHICLES`)."""
    return read_table(source, VEHICLES)


def load_loads(source: Source) -> pl.DataFrame:
    """Load and validate an open-loads table (see :data:`engine.data.schemas.LOADS`)."""
    return read_table(source, LOADS)


def load_trips(source: Source, vehicles: pl.DataFrame | None = None) -> pl.DataFrame:
    """Load and validate a trip-history table.

    If ``vehicles`` is given, every trip's ``vehicle_id`` must name one of them.
    """
    df = read_table(source, TRIPS)
    if vehicles is not None:
        check_references(df, TRIPS, "vehicle_id", vehicles, "vehicle_id")
    return df


def load_sites(source: Source) -> pl.DataFrame:
    """Load and validate a sites table (see :data:`engine.data.schemas.SITES`)."""
    return read_table(source, SITES)


@dataclass(frozen=True, slots=True)
class World:
    """A validated freight market: vehicles, open loads, trip history and sites.

    Attributes
    ----------
    now
        The reference instant (Unix s) the open loads and availabilities refer to.
    """

    vehicles: pl.DataFrame
    loads: pl.DataFrame
    trips: pl.DataFrame
    sites: pl.DataFrame
    now: int

    def summary(self) -> str:
        """A short human-readable description of the world."""
        v, lo, t = self.vehicles, self.loads, self.trips
        by_type = v.group_by("vehicle_type").len().sort("len", descending=True)
        types = ", ".join(f"{r[0]} {r[1]}" for r in by_type.iter_rows())
        idle = int((v["status"] == "idle").sum())
        kinds = self.sites.group_by("kind").len().sort("kind").iter_rows()
        span_days = ((t["completed_at"].max() or 0) - (t["completed_at"].min() or 0)) / 86_400  # type: ignore[operator]
        return "\n".join(
            [
                f"vehicles : {v.height:,} ({idle:,} idle) — {types}",
                f"carriers : {v['carrier_id'].n_unique():,}; "
                f"home cities: {v['home_city'].n_unique():,}",
                f"trips    : {t.height:,} completed over {span_days:.0f} days",
                f"loads    : {lo.height:,} open, {lo['weight_kg'].sum() / 1000:,.0f} t, "
                f"{lo['origin_city'].n_unique():,} origin cities → "
                f"{lo['dest_city'].n_unique():,} destination cities",
                f"sites    : {self.sites.height:,} ({', '.join(f'{k} {n}' for k, n in kinds)})",
            ]
        )


WORLD_FILES = ("vehicles", "loads", "trips", "sites")


#: Table file formats a world directory may hold, in the order they are looked for.
WORLD_FORMATS = ("parquet", "csv", "arrow")


def world_format(directory: str | os.PathLike[str]) -> str:
    """The table format of a world directory, detected from the files present.

    Raises
    ------
    NotFoundError
        If the directory does not exist.
    InvalidInputError
        If it is not a directory or holds no world (no ``vehicles.parquet``/``.csv``/``.arrow``).
    """
    d = Path(directory)
    if not d.exists():
        raise NotFoundError(f"world directory {str(d)!r} does not exist")
    if not d.is_dir():
        raise InvalidInputError.at("world", f"{str(d)!r} is a file; give the world's directory")
    found = [f for f in WORLD_FORMATS if (d / f"vehicles.{f}").exists()]
    if not found:
        raise InvalidInputError.at(
            "world",
            f"{str(d)!r} holds no world: expected vehicles, loads, trips and sites tables "
            "(.parquet, .csv or .arrow) and now.txt, as `yunli generate --out DIR` writes",
        )
    return found[0]


def load_world(directory: str | os.PathLike[str], fmt: str | None = None) -> World:
    """Load a world saved by :func:`save_world` (``vehicles``, ``loads``, ``trips``,
    ``sites`` files plus ``now.txt``), validating every table and the trip → vehicle
    references.

    Parameters
    ----------
    directory
        The world's directory.
    fmt
        ``parquet``, ``csv`` or ``arrow``; default: detected from the files present.

    Raises
    ------
    NotFoundError
        If the directory or one of its files does not exist.
    InvalidInputError
        If any table is invalid.
    """
    d = Path(directory)
    if fmt is None:
        fmt = world_format(d)
    elif not d.is_dir():
        world_format(d)  # the clear error for a missing directory or a file
    if fmt not in WORLD_FORMATS:
        raise InvalidInputError.at("fmt", f"unsupported format {fmt!r}; use one of {WORLD_FORMATS}")
    now_file = d / "now.txt"
    if not now_file.exists():
        raise NotFoundError(f"{str(now_file)!r} does not exist (the world's reference instant)")
    try:
        now = int(now_file.read_text().strip())
    except ValueError as e:
        raise InvalidInputError.at("world.now", f"not an integer: {e}") from e
    vehicles = load_vehicles(d / f"vehicles.{fmt}")
    trips = load_trips(d / f"trips.{fmt}", vehicles)
    return World(
        vehicles=vehicles,
        loads=load_loads(d / f"loads.{fmt}"),
        trips=trips,
        sites=load_sites(d / f"sites.{fmt}"),
        now=now,
    )


def save_world(world: World, directory: str | os.PathLike[str], fmt: str = "parquet") -> None:
    """Write a world as four tables plus ``now.txt`` (Parquet with zstd, or CSV)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    for name in WORLD_FILES:
        df: pl.DataFrame = getattr(world, name)
        if fmt == "parquet":
            df.write_parquet(d / f"{name}.parquet", compression="zstd", compression_level=19)
        elif fmt == "csv":
            if "vehicle_types" in df.columns:
                df = df.with_columns(pl.col("vehicle_types").list.join(_LIST_SEPARATOR))
            df.write_csv(d / f"{name}.csv")
        else:
            raise InvalidInputError.at("fmt", f"unsupported format {fmt!r}")
    (d / "now.txt").write_text(f"{world.now}\n")
