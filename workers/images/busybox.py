"""Tiny shell-script algorithm images: `FROM scratch` + Debian's static busybox.

Cached by content: the image carries a label with the hash of everything that goes
into it, so asking again for the same script is a lookup, not a build.
"""

import hashlib
import io
import tarfile
from pathlib import Path

from workers.engine import docker_client
from workers.images.tarballs import save_image_tarball

BUSYBOX = Path("/bin/busybox")
CONTENT_LABEL = "tessera.content-hash"
RECIPE_VERSION = "1"  # bump when the Dockerfile below changes meaning

DOCKERFILE = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY entrypoint.sh /entrypoint.sh
USER {user}
ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]
"""


class BusyboxMissing(RuntimeError):
    pass


def _busybox_bytes() -> bytes:
    if not BUSYBOX.exists():
        raise BusyboxMissing(f"{BUSYBOX} not found: apt-get install -y busybox-static")
    return BUSYBOX.read_bytes()


def _context(files: dict[str, tuple[bytes, int]]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, (data, mode) in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def build_busybox_image(*, script: str, tag: str, user: str = "1000") -> str:
    """Build (or find) an image running `script` with busybox's sh as `user`; returns
    its ID ("sha256:..."), tagged `tag`. Idempotent and cheap when already built."""
    busybox = _busybox_bytes()
    dockerfile = DOCKERFILE.format(user=user)
    digest = hashlib.sha256()
    for part in (RECIPE_VERSION.encode(), busybox, dockerfile.encode(), script.encode()):
        digest.update(hashlib.sha256(part).digest())
    content_hash = digest.hexdigest()

    client = docker_client()
    existing = client.images.list(filters={"label": f"{CONTENT_LABEL}={content_hash}"})
    if existing:
        image = existing[0]
    else:
        context = _context(
            {
                "Dockerfile": (dockerfile.encode(), 0o644),
                "busybox": (busybox, 0o755),
                "entrypoint.sh": (script.encode(), 0o755),
            }
        )
        image, _ = client.images.build(
            fileobj=context,
            custom_context=True,
            rm=True,
            forcerm=True,
            labels={CONTENT_LABEL: content_hash},
        )
    repository, _, version = tag.partition(":")
    image.tag(repository, version or "latest")
    return str(image.id)


# Images the project's tests and benchmarks use by name.
TEST_IMAGES = {
    "tessera-test/trivial": "echo '{\"ok\": true}' > /output/results.json\n",
    "tessera-test/copy-inputs": "cp -r /input/. /output/\n",
    "tessera-test/fail": "echo 'something went wrong' >&2\nexit 1\n",
    "tessera-test/sleep": "sleep 3600\n",
}


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os

    parser = argparse.ArgumentParser(description="Build the busybox test images.")
    parser.add_argument("--save", type=Path, help="also write <name>.tar.gz files here")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    for tag, script in TEST_IMAGES.items():
        image_id = build_busybox_image(script=script, tag=tag)
        print(f"{tag} {image_id}")
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            save_image_tarball(image=image_id, path=args.save / f"{tag.split('/')[-1]}.tar.gz")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
