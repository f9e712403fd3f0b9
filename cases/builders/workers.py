"""One shared thread pool for the builders' decode and compress work (numpy, pydicom's
codecs and isal release the GIL, so threads use all cores without copying data)."""

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache


def count() -> int:
    return max(2, min(16, len(os.sched_getaffinity(0))))


@cache
def pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=count(), thread_name_prefix="builder")
