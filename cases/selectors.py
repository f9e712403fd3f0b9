"""Reads for images and upload sessions.

Who may see an image is decided by several apps: the creator of its upload session sees
it here; archives, algorithm jobs and reader studies contribute the images their members
may see through `register_image_visibility` (called from their `AppConfig.ready()`).
"""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Prefetch, Q, QuerySet

from cases.models import Image, ImageFile, RawImageUploadSession
from uploads.models import UserUpload

AnyUser = User | AnonymousUser
# user -> the images that app lets the user see (an active, authenticated user)
ImageVisibility = Callable[[User], QuerySet[Image]]

_visibility: dict[str, ImageVisibility] = {}


def register_image_visibility(name: str, images_for: ImageVisibility) -> None:
    """Let an app add images a user may see; `name` keeps re-registration idempotent."""
    _visibility[name] = images_for


def images_visible_to(user: AnyUser) -> QuerySet[Image]:
    if not user.is_authenticated or not user.is_active:
        return Image.objects.none()
    if user.is_superuser:
        return Image.objects.all()
    assert isinstance(user, User)
    allowed = Q(origin__creator=user)
    for images_for in _visibility.values():
        # a subquery per app: joins through several M2M tables would repeat rows
        allowed |= Q(pk__in=images_for(user).values("pk"))
    return Image.objects.filter(allowed)


def image_files_visible_to(user: AnyUser) -> QuerySet[ImageFile]:
    return ImageFile.objects.filter(image__in=images_visible_to(user).values("pk"))


def upload_sessions_of(user: AnyUser) -> QuerySet[RawImageUploadSession]:
    if not user.is_authenticated or not user.is_active:
        return RawImageUploadSession.objects.none()
    return RawImageUploadSession.objects.filter(creator=user)


def upload_sessions_with_links_of(user: AnyUser) -> QuerySet[RawImageUploadSession]:
    """The user's sessions with the pks of their images and uploads fetched per page."""
    return upload_sessions_of(user).prefetch_related(
        Prefetch("image_set", queryset=Image.objects.only("pk", "origin_id")),
        Prefetch("user_uploads", queryset=UserUpload.objects.only("pk")),
    )


def slide_file_visible_to(user: AnyUser, image_pk: str) -> ImageFile | None:
    """The pyramidal TIFF of an image the user may see, or None (no such image or file)."""
    return (
        image_files_visible_to(user)
        .filter(image_id=image_pk, image_type=ImageFile.ImageType.TIFF)
        .order_by("pk")
        .first()
    )


def image_modalities_visible_to(user: AnyUser) -> list[str]:
    """The modalities among the user's images, for the list's filter."""
    return sorted(
        set(
            images_visible_to(user)
            .exclude(modality="")
            .values_list("modality", flat=True)
            .distinct()
        )
    )


def upload_sessions_listed_for(user: AnyUser) -> QuerySet[RawImageUploadSession]:
    """The user's imports with what a list row shows: file count and the images built."""
    return (
        upload_sessions_of(user)
        .annotate(file_count=Count("user_uploads", distinct=True))
        .prefetch_related(Prefetch("image_set", queryset=Image.objects.order_by("created", "pk")))
    )
