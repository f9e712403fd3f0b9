"""Evaluation methods (real `docker save` tarballs) and ground truths, validated into the
private bucket; the newest valid version is active."""

import io
import tarfile

import pytest

from app.storage import bucket_name, s3_client
from challenges import services
from challenges.models import EvaluationGroundTruth, Method
from challenges.validation import _finish, validate_ground_truth, validate_method
from tests.algorithms import images
from tests.cases.helpers import completed_upload
from tests.challenges.helpers import make_challenge
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db


def _phase(user):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user)
    return services.phase_save(challenge=challenge, actor=user, fields={"title": "Final"})


def _method(phase, user, data: bytes, filename: str = "eval.tar.gz") -> Method:  # type: ignore[no-untyped-def]
    upload = completed_upload(user=user, filename=filename, data=data)
    method = services.method_create(phase=phase, creator=user, user_upload=upload)
    validate_method(method_pk=str(method.pk))
    method.refresh_from_db()
    return method


def _tar_gz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, body in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def _ground_truth(phase, user, data: bytes, filename: str = "gt.tar.gz") -> EvaluationGroundTruth:  # type: ignore[no-untyped-def]
    upload = completed_upload(user=user, filename=filename, data=data)
    ground_truth = services.ground_truth_create(phase=phase, creator=user, user_upload=upload)
    validate_ground_truth(ground_truth_pk=str(ground_truth.pk))
    ground_truth.refresh_from_db()
    return ground_truth


def test_a_valid_method_is_kept_privately_and_activated(user, tmp_path):
    phase = _phase(user)
    image_id = images.good_image(
        tag="tessera-tests/eval-ok", script="echo '{}' > /output/metrics.json"
    )
    data = images.saved(image_id, tmp_path / "eval.tar.gz")
    method = _method(phase, user, data)
    assert (method.status, method.status_reason, method.is_active) == ("Valid", "", True)
    assert method.sha256 == image_id
    assert method.image.name == f"evaluation-methods/{phase.pk}/{method.pk}.tar.gz"
    stored = s3_client("private").get_object(Bucket=bucket_name("private"), Key=method.image.name)
    assert stored["Body"].read() == data
    assert UserUpload.objects.get(pk=method.user_upload_id or "").status == "Deleted"
    # the same image again is refused; the first stays active
    again = _method(phase, user, data)
    assert again.status == "Invalid"
    assert (
        again.status_reason
        == f"This phase already has this exact method image ({image_id[:19]}...)."
    )
    assert Method.objects.get(is_active=True) == method


def test_a_second_delivery_that_loses_the_race_keeps_the_winners_image(user, tmp_path):
    """Two deliveries of one validation both store the method's one key; the one that finds
    the method already settled must not delete the object the winner's row points at."""
    phase = _phase(user)
    image_id = images.good_image(
        tag="tessera-tests/eval-ok", script="echo '{}' > /output/metrics.json"
    )
    method = _method(phase, user, images.saved(image_id, tmp_path / "eval.tar.gz"))
    assert method.status == "Valid"

    _finish(
        Method,
        method,
        file_field="image",
        key=method.image.name,
        sha256=method.sha256,
        size=method.size,
        reason="",
    )

    stored = s3_client("private").head_object(Bucket=bucket_name("private"), Key=method.image.name)
    assert stored["ContentLength"] == method.size


def test_a_method_running_as_root_is_refused(user, tmp_path):
    phase = _phase(user)
    method = _method(phase, user, images.saved(images.root_image(), tmp_path / "root.tar.gz"))
    assert method.status == "Invalid"
    assert method.status_reason.startswith("The image runs as root (USER 0)")
    assert not method.is_active
    assert not method.image
    listed = s3_client("private").list_objects_v2(
        Bucket=bucket_name("private"), Prefix=f"evaluation-methods/{phase.pk}/"
    )
    assert listed.get("KeyCount", 0) == 0


def test_a_ground_truth_tarball_is_kept_and_the_newest_is_active(user):
    phase = _phase(user)
    first = _ground_truth(
        phase, user, _tar_gz({"case_001.json": b"{}", "masks/case_001.mha": b"x"})
    )
    assert (first.status, first.is_active) == ("Valid", True)
    assert first.ground_truth.name == f"evaluation-ground-truths/{phase.pk}/{first.pk}.tar.gz"
    second = _ground_truth(phase, user, _tar_gz({"case_001.json": b"{}"}))
    first.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, True)


@pytest.mark.parametrize(
    "data,filename,reason",
    [
        (b"case,label\n1,0\n", "gt.csv", "gt.csv is not a .tar.gz tarball (not a gzip file)."),
        (
            _tar_gz({"../escape.txt": b"x"}),
            "gt.tar.gz",
            "gt.tar.gz: the member '../escape.txt' would land outside the ground-truth directory.",
        ),
        (_tar_gz({}), "empty.tar.gz", "empty.tar.gz holds no files."),
    ],
    ids=["not-a-tarball", "path-escape", "empty"],
)
def test_a_bad_ground_truth_is_refused_and_nothing_is_kept(user, data, filename, reason):
    phase = _phase(user)
    ground_truth = _ground_truth(phase, user, data, filename)
    assert (ground_truth.status, ground_truth.status_reason) == ("Invalid", reason)
    assert not ground_truth.is_active
    assert not ground_truth.ground_truth
    listed = s3_client("private").list_objects_v2(
        Bucket=bucket_name("private"), Prefix=f"evaluation-ground-truths/{phase.pk}/"
    )
    assert listed.get("KeyCount", 0) == 0
