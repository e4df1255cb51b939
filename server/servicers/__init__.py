"""Thin servicers: protobuf in, engine call, protobuf out (errors mapped by the interceptor)."""
