"""Breadcrumbs of image and upload-session pages, contributed by the apps that hold them.

An image lives in an archive item (or a job, a display set); an upload session sends its
images to an archive. `cases` imports none of those apps, so each registers, in its
`AppConfig.ready()`, what leads to the page: a list of (label, url) the user may see.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from cases.models import Image

Crumb = tuple[str, str]  # label, url
# (user, image, the `from` hint of the link that led here) -> crumbs above the image
ImageCrumbs = Callable[..., list[Crumb]]
# (user, the session's target data) -> crumbs of the place the images go
TargetCrumbs = Callable[..., list[Crumb]]

_image_crumbs: dict[str, ImageCrumbs] = {}
_target_crumbs: dict[str, TargetCrumbs] = {}


def register_image_crumbs(name: str, crumbs: ImageCrumbs) -> None:
    _image_crumbs[name] = crumbs


def register_target_crumbs(kind: str, crumbs: TargetCrumbs) -> None:
    _target_crumbs[kind] = crumbs


def image_crumbs(*, user: "User | AnonymousUser", image: "Image", hint: str) -> list[Crumb]:
    """The first registered app that places the image for this user names the path."""
    for crumbs in _image_crumbs.values():
        found = crumbs(user=user, image=image, hint=hint)
        if found:
            return found
    return []


def target_crumbs(*, user: "User | AnonymousUser", target: dict) -> list[Crumb]:
    crumbs = _target_crumbs.get(str((target or {}).get("kind", "")))
    return crumbs(user=user, target=target) if crumbs else []
