"""Corpus-wide checks of medgan_nb.dicom over every offline sample file (pydicom's test data and pydicom-data).

`medgan dicom check --samples --json` runs as a subprocess, as a user would run it; every file must either load
or be reported with a reason, and no exception other than DicomError may escape (status CRASH).
"""
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from medgan_nb.dicom import check_dicom_file, read_dicom, sample_dicom_files, sample_dicom_folders


@pytest.fixture(scope="module")
def checked():
    "The JSON and the text table of `medgan dicom check --samples`, each run once for the module."
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
    def run(*args):
        return subprocess.run([sys.executable, "-m", "medgan_nb", "dicom", "check", "--samples", *args], cwd=repo,
                              env=env, capture_output=True, text=True, timeout=900)
    as_json, as_text = run("--json"), run()
    return as_json, as_text


def test_every_sample_file_loads_or_has_a_reason(checked):
    as_json, _ = checked
    assert as_json.returncode in (0, 2), as_json.stderr[-2000:]
    assert "Traceback" not in as_json.stderr
    report = json.loads(as_json.stdout)
    rows, summary = report["files"], report["summary"]
    expected = {str(path) for path in sample_dicom_files().values()}
    assert {row["file"] for row in rows} == expected              # every file offered was checked
    assert summary["CRASH"] == 0, [row for row in rows if row["status"] == "CRASH"]
    assert summary["OK"] + summary["ERROR"] == len(rows) == report["total"]
    assert summary["OK"] >= 100 and summary["ERROR"] >= 20       # pydicom's data holds many of both
    for row in rows:
        name = Path(row["file"]).name
        if row["status"] == "OK":
            assert row["shape"] and len(row["shape"]) in (2, 3, 4)
            assert row["range"] is not None and all(np.isfinite(row["range"]))
        else:
            assert row["message"].startswith(f"{name}: "), row
            assert len(row["message"]) > len(name) + 15, row        # a reason, not just the name


def test_known_files_get_the_right_verdict(checked):
    rows = {Path(row["file"]).relative_to(_root_of(row["file"])).as_posix(): row
            for row in json.loads(checked[0].stdout)["files"]}
    assert rows["CT_small.dcm"]["status"] == "OK" and rows["CT_small.dcm"]["units"] == "HU"
    assert "truncated pixel data" in rows["MR_truncated.dcm"]["message"]
    assert "no pixel data (RT Plan Storage" in rows["rtplan.dcm"]["message"]
    assert "no pixel data (Comprehensive SR Storage" in rows["test-SR.dcm"]["message"]
    assert "not a DICOM file" in rows["README.txt"]["message"]
    assert "force=True" in rows["ExplVR_LitEndNoMeta.dcm"]["message"]
    for name, row in rows.items():   # every transfer syntax of MR_small decodes (the decoders extra is installed)
        if re.fullmatch(r"MR_small.*\.dcm", name):
            assert row["status"] == "OK" and row["range"] == [127.0, 2145.0], row
    if "emri_small_jpeg_2k_lossless_too_short.dcm" in rows:
        assert "truncated" in rows["emri_small_jpeg_2k_lossless_too_short.dcm"]["message"]


def _root_of(file: str) -> Path:
    for folder in sample_dicom_folders().values():
        if Path(file).is_relative_to(folder):
            return folder
    raise AssertionError(file)


def test_text_table_summary_counts_each_status(checked):
    as_json, as_text = checked
    summary = json.loads(as_json.stdout)["summary"]
    last = as_text.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"(\d+) files: (\d+) OK, (\d+) ERROR, (\d+) CRASH", last)
    assert match, last
    total, ok, error, crash = map(int, match.groups())
    assert (ok, error, crash) == (summary["OK"], summary["ERROR"], summary["CRASH"])
    assert total == ok + error + crash
    assert as_text.returncode == (0 if error == crash == 0 else 2)


def test_hu_equals_pydicoms_modality_lut_on_every_grey_file():
    "Wherever read_dicom loads a single-frame grey image, its values are pydicom's modality LUT output."
    import pydicom
    from pydicom.pixels import apply_modality_lut
    compared = 0
    for name, path in sample_dicom_files().items():
        if check_dicom_file(path)["status"] != "OK":
            continue
        image = read_dicom(path)
        if image.photometric != "MONOCHROME2" or image.pixels.ndim != 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dataset = pydicom.dcmread(path)
            expected = apply_modality_lut(dataset.pixel_array, dataset).astype(np.float32)
            if dataset.get("Modality") == "RTDOSE" and "DoseGridScaling" in dataset:   # dose in Gy: stored × scaling
                expected = (dataset.pixel_array * float(dataset.DoseGridScaling)).astype(np.float32)
        np.testing.assert_array_equal(image.pixels, expected, err_msg=name)
        compared += 1
    assert compared >= 50


def test_info_command(run_medgan):
    result = run_medgan("dicom", "info", sample_dicom_files()["CT_small.dcm"], "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["modality"] == "CT" and info["units"] == "HU" and info["shape"] == [128, 128]
    assert "PatientName" not in info["meta"] and "PatientID" not in info["meta"]
    bad = run_medgan("dicom", "info", sample_dicom_files()["rtplan.dcm"])
    assert bad.returncode == 2 and "no pixel data" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
