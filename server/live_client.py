"""A client of ``yunli.v1.LivePlans`` that retries its writes safely.

:meth:`LiveClient.apply_events` and :meth:`LiveClient.create_plan` give every call an
idempotency key (a random UUID unless the request has one) and retry it, with the same
key, on ``UNAVAILABLE`` (an instance down, a lease moving) and ``DEADLINE_EXCEEDED``
(no answer in time): the server answers a retry of a call it already applied from its
record, so the call takes effect exactly once however often it is sent. Used by
``yunli replan --server``.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any, Final, TypeVar

import grpc

from server.proto import live_grpc, live_pb2

#: Status codes after which a keyed write is sent again (it cannot be applied twice).
RETRY_CODES: Final = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})

_Req = TypeVar("_Req", live_pb2.ApplyEventsRequest, live_pb2.CreatePlanRequest)


def new_key() -> str:
    """A fresh idempotency key (32 hex digits)."""
    return uuid.uuid4().hex


def keyed(request: _Req) -> _Req:
    """``request`` itself if it has an idempotency key, else a copy with a new one."""
    if request.idempotency_key:
        return request
    out = type(request)()
    out.CopyFrom(request)
    out.idempotency_key = new_key()
    return out


class LiveClient:
    """Calls ``yunli.v1.LivePlans`` on ``target`` (``host:port``, or several for
    client-side round robin as ``ipv4:h1:p1,h2:p2``).

    Parameters
    ----------
    target
        The server address (or an open channel).
    token
        Bearer token (default: ``YUNLI_TOKEN``; none: no token sent).
    attempts
        Sends of one write at most (first call and retries).
    timeout
        Deadline of each attempt, seconds.
    backoff
        First pause between attempts, seconds (doubled each time, at most 2 s).
    """

    def __init__(
        self,
        target: str | grpc.Channel,
        token: str | None = None,
        attempts: int = 8,
        timeout: float = 60.0,
        backoff: float = 0.1,
    ) -> None:
        if isinstance(target, str):
            opts = [("grpc.lb_policy_name", "round_robin")] if "," in target else []
            self.channel: grpc.Channel = grpc.insecure_channel(target, options=opts)
            self._own = True
        else:
            self.channel, self._own = target, False
        self.stub = live_grpc.LivePlansStub(self.channel)
        tok = token if token is not None else os.environ.get("YUNLI_TOKEN", "")
        self.metadata = (("authorization", f"Bearer {tok}"),) if tok else ()
        self.attempts = max(1, attempts)
        self.timeout = timeout
        self.backoff = backoff
        #: Attempts retried by this client (for reporting).
        self.retries = 0

    def _call(self, method: Any, request: Any) -> Any:
        pause = self.backoff
        for attempt in range(self.attempts):
            try:
                return method(request, timeout=self.timeout, metadata=self.metadata)
            except grpc.RpcError as e:
                if e.code() not in RETRY_CODES or attempt == self.attempts - 1:
                    raise
            self.retries += 1
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
        raise AssertionError("unreachable")  # pragma: no cover

    def apply_events(self, request: live_pb2.ApplyEventsRequest) -> live_pb2.ApplyEventsResponse:
        """``ApplyEvents`` with an idempotency key, retried on UNAVAILABLE and
        DEADLINE_EXCEEDED; ``response.replayed`` tells an answer from the record.

        Raises
        ------
        grpc.RpcError
            Any other status, or the last retryable one after ``attempts`` sends.
        """
        out: live_pb2.ApplyEventsResponse = self._call(self.stub.ApplyEvents, keyed(request))
        return out

    def create_plan(self, request: live_pb2.CreatePlanRequest) -> live_pb2.PlanView:
        """``CreatePlan`` with an idempotency key, retried as :meth:`apply_events` (a
        retry of a creation that went through returns its view, not ALREADY_EXISTS)."""
        out: live_pb2.PlanView = self._call(self.stub.CreatePlan, keyed(request))
        return out

    def get_plan(self, plan_id: str) -> live_pb2.PlanView:
        """``GetPlan`` (a read: retried the same way)."""
        out: live_pb2.PlanView = self._call(
            self.stub.GetPlan, live_pb2.GetPlanRequest(plan_id=plan_id)
        )
        return out

    def close(self) -> None:
        """Close the channel if this client opened it."""
        if self._own:
            self.channel.close()


__all__ = ["RETRY_CODES", "LiveClient", "keyed", "new_key"]
