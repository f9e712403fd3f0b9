"""Algorithm image validation with real `docker save` tarballs in the real object store."""

import json
import time
import uuid

import pytest

from algorithms.images.services import (
    algorithm_image_activate,
    algorithm_image_create,
    validate_image,
)
from algorithms.models import AlgorithmImage
from app.storage import bucket_name, s3_client
from tests.algorithms import images
from tests.algorithms.factories import make_algorithm
from tests.cases.helpers import completed_upload
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db


def _private_object(key: str) -> bytes:
    return s3_client("private").get_object(Bucket=bucket_name("private"), Key=key)["Body"].read()


def _validated(*, algorithm, user, data: bytes, filename: str = "algo.tar.gz") -> AlgorithmImage:
    upload = completed_upload(user=user, filename=filename, data=data)
    image = algorithm_image_create(algorithm=algorithm, creator=user, user_upload=upload)
    validate_image(image_pk=str(image.pk))
    image.refresh_from_db()
    return image


@pytest.fixture(scope="module")
def good_tar(tmp_path_factory) -> bytes:
    return images.saved(
        images.good_image(), tmp_path_factory.mktemp("img") / "ok.tar", compress=False
    )


def test_valid_gzipped_image_is_stored_privately_and_activated(user, tmp_path):
    algorithm = make_algorithm(creator=user)
    image_id = images.good_image()
    data = images.saved(image_id, tmp_path / "ok.tar.gz")
    image = _validated(algorithm=algorithm, user=user, data=data)
    assert image.status == AlgorithmImage.Status.VALID, image.status_reason
    assert image.image_sha256 == image_id
    assert image.size == len(data)
    assert image.is_active
    assert image.image.name == f"algorithm-images/{algorithm.pk}/{image.pk}.tar.gz"
    assert _private_object(image.image.name) == data
    # the upload is gone once the tarball is kept
    assert UserUpload.objects.get(pk=image.user_upload.pk).status == "Deleted"  # type: ignore[union-attr]


def test_rerun_of_validation_is_harmless(user, good_tar):
    algorithm = make_algorithm(creator=user)
    image = _validated(algorithm=algorithm, user=user, data=good_tar, filename="a.tar")
    assert image.status == "Valid"
    validate_image(image_pk=str(image.pk))
    again = AlgorithmImage.objects.get(pk=image.pk)
    assert (again.status, again.is_active, again.image.name) == ("Valid", True, image.image.name)
    assert image.image.name.endswith(".tar")


REFUSALS = {
    "not a tarball": (
        lambda tar, tmp: b"this is not a docker image\n" * 50,
        "not a container image tarball",
    ),
    "truncated gzip": (
        lambda tar, tmp: images.truncated_gzip(images.gzipped(tar)),
        "damaged or truncated",
    ),
    "root user": (
        lambda tar, tmp: images.saved(images.root_image(), tmp / "root.tar"),
        "runs as root (USER 0)",
    ),
    "no user": (
        lambda tar, tmp: images.with_config(tar, config={"Entrypoint": ["/bin/sh"]}),
        "no USER",
    ),
    "root by name": (
        lambda tar, tmp: images.with_config(tar, config={"User": "root:root", "Cmd": ["x"]}),
        "USER root:root",
    ),
    "arm64": (lambda tar, tmp: images.with_config(tar, architecture="arm64"), "linux/arm64"),
    "no entrypoint": (
        lambda tar, tmp: images.with_config(tar, config={"User": "1000"}),
        "neither an ENTRYPOINT nor a CMD",
    ),
    "two images": (lambda tar, tmp: images.saved_pair(tmp / "pair.tar"), "holds 2 images"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_bad_tarballs_are_refused_with_their_reason(user, good_tar, tmp_path, case):
    make, reason = REFUSALS[case]
    algorithm = make_algorithm(creator=user)
    image = _validated(algorithm=algorithm, user=user, data=make(good_tar, tmp_path))
    assert image.status == AlgorithmImage.Status.INVALID
    assert reason in image.status_reason
    assert not image.is_active and not image.image
    assert algorithm.active_image is None


def test_altered_config_without_new_digest_is_refused(user, good_tar):
    members = images._members(good_tar)
    config_name = json.loads(members["manifest.json"])[0]["Config"]
    members[config_name] = members[config_name].replace(b'"amd64"', b'"arm64"')
    algorithm = make_algorithm(creator=user)
    image = _validated(algorithm=algorithm, user=user, data=images._pack(members))
    assert image.status == "Invalid"
    assert "does not match its digest" in image.status_reason


def test_duplicate_image_is_refused_and_rollback_reactivates_older(user, good_tar, tmp_path):
    algorithm = make_algorithm(creator=user)
    first = _validated(algorithm=algorithm, user=user, data=good_tar, filename="1.tar")
    duplicate = _validated(algorithm=algorithm, user=user, data=images.gzipped(good_tar))
    assert duplicate.status == "Invalid"
    assert "already has this exact image" in duplicate.status_reason

    newer_id = images.good_image(tag="tessera-tests/algo-v2", script="echo v2")
    second = _validated(
        algorithm=algorithm, user=user, data=images.saved(newer_id, tmp_path / "2.tar.gz")
    )
    first.refresh_from_db()
    assert second.is_active and not first.is_active

    algorithm_image_activate(image=first, actor=user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_active and not second.is_active
    assert algorithm.active_image == first

    with pytest.raises(Exception, match="Only a valid image"):
        algorithm_image_activate(image=duplicate, actor=user)


def test_size_limit_refuses_large_tarballs(user, good_tar, settings):
    settings.ALGORITHM_IMAGE_MAX_BYTES = 1000
    algorithm = make_algorithm(creator=user)
    upload = completed_upload(user=user, filename="big.tar", data=good_tar)
    with pytest.raises(Exception, match="over the limit of 1000 bytes"):
        algorithm_image_create(algorithm=algorithm, creator=user, user_upload=upload)
    # a size the upload row understated is caught while reading
    upload.size = 10
    upload.save()
    image = algorithm_image_create(algorithm=algorithm, creator=user, user_upload=upload)
    validate_image(image_pk=str(image.pk))
    image.refresh_from_db()
    assert (
        image.status == "Invalid" and "larger than the limit of 1000 bytes" in image.status_reason
    )


@pytest.mark.django_db(transaction=True)
def test_upload_through_api_is_validated_by_the_worker(api_client, user, good_tar, celery_worker):
    algorithm = make_algorithm(creator=user)
    upload = completed_upload(user=user, filename="algo.tar", data=good_tar)
    api_client.force_authenticate(user)
    response = api_client.post(
        "/api/v1/algorithms/images/",
        {
            "algorithm": f"http://testserver/api/v1/algorithms/{algorithm.pk}/",
            "user_upload": f"http://testserver/api/v1/uploads/{upload.pk}/",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["import_status"] in ("Queued", "Validating", "Valid")
    assert body["algorithm"].endswith(f"/api/v1/algorithms/{algorithm.pk}/")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = api_client.get(body["api_url"]).json()
        if body["import_status"] in ("Valid", "Invalid"):
            break
        time.sleep(0.2)
    assert body["import_status"] == "Valid", body["status_reason"]
    assert body["is_active"] is True

    # rollback through the API: a refused image cannot become active
    bad = completed_upload(user=user, filename="bad.tar", data=b"nope" * 200)
    bad_image = algorithm_image_create(algorithm=algorithm, creator=user, user_upload=bad)
    validate_image(image_pk=str(bad_image.pk))
    response = api_client.patch(
        f"/api/v1/algorithms/images/{bad_image.pk}/", {"is_active": True}, format="json"
    )
    assert response.status_code == 400
    assert api_client.get(f"/api/v1/algorithms/images/{bad_image.pk}/").json()["status_reason"]


def test_images_api_is_for_editors_only(api_client, user, other_user):
    algorithm = make_algorithm(creator=user)
    upload = completed_upload(user=other_user, filename="x.tar", data=b"x")
    api_client.force_authenticate(other_user)
    response = api_client.post(
        "/api/v1/algorithms/images/",
        {"algorithm": str(algorithm.pk), "user_upload": str(upload.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert "algorithm" in response.json()
    own = completed_upload(user=user, filename="y.tar", data=b"y")
    image = algorithm_image_create(algorithm=algorithm, creator=user, user_upload=own)
    assert api_client.get(f"/api/v1/algorithms/images/{image.pk}/").status_code == 404
    assert api_client.get("/api/v1/algorithms/images/").json()["count"] == 0
    # someone else's upload cannot be used by an editor either
    api_client.force_authenticate(user)
    response = api_client.post(
        "/api/v1/algorithms/images/",
        {"algorithm": str(algorithm.pk), "user_upload": str(upload.pk)},
        format="json",
    )
    assert response.status_code == 400 and "user_upload" in response.json()


def test_oci_only_tarball_is_stored_so_the_engine_loads_it(user, tmp_path):
    from workers.engine import docker_client

    image_id = images.good_image(tag="tessera-tests/algo-oci", script=f"echo {uuid.uuid4()}")
    classic = images.saved(image_id, tmp_path / "classic.tar", compress=False)
    docker_client().images.remove(image_id, force=True)
    algorithm = make_algorithm(creator=user)

    image = _validated(
        algorithm=algorithm, user=user, data=images.gzipped(images.oci_only(classic))
    )

    assert image.status == AlgorithmImage.Status.VALID, image.status_reason
    assert image.image_sha256 == image_id
    stored = _private_object(image.image.name)
    assert image.size == len(stored)
    loaded = docker_client().images.load(stored)
    assert [i.id for i in loaded] == [image_id]
    docker_client().images.remove(image_id, force=True)
