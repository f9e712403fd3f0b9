"""The Docker engine client this worker talks to (settings.DOCKER_BASE_URL)."""

import functools

import docker
from django.conf import settings

# Loading a large image tarball can keep a request open for minutes.
API_TIMEOUT_S = 600


@functools.cache
def docker_client() -> docker.DockerClient:
    """One client per process: its connection pool is shared by the worker's threads."""
    return docker.DockerClient(base_url=settings.DOCKER_BASE_URL, timeout=API_TIMEOUT_S)
