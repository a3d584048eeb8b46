"""Geometry and values as ITK, MONAI and highdicom users expect: RT dose in its units (Gy), frame positions from
Grid Frame Offset Vector, the LPS affine equal to highdicom's, per-frame windows, a VOI LUT reported, and LINEAR
windowing equal to pydicom's `apply_windowing`."""
import warnings

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.pixels import apply_windowing

from medgan_nb.dicom import apply_window, read_dicom, read_series, sample_dicom_files
from medgan_nb.dicom_write import write_synthetic_series

SAMPLES = sample_dicom_files()


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path)


@pytest.mark.parametrize("name", ["rtdose.dcm", "rtdose_1frame.dcm", "rtdose_rle.dcm"])
def test_rt_dose_is_stored_values_times_dose_grid_scaling(name):
    ds = _read(SAMPLES[name])
    image = read_dicom(SAMPLES[name])
    expected = ds.pixel_array * float(ds.DoseGridScaling)
    np.testing.assert_allclose(image.pixels, expected.astype(np.float32), rtol=1e-6)
    assert image.pixels.max() < ds.pixel_array.max() * 1e-3     # not stored units
    if int(ds.get("NumberOfFrames", 1)) > 1:
        offsets = np.asarray(ds.GridFrameOffsetVector, dtype=float)
        origin = np.asarray(ds.ImagePositionPatient, dtype=float)
        np.testing.assert_allclose(image.positions, origin + offsets[:, None] * [0, 0, 1])
        assert image.spacing[2] == pytest.approx(np.median(np.diff(offsets)))
        assert image.meta["slice_spacing_source"] == "GridFrameOffsetVector"
        assert len({tuple(p) for p in image.positions}) == len(offsets)


def test_rt_dose_units_are_gray_when_the_file_says_gy(tmp_path):
    ds = _read(SAMPLES["rtdose.dcm"])
    ds.DoseUnits = "GY"
    ds.save_as(tmp_path / "dose_gy.dcm")
    image = read_dicom(tmp_path / "dose_gy.dcm")
    assert image.units == "Gy"
    assert read_dicom(SAMPLES["rtdose.dcm"]).units == "RELATIVE"   # what the sample file declares


def test_affine_equals_highdicoms_for_an_oblique_series(tmp_path):
    volume = np.stack([np.full((16, 16), 10.0 * k) for k in range(4)])
    paths = write_synthetic_series(volume, tmp_path / "oblique", like=SAMPLES["dicomdirtests/98892003/MR700/4467"],
                                   spacing_mm=(0.5, 0.7, 3.0), modality="CT")
    ours = read_series(tmp_path / "oblique")
    theirs = hd.get_volume_from_series([_read(p) for p in paths])
    # highdicom indexes (slice, row, column); ours (column, row, slice), as ITK: the same matrix, columns reversed.
    # highdicom may stack the slices the other way round: then its slice axis is ours reversed, its origin our last slice
    affine, array = theirs.affine.copy(), theirs.array
    if np.dot(affine[:3, 0], ours.affine[:3, 2]) < 0:
        affine[:3, 3] += (len(paths) - 1) * affine[:3, 0]
        affine[:3, 0] *= -1
        array = array[::-1]
    np.testing.assert_allclose(ours.affine[:3, [2, 1, 0, 3]], affine[:3], atol=1e-3)   # DS rounding of the cosines
    np.testing.assert_allclose(ours.spacing_xyz, (0.7, 0.5, 3.0), atol=1e-4)
    np.testing.assert_allclose(ours.pixels, array, atol=0.5)


def test_affine_of_one_ct_slice_maps_pixel_centres_like_dicom():
    ds = _read(SAMPLES["CT_small.dcm"])
    image = read_dicom(SAMPLES["CT_small.dcm"])
    row, column = np.asarray(ds.ImageOrientationPatient[:3], float), np.asarray(ds.ImageOrientationPatient[3:], float)
    dr, dc = (float(v) for v in ds.PixelSpacing)
    i, j = 17, 5   # column 17, row 5 (PS3.3 C.7.6.2.1.1)
    expected = np.asarray(ds.ImagePositionPatient, float) + row * dc * i + column * dr * j
    np.testing.assert_allclose((image.affine @ [i, j, 0, 1])[:3], expected)


def test_per_frame_windows_and_voi_lut_are_reported(tmp_path):
    ds = _read(SAMPLES["CT_small.dcm"])
    lut = pydicom.Dataset()
    lut.LUTDescriptor = [4, 0, 16]
    lut.LUTData = np.array([0, 100, 200, 300], dtype=np.uint16).tobytes()
    ds.VOILUTSequence = [lut]
    ds.save_as(tmp_path / "voi.dcm")
    assert "VOI LUT Sequence" in read_dicom(tmp_path / "voi.dcm").meta["voi_lut"]
    assert "voi_lut" not in read_dicom(SAMPLES["CT_small.dcm"]).meta


def test_windows_that_differ_per_frame_are_all_returned(tmp_path):
    "An enhanced file whose Frame VOI LUT differs per frame: `windows` is frame 0's, `meta['frame_windows']` each frame's."
    name = next(n for n in ("eCT_Supplemental.dcm", "pydicom-data/eCT_Supplemental.dcm") if n in SAMPLES)
    ds = _read(SAMPLES[name])
    frames = int(ds.NumberOfFrames)
    for index, group in enumerate(ds.PerFrameFunctionalGroupsSequence):
        voi = pydicom.Dataset()
        voi.WindowCenter, voi.WindowWidth = 40 + 10 * index, 400
        group.FrameVOILUTSequence = [voi]
    for keyword in ("WindowCenter", "WindowWidth"):
        if keyword in ds:
            delattr(ds, keyword)
    if "FrameVOILUTSequence" in ds.SharedFunctionalGroupsSequence[0]:
        del ds.SharedFunctionalGroupsSequence[0].FrameVOILUTSequence
    ds.save_as(tmp_path / "per_frame.dcm")
    image = read_dicom(tmp_path / "per_frame.dcm")
    assert image.windows == [(40.0, 400.0)]
    assert image.meta["frame_windows"] == [[[40.0 + 10 * k, 400.0]] for k in range(frames)]


@pytest.mark.parametrize("level, width", [(40, 100), (40, 400), (-600, 1500), (40, 1)])
def test_linear_window_equals_pydicoms_apply_windowing(level, width):
    ds = _read(SAMPLES["CT_small.dcm"])
    hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    ds.WindowCenter, ds.WindowWidth, ds.VOILUTFunction = level, width, "LINEAR"
    low = -(2 ** (ds.BitsStored - 1)) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    high = (2 ** (ds.BitsStored - 1) - 1) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    if not ds.PixelRepresentation:
        low, high = float(ds.RescaleIntercept), (2 ** ds.BitsStored - 1) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    expected = (apply_windowing(hu.astype(np.float64), ds) - low) / (high - low)
    np.testing.assert_allclose(apply_window(hu, (level, width)), expected, atol=1e-6)
    if width > 1:   # LINEAR and LINEAR_EXACT differ: the old default was off by up to 1 / (w - 1)
        exact = apply_window(hu, (level, width), function="LINEAR_EXACT")
        assert np.abs(exact - expected).max() > 0
