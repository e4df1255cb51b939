"""Errors of cluster runs (both are :class:`~engine.errors.YunliError`)."""

from __future__ import annotations

from engine.errors import YunliError


class ClusterError(YunliError):
    """A cluster run could not be completed."""


class ClusterUnavailableError(ClusterError):
    """Ray is not installed, or the cluster at the given address cannot be reached."""


class PartitionFailedError(ClusterError):
    """A partition failed on every attempt (its worker or node died each time).

    The run is abandoned: no partial result is returned.

    Attributes
    ----------
    partition
        Name of the partition that failed.
    attempts
        How many times it was tried.
    """

    def __init__(self, partition: str, attempts: int, cause: str) -> None:
        super().__init__(
            f"partition {partition!r} failed on all {attempts} attempts "
            f"(last: {cause}); the run was abandoned, no partial result returned"
        )
        self.partition = partition
        self.attempts = attempts
