"""Real `docker save` tarballs for algorithm image tests, good and deliberately bad.

Images are built with workers.images.busybox (FROM scratch + static busybox, cached by content);
the bad tarballs are real ones edited consistently, so each fails for one reason only.
"""

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

from workers.images.busybox import build_busybox_image
from workers.images.tarballs import save_image_tarball


def good_image(tag: str = "tessera-tests/algo-ok", script: str = "echo ok") -> str:
    return build_busybox_image(script=script, tag=tag)


def root_image() -> str:
    return build_busybox_image(script="echo root", tag="tessera-tests/algo-root", user="0")


def saved(image: str, path: Path, *, compress: bool = True) -> bytes:
    return save_image_tarball(image=image, path=path, compress=compress).read_bytes()


def saved_pair(path: Path) -> bytes:
    """`docker save a b`: two images in one tarball."""
    a = good_image()
    b = good_image(tag="tessera-tests/algo-other", script="echo other")
    subprocess.run(["docker", "save", "-o", str(path), a, b], check=True)
    return path.read_bytes()


def _members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def _pack(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def with_config(data: bytes, **changes: object) -> bytes:
    """Re-pack an uncompressed saved tarball with its config changed, consistently: the
    config gets its new digest as name and the manifests point at it."""
    members = _members(data)
    manifest = json.loads(members["manifest.json"])
    old_name = manifest[0]["Config"]
    config = json.loads(members.pop(old_name))
    config.update(changes)
    body = json.dumps(config).encode()
    digest = hashlib.sha256(body).hexdigest()
    new_name = f"blobs/sha256/{digest}" if old_name.startswith("blobs/") else f"{digest}.json"
    members[new_name] = body
    manifest[0]["Config"] = new_name
    members["manifest.json"] = json.dumps(manifest).encode()
    members.pop("index.json", None)  # the classic manifest alone describes the image
    return _pack(members)


def truncated_gzip(data: bytes) -> bytes:
    assert data[:2] == b"\x1f\x8b"
    return data[: len(data) // 2]


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1)


def oci_only(data: bytes) -> bytes:
    """The same image in the OCI layout alone, as podman, buildah or skopeo save it."""
    members = _members(data)
    manifest = json.loads(members["manifest.json"])[0]
    blobs: dict[str, bytes] = {}

    def blob(body: bytes, media_type: str) -> dict:
        digest = hashlib.sha256(body).hexdigest()
        blobs[f"blobs/sha256/{digest}"] = body
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(body)}

    config = blob(members[manifest["Config"]], "application/vnd.oci.image.config.v1+json")
    layers = [
        blob(members[name], "application/vnd.oci.image.layer.v1.tar") for name in manifest["Layers"]
    ]
    manifest_type = "application/vnd.oci.image.manifest.v1+json"
    image_manifest = {
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": config,
        "layers": layers,
    }
    index = {
        "schemaVersion": 2,
        "manifests": [blob(json.dumps(image_manifest).encode(), manifest_type)],
    }
    return _pack(
        {
            "oci-layout": b'{"imageLayoutVersion": "1.0.0"}',
            "index.json": json.dumps(index).encode(),
            **blobs,
        }
    )
