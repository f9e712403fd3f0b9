"""The default sockets every installation has, with the slugs gcapi scripts use.

Installed by migration 0003 and re-installed after every `flush` (post_migrate), since
a flush (as transactional tests do) would otherwise leave an empty catalogue.
"""

from typing import Any

DEFAULT_SOCKETS: list[dict[str, Any]] = [
    {
        "slug": "generic-medical-image",
        "title": "Generic Medical Image",
        "kind": "Image",
        "relative_path": "images/generic-medical-image",
        "store_in_database": False,
        "description": "Any medical image.",
    },
    {
        "slug": "generic-overlay",
        "title": "Generic Overlay",
        "kind": "Heat Map",
        "relative_path": "images/generic-overlay",
        "store_in_database": False,
        "description": "An image shown on top of another one.",
    },
    {
        "slug": "results-json-file",
        "title": "Results JSON File",
        "kind": "Anything",
        "relative_path": "results.json",
        "store_in_database": False,
        "description": "Any JSON results of an algorithm.",
    },
    {
        "slug": "metrics-json-file",
        "title": "Metrics JSON File",
        "kind": "Anything",
        "relative_path": "metrics.json",
        "store_in_database": True,
        "description": "Metrics an evaluation computes.",
    },
    {
        "slug": "predictions-json-file",
        "title": "Predictions JSON File",
        "kind": "Anything",
        "relative_path": "predictions.json",
        "store_in_database": False,
        "description": "The outputs of the jobs an evaluation scores.",
    },
    {
        "slug": "predictions-csv-file",
        "title": "Predictions CSV File",
        "kind": "CSV file",
        "relative_path": "predictions.csv",
        "store_in_database": False,
        "description": "A CSV file of predictions submitted to a challenge.",
    },
    {
        "slug": "predictions-zip-file",
        "title": "Predictions ZIP File",
        "kind": "ZIP file",
        "relative_path": "predictions.zip",
        "store_in_database": False,
        "description": "A ZIP file of predictions submitted to a challenge.",
    },
    {
        "slug": "ct-image",
        "title": "CT Image",
        "kind": "Image",
        "relative_path": "images/ct",
        "store_in_database": False,
        "description": "A computed tomography volume.",
    },
    {
        "slug": "segmentation",
        "title": "Segmentation",
        "kind": "Segmentation",
        "relative_path": "images/segmentation",
        "store_in_database": False,
        "description": "A label map: each voxel value is one segment.",
    },
    {
        "slug": "probability",
        "title": "Probability",
        "kind": "Float",
        "relative_path": "probability.json",
        "store_in_database": True,
        "description": "A number from 0 to 1.",
        "schema": {"minimum": 0, "maximum": 1},
    },
]


def ensure_default_sockets(model: Any = None, using: str = "default") -> None:
    """Create the default sockets that are missing (by slug); existing ones are left alone."""
    if model is None:
        from components.models import ComponentInterface

        model = ComponentInterface
    manager = model.objects.using(using)
    existing = set(manager.values_list("slug", flat=True))
    for socket in DEFAULT_SOCKETS:
        if socket["slug"] in existing:
            continue
        taken = (
            manager.filter(title=socket["title"]).exists()
            or manager.filter(relative_path=socket["relative_path"]).exists()
        )
        if not taken:  # someone made their own socket with this title or path: keep theirs
            manager.create(**{"schema": {}, **socket})
