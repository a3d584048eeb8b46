"""Hostile and edge-case DICOM files, built from the offline corpus: none may crash the reader or the CLI.

Each case is a file (or folder) and what must happen: `read_dicom` raises a `MedGANError` subclass whose message
names the file and contains a phrase saying why, or the file loads where loading is right (the case says why).
`medgan dicom info FILE` prints one line and exits 2 for every refused file; `medgan dicom check` prints one line
per entry it was given, never a traceback.
"""
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate

from medgan_nb.cli import main
from medgan_nb.core import DicomError, MedGANError
from medgan_nb.dicom import read_dicom, read_series, sample_dicom_files

SAMPLES = sample_dicom_files()
CT = SAMPLES["CT_small.dcm"]
JPEG = SAMPLES["SC_rgb_jpeg_dcmtk.dcm"]


def _ct():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(CT)


def _save(ds, path):
    ds.save_as(path)
    return path


def _patched(path, keyword, text, placeholder):
    "CT_small with `keyword` holding the raw text `text` (pydicom would refuse to write it): a placeholder is patched in the bytes."
    ds = _ct()
    setattr(ds, keyword, placeholder)
    ds.save_as(path)
    raw = path.read_bytes()
    padded = text.encode() + b" " * (len(placeholder) - len(text))
    assert raw.count(placeholder.encode()) == 1 and len(padded) == len(placeholder)
    path.write_bytes(raw.replace(placeholder.encode(), padded))
    return path


def _edit(path, **values):
    ds = _ct()
    for keyword, value in values.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    return _save(ds, path)


def _short_pixels(path):
    ds = _ct()
    ds.PixelData = ds.PixelData[: len(ds.PixelData) // 2]
    return _save(ds, path)


def _cut(path, fraction=None, at=None):
    raw = CT.read_bytes()
    path.write_bytes(raw[: at if at is not None else int(len(raw) * fraction)])
    return path


def _jpeg_header(path, **values):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(JPEG)
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return _save(ds, path)


def _not_jpeg(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(JPEG)
    ds.PixelData = encapsulate([b"this is not a JPEG codestream" * 40])
    return _save(ds, path)


# name -> (builder, expected phrase in the DicomError, or None where the file must load)
CASES = {
    "window_center_x7x.dcm": (lambda p: _patched(p, "WindowCenter", "x7x", "9876"), "WindowCenter = 'x7x'"),
    "window_width_bad.dcm": (lambda p: _patched(p, "WindowWidth", "wide", "8765"), "WindowWidth = 'wide'"),
    "rescale_slope_bad.dcm": (lambda p: _patched(p, "RescaleSlope", "one", "7654"), "RescaleSlope = 'one'"),
    "rescale_intercept_bad.dcm": (lambda p: _patched(p, "RescaleIntercept", "--5", "6543"), "RescaleIntercept = '--5'"),
    "pixel_spacing_bad.dcm": (lambda p: _patched(p, "PixelSpacing", "0.5\\zz", "543210"), "PixelSpacing = '0.5\\\\zz'"),
    "slice_thickness_bad.dcm": (lambda p: _patched(p, "SliceThickness", "thin", "4321"), "SliceThickness = 'thin'"),
    "position_bad.dcm": (lambda p: _patched(p, "ImagePositionPatient", "a\\b\\c", "12345"), "ImagePositionPatient"),
    "frames_bad.dcm": (lambda p: _patched(p, "NumberOfFrames", "x", "97531"), "NumberOfFrames = 'x'"),
    "slope_zero.dcm": (lambda p: _edit(p, RescaleSlope="0"), "Rescale Slope is 0"),
    "rows_zero.dcm": (lambda p: _edit(p, Rows=0), "128 pixels: no pixels"),
    "bits_allocated_0.dcm": (lambda p: _edit(p, BitsAllocated=0), "Bits Allocated is 0"),
    "rows_missing.dcm": (lambda p: _edit(p, Rows=None), "has no Rows"),
    "huge_native.dcm": (lambda p: _edit(p, Rows=65535, Columns=65535, NumberOfFrames=5000), "refused before decoding"),
    "huge_encapsulated.dcm": (lambda p: _jpeg_header(p, Rows=60000, Columns=60000, NumberOfFrames=900), "refused before decoding"),
    "pixels_short.dcm": (_short_pixels, "truncated pixel data"),
    "cut_in_preamble.dcm": (lambda p: _cut(p, at=100), "not a DICOM file"),
    "cut_in_header.dcm": (lambda p: _cut(p, at=700), "cut short"),
    "cut_in_pixels.dcm": (lambda p: _cut(p, fraction=0.6), "truncated"),
    # CT_small ends with Data Set Trailing Padding (FFFC,FFFC): cut 7 bytes before it, inside the pixel data
    "cut_near_end.dcm": (lambda p: _cut(p, at=CT.read_bytes().rfind(b"\xfc\xff\xfc\xff") - 7), "truncated"),
    "jpeg_not_jpeg.dcm": (_not_jpeg, "cannot be decoded"),
    "png_renamed.dcm": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4) and p, "not a DICOM file"),
    "text_renamed.dcm": (lambda p: p.write_text("patient list\nnot an image\n" * 20) and p, "not a DICOM file"),
    "empty.dcm": (lambda p: p.write_bytes(b"") or p, "empty file (0 bytes)"),
    "folder.dcm": (lambda p: p.mkdir() or p, "a folder, not a"),
    "dangling.dcm": (lambda p: os.symlink(p.parent / "nowhere.dcm", p) or p, "dangling link"),
    # these load, rightly: the pixels are intact and what is unknown is said so
    "spacing_zero.dcm": (lambda p: _edit(p, PixelSpacing=[0, 0]), None),        # spacing unknown: assumed, and said
    "imager_spacing_only.dcm": (lambda p: _edit(p, PixelSpacing=None, ImagerPixelSpacing=[0.7, 0.7]), None),
    "kvp_bad.dcm": (lambda p: _patched(p, "KVP", "high", "5432"), None),            # informational tag: kept as text
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return {name: builder(folder / name) and folder / name for name, (builder, _) in CASES.items()}


def test_at_least_twenty_hostile_files():
    assert sum(phrase is not None for _, phrase in CASES.values()) >= 20


@pytest.mark.parametrize("name", [name for name, (_, phrase) in CASES.items() if phrase is not None])
def test_read_dicom_refuses_with_a_reason(hostile, name):
    with pytest.raises(MedGANError) as caught:
        read_dicom(hostile[name])
    message = str(caught.value)
    assert isinstance(caught.value, DicomError)
    assert name in message and CASES[name][1] in message, message
    assert "\n" not in message


def test_edge_files_that_load_say_what_is_assumed(hostile):
    zero = read_dicom(hostile["spacing_zero.dcm"])
    assert zero.meta["spacing_assumed"] is True and zero.spacing[:2] == (1.0, 1.0)
    assert zero.meta["spacing_source"].startswith("assumed") and "PixelSpacing 0\\0" in zero.meta["spacing_source"]
    imager = read_dicom(hostile["imager_spacing_only.dcm"])
    assert imager.meta["spacing_source"] == "ImagerPixelSpacing" and "detector" in imager.meta["spacing_note"]
    np.testing.assert_allclose(imager.spacing[:2], (0.7, 0.7))
    kvp = read_dicom(hostile["kvp_bad.dcm"])
    assert kvp.meta["unparsable_tags"] == {"KVP": "high"} and "KVP" not in kvp.meta
    np.testing.assert_array_equal(kvp.pixels, read_dicom(CT).pixels)
    real = read_dicom(CT)
    assert real.meta["spacing_source"] == "PixelSpacing" and real.meta["spacing_assumed"] is False


@pytest.mark.parametrize("name", [name for name, (_, phrase) in CASES.items() if phrase is not None])
def test_info_prints_one_line_and_exits_2(hostile, name, capsys):
    code = main(["dicom", "info", str(hostile[name])])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("medgan: error: ") and name in lines[0], err


def _series(folder, shift_y_per_slice=0.0, uids=None):
    folder.mkdir()
    base = _ct()
    for k in range(4):
        ds = _ct()
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
        ds.InstanceNumber = k + 1
        if uids:
            ds.SeriesInstanceUID = uids[k]
        x, y, z = (float(v) for v in base.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y + k * shift_y_per_slice, z + 5.0 * k]
        ds.save_as(folder / f"slice_{k}.dcm")
    return folder


def test_series_edge_cases(tmp_path):
    regular = read_series(_series(tmp_path / "regular"))
    assert regular.pixels.shape == (4, 128, 128) and abs(regular.spacing[2] - 5.0) < 1e-6
    np.testing.assert_allclose(regular.affine[:3, 2], [0, 0, 5.0])
    os.symlink(tmp_path / "nowhere.dcm", tmp_path / "regular" / "dangling.dcm")
    skipped = read_series(tmp_path / "regular").meta["skipped"]
    assert len(skipped) == 1 and "dangling link" in skipped[0]       # reported, not silently left out
    with pytest.raises(DicomError, match=r"sheared: their positions step 15\.\d+° off the slice normal"):
        read_series(_series(tmp_path / "tilted", shift_y_per_slice=5.0 * np.tan(np.radians(15))))
    uid_a, uid_b = pydicom.uid.generate_uid(), pydicom.uid.generate_uid()
    with pytest.raises(DicomError, match="files from 2 series are mixed"):
        read_series(_series(tmp_path / "mixed", uids=[uid_a, uid_a, uid_b, uid_b]))
    bad = _series(tmp_path / "bad_value")
    _patched(bad / "slice_2.dcm", "WindowCenter", "x7x", "9876")
    with pytest.raises(DicomError, match="slice_2.dcm: WindowCenter = 'x7x'"):
        read_series(bad)


def test_check_lists_every_entry_on_one_line(hostile, tmp_path):
    entries = [str(path) for path in hostile.values()] + [str(tmp_path / "missing.dcm")]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
    text = subprocess.run([sys.executable, "-m", "medgan_nb", "dicom", "check", *entries], env=env,
                          capture_output=True, text=True, timeout=300)
    as_json = subprocess.run([sys.executable, "-m", "medgan_nb", "dicom", "check", "--json", *entries], env=env,
                             capture_output=True, text=True, timeout=300)
    assert "Traceback" not in text.stderr + as_json.stderr and text.returncode == 2
    lines = text.stdout.strip().splitlines()
    assert len(lines) == 1 + len(entries) + 1, text.stdout   # header, one line per entry, summary
    rows = {Path(row["file"]).name: row for row in json.loads(as_json.stdout)["files"]}
    assert set(rows) == {Path(entry).name for entry in entries}
    for name, (_, phrase) in CASES.items():
        assert rows[name]["status"] == ("OK" if phrase is None else "ERROR"), rows[name]
    assert rows["dangling.dcm"]["status"] == "ERROR" and "dangling" in rows["dangling.dcm"]["message"]
    assert "no such file" in rows["missing.dcm"]["message"]
    assert json.loads(as_json.stdout)["summary"]["CRASH"] == 0
