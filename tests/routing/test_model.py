"""Tests of the problem model: builder, validation errors and the contract arrays."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from engine.errors import InvalidInputError
from engine.routing import ARRAY_NAMES, UNLIMITED, Model

from .conftest import line_model


def test_to_arrays_follow_the_contract() -> None:
    """Every contract array is present with the documented shape and dtype."""
    m = Model(dimensions=("kg", "l"))
    d = m.add_depot(x=0, y=0)
    a, b, c = (m.add_site(x=x, y=0) for x in (3, 4, 5))
    m.add_vehicle_type(
        2, capacity=[100, 50], start=d, skills=["reefer"], breaks=[(10, 20, 5)], shift=(0, 999)
    )
    m.add_job(
        a,
        delivery=[1, 2],
        time_windows=[(30, 40), (0, 10)],
        skills="reefer",
        penalty=7,
        required=False,
    )
    m.add_shipment(b, c, amount=[3, 4], pickup_service=2, delivery_windows=[(5, 50)])
    arr = m.data().to_arrays()
    assert tuple(arr) == ARRAY_NAMES
    assert arr["distance"].shape == (4, 4)
    assert arr["distance"].dtype == np.int64
    assert arr["durations"].shape == (1, 4, 4)
    assert arr["job_delivery"].tolist() == [[1, 2], [0, 0], [3, 4]]
    assert arr["job_pickup"].tolist() == [[0, 0], [3, 4], [0, 0]]
    assert arr["pair_of"].tolist() == [-1, 2, 1]
    assert arr["is_pickup"].tolist() == [False, True, False]
    # windows sorted, CSR form
    assert arr["job_tw_offsets"].tolist() == [0, 2, 3, 4]
    assert arr["job_tw"].tolist() == [[0, 10], [30, 40], [0, UNLIMITED], [5, 50]]
    assert arr["job_skills"].dtype == np.uint64
    assert arr["job_skills"].tolist() == [1, 0, 0]
    assert arr["type_skills"].tolist() == [1]
    assert arr["type_breaks"].tolist() == [[10, 20, 5]]
    assert arr["type_tw"].tolist() == [[0, 999]]
    assert arr["job_required"].tolist() == [False, True, True]
    assert arr["job_penalty"].tolist() == [7, 0, 0]
    assert not arr["distance"].flags.writeable


def test_geographic_sites_use_great_circle_matrices() -> None:
    """Lat/lon sites get road distances (great circle × circuity) in metres."""
    m = Model()
    d = m.add_depot(lat=31.2304, lon=121.4737)
    s = m.add_site(lat=31.3304, lon=121.4737)
    m.add_vehicle_type(1, capacity=1, start=d)
    m.add_job(s)
    p = m.data()
    # 0.1 degree of latitude is ~11.1 km; times the circuity 1.3
    assert 14_000 < p.distance[0, 1] < 15_000
    assert p.durations[0, 0, 1] > 0


def test_negative_amount_names_the_field() -> None:
    m = line_model()
    with pytest.raises(InvalidInputError) as e:
        m.add_job("s1", delivery=-3, name="bad")
    assert e.value.field == "delivery"
    assert e.value.row_id == "bad"


def test_inverted_window_is_rejected() -> None:
    m = line_model()
    with pytest.raises(InvalidInputError) as e:
        m.add_job("s1", time_windows=[(50, 10)])
    assert e.value.field == "time_windows"


def test_overlapping_windows_are_merged() -> None:
    m = line_model()
    j = m.add_job("s1", time_windows=[(20, 40), (0, 25), (60, 70)])
    assert j.time_windows == ((0, 40), (60, 70))


def test_unknown_site_names_the_field() -> None:
    m = line_model()
    with pytest.raises(InvalidInputError) as e:
        m.add_job("nowhere")
    assert e.value.field == "site"
    other = Model(dimensions=("kg",)).add_site(x=1, y=1)
    with pytest.raises(InvalidInputError):
        m.add_job(other)


def test_empty_fleet_is_rejected() -> None:
    m = Model()
    d = m.add_depot(x=0, y=0)
    m.add_job(m.add_site(x=1, y=1))
    with pytest.raises(InvalidInputError) as e:
        m.data()
    assert e.value.field == "vehicle_types"
    m.add_vehicle_type(0, capacity=1, start=d)
    with pytest.raises(InvalidInputError) as e:
        m.data()
    assert e.value.field == "vehicle_types"


def test_wrong_dimension_count_is_rejected() -> None:
    m = line_model()
    with pytest.raises(InvalidInputError) as e:
        m.add_job("s1", delivery=[1, 2])
    assert e.value.field == "delivery"


@pytest.mark.parametrize(
    ("matrix", "reason"),
    [
        (np.ones((3, 3), dtype=np.int64) - np.eye(3, dtype=np.int64), "does not match"),
        (np.array([[0, -1], [1, 0]]), "negative"),
        (np.array([[0, 1.5], [1, 0]]), "not an integer"),
        (np.array([[0, np.nan], [1, 0]]), "nan"),
        (np.ones((2, 3)), "square"),
    ],
)
def test_inconsistent_matrices_are_rejected(matrix: np.ndarray, reason: str) -> None:
    """User matrices must be square, match the sites and hold non-negative integers."""
    m = Model()
    d = m.add_depot(name="d")
    m.add_vehicle_type(1, capacity=5, start=d)
    m.add_job(m.add_site(name="a"))

    def build() -> None:
        m.set_matrix(matrix)
        m.data()

    with pytest.raises(InvalidInputError) as e:
        build()
    assert e.value.field == "distance"
    assert reason.lower() in str(e.value).lower()


def test_durations_matrix_shape_must_match_distance() -> None:
    m = Model()
    d = m.add_depot(name="d")
    m.add_vehicle_type(1, capacity=5, start=d)
    m.add_job(m.add_site(name="a"))
    with pytest.raises(InvalidInputError) as e:
        m.set_matrix(np.array([[0, 1], [1, 0]]), np.zeros((3, 3), dtype=np.int64))
    assert "durations" in str(e.value)


def test_sites_without_coordinates_need_a_matrix() -> None:
    m = Model()
    d = m.add_depot(name="d")
    m.add_vehicle_type(1, capacity=5, start=d)
    m.add_job(m.add_site(name="a"))
    with pytest.raises(InvalidInputError) as e:
        m.data()
    assert e.value.field == "site"
    m.set_matrix([[0, 7], [7, 0]])
    assert m.data().distance[0, 1] == 7


def _frames() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    sites = pl.DataFrame(
        {
            "site_id": ["DC", "A", "B", "C"],
            "x": [0.0, 10, 20, 30],
            "y": [0.0, 0, 0, 0],
            "is_depot": [True, False, False, False],
        }
    )
    vehicles = pl.DataFrame(
        {
            "type_id": ["van", "reefer"],
            "count": [2, 1],
            "weight_kg": [100, 50],
            "volume_l": [500, 300],
            "start_site": ["DC", "DC"],
            "skills": [None, "cold"],
            "fixed_cost": [1000, 2000],
        }
    )
    jobs = pl.DataFrame(
        {
            "job_id": ["j1", "j2", "s1"],
            "kind": ["delivery", "pickup", "shipment"],
            "site": ["A", "B", None],
            "pickup_site": [None, None, "A"],
            "delivery_site": [None, None, "C"],
            "weight_kg": [10, 20, 5],
            "volume_l": [1, 2, 3],
            "tw_start": [0, None, None],
            "tw_end": [100, None, None],
            "skills": [None, None, "cold"],
            "required": [True, False, True],
            "penalty": [None, 300, None],
        }
    )
    return sites, vehicles, jobs


def test_from_polars_builds_the_same_problem() -> None:
    sites, vehicles, jobs = _frames()
    p = Model.from_polars(sites, vehicles, jobs).data()
    assert [j.name for j in p.jobs] == ["j1", "j2", "s1:pickup", "s1:delivery"]
    assert [j.kind for j in p.jobs] == [
        "delivery",
        "pickup",
        "shipment_pickup",
        "shipment_delivery",
    ]
    arr = p.to_arrays()
    assert arr["type_capacity"].tolist() == [[100, 500], [50, 300]]
    assert arr["job_tw"][0].tolist() == [0, 100]
    assert arr["job_required"].tolist() == [True, False, True, True]
    assert arr["job_penalty"].tolist() == [0, 300, 0, 0]
    assert arr["job_skills"].tolist() == [0, 0, 1, 1]
    assert arr["type_skills"].tolist() == [0, 1]


def test_from_polars_unknown_site_names_field_and_row() -> None:
    sites, vehicles, jobs = _frames()
    jobs = jobs.with_columns(
        pl.when(pl.col("job_id") == "j2").then(pl.lit("Z")).otherwise(pl.col("site")).alias("site")
    )
    with pytest.raises(InvalidInputError) as e:
        Model.from_polars(sites, vehicles, jobs)
    assert e.value.field == "jobs.site"
    assert e.value.row_id == "j2"


def test_from_polars_negative_amount_names_row() -> None:
    sites, vehicles, jobs = _frames()
    jobs = jobs.with_columns(pl.Series("weight_kg", [10, -4, 5]))
    with pytest.raises(InvalidInputError) as e:
        Model.from_polars(sites, vehicles, jobs)
    assert e.value.field == "delivery" or e.value.field == "pickup"
    assert e.value.row_id == "j2"


def test_from_polars_missing_column() -> None:
    sites, vehicles, jobs = _frames()
    with pytest.raises(InvalidInputError) as e:
        Model.from_polars(sites, vehicles.drop("weight_kg"), jobs)
    assert e.value.field == "vehicles"
