"""A synthetic CT series for the benchmarks: one DICOM file per slice, shuffled names.

Bench-local on purpose (a clone has no `../shared`): 512x512 uint16 slices of an
elliptic body with lungs and spine plus noise, so compression has realistic work to do.
Identifying tags are filled in, as de-identification must strip them.

    python -m benchmarks.ct_series OUT_DIR [N_SLICES]
"""

import random
import sys
from pathlib import Path

import numpy as np
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

ROWS = COLS = 512
PIXEL_MM, SLICE_MM = 0.7421875, 1.25


def _slice(k: int, n: int, rng: np.random.Generator) -> np.ndarray:
    yy, xx = np.mgrid[0:ROWS, 0:COLS].astype(np.float32)
    cx, cy, z = COLS / 2, ROWS / 2, k / n
    hu = np.full((ROWS, COLS), -1000.0, np.float32)
    body = ((xx - cx) / (200 - 20 * z)) ** 2 + ((yy - cy) / (150 - 10 * z)) ** 2 <= 1
    hu[body] = 40
    for side in (-1, 1):
        lung = ((xx - cx - side * 80) / 60) ** 2 + ((yy - cy + 10) / (90 * (0.5 + z))) ** 2 <= 1
        hu[lung] = -820
    hu[((xx - cx) / 25) ** 2 + ((yy - cy - 100) / 25) ** 2 <= 1] = 700
    hu += rng.normal(0, 15, hu.shape).astype(np.float32)
    return np.clip(hu + 1024, 0, 4095).astype(np.uint16)


def write_ct_series(out: Path, n: int = 300) -> list[Path]:
    """Write n slices into out (created); returns the files in shuffled order."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    order = list(range(n))
    random.Random(1).shuffle(order)
    paths = []
    for k in order:
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        sop = generate_uid()
        meta.MediaStorageSOPInstanceUID = sop
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = out / f"{sop[-20:]}.dcm"
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = CTImageStorage, sop, "CT"
        ds.PatientName, ds.PatientID, ds.PatientBirthDate = "Doe^Jane", "PID12345", "19700101"
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.StudyDate, ds.StudyTime, ds.AccessionNumber = "20240101", "120000", "ACC1"
        ds.SeriesNumber, ds.InstanceNumber = 3, n - k
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [-190.0, -190.0, -50.0 + k * SLICE_MM]
        ds.SliceThickness, ds.PixelSpacing = SLICE_MM, [PIXEL_MM, PIXEL_MM]
        ds.Rows, ds.Columns = ROWS, COLS
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        ds.PixelData = _slice(k, n, rng).tobytes()
        ds.save_as(str(path), enforce_file_format=True)
        paths.append(path)
    return paths


if __name__ == "__main__":
    files = write_ct_series(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 300)
    print(f"wrote {len(files)} files to {sys.argv[1]}")
