"""The console's HTTP/JSON gateway: every ``yunli.v1`` RPC over a real gRPC channel.

The gateway owns no service logic. It looks a method up in the generated descriptors,
parses the JSON body into the request message with :mod:`google.protobuf.json_format`,
calls the method on a gRPC channel to the running server (so auth, validation, error
mapping and metrics are exactly the gRPC API's), and turns the reply back into JSON.
This module is the one conversion point between the browser and protobuf.

Two encodings of a reply:

* the default: ``json_format.MessageToDict`` with the ``.proto`` field names (int64
  values as JSON strings, as the proto3 JSON mapping says);
* ``columns``: for server-streaming methods whose items are flat messages (the Fleet
  lists), the items as one array per requested scalar field (int64 as JSON numbers;
  every id and quantity here is far below 2**53). 20,000 vehicles take a fifth of
  the time and a third of the bytes;
* ``columns`` of a unary *columnar* reply (every field a repeated scalar, e.g. the
  Fleet's ``ListVehicleColumns``): the requested fields as they are, ``count`` being
  the length of the reply's first field. The server packs the columns itself, so
  20,000 rows cost one message instead of 20,000; the map layers use it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from engine.errors import InvalidInputError, NotFoundError
from server.proto import (
    community_pb2,
    crossborder_pb2,
    fleet_pb2,
    live_pb2,
    matching_pb2,
    orders_pb2,
    routing_pb2,
)

#: HTTP status for each gRPC status code.
HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.CANCELLED: 499,
}

_FILES = (
    fleet_pb2, matching_pb2, routing_pb2, live_pb2, orders_pb2, crossborder_pb2, community_pb2,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Method:
    """One RPC the gateway can call."""

    path: str  # /yunli.v1.Fleet/ListVehicles
    request: type[Message]
    response: type[Message]
    client_streaming: bool
    server_streaming: bool


def _methods() -> dict[str, Method]:
    out: dict[str, Method] = {}
    for mod in _FILES:
        for service in mod.DESCRIPTOR.services_by_name.values():
            for m in service.methods:
                md: MethodDescriptor = m
                path = f"/{service.full_name}/{md.name}"
                out[path] = Method(
                    path,
                    GetMessageClass(md.input_type),
                    GetMessageClass(md.output_type),
                    bool(md.client_streaming),
                    bool(md.server_streaming),
                )
    return out


#: Every ``yunli.v1`` method by path.
METHODS: dict[str, Method] = _methods()

#: Methods that change state: a call through the gateway clears its list cache.
WRITES: frozenset[str] = frozenset(
    p for p in METHODS if p.rsplit("/", 1)[1].startswith(("Upsert", "Delete", "Record"))
) | {"/yunli.v1.LivePlans/CreatePlan", "/yunli.v1.LivePlans/ApplyEvents"}

#: Cheap authenticated call that checks a token before a cached list is served.
_AUTH_PROBE = "/yunli.v1.Fleet/GetVehicles"


class GatewayError(Exception):
    """A call that failed: the HTTP status and the JSON error body to send."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """``{"error": {"code": ..., "message": ...}}``."""
        return {"error": {"code": self.code, "message": self.message}}


def _from_rpc(e: grpc.RpcError) -> GatewayError:
    code = e.code() if hasattr(e, "code") else grpc.StatusCode.UNKNOWN
    details = e.details() if hasattr(e, "details") else str(e)
    if code is grpc.StatusCode.UNAVAILABLE:
        details = f"the Yunli server is unavailable ({details}); retrying"
    return GatewayError(HTTP_STATUS.get(code, 500), code.name, str(details or code.name))


def method(path: str) -> Method:
    """The method at ``path`` (``/yunli.v1.Service/Method``); NotFoundError otherwise."""
    m = METHODS.get(path)
    if m is None:
        raise NotFoundError(f"method: no RPC {path!r}")
    return m


def parse_request(m: Method, body: bytes | str | dict[str, Any]) -> Message:
    """The request message of ``m`` from JSON (proto field names or lowerCamelCase)."""
    req = m.request()
    try:
        if isinstance(body, dict):
            json_format.ParseDict(body, req)
        else:
            text = body.decode() if isinstance(body, bytes) else body
            json_format.Parse(text or "{}", req)
    except (json_format.ParseError, UnicodeDecodeError, ValueError) as e:
        raise InvalidInputError.at("body", f"not a valid {m.request.DESCRIPTOR.name}: {e}") from e
    return req


def to_dict(msg: Message) -> dict[str, Any]:
    """A message as JSON-ready dict (proto field names, defaults left out)."""
    out: dict[str, Any] = json_format.MessageToDict(msg, preserving_proto_field_name=True)
    return out


def columns_of(
    descriptor: Any, items: Sequence[Message], names: Sequence[str]
) -> dict[str, list[Any]]:
    """``{field: [value per item]}`` for scalar (or repeated scalar) fields of flat messages.

    Unset optional fields are ``None``. Raises InvalidInputError naming an unknown or
    non-scalar field.
    """
    fields = descriptor.fields_by_name
    out: dict[str, list[Any]] = {}
    for name in names:
        f = fields.get(name)
        if f is None or f.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
            raise InvalidInputError.at("columns", f"{descriptor.name} has no scalar field {name!r}")
        if f.is_repeated:
            out[name] = [list(getattr(m, name)) for m in items]
        elif f.has_presence:
            out[name] = [getattr(m, name) if m.HasField(name) else None for m in items]
        else:
            out[name] = [getattr(m, name) for m in items]
    return out


def is_columnar(descriptor: Any) -> bool:
    """Whether every field of the message type is a repeated scalar (a column)."""
    return bool(descriptor.fields) and all(
        f.is_repeated and f.type not in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP)
        for f in descriptor.fields
    )


def packed_columns(msg: Message, names: Sequence[str]) -> dict[str, Any]:
    """``{"count": n, "columns": {field: [...]}}`` of a columnar message (``n``: the
    length of its first field). Raises InvalidInputError naming an unknown field."""
    d = msg.DESCRIPTOR
    out: dict[str, list[Any]] = {}
    for name in names:
        if name not in d.fields_by_name:
            raise InvalidInputError.at("columns", f"{d.name} has no column {name!r}")
        out[name] = list(getattr(msg, name))
    return {"count": len(getattr(msg, d.fields[0].name)), "columns": out}


class Gateway:
    """Calls the ``yunli.v1`` services of the server at ``target`` on one channel.

    Parameters
    ----------
    target
        ``HOST:PORT`` of the gRPC server.
    root_certificates
        PEM roots for a TLS server (None: plaintext).
    timeout_s
        Deadline of unary calls.
    cache_s
        How long a columnar list (the map layers: 20,000 vehicles stream in about
        2 s of server CPU) is served from memory: every request still checks the
        caller's token with a cheap authenticated call first, and any write through
        this gateway clears the cache, so only writes by other clients can take time
        to show (0: no cache).
    stale_s
        A list older than ``cache_s`` but younger than this is still answered at once
        while a fresh copy is fetched in the background for the next request (the page
        asks again every minute); older ones are fetched before answering.
    """

    def __init__(
        self,
        target: str,
        root_certificates: bytes | None = None,
        timeout_s: float = 120.0,
        cache_s: float = 30.0,
        stale_s: float = 300.0,
    ) -> None:
        opts = [
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            ("grpc.max_send_message_length", 64 * 1024 * 1024),
        ]
        if root_certificates is None:
            self.channel = grpc.insecure_channel(target, options=opts)
        else:
            creds = grpc.ssl_channel_credentials(root_certificates)
            self.channel = grpc.secure_channel(target, creds, options=opts)
        self.target = target
        self.timeout_s = timeout_s
        self.cache_s = cache_s
        self._cache: dict[tuple[str, bytes, tuple[str, ...]], tuple[float, dict[str, Any]]] = {}
        self._cache_lock = threading.Lock()
        self._key_locks: dict[tuple[str, bytes, tuple[str, ...]], threading.Lock] = {}
        self._generation = 0
        self.stale_s = stale_s

    def close(self) -> None:
        """Close the channel."""
        self.channel.close()

    @staticmethod
    def _metadata(token: str | None) -> tuple[tuple[str, str | bytes], ...]:
        return (("authorization", f"Bearer {token}"),) if token else ()

    def call(
        self,
        path: str,
        body: bytes | str | dict[str, Any],
        token: str | None,
        columns: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Call the unary or server-streaming method at ``path``; the JSON reply.

        A streaming reply is ``{"items": [...]}`` (or ``{"count": n, "columns": {...}}``
        with ``columns``). Raises :class:`GatewayError` with the HTTP status of the
        gRPC status code, or InvalidInputError / NotFoundError for a bad request.
        """
        m = method(path)
        if m.client_streaming:
            raise InvalidInputError.at(
                "method", f"{path} takes a stream of requests; not offered over HTTP"
            )
        req = parse_request(m, body)
        if (
            columns
            and self.cache_s > 0
            and (m.server_streaming or is_columnar(m.response.DESCRIPTOR))
        ):
            return self._cached(m, req, token, tuple(columns))
        out = self._call(m, req, token, columns)
        if path in WRITES:
            self.invalidate()
        return out

    def _cached(
        self, m: Method, req: Message, token: str | None, columns: tuple[str, ...]
    ) -> dict[str, Any]:
        key = (m.path, req.SerializeToString(deterministic=True), columns)
        with self._cache_lock:
            lock = self._key_locks.setdefault(key, threading.Lock())
            hit = self._cache.get(key)
        age = None if hit is None else time.monotonic() - hit[0]
        if hit is not None and age is not None and age < self.stale_s:
            probe = METHODS[_AUTH_PROBE]
            self._call(probe, probe.request(), token, None)  # the caller's token, every time
            if age >= self.cache_s and lock.acquire(blocking=False):
                threading.Thread(  # serve this one stale, refresh for the next
                    target=self._refresh, args=(key, m, req, token, columns, lock), daemon=True
                ).start()
            return hit[1]
        with lock:  # one computation per key at a time; the others wait and share it
            with self._cache_lock:
                hit = self._cache.get(key)
            if hit is not None and time.monotonic() - hit[0] < self.cache_s:
                probe = METHODS[_AUTH_PROBE]
                self._call(probe, probe.request(), token, None)
                return hit[1]
            return self._fill(key, m, req, token, columns)

    def _fill(
        self,
        key: tuple[str, bytes, tuple[str, ...]],
        m: Method,
        req: Message,
        token: str | None,
        columns: tuple[str, ...],
    ) -> dict[str, Any]:
        with self._cache_lock:
            gen = self._generation
        t = time.monotonic()
        out = self._call(m, req, token, columns)
        with self._cache_lock:
            if gen == self._generation:  # no write went through meanwhile
                self._cache[key] = (t, out)
        return out

    def _refresh(
        self,
        key: tuple[str, bytes, tuple[str, ...]],
        m: Method,
        req: Message,
        token: str | None,
        columns: tuple[str, ...],
        lock: threading.Lock,
    ) -> None:
        try:
            self._fill(key, m, req, token, columns)
        except Exception:  # the next request computes it in the foreground
            with self._cache_lock:
                self._cache.pop(key, None)
        finally:
            lock.release()

    def invalidate(self) -> None:
        """Forget every cached list (a write went through)."""
        with self._cache_lock:
            self._generation += 1
            self._cache.clear()

    def _call(
        self, m: Method, req: Message, token: str | None, columns: Sequence[str] | None
    ) -> dict[str, Any]:
        path = m.path
        md = self._metadata(token)
        ser = m.request.SerializeToString
        de = m.response.FromString
        try:
            if not m.server_streaming:
                columnar = is_columnar(m.response.DESCRIPTOR)
                if columns and not columnar:
                    raise InvalidInputError.at(
                        "columns", f"{path} is neither a streaming nor a columnar method"
                    )
                fn = self.channel.unary_unary(
                    path, request_serializer=ser, response_deserializer=de
                )
                reply = fn(req, metadata=md, timeout=self.timeout_s)
                return packed_columns(reply, columns) if columns else to_dict(reply)
            stream = self.channel.unary_stream(
                path, request_serializer=ser, response_deserializer=de
            )
            items = list(stream(req, metadata=md, timeout=self.timeout_s))
        except grpc.RpcError as e:
            raise _from_rpc(e) from None
        if columns:
            return {
                "count": len(items),
                "columns": columns_of(m.response.DESCRIPTOR, items, columns),
            }
        return {"items": [to_dict(x) for x in items]}

    def stream(self, path: str, body: bytes | str | dict[str, Any], token: str | None) -> Stream:
        """The replies of a server-streaming method (a :class:`Stream`: iterate it for
        one dict per message; ``cancel()`` from any thread ends the call)."""
        m = method(path)
        if not m.server_streaming or m.client_streaming:
            raise InvalidInputError.at("method", f"{path} is not a server-streaming method")
        req = parse_request(m, body)
        fn = self.channel.unary_stream(
            path, request_serializer=m.request.SerializeToString,
            response_deserializer=m.response.FromString,
        )  # fmt: skip
        return Stream(fn(req, metadata=self._metadata(token)))


class Stream:
    """A server-streaming call: iterate for the messages as dicts until the server ends
    the stream; :meth:`cancel` (any thread) ends it early."""

    def __init__(self, call: Any) -> None:
        self._call = call

    def cancel(self) -> None:
        """Cancel the call (iteration then stops)."""
        self._call.cancel()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            for item in self._call:
                yield to_dict(item)
        except grpc.RpcError as e:
            if e.code() is grpc.StatusCode.CANCELLED:
                return
            raise _from_rpc(e) from None


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
