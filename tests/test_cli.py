"The `medgan` command line as a user meets it: real subprocesses, exit codes, one-line errors."
import json
import shutil
import subprocess


def test_info_prints_versions_and_device(run_medgan):
    result = run_medgan("info")
    assert result.returncode == 0, result.stderr
    for word in ("medgan-nb", "torch", "numpy", "pydicom", "device", "profile"):
        assert word in result.stdout
    info = json.loads(run_medgan("info", "--json").stdout)
    assert info["device"] in info["devices"] or info["device"] in ("cuda", "mps")
    assert info["torch"].startswith("2.13.0")


def test_unknown_profile_is_one_line_exit_2(run_medgan):
    result = run_medgan("info", env={"MEDGAN_PROFILE": "nope"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Valid profiles" in result.stderr and "classroom" in result.stderr and "full" in result.stderr


def test_bad_argument_is_one_line_exit_2(run_medgan):
    for args in (("info", "--no-such-flag"), ("no-such-command",)):
        result = run_medgan(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_profiles_lists_every_profile(run_medgan):
    result = run_medgan("profiles", "--json")
    assert result.returncode == 0, result.stderr
    profiles = json.loads(result.stdout)
    assert {"classroom", "full"} <= set(profiles)
    assert profiles["full"]["image_size"] > profiles["classroom"]["image_size"]


def test_console_script_matches_module():
    medgan = shutil.which("medgan")
    if medgan is None:  # only when the package is not installed with its scripts
        import pytest
        pytest.skip("the medgan console script is not on PATH")
    result = subprocess.run([medgan, "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "medgan-nb" in result.stdout
