"""Load-plan results: :class:`LoadPlan`, its vehicles, unplaced shipments and baseline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

import polars as pl

Objective = Literal["cost", "count"]


#: Shipment size columns and the fleet capacity column that bounds each.
DIMENSIONS: Final = (
    ("weight_kg", "capacity_kg"),
    ("volume_l", "capacity_l"),
    ("pallets", "capacity_pallets"),
)
SHIPMENT_ID: Final = "shipment_id"
VEHICLE_TYPE: Final = "vehicle_type"


@dataclass(frozen=True, slots=True)
class VehicleLoad:
    """One vehicle of the plan and what it carries.

    ``load``, ``capacity`` and ``load_factor`` are keyed by shipment dimension
    (``weight_kg``, ``volume_l``, ``pallets``); a ``None`` capacity means unlimited, and then
    the load factor is ``None`` too.
    """

    vehicle_id: str
    vehicle_type: str
    cost_fen: int
    shipment_ids: tuple[Any, ...]
    load: dict[str, int]
    capacity: dict[str, int | None]

    @property
    def load_factor(self) -> dict[str, float | None]:
        """Load divided by capacity, per dimension."""
        return {d: (None if c is None else self.load[d] / c) for d, c in self.capacity.items()}


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A shipment left out of the plan, and why."""

    shipment_id: Any
    reason: str


class _Fleet:
    """The figures of a set of vehicles (``vehicles``), shared by plans and baselines."""

    __slots__ = ()
    vehicles: list[VehicleLoad]

    @property
    def total_cost_fen(self) -> int:
        """Sum of the vehicles' costs."""
        return sum(v.cost_fen for v in self.vehicles)

    @property
    def num_vehicles(self) -> int:
        """Vehicles used."""
        return len(self.vehicles)


@dataclass(frozen=True, slots=True)
class Baseline(_Fleet):
    """The first-fit-decreasing plan the solver is compared with."""

    vehicles: list[VehicleLoad]
    unplaced: list[Unplaced]


@dataclass(frozen=True, slots=True)
class LoadPlan(_Fleet):
    """Result of :func:`plan_loads`.

    Attributes
    ----------
    objective
        ``"cost"`` (total vehicle cost in fen) or ``"count"`` (number of vehicles, then cost).
    vehicles
        The vehicles used, with their shipments and load per dimension.
    unplaced
        Shipments no vehicle type can carry, or for which no vehicle was left, with reasons.
    baseline
        The first-fit-decreasing plan, computed in the same call.
    lower_bound
        Proven lower bound on the objective (fen or vehicles) for the placed shipments.
    proven_optimal
        The plan's objective meets the lower bound, or the solver proved optimality.
    method
        What produced the plan (``"cp-sat"``, ``"heuristic"``, ``"ffd"``, or a
        :class:`BinPacking` method for one-dimensional, single-type problems).
    wall_time_s
        Seconds spent.
    """

    objective: Objective
    vehicles: list[VehicleLoad]
    unplaced: list[Unplaced]
    baseline: Baseline
    lower_bound: int
    proven_optimal: bool
    method: str
    wall_time_s: float
    dimensions: tuple[str, ...] = field(default=("weight_kg", "volume_l", "pallets"))

    @property
    def objective_value(self) -> int:
        """Total cost (fen) or vehicle count, as chosen by ``objective``."""
        return self.total_cost_fen if self.objective == "cost" else self.num_vehicles

    def summary(self) -> str:
        """One line: vehicles, cost, mean load factors, bound, baseline, method and time."""
        placed = sum(len(v.shipment_ids) for v in self.vehicles)
        factors = []
        for d in self.dimensions:
            vals = [f for v in self.vehicles if (f := v.load_factor.get(d)) is not None]
            if vals:
                factors.append(f"{d} {100 * sum(vals) / len(vals):.0f}%")
        base = self.baseline
        state = "proven optimal" if self.proven_optimal else "gap open"
        return (
            f"{self.num_vehicles} vehicles, cost {self.total_cost_fen / 100:,.2f} yuan, "
            f"{placed} shipments placed, {len(self.unplaced)} unplaced; "
            f"mean load {', '.join(factors) or 'n/a'}; "
            f"lower bound {self.lower_bound} ({state}); "
            f"FFD baseline {base.num_vehicles} vehicles, {base.total_cost_fen / 100:,.2f} yuan; "
            f"{self.method}, {self.wall_time_s:.2f} s"
        )

    def to_polars(self) -> pl.DataFrame:
        """One row per shipment: ``shipment_id``, ``vehicle_id``, ``vehicle_type`` and
        ``unplaced_reason`` (null for placed shipments; vehicle columns null otherwise)."""
        rows: list[dict[str, Any]] = []
        for v in self.vehicles:
            rows.extend(
                {
                    SHIPMENT_ID: s,
                    "vehicle_id": v.vehicle_id,
                    VEHICLE_TYPE: v.vehicle_type,
                    "unplaced_reason": None,
                }
                for s in v.shipment_ids
            )
        rows.extend(
            {
                SHIPMENT_ID: u.shipment_id,
                "vehicle_id": None,
                VEHICLE_TYPE: None,
                "unplaced_reason": u.reason,
            }
            for u in self.unplaced
        )
        schema = {
            SHIPMENT_ID: None,
            "vehicle_id": pl.String,
            VEHICLE_TYPE: pl.String,
            "unplaced_reason": pl.String,
        }
        if not rows:
            return pl.DataFrame(schema={k: v or pl.String for k, v in schema.items()})
        return pl.DataFrame(rows, schema_overrides={k: v for k, v in schema.items() if v})

    def vehicles_frame(self) -> pl.DataFrame:
        """One row per vehicle: id, type, cost, shipment count, and per dimension the load,
        capacity and load factor (``<dim>``, ``<dim>_capacity``, ``<dim>_factor``)."""
        rows = []
        for v in self.vehicles:
            row: dict[str, Any] = {
                "vehicle_id": v.vehicle_id,
                VEHICLE_TYPE: v.vehicle_type,
                "cost_fen": v.cost_fen,
                "shipments": len(v.shipment_ids),
            }
            lf = v.load_factor
            for d in self.dimensions:
                row[d] = v.load[d]
                row[f"{d}_capacity"] = v.capacity[d]
                row[f"{d}_factor"] = lf[d]
            rows.append(row)
        schema: dict[str, Any] = {
            "vehicle_id": pl.String,
            VEHICLE_TYPE: pl.String,
            "cost_fen": pl.Int64,
            "shipments": pl.Int64,
        }
        for d in self.dimensions:
            schema |= {d: pl.Int64, f"{d}_capacity": pl.Int64, f"{d}_factor": pl.Float64}
        return pl.DataFrame(rows, schema=schema)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON view of the plan: figures, vehicles with load factors, unplaced
        shipments and the baseline's figures."""

        def veh(v: VehicleLoad) -> dict[str, Any]:
            return {
                "vehicle_id": v.vehicle_id,
                "vehicle_type": v.vehicle_type,
                "cost_fen": v.cost_fen,
                "shipment_ids": list(v.shipment_ids),
                "load": v.load,
                "capacity": v.capacity,
                "load_factor": v.load_factor,
            }

        return {
            "objective": self.objective,
            "objective_value": self.objective_value,
            "total_cost_fen": self.total_cost_fen,
            "num_vehicles": self.num_vehicles,
            "lower_bound": self.lower_bound,
            "proven_optimal": self.proven_optimal,
            "method": self.method,
            "wall_time_s": self.wall_time_s,
            "vehicles": [veh(v) for v in self.vehicles],
            "unplaced": [{"shipment_id": u.shipment_id, "reason": u.reason} for u in self.unplaced],
            "baseline_ffd": {
                "total_cost_fen": self.baseline.total_cost_fen,
                "num_vehicles": self.baseline.num_vehicles,
                "unplaced": len(self.baseline.unplaced),
            },
        }
