"""Bad uploads: each gets a clear error naming the file, nothing half-written, no crash."""

import io
import tarfile
import zipfile
from pathlib import Path

import SimpleITK as sitk

from tests.cases.builders.conftest import build


def test_empty_and_non_image_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mha"
    empty.touch()
    text = tmp_path / "report.docx.txt"
    text.write_text("not an image")
    result = build([empty, text], tmp_path / "work")
    assert result.images == []
    assert result.file_errors["empty.mha"] == "empty.mha: the file is empty."
    assert "not a supported image format" in result.file_errors["report.docx.txt"]


def test_zip_with_series_and_volume_is_unpacked(ct_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in ct_dir.iterdir():
            zf.write(f, f"series/{f.name}")
        volume = tmp_path / "v.nrrd"
        sitk.WriteImage(sitk.Image(4, 5, 6, sitk.sitkUInt8), str(volume))
        zf.write(volume, "v.nrrd")
    result = build([archive], tmp_path / "work")
    assert result.file_errors == {}
    assert sorted(i.depth or 0 for i in result.images) == [6, 12]
    assert any(n.startswith("case.zip/series/") for n in result.images[0].source_files)


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.raw", b"\0" * (50 * 1024 * 1024))
    result = build([archive], tmp_path / "work")
    assert "zip bomb" in result.file_errors["bomb.zip"]
    assert not list((tmp_path / "work").rglob("zeros.raw"))


def test_tar_with_traversal_and_links_is_refused(tmp_path: Path) -> None:
    for name, member in [
        ("up.tar", tarfile.TarInfo("../../escape.mha")),
        ("abs.tar.gz", tarfile.TarInfo("/etc/cron.d/x")),
        ("sym.tgz", tarfile.TarInfo("link.mha")),
        ("hard.tar", tarfile.TarInfo("hard.mha")),
    ]:
        if name == "sym.tgz":
            member.type, member.linkname = tarfile.SYMTYPE, "/etc/passwd"
        if name == "hard.tar":
            member.type, member.linkname = tarfile.LNKTYPE, "/etc/passwd"
        gz = name.endswith(("gz", "tgz"))
        with tarfile.open(tmp_path / name, "w:gz" if gz else "w") as tf:
            member.size = 0 if member.type != tarfile.REGTYPE else 5
            tf.addfile(member, io.BytesIO(b"hello") if member.type == tarfile.REGTYPE else None)
    names = ["up.tar", "abs.tar.gz", "sym.tgz", "hard.tar"]
    result = build([tmp_path / n for n in names], tmp_path / "work")
    assert result.images == []
    assert "outside the archive" in result.file_errors["up.tar"]
    assert "absolute path" in result.file_errors["abs.tar.gz"]
    assert "link" in result.file_errors["sym.tgz"]
    assert "link" in result.file_errors["hard.tar"]
    assert not (tmp_path / "escape.mha").exists()
    assert not [p for p in (tmp_path / "work").rglob("*") if p.is_file()]


def test_zip_with_traversal_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", b"fine")
        zf.writestr("../evil.mha", b"bad")
    result = build([archive], tmp_path / "work")
    assert "outside the archive" in result.file_errors["evil.zip"]
    assert not (tmp_path / "evil.mha").exists()
    assert not list((tmp_path / "work").rglob("ok.txt"))  # nothing of it was extracted


def test_one_bad_file_does_not_stop_the_others(ct_dir: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x01\x02" * 100)
    result = build([*ct_dir.iterdir(), junk], tmp_path / "work")
    assert len(result.images) == 1
    assert list(result.file_errors) == ["junk.bin"]
