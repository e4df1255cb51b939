"""Generated gRPC code (build output)."""
