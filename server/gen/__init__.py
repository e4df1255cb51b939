"""Generated gRPC code, committed: regenerate with scripts/gen_proto.sh (see server/_codegen.py)."""
