"""Synthetic CT made in the repository, for tests, benchmarks and the `make run` demos.

Two generators, both deterministic for a seed:

- `write_ct_series`: a CT series as a scanner would write it, one DICOM file per slice.
  512x512 int16 slices with a rescale slope/intercept (stored value + intercept = HU),
  file names random and unsorted, and the header filled with the identifying attributes
  a clinical file carries (patient, institution, physicians, station, private tags, a
  series description naming the patient), so de-identification has something to remove.
  `oblique=True` tilts the slice planes, so geometry mistakes show.
- `write_lesion_volume`: a small int16 HU volume (.mha) of a body with one spherical
  lesion, returned with the lesion's mask and its bounding box in world coordinates,
  so a demo or test knows the right answer for the case.

    python -m cases.synthetic OUT_DIR [SLICES] [--oblique]
"""

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

PIXEL_SPACING_MM = 0.7421875
SLICE_SPACING_MM = 1.25
ORIGIN_MM = (-190.0, -190.0, -50.0)
RESCALE_INTERCEPT = -1024
RESCALE_SLOPE = 1
WINDOW = (40, 400)  # the first (soft tissue) window, as the builders pick it
OBLIQUE_DEGREES = 20.0  # tilt about the patient's left-right axis
PRIVATE_CREATOR = "SYNTH CT VENDOR 1.0"
PRIVATE_GROUP = 0x0029

# Every identifying value the headers carry (attribute keyword -> value); tests assert
# that none of them reaches a stored image, its name or its metadata.
IDENTIFYING = {
    "PatientName": "Doe^Jane",
    "PatientID": "PID12345",
    "PatientBirthDate": "19700101",
    "AccessionNumber": "ACC1",
    "StudyDate": "20240101",
    "InstitutionName": "Saint Elsewhere Hospital",
    "InstitutionAddress": "12 Harbour Road, Springfield",
    "ReferringPhysicianName": "Welby^Marcus",
    "PerformingPhysicianName": "Kildare^James",
    "OperatorsName": "Houlihan^Margaret",
    "StationName": "CTROOM7WEST",
    "DeviceSerialNumber": "SN884422",
    "StudyDescription": "CT chest for Jane Doe",
    "SeriesDescription": "Chest Doe Jane PID12345 19700101",
}
# What the vendor's private block says (private tags often repeat the patient's details).
PRIVATE_VALUES = ("Jane Doe MRN PID12345", "Scanned at Saint Elsewhere Hospital")


def _orientation(oblique: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row and column direction cosines of the slice planes."""
    row = np.array([1.0, 0.0, 0.0])
    if not oblique:
        return row, np.array([0.0, 1.0, 0.0])
    angle = np.radians(OBLIQUE_DEGREES)
    return row, np.array([0.0, np.cos(angle), np.sin(angle)])


class _Phantom:
    """A body ellipse with lungs and a spine, changing along the series, with noise."""

    def __init__(self, *, size: int, slices: int, seed: int) -> None:
        self.size, self.slices = size, slices
        self.rng = np.random.default_rng(seed)
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
        scale = size / 512
        self.x, self.y, self.scale = xx - size / 2, yy - size / 2, scale

    def stored_values(self, k: int) -> np.ndarray:
        z, s = k / max(self.slices, 1), self.scale
        hu = np.full((self.size, self.size), -1000.0, np.float32)
        body = (self.x / ((200 - 20 * z) * s)) ** 2 + (self.y / ((150 - 10 * z) * s)) ** 2 <= 1
        hu[body] = 40
        for side in (-1, 1):
            lung = ((self.x - side * 80 * s) / (60 * s)) ** 2 + (
                (self.y + 10 * s) / (90 * s * (0.5 + z))
            ) ** 2 <= 1
            hu[lung] = -820
        hu[(self.x / (25 * s)) ** 2 + ((self.y - 100 * s) / (25 * s)) ** 2 <= 1] = 700  # spine
        hu += self.rng.normal(0, 15, hu.shape).astype(np.float32)  # quantum noise
        stored = np.round((hu - RESCALE_INTERCEPT) / RESCALE_SLOPE)
        return np.clip(stored, -2048, 2047).astype(np.int16)  # 12 bits stored, signed


def _identifying_header(ds: Dataset) -> None:
    for keyword, value in IDENTIFYING.items():
        setattr(ds, keyword, value)
    ds.PatientSex = "F"
    ds.SeriesDate = ds.ContentDate = ds.AcquisitionDate = IDENTIFYING["StudyDate"]
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "120000"
    block = ds.private_block(PRIVATE_GROUP, PRIVATE_CREATOR, create=True)
    block.add_new(0x10, "LO", PRIVATE_VALUES[0])
    block.add_new(0x11, "LO", PRIVATE_VALUES[1])


def write_ct_series(
    out: Path, *, slices: int = 300, size: int = 512, oblique: bool = False, seed: int = 0
) -> list[Path]:
    """Write `slices` DICOM files into `out` (created); returns their paths, in no order."""
    out.mkdir(parents=True, exist_ok=True)
    row, column = _orientation(oblique)
    normal = np.cross(row, column)
    origin = np.array(ORIGIN_MM)
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    phantom = _Phantom(size=size, slices=slices, seed=seed)
    names = random.Random(seed).sample(range(10**12), slices)  # random, unsorted names
    paths = []
    for k in range(slices):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = sop = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = out / f"IM{names[k]:012d}"
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, sop
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.Modality, ds.Manufacturer, ds.KVP = "CT", "SYNTH", 120
        _identifying_header(ds)
        ds.StudyID, ds.SeriesNumber = "1", 3
        ds.InstanceNumber = slices - k  # numbered top-down: builders must sort by position
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.PatientPosition = "HFS"
        ds.SliceThickness = SLICE_SPACING_MM
        ds.ImageOrientationPatient = [round(float(v), 8) for v in (*row, *column)]
        position = origin + k * SLICE_SPACING_MM * normal
        ds.ImagePositionPatient = [round(float(v), 6) for v in position]
        ds.SliceLocation = round(float(position @ normal), 6)
        ds.PixelSpacing = [PIXEL_SPACING_MM, PIXEL_SPACING_MM]
        ds.Rows = ds.Columns = size
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 1
        ds.RescaleIntercept, ds.RescaleSlope = RESCALE_INTERCEPT, RESCALE_SLOPE
        ds.RescaleType = "HU"
        ds.WindowCenter, ds.WindowWidth = [WINDOW[0], -600], [WINDOW[1], 1500]
        ds.PixelData = phantom.stored_values(k).tobytes()
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


@dataclass(frozen=True)
class LesionVolume:
    """A written volume and what is true about it (world coordinates in mm)."""

    path: Path
    lesion_mask: np.ndarray  # uint8, (z, y, x) like the volume
    body_mask: np.ndarray  # uint8: the body (lesion included) as drawn, before noise
    lesion_box_mm: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
    lesion_diameter_mm: float
    lesion_centre_mm: tuple[float, float, float]


LESION_SPACING_MM = (1.5, 1.5, 3.0)  # x, y, z
LESION_ORIGIN_MM = (-48.0, -48.0, -48.0)
LESION_HU, BODY_HU, AIR_HU = 120, 40, -1000


def write_lesion_volume(
    path: Path, *, seed: int = 0, size: int = 64, slices: int = 32
) -> LesionVolume:
    """Write a body ellipse with one spherical lesion (place and size from seed) as .mha.

    The volume is int16 HU with a little noise; the lesion is brighter than the body
    and lies inside it on every slice it touches.
    """
    import SimpleITK as sitk

    rng = np.random.default_rng(seed)
    sx, sy, sz = LESION_SPACING_MM
    zz, yy, xx = np.mgrid[0:slices, 0:size, 0:size].astype(np.float32)
    cx = cy = (size - 1) / 2
    body = ((xx - cx) / (0.42 * size)) ** 2 + ((yy - cy) / (0.32 * size)) ** 2 <= 1
    radius_mm = float(rng.uniform(6.0, 10.0))
    centre_vox = (
        float(cx + rng.uniform(-0.15, 0.15) * size),
        float(cy + rng.uniform(-0.1, 0.1) * size),
        float((slices - 1) / 2 + rng.uniform(-0.2, 0.2) * slices),
    )
    lesion: np.ndarray = (
        ((xx - centre_vox[0]) * sx) ** 2
        + ((yy - centre_vox[1]) * sy) ** 2
        + ((zz - centre_vox[2]) * sz) ** 2
    ) <= radius_mm**2
    hu = np.full(lesion.shape, AIR_HU, np.float32)
    hu[body] = BODY_HU
    hu[lesion] = LESION_HU
    hu += rng.normal(0, 5, hu.shape).astype(np.float32)
    image = sitk.GetImageFromArray(np.round(hu).astype(np.int16))
    image.SetSpacing(LESION_SPACING_MM)
    image.SetOrigin(LESION_ORIGIN_MM)
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path), useCompression=True)
    zs, ys, xs = np.nonzero(lesion)
    origin = LESION_ORIGIN_MM
    box = tuple(
        (
            origin[i] + float(v.min()) * LESION_SPACING_MM[i],
            origin[i] + float(v.max()) * LESION_SPACING_MM[i],
        )
        for i, v in enumerate((xs, ys, zs))
    )
    centre = tuple(origin[i] + centre_vox[i] * LESION_SPACING_MM[i] for i in range(3))
    return LesionVolume(
        path=path,
        lesion_mask=lesion.astype(np.uint8),
        body_mask=np.broadcast_to(body | lesion, lesion.shape).astype(np.uint8),
        lesion_box_mm=box,  # type: ignore[arg-type]
        lesion_diameter_mm=round(2 * radius_mm, 1),
        lesion_centre_mm=centre,  # type: ignore[arg-type]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("slices", type=int, nargs="?", default=300)
    parser.add_argument("--oblique", action="store_true")
    args = parser.parse_args()
    write_ct_series(args.out, slices=args.slices, oblique=args.oblique)
    print(f"wrote {args.slices} files to {args.out}")


if __name__ == "__main__":
    main()
