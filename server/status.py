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
``PermissionDeniedError``         ``PERMISSION_DENIED`` (message names the field)
any other ``YunliError``          ``INTERNAL``
anything else (a bug)             ``INTERNAL`` (details only in the log)
================================  ======================

Besides the code and message, every engine error sends its structure as the binary
trailing-metadata entry ``yunli-error-bin``: JSON with ``type`` (the class name) and,
for ``InvalidInputError``, ``field``, ``row_id`` and ``reason`` (``PermissionDeniedError``:
``field`` and ``reason``), so a client can read
the field at fault without parsing the message (:func:`error_details`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import grpc

from engine.errors import (
    InfeasibleError,
    InvalidInputError,
    NotFoundError,
    SolverTimeoutError,
    YunliError,
)
from server.auth import PermissionDeniedError


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
    (PermissionDeniedError, grpc.StatusCode.PERMISSION_DENIED),
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


#: Binary trailing-metadata key of an error's structure (see :func:`trailers_for`).
ERROR_KEY = "yunli-error-bin"


def trailers_for(exc: BaseException) -> tuple[tuple[str, bytes], ...]:
    """Trailing metadata describing ``exc`` for the client (empty for non-engine errors).

    ``InvalidInputError`` sends its ``field``, ``row_id`` and ``reason``; every other
    :class:`~engine.errors.YunliError` its class name only.
    """
    if not isinstance(exc, YunliError):
        return ()
    body: dict[str, Any] = {"type": type(exc).__name__}
    if isinstance(exc, InvalidInputError):
        body.update(field=exc.field, row_id=exc.row_id, reason=exc.reason)
    elif isinstance(exc, PermissionDeniedError):
        body.update(field=exc.field, reason=exc.reason)
    return ((ERROR_KEY, json.dumps(body, default=str).encode()),)


def error_details(metadata: Iterable[tuple[str, str | bytes]] | None) -> dict[str, Any]:
    """The error structure a client received in ``metadata`` (a call's trailing
    metadata, e.g. ``rpc_error.trailing_metadata()``); empty if there is none."""
    for key, value in metadata or ():
        if key == ERROR_KEY:
            raw = value if isinstance(value, bytes) else value.encode()
            out: dict[str, Any] = json.loads(raw)
            return out
    return {}
