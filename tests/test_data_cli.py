"`medgan data make` and `medgan data show` as a user runs them: real subprocesses, files on disk, exit codes."
import numpy as np
import pytest

from medgan_nb.data import DATASET_KINDS, TASK_KEYS, load_npz_dataset
from medgan_nb.show import is_synthetic_png


@pytest.mark.parametrize("kind", sorted(DATASET_KINDS))
def test_make_then_show_every_kind(run_medgan, tmp_path, kind):
    out = tmp_path / f"{kind}.npz"
    made = run_medgan("data", "make", "--kind", kind, "--n", "6", "--size", "32", "--seed", "3", "--out", out)
    assert made.returncode == 0, made.stderr
    assert out.is_file() and str(out) in made.stdout
    dataset = load_npz_dataset(out)
    assert len(dataset) == 6 and dataset.meta["kind"] == kind
    item = dataset[0]
    assert set(item) == set(TASK_KEYS[dataset.task])
    image = item["target" if dataset.task == "paired" else "image"]
    assert image.shape == (1, 32, 32) and -1 <= image.min() and image.max() <= 1
    shown = run_medgan("data", "show", out)
    assert shown.returncode == 0, shown.stderr
    png = out.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert is_synthetic_png(png)


def test_same_seed_same_file_content_other_seed_differs(run_medgan, tmp_path):
    paths = {}
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        paths[name] = tmp_path / f"{name}.npz"
        result = run_medgan("data", "make", "--kind", "ct-lesion-seg", "--n", "4", "--size", "32", "--seed", seed,
                            "--out", paths[name])
        assert result.returncode == 0, result.stderr
    first, second, other = (load_npz_dataset(paths[name]) for name in "abc")
    assert np.array_equal(first.images.numpy(), second.images.numpy())
    assert np.array_equal(first.tensors["mask"].numpy(), second.tensors["mask"].numpy())
    assert not np.array_equal(first.images.numpy(), other.images.numpy())


def test_options_and_splits(run_medgan, tmp_path):
    train, test = tmp_path / "train.npz", tmp_path / "test.npz"
    for split, path in (("train", train), ("test", test)):
        result = run_medgan("data", "make", "--kind", "ct-lesion-cls", "--n", "20", "--size", "32", "--seed", "1",
                            "--split", split, "--option", "class_ratio=[10,5,5]", "--out", path)
        assert result.returncode == 0, result.stderr
        assert "'normal': 10, 'cyst': 5, 'metastasis': 5" in result.stdout
    assert not set(load_npz_dataset(train).subjects.tolist()) & set(load_npz_dataset(test).subjects.tolist())


def test_medmnist_file_shows_unmarked(run_medgan, tmp_path):
    "A MedMNIST-format file holds real images: the grid is written but not marked synthetic."
    rng = np.random.default_rng(0)
    path = tmp_path / "tiny_mnist.npz"
    np.savez(path, **{f"{split}_images": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8) for split in ("train", "val", "test")},
             **{f"{split}_labels": rng.integers(0, 2, (5, 1)) for split in ("train", "val", "test")})
    result = run_medgan("data", "show", path, "--split", "val", "--out", tmp_path / "grid.png")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "grid.png").is_file() and not is_synthetic_png(tmp_path / "grid.png")


@pytest.mark.parametrize("args, message", [
    (("data", "make", "--kind", "ct-scan", "--out", "x.npz"), "invalid choice"),
    (("data", "make", "--kind", "ldct-pairs", "--n", "2", "--option", "dose=3", "--out", "x.npz"), "valid: i0"),
    (("data", "make", "--kind", "ct-phantom", "--n", "2", "--option", "region", "--out", "x.npz"), "KEY=VALUE"),
    (("data", "make", "--kind", "ct-phantom", "--n", "2", "--out", "x.png"), ".npz"),
    (("data", "show", "missing.npz"), "no such file"),
])
def test_mistakes_are_one_line_exit_2(run_medgan, tmp_path, args, message):
    result = run_medgan(*args, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_not_a_dataset_file(run_medgan, tmp_path):
    (tmp_path / "other.npz").write_bytes(b"not a zip")
    result = run_medgan("data", "show", tmp_path / "other.npz")
    assert result.returncode == 2 and "not a readable .npz" in result.stderr
