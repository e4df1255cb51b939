"""The console's HTTP server: static pages, the JSON gateway and live streams.

Routes (all JSON unless noted):

``GET /``, ``GET /static/...``
    The page and its assets (plain HTML, CSS, JavaScript and the bundled GeoJSON).
``POST /api/yunli.v1.<Service>/<Method>[?columns=a,b]``
    Any unary or server-streaming ``yunli.v1`` RPC (:mod:`server.console.gateway`); the
    ``Authorization: Bearer <token>`` header is passed on as gRPC metadata.
``POST /api/stream/yunli.v1.<Service>/<Method>``
    A server-streaming RPC as Server-Sent Events (``text/event-stream``; one
    ``data:`` line per message, ``event: error`` on failure); the page reads it with
    ``fetch`` so the token travels in a header, never in the URL.
``GET /api/console``
    What the console was started with: live plan ids, sites and the charts data.

Errors are ``{"error": {"code", "message"}}`` with the HTTP status of the gRPC code
(401 for a missing or rejected token, 404 for unknown ids, 503 while the server is
down), never a stack trace.
"""

from __future__ import annotations

import mimetypes
import select
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from engine.errors import InvalidInputError, NotFoundError, YunliError
from server.console.gateway import Gateway, GatewayError, Stream, dumps
from server.observability import LOGGER

STATIC = Path(__file__).parent / "static"

#: The columns the map layers ask for (``?columns=``), by columnar list method (the
#: page's default; the console warms these at start).
LAYER_COLUMNS: dict[str, tuple[str, ...]] = {
    "/yunli.v1.Fleet/ListVehicleColumns": (
        "vehicle_id", "lat", "lon", "type_index", "type_names", "status_index", "status_names",
    ),
    "/yunli.v1.Fleet/ListLoadColumns": (
        "load_id", "origin_lat", "origin_lon", "dest_lat", "dest_lon",
    ),
}  # fmt: skip

#: The same layers from the streaming lists (the page's ``?layers=stream``, kept to
#: measure the old path beside the new one).
STREAM_LAYER_COLUMNS: dict[str, tuple[str, ...]] = {
    "/yunli.v1.Fleet/ListVehicles": ("vehicle_id", "vehicle_type", "lat", "lon", "status"),
    "/yunli.v1.Fleet/ListLoads": (
        "load_id", "origin_lat", "origin_lon", "dest_lat", "dest_lon",
    ),
}  # fmt: skip


class ConsoleInfo:
    """Console-level data the page asks for once (``GET /api/console``).

    ``sites`` are the world's sites (no ``yunli.v1`` service holds them yet);
    ``plans`` the live plan ids to follow; ``charts`` a callable returning the
    re-plan comparison (computed on first use).
    """

    def __init__(
        self,
        plans: list[str] | None = None,
        sites: dict[str, list[Any]] | None = None,
        charts: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.plans = list(plans or [])
        self.sites = sites or {}
        self._charts = charts
        self._charts_data: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def summary(self) -> dict[str, Any]:
        """The JSON of ``GET /api/console``."""
        return {
            "plans": self.plans,
            "sites": self.sites,
            "charts": self._charts is not None,
            "columns": {
                p.rsplit("/", 1)[1]: ",".join(c)
                for p, c in (LAYER_COLUMNS | STREAM_LAYER_COLUMNS).items()
            },
        }

    def charts(self) -> dict[str, Any]:
        """The re-plan comparison (NotFoundError when the console has none)."""
        if self._charts is None:
            raise NotFoundError("charts: this console was started without the charts data")
        with self._lock:
            if self._charts_data is None:
                self._charts_data = self._charts()
            return self._charts_data


def _handler(gateway: Gateway, info: ConsoleInfo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "yunli-console"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            LOGGER.debug("http", extra={"request": format % args})

        # ---- helpers ------------------------------------------------------------------
        def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _error(self, e: BaseException) -> None:
            if isinstance(e, GatewayError):
                err = e
            elif isinstance(e, InvalidInputError):
                err = GatewayError(400, "INVALID_ARGUMENT", str(e))
            elif isinstance(e, NotFoundError):
                err = GatewayError(404, "NOT_FOUND", str(e))
            elif isinstance(e, YunliError):
                err = GatewayError(409, "FAILED_PRECONDITION", str(e))
            else:
                LOGGER.exception("console request failed", extra={"path": self.path})
                err = GatewayError(500, "INTERNAL", "internal error (logged by the console)")
            self._send(err.status, dumps(err.body()))

        def _token(self) -> str | None:
            value = self.headers.get("Authorization", "")
            scheme, _, token = value.partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None

        def _body(self) -> bytes:
            n = int(self.headers.get("Content-Length") or 0)
            if n > 64 * 1024 * 1024:
                raise InvalidInputError.at("body", "larger than 64 MiB")
            return self.rfile.read(n) if n else b""

        # ---- routes ---------------------------------------------------------------------
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            try:
                if url.path in ("/", "/index.html"):
                    return self._static("index.html")
                if url.path.startswith("/static/"):
                    return self._static(url.path[len("/static/") :])
                if url.path == "/api/console":
                    return self._send(200, dumps(info.summary()))
                if url.path == "/api/console/charts":
                    return self._send(200, dumps(info.charts()))
                if url.path == "/healthz":
                    return self._send(200, b'{"ok":true}')
                raise NotFoundError(f"path: nothing at {url.path}")
            except Exception as e:
                self._error(e)

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            try:
                body = self._body()
                if url.path.startswith("/api/stream/"):
                    return self._sse(url.path[len("/api/stream") :], body)
                if url.path.startswith("/api/"):
                    q = parse_qs(url.query)
                    cols = [c for c in ",".join(q.get("columns", [])).split(",") if c]
                    out = gateway.call(url.path[len("/api") :], body, self._token(), cols or None)
                    return self._send(200, dumps(out))
                raise NotFoundError(f"path: nothing at {url.path}")
            except Exception as e:
                self._error(e)

        def _static(self, rel: str) -> None:
            path = (STATIC / rel).resolve()
            if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
                raise NotFoundError(f"path: no file {rel!r}")
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".geojson":
                ctype = "application/geo+json"
            self._send(200, path.read_bytes(), ctype)

        def _sse(self, rpc: str, body: bytes) -> None:
            stream = gateway.stream(rpc, body, self._token())
            it = iter(stream)
            try:
                first = next(it)
            except StopIteration:
                first = None
            # errors before the first message still get a plain JSON status (401, 404...)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            done = threading.Event()
            # the stream may stay quiet for hours: notice the browser leaving and end the
            # gRPC call (it holds one of the server's subscriber slots)
            threading.Thread(
                target=_cancel_on_hangup, args=(self.connection, stream, done), daemon=True
            ).start()
            try:
                if first is not None:
                    self._event(first)
                for item in it:
                    self._event(item)
                self.wfile.write(b"event: end\ndata: {}\n\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            except GatewayError as e:
                self.wfile.write(b"event: error\ndata: " + dumps(e.body()) + b"\n\n")
            finally:
                done.set()
                stream.cancel()

        def _event(self, item: dict[str, Any]) -> None:
            item["_sent_ms"] = int(time.time() * 1000)
            self.wfile.write(b"data: " + dumps(item) + b"\n\n")
            self.wfile.flush()

    return Handler


def _cancel_on_hangup(sock: socket.socket, stream: Stream, done: threading.Event) -> None:
    """Cancel ``stream`` once the client closes ``sock`` (or when ``done`` is set)."""
    while not done.is_set():
        try:
            readable, _, _ = select.select([sock], [], [], 0.5)
            if readable and not sock.recv(1, socket.MSG_PEEK):
                break
        except (OSError, ValueError):
            break
    stream.cancel()


class ConsoleServer:
    """The console's HTTP server on a thread of its own.

    Parameters
    ----------
    gateway
        The gateway to the gRPC server.
    address
        ``(host, port)``; port 0 picks a free port.
    info
        The console-level data (plans, sites, charts).
    flag
        The command-line flag named when the address cannot be bound.
    """

    def __init__(
        self,
        gateway: Gateway,
        address: tuple[str, int],
        info: ConsoleInfo | None = None,
        flag: str = "--http-port",
    ) -> None:
        self.gateway = gateway
        self.info = info or ConsoleInfo()
        try:
            self.httpd = ThreadingHTTPServer(address, _handler(gateway, self.info))
        except OSError as e:
            raise InvalidInputError.at(
                flag, f"cannot listen on {address[0]}:{address[1]}: {e}"
            ) from e
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="console-http", daemon=True
        )

    @property
    def url(self) -> str:
        """The page's address."""
        host = str(self.httpd.server_address[0])
        host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        return f"http://{host}:{self.port}/"

    def start(self, warm_token: str | None = None, warm: bool = True) -> None:
        """Serve in the background; with ``warm``, fill the gateway's cache of the map
        layers in the background (calls made with ``warm_token``)."""
        self._thread.start()
        if warm:
            threading.Thread(target=self._warm, args=(warm_token,), daemon=True).start()

    def _warm(self, token: str | None) -> None:
        for path, cols in LAYER_COLUMNS.items():
            try:
                self.gateway.call(path, b"{}", token, cols)
            except Exception as e:  # the page will ask again and show the error
                LOGGER.info("console cache warm-up failed", extra={"path": path, "detail": str(e)})

    def stop(self) -> None:
        """Stop serving and close the gateway's channel."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.gateway.close()
