"""Unpaired translation as issue 17 asks: the two training domains share no subject, the hidden pairs are the same
anatomy pixel for pixel, and `medgan train --task translation` / `medgan translate` work from a real shell."""
import numpy as np
import pydicom
import pytest
import torch
from pydicom.data import get_testdata_file

from medgan_nb.brain_ct import HEAD_LABELS, head_phantoms
from medgan_nb.data import MR_GAN_WINDOW, make_dataset
from medgan_nb.dicom import from_gan_range
from medgan_nb.tasks.cyclegan import unpaired_from_pairs
from medgan_nb.translation import TRANSLATION_ARMS, translation_config, translation_domains, translation_test_set


@pytest.mark.parametrize("kind", ["mr-ct-brain", "ldct-unpaired"])
def test_domains_share_no_subject(kind):
    domains = unpaired_from_pairs(kind, n_a=12, n_b=20, size=32, seed=3)
    a, b = set(domains.subjects_a.tolist()), set(domains.subjects_b.tolist())
    assert len(a) == 12 and len(b) == 20 and not a & b
    test = unpaired_from_pairs(kind, n_a=8, n_b=8, size=32, seed=3, split="test")
    assert not (a | b) & (set(test.subjects_a.tolist()) | set(test.subjects_b.tolist()))


@pytest.mark.parametrize("arm", list(TRANSLATION_ARMS))
def test_every_arm_keeps_domains_apart_from_each_other_and_the_test_heads(arm):
    config = translation_config(arm, steps=1, n_train=16, size=32, profile="smoke")
    domains, test = translation_domains(config), translation_test_set(8, 32)
    a, b = set(domains.subjects_a.tolist()), set(domains.subjects_b.tolist())
    assert not a & b and not (a | b) & set(test.subjects.tolist())
    lesions_a, lesions_b = TRANSLATION_ARMS[arm]
    assert (domains.meta["hidden_pairs_a"].labels.sum() > 0) == (lesions_a != "none")
    assert (domains.meta["hidden_pairs_b"].labels.sum() > 0) == (lesions_b != "none")


def test_hidden_pairs_are_pixel_identical_anatomy():
    "Each MR of domain A and its hidden CT are one head: rendered again from the subject seed, both match exactly."
    domains = unpaired_from_pairs("mr-ct-brain", n_a=4, n_b=4, size=64, seed=0)
    heads = head_phantoms(domains.subjects_a.tolist(), 64)
    hidden = domains.meta["hidden_pairs_a"]
    for index, head in enumerate(heads):
        mr = from_gan_range(domains.domain_a[index, 0], MR_GAN_WINDOW).numpy()
        ct = hidden.to_physical(domains.meta["hidden_targets_a"][index:index + 1])[0, 0].numpy()
        np.testing.assert_allclose(mr, head.mr, atol=1e-5)
        np.testing.assert_allclose(ct, head.ct_hu, atol=0.1)      # GAN space holds HU to float32 precision
        assert np.array_equal(hidden.tensors["tissues"][index, 0].numpy(), head.labels)
        skull = head.labels == HEAD_LABELS["skull"]
        assert np.median(ct[skull]) > 700 and np.median(mr[skull]) < 0.25   # one skull, bright in CT, dark in MR
    paired = make_dataset("mr-ct-brain", 8, 64, seed=0, split="train")
    assert torch.equal(domains.meta["hidden_targets_a"], paired.tensors["target"][:4])
    assert torch.equal(domains.domain_b, paired.tensors["target"][4:])


def test_train_and_translate_from_the_shell(run_medgan, tmp_path):
    run = tmp_path / "run"
    result = run_medgan("train", "--task", "translation", "--model", "cyclegan", "--data", "mr-ct-brain", "--profile",
                        "smoke", "--out", str(run), "--steps", "2", "--no-progress", "--set", "base_channels=8",
                        "--set", "batch_size=2", "--set", "lambda_identity=0")
    assert result.returncode == 0, result.stderr
    result = run_medgan("translate", str(run), get_testdata_file("MR_small.dcm"), "--direction", "AtoB",
                        "--out", str(tmp_path / "ct"))
    assert result.returncode == 0, result.stderr
    written = pydicom.dcmread(tmp_path / "ct" / "MR_small.dcm")
    assert written.Modality == "CT" and written.SyntheticData == "YES" and "SYNTHETIC" in written.SeriesDescription
    assert -1024 <= written.pixel_array.min() * float(written.RescaleSlope) + float(written.RescaleIntercept)
    for args in (("translate", str(tmp_path / "missing"), get_testdata_file("MR_small.dcm"), "--out", str(tmp_path)),
                 ("translate", str(run), get_testdata_file("MR_small.dcm"), "--direction", "BtoA", "--out", str(tmp_path))):
        result = run_medgan(*args)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
