"""A TCP relay for tests: the answer of a call lost on its way back to the client."""

from __future__ import annotations

import contextlib
import socket
import threading


class Relay:
    """A TCP relay from ``127.0.0.1:<port>`` to a server; after :meth:`hold` the
    server's bytes are no longer passed on (an answer lost on the way back), and a
    connection closed on one side is closed on the other."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.held = threading.Event()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._srv = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._srv.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def hold(self) -> None:
        """Stop passing the server's bytes to the client."""
        self.held.set()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._srv.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            with self._lock:
                self._socks += [client, server]
            for a, b, back in ((client, server, False), (server, client, True)):
                threading.Thread(target=self._pump, args=(a, b, back), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, back: bool) -> None:
        try:
            while data := src.recv(65536):
                if not (back and self.held.is_set()):
                    dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def cut(self) -> None:
        """Close every connection open now and pass the server's bytes again (the next
        connection works normally)."""
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        self.held.clear()

    def close(self) -> None:
        """Stop accepting."""
        self._srv.close()
