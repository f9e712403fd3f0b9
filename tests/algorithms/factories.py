from django.contrib.auth.models import User

from algorithms.models import Algorithm
from algorithms.services import algorithm_create


def make_algorithm(
    *,
    creator: User,
    title: str = "Lung nodules",
    inputs=("ct-image",),
    outputs=("results-json-file",),
) -> Algorithm:
    return algorithm_create(
        creator=creator,
        title=title,
        interfaces=[{"inputs": list(inputs), "outputs": list(outputs)}],
    )
