"""Generated from proto/yunli/v1 (do not edit)."""
