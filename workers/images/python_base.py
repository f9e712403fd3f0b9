"""A Python base image made offline from Debian packages, and the demo algorithm on it.

No registry can be pulled from, so the base is `debootstrap --variant=minbase` of
bookworm with python3, numpy and scipy from the Debian mirror that apt is configured
with, imported with `docker import`. Both images are cached by content: a label holds
the hash of their recipe (and, for the demo, of its source files), and an image with
that label is reused instead of rebuilt.

    python -m workers.images.python_base            # base + demo, prints the demo's tag
    python -m workers.images.python_base --base     # only the base

Needs root (debootstrap) on Debian/Ubuntu; installs debootstrap when missing.
"""

import argparse
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from workers.engine import docker_client
from workers.images.busybox import CONTENT_LABEL

SUITE = "bookworm"
PACKAGES = ("python3-minimal", "python3-numpy", "python3-scipy")
BASE_REPOSITORY = "tessera/python-base"
DEMO_REPOSITORY = "tessera/demo-body-mask"
DEMO_SOURCE = Path(__file__).resolve().parent.parent / "demo_algorithm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
RECIPE_VERSION = "2"
# Trimmed from the root file system: never needed to run an algorithm.
PRUNE = (
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    # scipy pulls in pythran and with it a C++ compiler and headers (~350 MB)
    "usr/include",
    "usr/lib/gcc",
    "usr/lib/python3/dist-packages/pythran",
)
PRUNE_FILES = ("usr/lib/x86_64-linux-gnu/lib*san.so*", "usr/lib/x86_64-linux-gnu/*.a")


def _hash(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _cached(content_hash: str) -> str | None:
    images = docker_client().images.list(filters={"label": f"{CONTENT_LABEL}={content_hash}"})
    return str(images[0].id) if images else None


def debian_mirror() -> str:
    """The Debian archive apt already uses (deb822 `.sources` or one-line lists)."""
    candidates = sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for path in candidates:
        for stanza in path.read_text().split("\n\n"):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
            if (
                uris
                and suites
                and SUITE in suites.group(1).split()
                and "security" not in uris.group(1)
            ):
                return uris.group(1)
    for path in [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*.list")]:
        if path.exists():
            for line in path.read_text().splitlines():
                match = re.match(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+" + SUITE + r"\s", line)
                if match:
                    return match.group(1)
    return DEFAULT_MIRROR


def _ensure_debootstrap() -> str:
    found = shutil.which("debootstrap")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError("debootstrap is missing: install it (apt-get install -y debootstrap)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "debootstrap"], check=True, env=env)
    return shutil.which("debootstrap") or "/usr/sbin/debootstrap"


def build_python_base(*, log=print) -> str:  # type: ignore[no-untyped-def]
    """Return the tag of the Python base image, building it (about a minute) if needed."""
    content_hash = _hash(RECIPE_VERSION.encode(), SUITE.encode(), ",".join(PACKAGES).encode())
    tag = f"{BASE_REPOSITORY}:{content_hash[:16]}"
    if _cached(content_hash):
        return tag
    if os.geteuid() != 0:
        raise RuntimeError("building the Python base needs root (debootstrap)")
    debootstrap = _ensure_debootstrap()
    mirror = debian_mirror()
    log(f"debootstrap {SUITE} from {mirror} with {', '.join(PACKAGES)} ...")
    with tempfile.TemporaryDirectory(prefix="tessera-rootfs-", dir="/var/tmp") as folder:
        root = Path(folder) / "rootfs"
        subprocess.run(
            [
                debootstrap,
                "--variant=minbase",
                f"--include={','.join(PACKAGES)}",
                SUITE,
                str(root),
                mirror,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for relative in PRUNE:
            target = root / relative
            if target.is_dir():
                for child in target.iterdir():
                    if child.is_dir() and not child.is_symlink():
                        shutil.rmtree(child)
                    elif child.name != "lock":
                        child.unlink()
        for pattern in PRUNE_FILES:
            for path in root.glob(pattern):
                path.unlink()
        log(f"importing {tag} ...")
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        assert tar.stdout is not None
        repository, version = tag.split(":")
        docker_client().api.import_image(
            src=tar.stdout,
            repository=repository,
            tag=version,
            changes=[
                f"LABEL {CONTENT_LABEL}={content_hash}",
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                'CMD ["/usr/bin/python3"]',
            ],
            stream_src=True,
        )
        if tar.wait() != 0:
            raise RuntimeError("tar of the debootstrapped root file system failed")
    if not _cached(content_hash):
        raise RuntimeError(f"docker import of {tag} did not produce the image")
    return tag


APP_DOCKERFILE = """\
FROM {base}
COPY {folder}/ /opt/{folder}/
USER 1000:1000
ENTRYPOINT ["/usr/bin/python3", "-B", "/opt/{folder}/{script}"]
"""


def build_demo_algorithm(*, log=print) -> str:  # type: ignore[no-untyped-def]
    """Return the ID of the demo body-mask algorithm image (tagged `DEMO_REPOSITORY`),
    building the base first when needed."""
    sources = sorted(p for p in DEMO_SOURCE.glob("*.py"))
    return build_python_app(
        repository=DEMO_REPOSITORY, folder="algorithm", sources=sources, script="main.py", log=log
    )


def build_python_app(  # type: ignore[no-untyped-def]
    *, repository: str, folder: str, sources: list[Path], script: str, log=print
) -> str:
    """Return the ID of an image that runs `/opt/<folder>/<script>` as a non-root user on
    the Python base, with sources copied into /opt/<folder>/; cached by content."""
    base = build_python_base(log=log)
    dockerfile = APP_DOCKERFILE.format(base=base, folder=folder, script=script)
    content_hash = _hash(
        RECIPE_VERSION.encode(),
        dockerfile.encode(),
        *(p.name.encode() + b"\0" + p.read_bytes() for p in sources),
    )
    tag = f"{repository}:{content_hash[:16]}"
    client = docker_client()
    existing = _cached(content_hash)
    if existing:
        image = client.images.get(existing)
    else:
        log(f"building {tag} ...")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            _add(tar, "Dockerfile", dockerfile.encode())
            for path in sources:
                _add(tar, f"{folder}/{path.name}", path.read_bytes())
        buffer.seek(0)
        image, _ = client.images.build(
            fileobj=buffer,
            custom_context=True,
            rm=True,
            forcerm=True,
            labels={CONTENT_LABEL: content_hash},
        )
    image.tag(repository, content_hash[:16])
    image.tag(repository, "latest")
    return str(image.id)


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", action="store_true", help="only build the Python base")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    print(build_python_base(log=log) if args.base else build_demo_algorithm(log=log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
