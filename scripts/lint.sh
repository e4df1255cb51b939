#!/usr/bin/env bash
# One lint command, the same locally, in the pre-commit hook and in CI: ruff (lint +
# format), mypy, the committed gRPC code current, stubtest of the native module, the
# API reference built from the docstrings (warnings as errors), cargo fmt and clippy
# (with and without the Python bindings).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== ruff check";        ruff check engine server tests bench
echo "== ruff format";       ruff format --check engine server tests bench
echo "== mypy";              mypy engine server
echo "== server/gen current"; python -m server._codegen --check
echo "== stubtest";          python -m mypy.stubtest engine._core --allowlist stubtest_allowlist.txt
echo "== API reference (sphinx, warnings as errors)"
python -m sphinx -q -W --keep-going -E -b html docs/api build/docs
echo "== cargo fmt";         cargo fmt --all -- --check
echo "== cargo clippy";      cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo clippy (python bindings)"
cargo clippy --workspace --all-targets --features yunli-core/python -- -D warnings
echo "lint: ok"
