"""Parity of `medgan bench`'s two steps: in fp32 on the CPU, from the same weights, batches and random numbers, the
Trainer's step of the registered task leaves exactly the weights of the reference-order step (issue #12)."""
import pytest

from medgan_nb.bench import parity_check

SMALL_CYCLEGAN = {"base_channels": 8, "n_blocks": 6}


def assert_identical_and_trained(result):
    assert set(result["max_difference"]) == set(result["moved"]) and result["max_difference"]
    assert all(difference == 0.0 for difference in result["max_difference"].values()), result["max_difference"]
    assert all(moved > 0 for moved in result["moved"].values()), result["moved"]  # not the trivial zero


def test_pix2pix_three_steps_identical_weights():
    "64 px: the smallest U-Net with a dropout layer, so the Trainer must also draw the reference's dropout masks."
    result = parity_check("pix2pix", steps=3, size=64, batch=2, architecture={"base_channels": 16})
    assert_identical_and_trained(result)
    assert set(result["max_difference"]) == {"G", "D"}


@pytest.mark.parametrize("pool_size", [50, 2])
def test_cyclegan_three_steps_identical_weights(pool_size):
    "Pools of 50 (the task's) stay filling for 3 steps; pools of 2 fill in step 1, then swap images with their own seeds."
    result = parity_check("cyclegan", steps=3, size=32, batch=2, architecture={**SMALL_CYCLEGAN, "pool_size": pool_size})
    assert_identical_and_trained(result)
    assert set(result["max_difference"]) == {"G_A", "G_B", "D_A", "D_B"}


def test_parity_check_fails_when_the_random_numbers_differ():
    "The check can fail: other dropout masks (pix2pix), another draw of the unpaired B images (CycleGAN)."
    pix2pix = parity_check("pix2pix", size=64, architecture={"base_channels": 16}, trainer_seed_offset=1)
    assert pix2pix["max_difference"]["G"] > 0
    cyclegan = parity_check("cyclegan", size=32, architecture=SMALL_CYCLEGAN, trainer_seed_offset=1)
    assert max(cyclegan["max_difference"].values()) > 0


@pytest.mark.slow
@pytest.mark.parametrize("model, batch", [("pix2pix", 4), ("cyclegan", 1)])
def test_parity_at_the_benchmark_architecture(model, batch):
    "unet_128 / resnet_9blocks with 64 base channels at 128 px, as timed (minutes on 2 CPU cores)."
    assert_identical_and_trained(parity_check(model, steps=3, size=128, batch=batch))
