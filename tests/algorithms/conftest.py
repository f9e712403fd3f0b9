# Debian's Chromium, as the newcomer tests launch it (one fixture, shared).
from tests.newcomer.conftest import browser  # noqa: F401
