"""Yunli gRPC service."""
