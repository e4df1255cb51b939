"""Yunli gRPC service: ``create_server(address, config) -> (server, port)``.

Importing ``server`` is light; :func:`create_server` imports grpc and the generated
code on first use (``yunli serve`` and tests), so ``engine`` never needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server.app import YunliServer
    from server.config import ServerConfig


def create_server(
    address: str = "127.0.0.1:0", config: ServerConfig | None = None
) -> tuple[YunliServer, int]:
    """Build the server bound to ``address``; see :func:`server.app.create_server`."""
    from server.app import create_server as _create

    return _create(address, config)


def __getattr__(name: str) -> Any:
    if name == "ServerConfig":
        from server.config import ServerConfig

        return ServerConfig
    raise AttributeError(name)


__all__ = ["ServerConfig", "create_server"]
