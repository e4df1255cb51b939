"""The two-node Ray test cluster shared by the cluster tests (one per test session).

Ray's own ``ray.cluster_utils.Cluster``: a head node without CPUs (no task runs there)
and two worker nodes with one CPU each, separate raylet processes on this machine.
Tests that kill a worker node replace it before they end, so every test sees two.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

MB = 1024 * 1024


def start_cluster() -> Any:
    """Start the cluster; on a heavily loaded machine a raylet can miss Ray's fixed 30 s
    start-up wait, so a start that times out is cleaned up and tried again (3 times)."""
    cluster_utils = pytest.importorskip("ray.cluster_utils", reason="Ray is not installed")
    err: Exception | None = None
    for _ in range(3):
        c = cluster_utils.Cluster()
        try:
            c.add_node(
                num_cpus=0,
                object_store_memory=80 * MB,
                include_dashboard=False,
                # notice a killed node within seconds rather than Ray's default ~30 s
                _system_config={
                    "health_check_period_ms": 1000,
                    "health_check_failure_threshold": 3,
                },
            )
            for _ in range(2):
                c.add_node(num_cpus=1, object_store_memory=80 * MB)
            c.wait_for_nodes()
            return c
        except Exception as e:  # Ray raises a bare Exception on a start-up timeout
            err = e
            c.shutdown()
    raise RuntimeError(f"could not start the test cluster three times: {err}")


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[Any]:
    """The session's two-node cluster (stopped, raylets included, at the end)."""
    c = start_cluster()
    try:
        yield c
    finally:
        c.shutdown()
