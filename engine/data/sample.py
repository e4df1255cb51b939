"""The bundled sample world (generated once by :func:`engine.data.generator.generate_world`)."""

from __future__ import annotations

from importlib import resources

from engine.data.loaders import World, load_world

#: Arguments the bundled sample was generated with (``yunli generate`` reproduces it).
SAMPLE_ARGS = {"n_vehicles": 2_000, "n_trips": 50_000, "n_loads": 2_000, "seed": 7}


def load_sample() -> World:
    """Load and validate the bundled sample world (2,000 vehicles, 50,000 trips, 2,000 loads)."""
    with resources.as_file(resources.files("engine.data").joinpath("sample")) as d:
        return load_world(d)
