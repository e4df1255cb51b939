"""The one place mapping engine errors to gRPC status codes.

================================  ======================
error                             status code
================================  ======================
``InvalidInputError``             ``INVALID_ARGUMENT`` (message names the field)
``NotFoundError``                 ``NOT_FOUND``
``InfeasibleError``               ``FAILED_PRECONDITION``
``SolverTimeoutError``            ``DEADLINE_EXCEEDED``
``AlreadyExistsError``            ``ALREADY_EXISTS``
``ConflictError`` (stale version) ``ABORTED``
``UnavailableError`` (store down) ``UNAVAILABLE``
``UnimplementedError``        ``UNIMPLEMENTED``
any other ``YunliError``          ``INTERNAL``
anything else (a bug)             ``INTERNAL`` (details only in the log)
================================  ======================
"""

from __future__ import annotations

import grpc

from engine.errors import (
    InfeasibleError,
    InvalidInputError,
    NotFoundError,
    SolverTimeoutError,
    YunliError,
)


class UnavailableError(YunliError):
    """The durable store cannot be reached; the call may be retried."""


class AlreadyExistsError(YunliError):
    """An object with that id exists already."""


class ConflictError(YunliError):
    """The object changed since the caller read it (optimistic concurrency)."""


class UnimplementedError(YunliError):
    """The engine capability behind an RPC is not in this build."""


_CODES: tuple[tuple[type[BaseException], grpc.StatusCode], ...] = (
    (InvalidInputError, grpc.StatusCode.INVALID_ARGUMENT),
    (NotFoundError, grpc.StatusCode.NOT_FOUND),
    (InfeasibleError, grpc.StatusCode.FAILED_PRECONDITION),
    (SolverTimeoutError, grpc.StatusCode.DEADLINE_EXCEEDED),
    (UnavailableError, grpc.StatusCode.UNAVAILABLE),
    (AlreadyExistsError, grpc.StatusCode.ALREADY_EXISTS),
    (ConflictError, grpc.StatusCode.ABORTED),
    (UnimplementedError, grpc.StatusCode.UNIMPLEMENTED),
)


def status_for(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status code and message for an exception raised by a servicer.

    Parameters
    ----------
    exc
        The exception.

    Returns
    -------
    tuple
        ``(code, message)``. Errors that are not :class:`~engine.errors.YunliError`
        are bugs: ``INTERNAL`` with a generic message (the traceback is logged).
    """
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code, str(exc) or type(exc).__name__
    if isinstance(exc, YunliError):
        return grpc.StatusCode.INTERNAL, f"{type(exc).__name__}: {exc}"
    return grpc.StatusCode.INTERNAL, "internal error (logged by the server)"
