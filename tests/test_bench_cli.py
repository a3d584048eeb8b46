"`medgan bench` as a user meets it: a tiny benchmark writes its JSON, a wrong speed-up is one line with exit code 2."
import json
from pathlib import Path

from medgan_nb.bench import OPTIONS, parse_options

COMMITTED = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "pix2pix_speed.json"

TINY = ("--size", "32", "--batch", "2", "--repeats", "1", "--cyclegan-repeats", "1", "--steps-per-repeat", "1",
        "--threads", "1", "--peak-repeats", "1", "--no-trainer")


def test_bench_pix2pix_writes_the_json_and_prints_the_headline(run_medgan, tmp_path):
    out = tmp_path / "x.json"
    result = run_medgan("bench", "--models", "pix2pix", *TINY, "--quality-steps", "2", "--quality-seeds", "2",
                        "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"wrote {out}" in result.stdout and "speed-up" in result.stdout and "parity pix2pix" in result.stdout
    speed = json.loads(out.read_text())
    timing = speed["pix2pix"]["wall_1_threads"]
    assert timing["reference"]["images_per_s"] > 0 and timing["optimised"]["images_per_s"] > 0
    assert set(timing["speedup_vs_reference"]) == {"optimised"}            # --no-trainer
    assert speed["pix2pix"]["conv_gflop_per_image"] > 0 and speed["pix2pix"]["speedup"] == timing["speedup"]
    assert speed["options"] == sorted(parse_options(None, "cpu")) and "cyclegan" not in speed
    assert speed["trainer_settings"]["fused_adam"] is True                 # the options became Trainer settings
    assert set(speed["parity"]["pix2pix"]["max_difference"].values()) == {0.0}
    assert set(speed["pix2pix"]["profile"]) == {"reference", "optimised"}
    assert speed["pix2pix"]["profile"]["reference"]["convolution_share"] > 0.2
    assert speed["torch"] and speed["host"] and "load_average_1min_at_start" in speed
    quality = speed["quality_check"]
    for key in ("runs", "l1", "psnr_db", "input_psnr_db", "same_quality", "no_loss_in_quality"):
        assert key in quality, key
    assert len(quality["runs"]["reference"]) == len(quality["runs"]["optimised"]) == 2
    assert speed["target"]["wanted_speedup"] == 2.0
    assert speed["target"]["met_speedup"] == {"pix2pix": speed["pix2pix"]["speedup"] >= 2.0}
    assert ("note" in speed["target"]) == (speed["pix2pix"]["speedup"] < 2.0)


def test_bench_unknown_option_is_one_line_exit_2(run_medgan, tmp_path):
    result = run_medgan("bench", "--options", "bf16,nope", "--out", tmp_path / "x.json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "nope" in result.stderr and ", ".join(OPTIONS) in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_bench_cyclegan_timing_rerun_keeps_the_quality_check(run_medgan, tmp_path):
    "A timing re-run without the quality check (--quality-steps 0) keeps the previous check of the same options."
    out = tmp_path / "x.json"
    # the committed result, as if made with fused Adam alone (fast everywhere; bf16 is slow on CPUs without it)
    previous = {**json.loads(COMMITTED.read_text()), "options": ["fused_adam"]}
    out.write_text(json.dumps(previous))
    result = run_medgan("bench", "--models", "cyclegan", *TINY, "--no-parity", "--no-profile", "--options", "fused_adam",
                        "--quality-steps", "0", "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    speed = json.loads(out.read_text())
    timing = speed["cyclegan"]["wall_1_threads"]
    assert timing["reference"]["images_per_s"] > 0 and timing["optimised"]["images_per_s"] > 0
    assert speed["cyclegan"]["parameters"]["G_A"] == 11_365_633 and set(speed["target"]["met_speedup"]) == {"cyclegan"}
    assert "parity" not in speed and "profile" not in speed["cyclegan"]
    made = previous["quality_check"].get("from_run_of", previous["time"])
    assert speed["quality_check"] == {**previous["quality_check"], "from_run_of": made}
    assert f"quality ({previous['quality_check']['steps']} steps" in result.stdout and f"from the run of {made}" in result.stdout
