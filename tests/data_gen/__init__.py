"""Synthetic test data made in the repository, so tests and benchmarks need nothing beside it."""
