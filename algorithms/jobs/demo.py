"""Register the demo algorithm (CT image -> body-mask segmentation + results JSON) on
`make run`: build its image with the workers' recipe, store the `docker save` tarball
in the private bucket, and create the algorithm and an active, valid image for it.
Idempotent: an image already registered (same sha256) is a no-op."""

import logging
from collections.abc import Callable

from django.db import transaction

from algorithms.models import Algorithm, AlgorithmImage, AlgorithmInterface
from app.permissions import create_role_groups
from components.models import ComponentInterface

logger = logging.getLogger(__name__)

DEMO_TITLE = "Demo: CT body mask"
DEMO_DESCRIPTION = (
    "Thresholds a CT volume at -500 HU, keeps the largest connected part and fills its "
    "holes; writes the body mask as a segmentation and its volume in millilitres."
)
INPUTS = ("ct-image",)
OUTPUTS = ("segmentation", "results-json-file")


def docker_available() -> bool:
    try:
        from workers.engine import docker_client

        docker_client().ping()
    except Exception:
        return False
    return True


def register_demo_algorithm(*, log: Callable[[str], object] = print) -> Algorithm | None:
    if not docker_available():
        log("Docker is not reachable: the demo algorithm is not registered.")
        return None
    from workers.images.python_base import build_demo_algorithm
    from workers.images.tarballs import store_image_tarball

    image_id = build_demo_algorithm(log=log)
    algorithm = _demo_algorithm()
    if AlgorithmImage.objects.filter(algorithm=algorithm, image_sha256=image_id).exists():
        return algorithm
    key = f"algorithm-images/{algorithm.pk}/demo-{image_id.removeprefix('sha256:')[:16]}.tar.gz"
    ref = store_image_tarball(image=image_id, key=key)
    with transaction.atomic():
        AlgorithmImage.objects.filter(algorithm=algorithm, is_active=True).update(is_active=False)
        AlgorithmImage.objects.create(
            algorithm=algorithm,
            image=ref.storage_key,
            image_sha256=ref.sha256,
            status=AlgorithmImage.Status.VALID,
            is_active=True,
            comment="Demo algorithm registered by `make run`.",
        )
    log(f"demo algorithm '{algorithm.slug}' registered with image {image_id[:19]}")
    return algorithm


def _demo_algorithm() -> Algorithm:
    with transaction.atomic():
        algorithm = Algorithm.objects.filter(title=DEMO_TITLE).first()
        if algorithm is not None:
            return algorithm
        algorithm = Algorithm.objects.create(
            title=DEMO_TITLE,
            description=DEMO_DESCRIPTION,
            public=True,
            time_limit=600,
            memory_limit_gb=4,
        )
        create_role_groups(
            obj=algorithm,
            roles={"editors": Algorithm.EDITOR_PERMISSIONS, "users": Algorithm.USER_PERMISSIONS},
        )
        interface = AlgorithmInterface.objects.create(algorithm=algorithm)
        interface.inputs.set(ComponentInterface.objects.filter(slug__in=INPUTS))
        interface.outputs.set(ComponentInterface.objects.filter(slug__in=OUTPUTS))
        return algorithm
