"""Several server instances on one database: live-plan leases and write forwarding.

Each ``yunli serve`` process has an instance id and the address its peers reach it
at. Vehicles, loads, trips and orders need nothing more: every write goes to the
database first, orders are decided there (``SELECT … FOR UPDATE`` and conditional
updates), and each instance pulls the others' fleet writes every sync interval. A
live plan is different: its engine object lives in memory and a write is a
read-modify-write of the whole plan, so one instance at a time owns it through a
lease (:mod:`server.store.leases`):

* :class:`LeaseManager` takes a plan's lease on its first write through this
  instance (if no other live instance holds it), renews the leases it holds with a
  heartbeat every third of the time-to-live, fences every plan write with its epoch,
  and expires its leases on a graceful shutdown.
* :class:`Peers` forwards a write to the owner when another instance holds the
  lease: the caller sees the owner's answer (or its error, same code and message).
  The request is forwarded whole, so a write keeps its ``idempotency_key`` and the
  owner records it (:mod:`server.servicers.live`); a retry reaching a non-owner is
  answered from the record before any forwarding.
  A forwarded call is never forwarded again; an owner that does not answer gives
  ``UNAVAILABLE`` naming it and when its lease expires, after which a retry lands on
  an instance that takes the plan over, reloading it from the database.

The ``Community`` service is owned the same way as a whole, by one lease
(:data:`server.servicers.community.LEASE_KEY`); :meth:`Peers.call` and
:meth:`Peers.stream` forward its unary and server-streaming calls.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

import grpc

from engine.errors import (
    InfeasibleError,
    InvalidInputError,
    NotFoundError,
    SolverTimeoutError,
    YunliError,
)
from server.auth import PermissionDeniedError
from server.status import (
    AlreadyExistsError,
    ConflictError,
    UnavailableError,
    UnimplementedError,
    error_details,
)
from server.store.leases import Lease, LeaseStore

#: Metadata key marking a call forwarded by another instance (value: its instance id).
FORWARDED_BY: Final = "yunli-forwarded-by"


def default_instance_id() -> str:
    """``<hostname>-<pid>-<random>``: unique per process, readable in the lease table."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def advertised(address: str, port: int) -> str:
    """The address peers reach an instance bound to ``address`` (``HOST:PORT``) at: the
    host as given, or the machine's host name for a wildcard host; the bound port."""
    host = address.rsplit(":", 1)[0] if ":" in address else address
    if host in ("", "0.0.0.0", "[::]", "::", "*"):
        host = socket.gethostname()
    return f"{host}:{port}"


def error_from_status(
    code: grpc.StatusCode, details: str, trailers: Iterable[tuple[str, str | bytes]] | None
) -> YunliError:
    """The engine error a peer's status stands for (the inverse of
    :func:`server.status.status_for`), so a forwarded call fails with the owner's code,
    message and, for bad input, field."""
    d = error_details(trailers)
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidInputError(
            details, field=d.get("field"), row_id=d.get("row_id"), reason=d.get("reason", "")
        )
    if code is grpc.StatusCode.PERMISSION_DENIED and "field" in d:
        return PermissionDeniedError(str(d["field"]), str(d.get("reason", details)))
    simple: dict[grpc.StatusCode, type[YunliError]] = {
        grpc.StatusCode.NOT_FOUND: NotFoundError,
        grpc.StatusCode.FAILED_PRECONDITION: InfeasibleError,
        grpc.StatusCode.DEADLINE_EXCEEDED: SolverTimeoutError,
        grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
        grpc.StatusCode.ABORTED: ConflictError,
        grpc.StatusCode.UNAVAILABLE: UnavailableError,
        grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
    }
    cls = simple.get(code)
    if cls is not None:
        return cls(details)
    return YunliError(f"forwarded call failed with {code.name}: {details}")


class LeaseManager:
    """The live-plan leases this instance holds, renewed by a heartbeat thread.

    Parameters
    ----------
    store
        The lease table.
    instance_id
        This instance's id (unique among the instances sharing the database).
    ttl
        Lease time-to-live in seconds; renewed every ``ttl / 3``.
    """

    def __init__(self, store: LeaseStore, instance_id: str, ttl: float) -> None:
        self.store = store
        self.instance_id = instance_id
        #: Where peers forward writes to this instance (set once the port is bound).
        self.address = ""
        self.ttl = float(ttl)
        self._owned: dict[str, tuple[int, float]] = {}  # plan -> (epoch, local expiry)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="yunli-leases", daemon=True)

    def start(self) -> None:
        """Start the heartbeat."""
        self._thread.start()

    def claim(self, plan_id: str) -> tuple[Lease, bool]:
        """The plan's lease, taken for this instance if it is free or expired.

        Returns
        -------
        tuple
            The lease (``lease.owner`` is this instance's id if it owns the plan) and
            whether this instance has just become the owner (its copy of the plan must
            then be reloaded from the database before a write).
        """
        t0 = time.monotonic()
        with self._lock:
            held = self._owned.get(plan_id)
        if held is not None and held[1] > t0:
            return Lease(plan_id, self.instance_id, self.address, held[0], held[1] - t0), False
        lease = self.store.acquire(plan_id, self.instance_id, self.address, self.ttl)
        with self._lock:
            if lease.owner != self.instance_id:
                self._owned.pop(plan_id, None)
                return lease, False
            fresh = held is None or held[0] != lease.epoch
            self._owned[plan_id] = (lease.epoch, t0 + self.ttl)
        return lease, fresh

    def fence(self, plan_id: str, epoch: int) -> Callable[[Any], None]:
        """The in-transaction check of a plan write (see :meth:`LeaseStore.fence`)."""
        return self.store.fence(plan_id, self.instance_id, epoch, self.ttl)

    def lost(self, plan_id: str) -> None:
        """Forget a lease a fenced write found taken by another instance."""
        with self._lock:
            self._owned.pop(plan_id, None)

    def owned(self) -> dict[str, int]:
        """Plans this instance believes it owns, with their epochs."""
        with self._lock:
            return {k: v[0] for k, v in self._owned.items()}

    def _beat(self) -> None:
        from server.observability import LOGGER

        while not self._stop.wait(self.ttl / 3):
            t0 = time.monotonic()
            try:
                held = self.store.renew(self.instance_id, self.ttl)
            except Exception:
                LOGGER.warning("lease renewal failed", exc_info=True)
                continue
            with self._lock:
                for pid in list(self._owned):
                    if held.get(pid) != self._owned[pid][0]:
                        del self._owned[pid]
                for pid, epoch in held.items():
                    old = self._owned.get(pid)
                    if old is not None and old[0] == epoch:
                        self._owned[pid] = (epoch, t0 + self.ttl)

    def stop(self) -> None:
        """Stop the heartbeat and expire this instance's leases (others take over at once)."""
        from server.observability import LOGGER

        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        with self._lock:
            self._owned.clear()
        try:
            self.store.release(self.instance_id)
        except Exception:
            LOGGER.warning("could not release leases", exc_info=True)


class Peers:
    """gRPC channels to the other instances, for forwarding live-plan writes.

    Parameters
    ----------
    instance_id
        This instance's id (sent as :data:`FORWARDED_BY`).
    token
        A platform token to authenticate with (instances share their token set);
        None when authentication is off.
    root_certificates
        PEM roots to verify peers with when the instances serve TLS (the instance's own
        certificate chain: instances share one certificate, or one CA); None: plain TCP.
    auth_required
        Whether the instances require a token (forwarding is refused without one).
    """

    def __init__(
        self,
        instance_id: str,
        token: str | None,
        root_certificates: bytes | None,
        auth_required: bool,
    ) -> None:
        self.instance_id = instance_id
        self._token = token
        self._roots = root_certificates
        self._auth_required = auth_required
        self._channels: dict[str, grpc.Channel] = {}
        self._lock = threading.Lock()

    def _channel(self, address: str) -> grpc.Channel:
        with self._lock:
            ch = self._channels.get(address)
            if ch is None:
                if self._roots is not None:
                    creds = grpc.ssl_channel_credentials(root_certificates=self._roots)
                    ch = grpc.secure_channel(address, creds)
                else:
                    ch = grpc.insecure_channel(address)
                self._channels[address] = ch
            return ch

    def forward(
        self, lease: Lease, method: str, request: Any, context: grpc.ServicerContext
    ) -> Any:
        """Call ``yunli.v1.LivePlans/<method>`` on the plan's owner with ``request`` (an
        iterator of messages for a client stream) and return its answer.

        Raises
        ------
        server.status.UnavailableError
            The call was itself forwarded (the ownership moved meanwhile), the owner
            does not answer, or there is no platform token to forward with.
        engine.errors.YunliError
            The owner's error, of the same status code and message.
        """
        from server.proto import live_grpc

        stub = live_grpc.LivePlansStub
        return self.call(stub, lease, method, request, context, f"plan {lease.plan_id!r}")

    def _where(self, lease: Lease, what: str) -> str:
        return (
            f"{what} is owned by instance {lease.owner} at {lease.address} "
            f"(lease epoch {lease.epoch}, expires in {max(lease.expires_in, 0.0):.1f} s)"
        )

    def _metadata(self, where: str, context: grpc.ServicerContext) -> list[tuple[str, str]]:
        md = dict(context.invocation_metadata() or ())
        if FORWARDED_BY in md:
            raise UnavailableError(
                f"{where}; this instance ({self.instance_id}) got the call forwarded by "
                f"{md[FORWARDED_BY]!s} and does not forward again: retry"
            )
        if self._auth_required and self._token is None:
            raise UnavailableError(
                f"{where}; this instance has no platform token to forward the call with: "
                "call the owner directly"
            )
        metadata = [(FORWARDED_BY, self.instance_id)]
        if self._token is not None:
            metadata.append(("authorization", f"Bearer {self._token}"))
        return metadata

    @staticmethod
    def _error(e: grpc.RpcError, where: str, what: str) -> YunliError:
        code = e.code()
        details = e.details() or ""
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
            return UnavailableError(
                f"{where}, which does not answer ({details}); once its lease expires "
                f"another instance takes {what} over: retry"
            )
        trailers = [(str(m.key), m.value) for m in e.trailing_metadata() or ()]
        return error_from_status(code, details, trailers)

    def call(
        self,
        stub_class: Any,
        lease: Lease,
        method: str,
        request: Any,
        context: grpc.ServicerContext,
        what: str,
    ) -> Any:
        """Call ``method`` of ``stub_class`` (a generated gRPC stub) on the owner named by
        ``lease`` (which holds ``what``) and return its answer; errors as :meth:`forward`."""
        from server.servicers.routing import remaining

        where = self._where(lease, what)
        metadata = self._metadata(where, context)
        stub = stub_class(self._channel(lease.address))
        left = remaining(context)
        try:
            return getattr(stub, method)(request, timeout=left or 300.0, metadata=metadata)
        except grpc.RpcError as e:
            raise self._error(e, where, what) from e

    def stream(
        self,
        stub_class: Any,
        lease: Lease,
        method: str,
        request: Any,
        context: grpc.ServicerContext,
        what: str,
    ) -> Iterator[Any]:
        """The messages of the server-streaming ``method`` called on the owner (no
        deadline unless the caller gave one; cancelled when the caller's call ends);
        errors as :meth:`forward`, raised where the owner's stream fails."""
        from server.servicers.routing import remaining

        where = self._where(lease, what)
        metadata = self._metadata(where, context)
        stub = stub_class(self._channel(lease.address))
        call = getattr(stub, method)(request, timeout=remaining(context), metadata=metadata)
        context.add_callback(call.cancel)
        try:
            yield from call
        except grpc.RpcError as e:
            raise self._error(e, where, what) from e
        finally:
            call.cancel()

    def close(self) -> None:
        """Close the channels."""
        with self._lock:
            for ch in self._channels.values():
                ch.close()
            self._channels.clear()
