"""Property test: random messages (and random bytes) at every RPC get only well-defined
status codes back, and the server stays up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.app import YunliServer, create_server
from server.config import ServerConfig
from server.proto import fleet_pb2, live_pb2, matching_pb2, routing_pb2
from tests.server.conftest import TOKEN, Client, client_for, messages, small_world

#: Codes a well-behaved server may answer random input with (never INTERNAL or UNKNOWN).
ALLOWED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.ABORTED,
}

_T = FieldDescriptor
_INTS = st.one_of(
    st.integers(-5, 50),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, 1, -1, 2**31, 2**53, 1_795_564_800]),
)
_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-200, 200),
    st.sampled_from([0.0, float("nan"), float("inf"), -91.0, 31.2, 121.5]),
)
_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "van", "idle", "dc", "s1", "j0", "light_truck", "p1", "x" * 300]),
)


def _scalar(f: FieldDescriptor) -> st.SearchStrategy[Any]:
    if f.type in (_T.TYPE_INT64, _T.TYPE_SINT64, _T.TYPE_SFIXED64):
        return _INTS
    if f.type in (_T.TYPE_INT32, _T.TYPE_SINT32, _T.TYPE_SFIXED32):
        return st.integers(-(2**31), 2**31 - 1) | st.integers(-3, 30)
    if f.type in (_T.TYPE_UINT64, _T.TYPE_FIXED64):
        return st.integers(0, 2**64 - 1)
    if f.type in (_T.TYPE_UINT32, _T.TYPE_FIXED32):
        return st.integers(0, 2**32 - 1)
    if f.type in (_T.TYPE_DOUBLE, _T.TYPE_FLOAT):
        return _FLOATS
    if f.type == _T.TYPE_BOOL:
        return st.booleans()
    if f.type == _T.TYPE_STRING:
        return _TEXT
    if f.type == _T.TYPE_BYTES:
        return st.binary(max_size=16)
    if f.type == _T.TYPE_ENUM:
        return st.integers(-2, 8)
    raise AssertionError(f"unhandled field type {f.type}")


def message_of(desc: Descriptor, depth: int = 0) -> st.SearchStrategy[Any]:
    """Random messages of ``desc``: each field set or not, repeated fields short."""

    @st.composite
    def build(draw: Any) -> Any:
        from google.protobuf import message_factory

        msg = message_factory.GetMessageClass(desc)()
        for f in desc.fields:
            if not draw(st.booleans()):
                continue
            if f.message_type is not None and f.message_type.GetOptions().map_entry:
                continue
            if f.type == _T.TYPE_MESSAGE:
                if depth > 3:
                    continue
                sub = message_of(f.message_type, depth + 1)
                if f.label == _T.LABEL_REPEATED:
                    for m in draw(st.lists(sub, max_size=4)):
                        getattr(msg, f.name).add().CopyFrom(m)
                else:
                    getattr(msg, f.name).CopyFrom(draw(sub))
            elif f.label == _T.LABEL_REPEATED:
                getattr(msg, f.name).extend(draw(st.lists(_scalar(f), max_size=5)))
            else:
                setattr(msg, f.name, draw(_scalar(f)))
        return msg

    return build()


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: Any, sample_world: Any) -> Iterator[tuple[YunliServer, Client]]:
    """One server for the whole module, holding a small fleet so some ids exist."""
    d: Path = tmp_path_factory.mktemp("fuzz")
    srv, port = create_server(
        "127.0.0.1:0",
        ServerConfig(db=str(d / "fuzz.db"), tokens=frozenset({TOKEN}), sync_interval_s=0,
                     max_jobs=60, max_rows=200, grace_s=1),
    )  # fmt: skip
    srv.start()
    c = client_for(port)
    data = small_world(sample_world, 30, 30)
    c.fleet.UpsertVehicles(
        fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", data["vehicles"]))
    )
    c.fleet.UpsertLoads(fleet_pb2.UpsertLoadsRequest(loads=messages("loads", data["loads"])))
    yield srv, c
    srv.stop(1)


def _methods() -> list[tuple[str, Any, bool, bool, Descriptor]]:
    out = []
    for mod, svc in (
        (fleet_pb2, "Fleet"),
        (matching_pb2, "Matching"),
        (routing_pb2, "Routing"),
        (live_pb2, "LivePlans"),
    ):
        sd = mod.DESCRIPTOR.services_by_name[svc]
        for m in sd.methods:
            out.append(
                (f"{svc}.{m.name}", sd, m.client_streaming, m.server_streaming, m.input_type)
            )
    return out


METHODS = _methods()


def _outcome(fn: Any) -> tuple[grpc.StatusCode, str]:
    try:
        fn()
    except grpc.RpcError as e:
        return e.code(), e.details() or ""
    return grpc.StatusCode.OK, ""


def _call(
    c: Client, service: str, method: str, req: Any, streaming_in: bool, streaming_out: bool
) -> None:
    stub = {"Fleet": c.fleet, "Matching": c.matching, "Routing": c.routing, "LivePlans": c.live}[
        service
    ]
    fn = getattr(stub, method)
    timeout = 3.0
    arg = iter(req) if streaming_in else req
    if streaming_out:
        for i, _ in enumerate(fn(arg, timeout=timeout)):
            if i > 50:
                break
    else:
        fn(arg, timeout=timeout)


@pytest.mark.parametrize(("name", "sd", "cs", "ss", "desc"), METHODS, ids=[m[0] for m in METHODS])
def test_random_messages(
    fuzz_server: Any, name: str, sd: Any, cs: bool, ss: bool, desc: Descriptor
) -> None:
    """Every RPC answers random (often invalid) messages with an allowed status."""
    _, c = fuzz_server
    service, method = name.split(".")
    strat = st.lists(message_of(desc), min_size=0, max_size=3) if cs else message_of(desc)
    n = 15 if service == "Routing" or method == "CreatePlan" else 40

    @settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(req=strat)
    def check(req: Any) -> None:
        code, details = _outcome(lambda: _call(c, service, method, req, cs, ss))
        assert code in ALLOWED, f"{name}: {code} {details}"

    check()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    method=st.sampled_from([m for m in METHODS if not m[2]]),
    payload=st.binary(max_size=64),
)
def test_random_bytes(fuzz_server: Any, method: Any, payload: bytes) -> None:
    """Arbitrary bytes as a request are rejected (or parsed) without a crash."""
    _, c = fuzz_server
    name, _, _, ss, _ = method
    service, m = name.split(".")
    path = f"/yunli.v1.{service}/{m}"
    ch = c.channel
    call = (ch.unary_stream if ss else ch.unary_unary)(
        path, request_serializer=lambda b: b, response_deserializer=lambda b: b
    )
    md = (("authorization", f"Bearer {TOKEN}"),)

    def run() -> None:
        out = call(payload, metadata=md, timeout=3)
        if ss:
            for i, _ in enumerate(out):
                if i > 50:
                    break

    code, details = _outcome(run)
    # a payload that is not a message fails to parse: grpc answers INTERNAL itself
    # before any servicer runs; everything that parses gets an allowed code
    assert code in ALLOWED | {grpc.StatusCode.INTERNAL}, details
    if code == grpc.StatusCode.INTERNAL:
        assert "deserializ" in details.lower(), details


def test_still_serving(fuzz_server: Any) -> None:
    """After all of the above the server is up and healthy."""
    _, c = fuzz_server
    h = health_pb2_grpc.HealthStub(c.channel)
    assert h.Check(health_pb2.HealthCheckRequest(), timeout=5).status == 1
    # (random deletes may have removed some of the vehicles: only the call must work)
    vehicles = list(c.fleet.ListVehicles(fleet_pb2.ListRequest(), timeout=5))
    assert all(v.HasField("vehicle_id") for v in vehicles)
