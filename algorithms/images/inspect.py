"""Read a `docker save` tarball, streaming, and say whether it may run here.

Works without a container engine: the tarball is read once, front to back (it may
be gzip- or xz-compressed, told apart by magic bytes); layer contents are skipped
and only the small JSON documents (manifests, image config) are kept in memory.
Both layouts are understood: the classic `manifest.json` and the OCI `index.json`
that newer `docker save` writes (often next to a `manifest.json`).
"""

import hashlib
import io
import json
import lzma
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

# JSON documents worth keeping while streaming; layers are far larger than this
SMALL_MEMBER_BYTES = 4 * 1024 * 1024
MAX_SMALL_MEMBERS_BYTES = 64 * 1024 * 1024
ACCOUNT_FILES = {"etc/passwd": "passwd", "etc/group": "group"}
MAX_ACCOUNT_FILE_BYTES = 1024 * 1024
OCI_MANIFEST_TYPES = frozenset(
    {
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    }
)


class ImageRefused(ValueError):
    """The tarball cannot become an algorithm image; the message is shown to its owner."""


@dataclass
class ImageInfo:
    sha256: str  # the image ID: "sha256:" + sha256 of the config JSON
    size: int  # bytes of the tarball as stored (compressed if it was)
    compression: str  # "", "gz" or "xz"
    architecture: str
    os: str
    user: str  # the USER instruction as written
    uid: int  # ... resolved against the image's /etc/passwd and /etc/group
    gid: int
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    layers: int = 0
    # for an OCI-only tarball: the manifest.json that engines before Docker 25 need
    classic_manifest: bytes | None = None


class _CountingPrefixed:
    """A read-only stream that replays `prefix` then reads `raw`, counting the bytes."""

    def __init__(self, raw: IO[bytes], prefix: bytes) -> None:
        self.raw = raw
        self.prefix = prefix
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        if self.prefix:
            if size < 0:
                data, self.prefix = self.prefix + self.raw.read(), b""
            else:
                data, self.prefix = self.prefix[:size], self.prefix[size:]
                if len(data) < size:
                    data += self.raw.read(size - len(data))
        else:
            data = self.raw.read(size)
        self.count += len(data)
        return data


def _read_exactly(raw: IO[bytes], n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = raw.read(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _compression(head: bytes) -> str:
    if head.startswith(b"\x1f\x8b"):
        return "gz"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head[257:262] == b"ustar":
        return ""
    raise ImageRefused(
        "This file is not a container image tarball: expected the output of "
        "`docker save` as a .tar, .tar.gz or .tar.xz file."
    )


def _name(member: tarfile.TarInfo) -> str:
    return member.name.removeprefix("./")


def _load_json(members: dict[str, bytes], name: str, what: str) -> Any:
    if name not in members:
        raise ImageRefused(f"The tarball has no {what} ({name}).")
    try:
        return json.loads(members[name])
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ImageRefused(f"The {what} ({name}) is not valid JSON: {e}") from e


def _blob_path(digest: object) -> str:
    if not isinstance(digest, str) or not digest.startswith("sha256:"):
        raise ImageRefused(f"The image index names an unsupported digest {digest!r}.")
    return f"blobs/sha256/{digest.removeprefix('sha256:')}"


def _config_from_manifest_json(members: dict[str, bytes]) -> tuple[str, list[str]]:
    manifest = _load_json(members, "manifest.json", "image manifest")
    if not isinstance(manifest, list) or not manifest:
        raise ImageRefused("The image manifest (manifest.json) lists no image.")
    configs = {entry.get("Config") for entry in manifest if isinstance(entry, dict)}
    if len(manifest) != 1 or len(configs) != 1:
        raise ImageRefused(
            f"The tarball holds {len(configs) or len(manifest)} images; "
            "save exactly one image (docker save <one image>)."
        )
    entry = manifest[0]
    config, layers = entry.get("Config"), entry.get("Layers") or []
    if not isinstance(config, str) or not isinstance(layers, list):
        raise ImageRefused("The image manifest (manifest.json) has no Config or Layers.")
    return config, [str(layer) for layer in layers]


def _config_from_oci_index(members: dict[str, bytes]) -> tuple[str, list[str]]:
    index = _load_json(members, "index.json", "OCI image index")
    manifests = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(manifests, list) or not manifests:
        raise ImageRefused("The OCI image index (index.json) lists no image.")
    if len(manifests) != 1:
        raise ImageRefused(
            f"The tarball holds {len(manifests)} images; "
            "save exactly one image (docker save <one image>)."
        )
    descriptor = manifests[0]
    # a nested index (multi-platform image): follow it down to one manifest
    for _ in range(4):
        if descriptor.get("mediaType") in OCI_MANIFEST_TYPES:
            break
        path = _blob_path(descriptor.get("digest"))
        nested = _load_json(members, path, "nested image index").get("manifests") or []
        if len(nested) != 1:
            raise ImageRefused(
                f"The tarball holds an image for {len(nested)} platforms; "
                "save one linux/amd64 image."
            )
        descriptor = nested[0]
    manifest = _load_json(members, _blob_path(descriptor.get("digest")), "image manifest")
    config = _blob_path((manifest.get("config") or {}).get("digest"))
    layers = [_blob_path(layer.get("digest")) for layer in manifest.get("layers") or []]
    return config, layers


def _account_files(layer: IO[bytes]) -> dict[str, bytes | None]:
    """/etc/passwd and /etc/group as one layer leaves them (None: deleted by a whiteout).

    Any other member is skipped unread; a blob that is not a tar gives nothing.
    """
    found: dict[str, bytes | None] = {}
    try:
        with tarfile.open(fileobj=layer, mode="r|*") as tar:
            for member in tar:
                name = _name(member)
                folder, _, base = name.rpartition("/")
                if (
                    folder == "etc"
                    and base.startswith(".wh.")
                    and f"etc/{base[4:]}" in ACCOUNT_FILES
                ):
                    found[f"etc/{base[4:]}"] = None
                elif name in ACCOUNT_FILES and member.isfile():
                    if member.size > MAX_ACCOUNT_FILE_BYTES:
                        raise ImageRefused(f"The image's /{name} is larger than 1 MiB.")
                    extracted = tar.extractfile(member)
                    found[name] = extracted.read() if extracted is not None else b""
    except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError):
        return {}
    return found


def _entries(data: bytes | None) -> list[list[str]]:
    lines = (data or b"").decode("utf-8", errors="replace").splitlines()
    return [line.split(":") for line in lines if line and not line.startswith("#")]


def _number(value: str) -> int | None:
    # the engine reads "00" and "+0" as 0 too: strconv-style, decimal digits only
    return int(value) if value.isascii() and value.isdigit() else None


def resolve_user(user: str, *, passwd: bytes | None, group: bytes | None) -> tuple[int, int]:
    """The numeric uid and gid a container of this image runs as, as the engine decides.

    `USER name`, `USER uid`, `USER name:group` and `USER uid:gid` are resolved against
    the image's own /etc/passwd and /etc/group (the last layer that touches them wins);
    an empty USER means root. Raises ImageRefused for names the files do not know.
    """
    name, _, group_name = user.strip().partition(":")
    users = _entries(passwd)
    uid = _number(name) if name else 0
    gid: int | None = None
    if uid is None:
        entry = next((e for e in users if len(e) >= 4 and e[0] == name), None)
        if entry is None and name == "root":
            entry = ["root", "x", "0", "0"]  # root is uid 0 by convention, listed or not
        if entry is None or _number(entry[2]) is None or _number(entry[3]) is None:
            raise ImageRefused(
                f"The image's USER {name!r} is not listed in its /etc/passwd, so it cannot "
                "run; use a numeric USER such as USER 1000:1000."
            )
        uid, gid = int(entry[2]), int(entry[3])
    elif not group_name:
        # a numeric user takes its primary group from /etc/passwd when listed, else 0
        entry = next((e for e in users if len(e) >= 4 and _number(e[2]) == uid), None)
        gid = _number(entry[3]) if entry is not None else 0
    if group_name:
        gid = 0 if group_name == "root" else _number(group_name)
        if gid is None:
            entry = next((e for e in _entries(group) if len(e) >= 3 and e[0] == group_name), None)
            if entry is None or _number(entry[2]) is None:
                raise ImageRefused(
                    f"The image's USER group {group_name!r} is not listed in its /etc/group; "
                    "use a numeric group such as USER 1000:1000."
                )
            gid = int(entry[2])
    return uid, gid or 0


def _check_user(user: str, *, passwd: bytes | None, group: bytes | None) -> tuple[int, int]:
    uid, gid = resolve_user(user, passwd=passwd, group=group)
    if uid == 0:
        shown = f"USER {user}" if user else "no USER instruction"
        raise ImageRefused(
            f"The image runs as root ({shown}): its user resolves to uid 0. Add a USER "
            "with a non-root user, for example USER 1000."
        )
    return uid, gid


def _check_config(config: dict[str, Any]) -> tuple[list[str], list[str], str]:
    architecture, os_name = config.get("architecture"), config.get("os")
    if architecture != "amd64" or os_name != "linux":
        raise ImageRefused(
            f"The image is built for {os_name}/{architecture}; only linux/amd64 images "
            "can run here (docker build --platform linux/amd64)."
        )
    settings = config.get("config") or {}
    entrypoint = settings.get("Entrypoint") or []
    cmd = settings.get("Cmd") or []
    if not entrypoint and not cmd:
        raise ImageRefused(
            "The image has neither an ENTRYPOINT nor a CMD, so there is nothing to run."
        )
    user = str(settings.get("User") or "").strip()
    return list(entrypoint), list(cmd), user


def inspect_image_tarball(fileobj: IO[bytes], *, max_bytes: int) -> ImageInfo:
    """Read the tarball from fileobj once and return what it holds, or raise ImageRefused."""
    head = _read_exactly(fileobj, 512)
    compression = _compression(head)
    stream = _CountingPrefixed(fileobj, head)
    members: dict[str, bytes] = {}
    names: set[str] = set()
    accounts: dict[str, dict[str, bytes | None]] = {}  # per layer blob: passwd, group
    kept = 0
    try:
        with tarfile.open(fileobj=stream, mode=f"r|{compression}") as tar:  # type: ignore[call-overload]
            for member in tar:
                if stream.count > max_bytes:
                    break
                name = _name(member)
                names.add(name)
                if member.isfile() and member.size <= SMALL_MEMBER_BYTES:
                    if kept + member.size > MAX_SMALL_MEMBERS_BYTES:
                        raise ImageRefused("The tarball holds too many small files for an image.")
                    extracted = tar.extractfile(member)
                    if extracted is not None:
                        members[name] = extracted.read()
                        kept += member.size
                elif member.isfile():  # large: a layer; which ones, the manifest says later
                    extracted = tar.extractfile(member)
                    if extracted is not None:
                        accounts[name] = _account_files(extracted)
            # read to the end, so truncation and the true size show
            while stream.read(1024 * 1024):
                if stream.count > max_bytes:
                    break
    except ImageRefused:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as e:
        raise ImageRefused(f"The tarball is damaged or truncated and cannot be read ({e}).") from e
    if stream.count > max_bytes:
        raise ImageRefused(
            f"The image tarball is larger than the limit of {max_bytes} bytes "
            f"({max_bytes / 1024**3:.1f} GiB)."
        )

    classic_manifest = None
    if "manifest.json" in members:
        config_path, layers = _config_from_manifest_json(members)
    elif "index.json" in members:
        config_path, layers = _config_from_oci_index(members)
        classic_manifest = json.dumps(
            [{"Config": config_path, "RepoTags": [], "Layers": layers}]
        ).encode()
    else:
        raise ImageRefused(
            "The tarball has neither manifest.json nor index.json: it is not the "
            "output of `docker save`."
        )
    raw_config = members.get(config_path)
    if raw_config is None:
        raise ImageRefused(f"The image config ({config_path}) is missing from the tarball.")
    digest = hashlib.sha256(raw_config).hexdigest()
    if digest not in config_path:
        raise ImageRefused(
            f"The image config ({config_path}) does not match its digest; "
            "the tarball was altered after `docker save`."
        )
    missing = [layer for layer in layers if layer not in names]
    if missing:
        raise ImageRefused(f"The tarball lacks {len(missing)} layer(s), first {missing[0]}.")
    config = _load_json(members, config_path, "image config")
    if not isinstance(config, dict):
        raise ImageRefused(f"The image config ({config_path}) is not a JSON object.")
    entrypoint, cmd, user = _check_config(config)
    files: dict[str, bytes | None] = {}
    for layer in layers:  # in order: a later layer's copy replaces an earlier one
        if layer not in accounts and layer in members:
            accounts[layer] = _account_files(io.BytesIO(members[layer]))
        files.update(accounts.get(layer, {}))
    uid, gid = _check_user(user, passwd=files.get("etc/passwd"), group=files.get("etc/group"))
    return ImageInfo(
        sha256=f"sha256:{digest}",
        size=stream.count,
        compression=compression,
        architecture=config["architecture"],
        os=config["os"],
        user=user,
        uid=uid,
        gid=gid,
        entrypoint=entrypoint,
        cmd=cmd,
        layers=len(layers),
        classic_manifest=classic_manifest,
    )
