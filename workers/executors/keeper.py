"""The output keeper: a do-nothing container that keeps a job's `/output` tmpfs alive.

`/output` is a tmpfs volume with a size, so a container that writes too much gets
"No space left on device" while it runs instead of filling the worker's disk. The
engine mounts a tmpfs volume while some running container uses it and drops its
contents when the last one stops, which would be the job container, before the
outputs are copied back. The keeper holds the mount from before the job starts until
the job's objects are removed.

The keeper's image is built here, offline, from one file: a 129-byte static x86-64
program that calls pause(2) forever (what Kubernetes' pause container does), so no
registry, shell or base image is needed on the worker host.
"""

import hashlib
import io
import struct
import tarfile

import docker
from docker.errors import ImageNotFound

KEEPER_REPOSITORY = "tessera/output-keeper"
_BASE = 0x400000
_CODE = bytes.fromhex("b8220000000f05ebf7")  # mov eax, 34 (pause); syscall; jmp back
_DOCKERFILE = b'FROM scratch\nCOPY pause /pause\nUSER 65534:65534\nENTRYPOINT ["/pause"]\n'


def pause_program() -> bytes:
    """A minimal static ELF64 executable: one loadable segment, entry right after it."""
    size = 64 + 56 + len(_CODE)
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header += struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, _BASE + 120, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    segment = struct.pack("<IIQQQQQQ", 1, 5, 0, _BASE, _BASE, size, size, 0x1000)
    return header + segment + _CODE


def _context() -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        files = (("Dockerfile", _DOCKERFILE, 0o644), ("pause", pause_program(), 0o755))
        for name, data, mode in files:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def keeper_image(client: docker.DockerClient) -> str:
    """The keeper image's tag, built on first use (FROM scratch: no registry needed)."""
    digest = hashlib.sha256(_DOCKERFILE + pause_program()).hexdigest()[:16]
    tag = f"{KEEPER_REPOSITORY}:{digest}"
    try:
        client.images.get(tag)
    except ImageNotFound:
        # two workers building at once is harmless: the same content, the same tag
        image, _ = client.images.build(fileobj=_context(), custom_context=True, rm=True)
        image.tag(KEEPER_REPOSITORY, digest)
    return tag
