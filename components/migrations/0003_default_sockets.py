"""Install the default socket catalogue with the slugs gcapi scripts use."""

from django.db import migrations

DEFAULT_SOCKETS = [
    # (title, slug, kind, relative_path, store_in_database, description)
    (
        "Generic Medical Image",
        "generic-medical-image",
        "Image",
        "images/generic-medical-image",
        False,
        "Any medical image.",
    ),
    (
        "Generic Overlay",
        "generic-overlay",
        "Heat Map",
        "images/generic-overlay",
        False,
        "An image shown on top of another one.",
    ),
    (
        "Results JSON File",
        "results-json-file",
        "Anything",
        "results.json",
        False,
        "Any JSON results of an algorithm.",
    ),
    (
        "Metrics JSON File",
        "metrics-json-file",
        "Anything",
        "metrics.json",
        True,
        "Metrics an evaluation computes.",
    ),
    (
        "Predictions JSON File",
        "predictions-json-file",
        "Anything",
        "predictions.json",
        False,
        "The outputs of the jobs an evaluation scores.",
    ),
    ("CT Image", "ct-image", "Image", "images/ct", False, "A computed tomography volume."),
    (
        "Segmentation",
        "segmentation",
        "Segmentation",
        "images/segmentation",
        False,
        "A label map: each voxel value is one segment.",
    ),
    ("Probability", "probability", "Float", "probability.json", True, "A number from 0 to 1."),
]


def install(apps, schema_editor):
    ComponentInterface = apps.get_model("components", "ComponentInterface")
    for title, slug, kind, path, in_db, description in DEFAULT_SOCKETS:
        ComponentInterface.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "kind": kind,
                "relative_path": path,
                "store_in_database": in_db,
                "description": description,
                "schema": {"minimum": 0, "maximum": 1} if slug == "probability" else {},
            },
        )


def uninstall(apps, schema_editor):
    ComponentInterface = apps.get_model("components", "ComponentInterface")
    ComponentInterface.objects.filter(slug__in=[s[1] for s in DEFAULT_SOCKETS]).delete()


class Migration(migrations.Migration):
    dependencies = [("components", "0002_socket_kinds")]

    operations = [migrations.RunPython(install, uninstall)]
