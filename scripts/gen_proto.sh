#!/usr/bin/env bash
# Generate the Python gRPC code for proto/yunli/v1/*.proto into server/gen/ (build
# output, gitignored) with grpcio-tools, imports rewritten to server.gen.yunli.v1.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m server._codegen
