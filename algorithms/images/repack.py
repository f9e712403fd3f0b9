"""Give an OCI-only image tarball the classic `manifest.json`.

Tools such as podman, buildah and skopeo save only the OCI layout (`index.json`);
container engines before Docker 25 load only tarballs with a `manifest.json`. Adding
one that names the same config and layer blobs makes the tarball loadable by both.
"""

import io
import tarfile
from typing import IO

from algorithms.images.inspect import ImageRefused


def add_classic_manifest(*, source: IO[bytes], target: IO[bytes], manifest: bytes) -> None:
    """Copy the (possibly compressed) tarball from source to target as a plain tar, with
    `manifest.json` added; members are streamed, never held whole in memory."""
    try:
        with (
            tarfile.open(fileobj=source, mode="r|*") as reading,
            tarfile.open(fileobj=target, mode="w|", format=tarfile.PAX_FORMAT) as writing,
        ):
            for member in reading:
                if member.name.lstrip("./") == "manifest.json":
                    continue
                body = reading.extractfile(member) if member.isfile() else None
                writing.addfile(member, body)
            info = tarfile.TarInfo("manifest.json")
            info.size = len(manifest)
            info.mode = 0o644
            writing.addfile(info, io.BytesIO(manifest))
    except (tarfile.TarError, EOFError, OSError) as e:
        raise ImageRefused(f"The tarball could not be re-packed for the engine ({e}).") from e
