"""Building the test and demo container images locally (no registry is reachable)."""
