"""`docker save` tarballs of engine images: written to disk or to the private bucket, in
the form algorithm images are uploaded and loaded (`docker save | gzip`).

    save_image_tarball(image=image_id, path=tmp_path / "hi.tar.gz")
    ref = store_image_tarball(image=image_id)  # ImageRef with the tarball in the private bucket
"""

import gzip
import tempfile
import uuid
from pathlib import Path

from app.storage import bucket_name, s3_client
from workers.engine import docker_client
from workers.executors.base import ImageRef


def save_image_tarball(*, image: str, path: Path, compress: bool = True) -> Path:
    """Write `docker save` of `image` (ID or tag) to `path`, gzipped when `compress`,
    streaming (never the whole image in memory). Returns `path`."""
    path = Path(path)
    chunks = docker_client().images.get(image).save(named=False)
    with open(path, "wb") as raw:
        if compress:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as out:
                for chunk in chunks:
                    out.write(chunk)
        else:
            for chunk in chunks:
                raw.write(chunk)
    return path


def store_image_tarball(*, image: str, key: str | None = None, compress: bool = True) -> ImageRef:
    """Save `image` and upload the tarball to the private bucket under `key` (default: a
    fresh `test-images/<uuid>.tar.gz`); returns the `ImageRef` an executor takes."""
    image_id = str(docker_client().images.get(image).id)
    key = key or f"test-images/{uuid.uuid4()}.tar{'.gz' if compress else ''}"
    with tempfile.TemporaryDirectory() as folder:
        tarball = save_image_tarball(
            image=image_id, path=Path(folder) / "image.tar", compress=compress
        )
        s3_client("private").upload_file(str(tarball), bucket_name("private"), key)
    return ImageRef(sha256=image_id, storage_key=key)
