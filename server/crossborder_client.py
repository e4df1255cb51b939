"""One way for the ``yunli crossborder`` CLI to call ``yunli.v1.CrossBorder``: over gRPC on a
running server (``--server ADDR``), or in-process on a store (``--db FILE|URL``) through the
same :class:`~server.servicers.crossborder.CrossBorderServicer` — the same rules, the same
tables, the same transactions either way.

Errors come back as the engine's: a gRPC status is turned into the matching
:class:`~engine.errors.YunliError` (INVALID_ARGUMENT and ALREADY_EXISTS ->
:class:`~engine.errors.InvalidInputError`, NOT_FOUND -> :class:`~engine.errors.NotFoundError`,
FAILED_PRECONDITION -> :class:`~engine.crossborder.errors.TransitionError`), so the CLI
exits with the code of :data:`engine.cli.EXIT_CODES` either way.
"""

from __future__ import annotations

import os
from typing import Any

import grpc

from engine.crossborder.errors import TransitionError
from engine.errors import InvalidInputError, NotFoundError
from server.status import AlreadyExistsError


class CrossBorderClient:
    """Calls ``yunli.v1.CrossBorder`` methods by name.

    Parameters
    ----------
    server
        ``host:port`` of a running ``yunli serve`` (``token``, or ``YUNLI_TOKEN``, is sent
        as the bearer token).
    db
        Otherwise: an SQLite file or ``postgresql://`` URL opened in-process.
    """

    def __init__(
        self, *, server: str | None = None, token: str | None = None, db: str | None = None
    ) -> None:
        self._stub: Any = None
        self._servicer: Any = None
        self._close: Any = None
        if server:
            from server.servicers.crossborder import crossborder_grpc

            self._channel = grpc.insecure_channel(server)
            self._stub = crossborder_grpc.CrossBorderStub(self._channel)
            tok = token or os.environ.get("YUNLI_TOKEN", "")
            self._meta = (("authorization", f"Bearer {tok}"),) if tok else ()
            self._where = server
            self._close = self._channel.close
        elif db:
            from server.servicers.crossborder import CrossBorderServicer
            from server.store import open_store
            from server.store.crossborder import CrossBorderStore

            store = open_store(db)
            self._servicer = CrossBorderServicer(CrossBorderStore(store))
            self._where = db
            self._close = store.close
        else:
            raise InvalidInputError.at("--server", "give --server ADDR or --db FILE")

    def call(self, method: str, request: Any) -> Any:
        """Call ``method`` with ``request``; returns the response message.

        Raises
        ------
        InvalidInputError, NotFoundError, TransitionError
            As the server answered (see the module docstring).
        OSError
            The server cannot be reached (or another status: the message says which).
        """
        if self._servicer is not None:
            try:
                return getattr(self._servicer, method)(request, None)
            except AlreadyExistsError as e:
                raise InvalidInputError.at("order_id", str(e)) from None
        try:
            return getattr(self._stub, method)(request, metadata=self._meta, timeout=60)
        except grpc.RpcError as e:
            code, details = e.code(), e.details() or ""
            if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ALREADY_EXISTS):
                raise InvalidInputError(details) from None
            if code == grpc.StatusCode.NOT_FOUND:
                raise NotFoundError(details) from None
            if code == grpc.StatusCode.FAILED_PRECONDITION:
                raise TransitionError(details) from None
            raise OSError(f"server {self._where}: {code.name}: {details}") from None

    def close(self) -> None:
        """Close the channel or the store."""
        if self._close is not None:
            self._close()
            self._close = None


def to_dict(message: Any) -> dict[str, Any]:
    """A response as JSON-able data: proto field names, every field (zero values too),
    integers as numbers, an unset message field as ``None``."""
    out: dict[str, Any] = {}
    for f in message.DESCRIPTOR.fields:
        v = getattr(message, f.name)
        repeated = hasattr(v, "extend") and not isinstance(v, str | bytes)
        if f.message_type is not None:
            if repeated:
                out[f.name] = [to_dict(x) for x in v]
            else:
                out[f.name] = to_dict(v) if message.HasField(f.name) else None
        else:
            out[f.name] = list(v) if repeated else v
    return out


__all__ = ["CrossBorderClient", "to_dict"]
