#!/usr/bin/env bash
# Regenerate the Python gRPC code for proto/yunli/v1/*.proto into server/gen/ with
# grpcio-tools (imports rewritten to server.gen.yunli.v1). server/gen is committed:
# run this after changing a .proto file and commit the result; scripts/lint.sh checks
# that the committed code is current (python -m server._codegen --check).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m server._codegen
