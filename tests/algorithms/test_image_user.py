"""The non-root check resolves an image's USER to the numeric uid the engine would use.

`USER 00`, `USER 0:0`, `USER root` and a name that the image's own /etc/passwd maps to
uid 0 are all root and refused at upload, with the reason; a non-root name is stored as
the numeric uid:gid the job container is started with.
"""

import hashlib
import io
import json
import tarfile

import pytest

from algorithms.images.inspect import ImageRefused, resolve_user
from algorithms.images.services import algorithm_image_create, validate_image
from algorithms.models import AlgorithmImage
from tests.algorithms import images
from tests.algorithms.factories import make_algorithm
from tests.cases.helpers import completed_upload
from tests.factories import UserFactory

PASSWD = (
    b"root:x:0:0:root:/root:/bin/sh\n"
    b"toor:x:0:0:another root:/root:/bin/sh\n"
    b"app:x:1234:4321::/home/app:/bin/sh\n"
)
GROUP = b"root:x:0:\nstaff:x:50:\napp:x:4321:\n"


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("", (0, 0)),
        ("0", (0, 0)),
        ("00", (0, 0)),
        ("0:0", (0, 0)),
        ("root", (0, 0)),
        ("toor", (0, 0)),
        ("app", (1234, 4321)),
        ("app:staff", (1234, 50)),
        ("1234", (1234, 4321)),  # primary group from /etc/passwd
        ("1000", (1000, 0)),  # not listed: group 0, as the engine does
        ("1000:1000", (1000, 1000)),
        ("01000:0050", (1000, 50)),
    ],
)
def test_users_resolve_as_the_engine_resolves_them(user, expected):  # type: ignore[no-untyped-def]
    assert resolve_user(user, passwd=PASSWD, group=GROUP) == expected


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("nobody-here", "The image's USER 'nobody-here' is not listed in its /etc/passwd"),
        ("app:wheel", "The image's USER group 'wheel' is not listed in its /etc/group"),
    ],
)
def test_unknown_names_are_refused(user, message):  # type: ignore[no-untyped-def]
    with pytest.raises(ImageRefused, match=message):
        resolve_user(user, passwd=PASSWD, group=GROUP)


def _layer(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def with_layer(data: bytes, *, files: dict[str, bytes], user: str) -> bytes:
    """The saved image with one more layer (holding `files`) and a new USER, consistently:
    the layer is listed in the manifest and the config, the config renamed by its digest."""
    members = images._members(data)
    manifest = json.loads(members["manifest.json"])
    layer = _layer(files)
    layer_name = f"blobs/sha256/{hashlib.sha256(layer).hexdigest()}"
    members[layer_name] = layer
    manifest[0]["Layers"].append(layer_name)
    members["manifest.json"] = json.dumps(manifest).encode()
    config = json.loads(members[manifest[0]["Config"]])
    config["rootfs"]["diff_ids"].append(f"sha256:{hashlib.sha256(layer).hexdigest()}")
    members[manifest[0]["Config"]] = json.dumps(config).encode()  # renamed by with_config
    return images.with_config(images._pack(members), config={**config["config"], "User": user})


@pytest.fixture(scope="module")
def good_tar(tmp_path_factory) -> bytes:  # type: ignore[no-untyped-def]
    return images.saved(
        images.good_image(), tmp_path_factory.mktemp("img") / "ok.tar", compress=False
    )


def _validated(owner, data: bytes) -> AlgorithmImage:  # type: ignore[no-untyped-def]
    algorithm = make_algorithm(creator=owner)
    upload = completed_upload(user=owner, filename="algo.tar", data=data)
    image = algorithm_image_create(algorithm=algorithm, creator=owner, user_upload=upload)
    validate_image(image_pk=str(image.pk))
    image.refresh_from_db()
    return image


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ("00", "The image runs as root (USER 00): its user resolves to uid 0."),
        ("0:0", "The image runs as root (USER 0:0): its user resolves to uid 0."),
        ("toor", "The image runs as root (USER toor): its user resolves to uid 0."),
    ],
)
def test_root_in_disguise_is_refused_at_upload(user, good_tar, reason):  # type: ignore[no-untyped-def]
    data = with_layer(good_tar, files={"etc/passwd": PASSWD}, user=user)
    image = _validated(UserFactory(), data)
    assert image.status == AlgorithmImage.Status.INVALID
    assert image.status_reason.startswith(reason)
    assert not image.is_active


@pytest.mark.django_db
def test_a_named_user_is_stored_as_its_numeric_uid_and_gid(good_tar):  # type: ignore[no-untyped-def]
    data = with_layer(good_tar, files={"etc/passwd": PASSWD, "etc/group": GROUP}, user="app")
    image = _validated(UserFactory(), data)
    assert image.status == AlgorithmImage.Status.VALID, image.status_reason
    assert image.run_as == "1234:4321"


@pytest.mark.django_db
def test_a_later_layer_that_deletes_passwd_wins(good_tar):  # type: ignore[no-untyped-def]
    data = with_layer(good_tar, files={"etc/passwd": PASSWD}, user="1000")
    data = with_layer(data, files={"etc/.wh.passwd": b""}, user="app")
    image = _validated(UserFactory(), data)
    assert image.status == AlgorithmImage.Status.INVALID
    assert "The image's USER 'app' is not listed in its /etc/passwd" in image.status_reason
