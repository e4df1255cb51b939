"""One interceptor around every call: bearer-token auth, error mapping, metrics, logs.

Identity: a token may be bound to a principal (:mod:`server.auth`); the interceptor
sets :data:`server.auth.CALLER` for the handler and keeps party tokens to
:data:`server.auth.PARTY_SERVICES`.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from engine.orders.model import Actor
from server.auth import CALLER, PARTY_SERVICES
from server.observability import LOGGER, Metrics
from server.status import status_for, trailers_for

#: Calls that need no token (load balancers and orchestrators probe health).
PUBLIC_PREFIXES: tuple[str, ...] = ("/grpc.health.v1.Health/",)


def _token_ok(metadata: Any, tokens: frozenset[str]) -> tuple[str | None, str | None]:
    """``(None, token)`` if the metadata carries an accepted bearer token, else
    ``(why not, None)``."""
    value = None
    for key, v in metadata or ():
        if key == "authorization":
            value = v
            break
    if value is None:
        return "missing bearer token (metadata 'authorization: Bearer <token>')", None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    scheme, _, token = str(value).partition(" ")
    if scheme.lower() != "bearer" or not token:
        return "malformed authorization metadata (expected 'Bearer <token>')", None
    # compare against every token so timing does not reveal which one nearly matched
    found = None
    given = token.encode()
    for t in tokens:
        if hmac.compare_digest(given, t.encode()):
            found = t
    return (None, found) if found is not None else ("invalid bearer token", None)


class ServiceInterceptor(grpc.ServerInterceptor):  # type: ignore[type-arg]
    """Wraps every handler: authenticates, maps exceptions, counts and times calls.

    ``pools`` maps full method names (``/yunli.v1.Matching/RecommendVehicles``) to the
    thread pool that runs them instead of the server's (grpcio's per-handler
    ``experimental_thread_pool``): short interactive calls get a small pool of their
    own, so they never queue behind long calls and few threads contend for the GIL.

    ``principals`` maps party tokens to the principal they are bound to (accepted
    besides ``tokens``, the platform tokens); such a token reaches only
    :data:`~server.auth.PARTY_SERVICES` (else ``PERMISSION_DENIED``), and its
    principal is the handler's :data:`~server.auth.CALLER`.
    """

    def __init__(
        self,
        tokens: frozenset[str],
        metrics: Metrics,
        pools: Mapping[str, ThreadPoolExecutor] | None = None,
        principals: Mapping[str, Actor] | None = None,
    ) -> None:
        self._principals = dict(principals or {})
        self._tokens = tokens | self._principals.keys()
        self._metrics = metrics
        self._pools = dict(pools or {})
        # metric children by label values: labels() takes a lock and hashes every call
        self._counters: dict[tuple[str, str], Any] = {}
        self._timers: dict[str, Any] = {}
        # wrapped handlers by (method, principal, original handler): built once, not per call
        self._wrapped: dict[tuple[str, Actor | None, int], Any] = {}
        # authorization header values already accepted -> the token they carry
        self._accepted: dict[str, str] = {}

    def intercept_service(
        self,
        continuation: Callable[[Any], Any],
        handler_call_details: Any,
    ) -> Any:
        """Return the wrapped handler (or one that rejects the call)."""
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method: str = handler_call_details.method
        caller: Actor | None = None
        if self._tokens and not method.startswith(PUBLIC_PREFIXES):
            md = handler_call_details.invocation_metadata
            token = self._known_token(md)
            if token is None:
                why, token = _token_ok(md, self._tokens)
                if why is not None:
                    return self._reject(handler, method, why)
                self._remember(md, token)
            caller = self._principals.get(token) if token is not None else None
            if caller is not None and not method.startswith(PARTY_SERVICES):
                why = f"a token bound to {caller} may not call {method} (needs a platform token)"
                return self._reject(handler, method, why, grpc.StatusCode.PERMISSION_DENIED)
        key = (method, caller, id(handler))
        wrapped = self._wrapped.get(key)
        if wrapped is None:
            wrapped = self._wrapped[key] = self._wrap(handler, method, caller)
        return wrapped

    def _known_token(self, metadata: Any) -> str | None:
        """The token of an ``authorization`` value accepted before (one dict lookup)."""
        for key, v in metadata or ():
            if key == "authorization":
                return self._accepted.get(v) if isinstance(v, str) else None
        return None

    def _remember(self, metadata: Any, token: str | None) -> None:
        for key, v in metadata or ():
            if key == "authorization":
                if isinstance(v, str) and token is not None and len(self._accepted) < 1024:
                    self._accepted[v] = token
                return

    # ---- helpers ------------------------------------------------------------------------
    def _done(self, method: str, code: grpc.StatusCode, t0: float, msg: str = "") -> None:
        m = self._metrics
        key = (method, code.name)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = m.requests.labels(method, code.name)
        timer = self._timers.get(method)
        if timer is None:
            timer = self._timers[method] = m.latency.labels(method)
        counter.inc()
        timer.observe(time.perf_counter() - t0)
        m.in_flight.dec()
        if code is grpc.StatusCode.INTERNAL:
            LOGGER.error("call failed", extra={"method": method, "code": code.name, "detail": msg})
        elif code is not grpc.StatusCode.OK:
            LOGGER.info("call rejected", extra={"method": method, "code": code.name, "detail": msg})

    def _fail(self, context: grpc.ServicerContext, exc: BaseException, method: str) -> Any:
        code, msg = status_for(exc)
        if code is grpc.StatusCode.INTERNAL:
            LOGGER.exception("unexpected error", extra={"method": method})
        trailers = trailers_for(exc)
        if trailers:
            context.set_trailing_metadata(trailers)
        context.abort(code, msg)

    def _reject(
        self,
        handler: Any,
        method: str,
        why: str,
        code: grpc.StatusCode = grpc.StatusCode.UNAUTHENTICATED,
    ) -> Any:
        metrics = self._metrics

        def deny(_request: Any, context: grpc.ServicerContext) -> Any:
            metrics.requests.labels(method, code.name).inc()
            LOGGER.info(code.name.lower(), extra={"method": method, "detail": why})
            context.abort(code, why)

        return _same_kind(handler, deny, deny)

    def _wrap(self, handler: Any, method: str, caller: Actor | None = None) -> Any:
        behavior: Any = (
            handler.unary_unary
            or handler.unary_stream
            or handler.stream_unary
            or handler.stream_stream
        )

        def unary(request: Any, context: grpc.ServicerContext) -> Any:
            t0 = time.perf_counter()
            self._metrics.in_flight.inc()
            code, msg = grpc.StatusCode.OK, ""
            # set for every call (never inherited): the pool thread may have served another
            CALLER.set(caller)
            try:
                return behavior(request, context)
            except Exception as e:
                code, msg = _code_of(context, e)
                if _is_abort(context):
                    raise
                self._fail(context, e, method)
            finally:
                self._done(method, code, t0, msg)

        def streaming(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            t0 = time.perf_counter()
            self._metrics.in_flight.inc()
            code, msg = grpc.StatusCode.OK, ""
            CALLER.set(caller)
            try:
                yield from behavior(request, context)
            except GeneratorExit:
                code = grpc.StatusCode.CANCELLED
                raise
            except Exception as e:
                code, msg = _code_of(context, e)
                if _is_abort(context):
                    raise
                self._fail(context, e, method)
            finally:
                if code is grpc.StatusCode.OK and not context.is_active():
                    code = grpc.StatusCode.CANCELLED
                self._done(method, code, t0, msg)

        pool = self._pools.get(method)
        if pool is not None:
            unary.experimental_thread_pool = pool  # type: ignore[attr-defined]
            streaming.experimental_thread_pool = pool  # type: ignore[attr-defined]
        return _same_kind(handler, unary, streaming)


def _is_abort(context: Any) -> bool:
    """True if the servicer itself called ``context.abort`` (the code is set)."""
    code = context.code()
    return code is not None and code is not grpc.StatusCode.OK


def _code_of(context: Any, exc: BaseException) -> tuple[grpc.StatusCode, str]:
    if _is_abort(context):
        return context.code(), str(context.details() or "")
    return status_for(exc)


def _same_kind(handler: Any, unary_resp: Any, stream_resp: Any) -> Any:
    """A handler of the same streaming kind as ``handler`` running the given behaviors."""
    kw = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(stream_resp, **kw)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(unary_resp, **kw)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(stream_resp, **kw)
    return grpc.unary_unary_rpc_method_handler(unary_resp, **kw)
