"""Yunli on a Ray cluster: partitioned matching, many-depot and decomposed routing,
simulator sweeps (the optional extra ``pip install 'yunli[ray]'``).

The engine's algorithms are pure functions of their inputs; this package only splits
inputs into partitions, runs the unmodified engine functions on them as Ray tasks
(:func:`~engine.cluster.runtime.run_partitions`: retries of partitions whose worker or
node died, progress, per-partition figures) and merges the results.
"""

from engine.cluster.errors import ClusterError, ClusterUnavailableError, PartitionFailedError
from engine.cluster.runtime import PartitionRun, RayCluster, run_in_processes, run_partitions

__all__ = [
    "ClusterError",
    "ClusterUnavailableError",
    "PartitionFailedError",
    "PartitionRun",
    "RayCluster",
    "run_in_processes",
    "run_partitions",
]
