"""The ``yunli serve`` sub-command is registered without importing the server's deps."""

from __future__ import annotations

import subprocess
import sys
from typing import Any


def test_engine_cli_does_not_import_grpc() -> None:
    """Building the ``yunli`` parser (which registers ``serve``) imports no grpc module."""
    code = (
        "import sys, engine.cli; p = engine.cli.build_parser(); "
        "assert 'serve' in p.format_help(); "
        "assert not [m for m in sys.modules if m.startswith(('grpc', 'server.app'))], sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_serve_help() -> None:
    """``yunli serve --help`` explains the options."""
    r = subprocess.run(
        [sys.executable, "-m", "engine.cli", "serve", "--help"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    for flag in ("--address", "--db", "--token", "--tls-cert", "--tls-key", "--metrics-port",
                 "--interactive-workers", "--solver-nice", "--instance-id", "--advertise-address",
                 "--lease-ttl", "--sync-interval"):  # fmt: skip
        assert flag in r.stdout


def test_serve_bad_address(tmp_path: Any) -> None:
    """An address that cannot be bound exits 2 with a message naming --address."""
    r = subprocess.run(
        [sys.executable, "-m", "engine.cli", "serve", "--address", "256.0.0.1:1", "--no-auth",
         "--db", str(tmp_path / "x.db"), "--log-level", "error"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 2
    assert "--address" in r.stderr


def test_serve_bad_pool_sizes_and_priority(tmp_path: Any) -> None:
    """Negative pool sizes and a nice value outside 0..19 exit 2 naming the flag."""
    for args, flag in (
        (["--interactive-workers", "-1"], "--interactive-workers"),
        (["--workers", "0"], "--workers"),
        (["--solver-nice", "20"], "--solver-nice"),
        (["--lease-ttl", "-1"], "--lease-ttl"),
        (["--lease-ttl", "nan"], "--lease-ttl"),
        (["--lease-ttl", "inf"], "--lease-ttl"),
        (["--advertise-address", "host-without-port"], "--advertise-address"),
    ):
        r = subprocess.run(
            [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0",
             "--no-auth", "--db", str(tmp_path / "x.db"), "--log-level", "error", *args],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert r.returncode == 2, (args, r.stderr)
        assert flag in r.stderr, (args, r.stderr)
