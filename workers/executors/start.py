"""Starting a created container, with the retry a busy engine now and then needs."""

import logging
import time

from docker.errors import APIError
from docker.models.containers import Container

logger = logging.getLogger(__name__)

START_ATTEMPTS = 3
NEVER_STARTED = "0001-01-01T00:00:00Z"


def start_container(container: Container) -> None:
    """Start a created container. Under load the engine's runtime now and then refuses a
    start with a server error ("cannot start a stopped process") before anything ran; the
    start is tried again then, never once the container's process has run."""
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            container.start()
            return
        except APIError as error:
            if attempt == START_ATTEMPTS or not error.is_server_error():
                raise
            container.reload()
            if container.attrs.get("State", {}).get("StartedAt", NEVER_STARTED) != NEVER_STARTED:
                raise
            logger.warning("Container %s did not start (%s); trying again", container.name, error)
            time.sleep(0.5 * attempt)
