"""The demo algorithm (runs in its container; importable here for tests)."""
