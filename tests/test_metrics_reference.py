"Metrics of medgan_nb.metrics against independent implementations (scikit-image, scikit-learn, scipy, brute force)."
import math
import warnings

import numpy as np
import pytest
import torch
from scipy import linalg
from scipy.spatial.distance import cdist
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from sklearn.metrics import roc_auc_score

from medgan_nb import metrics
from medgan_nb.dicom import CT_GAN_WINDOW, to_gan_range
from medgan_nb.phantoms import ct_phantom_batch


def skimage_ssim(pred: torch.Tensor, target: torch.Tensor, data_range: float) -> np.ndarray:
    "SSIM per image with the Wang et al. (2004) settings, computed by scikit-image in float64."
    return np.array([structural_similarity(p.double().numpy(), t.double().numpy(), data_range=data_range,
                                           gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                           channel_axis=0) for p, t in zip(pred, target)])


def skimage_psnr(pred: torch.Tensor, target: torch.Tensor, data_range: float) -> np.ndarray:
    return np.array([peak_signal_noise_ratio(t.double().numpy(), p.double().numpy(), data_range=data_range)
                     for p, t in zip(pred, target)])


def random_pairs():
    "Random image pairs of several sizes, channel counts and value ranges: (name, pred, target, data_range)."
    generator = torch.Generator().manual_seed(0)
    cases = []
    for index, (channels, height, width) in enumerate([(1, 64, 64), (1, 33, 47), (3, 24, 24), (2, 11, 80)]):
        target = torch.rand(3, channels, height, width, generator=generator) * 2 - 1
        pred = (target + 0.3 * torch.randn(target.shape, generator=generator)).clamp(-1, 1)
        cases.append((f"random-{index}", pred, target, 2.0))
    hu = torch.randn(2, 1, 40, 40, generator=generator) * 400
    cases.append(("random-hu", hu + 50 * torch.randn(hu.shape, generator=generator), hu, 2000.0))
    smooth = torch.nn.functional.interpolate(torch.randn(2, 1, 8, 8, generator=generator), size=(64, 64), mode="bicubic")
    cases.append(("smooth-offset", smooth + 0.05, smooth, 2.0))
    return cases


@pytest.fixture(scope="module")
def phantom_pairs():
    "CT phantoms (truth) and noisy / blurred / shifted versions: in the GAN range and in HU."
    hu = ct_phantom_batch(6, size=64, seed=11, class_ratio=(1, 1, 1))["hu"]
    generator = torch.Generator().manual_seed(1)
    noisy_hu = hu + 40 * torch.randn(hu.shape, generator=generator)
    blurred_hu = torch.nn.functional.avg_pool2d(torch.nn.functional.pad(hu, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    gan = lambda x: to_gan_range(x, CT_GAN_WINDOW)
    return [("phantom-noise-gan", gan(noisy_hu), gan(hu), 2.0), ("phantom-blur-gan", gan(blurred_hu), gan(hu), 2.0),
            ("phantom-noise-hu", noisy_hu, hu, 2000.0), ("phantom-shift-hu", hu + 30.0, hu, 2000.0)]


@pytest.mark.parametrize("case", random_pairs(), ids=lambda case: case[0])
def test_ssim_and_psnr_match_skimage_on_random_pairs(case):
    name, pred, target, data_range = case
    ours = metrics.ssim(pred, target, data_range=data_range, reduction="none").numpy()
    assert np.abs(ours - skimage_ssim(pred, target, data_range)).max() < 1e-4, name
    ours_psnr = metrics.psnr(pred, target, data_range=data_range, reduction="none").numpy()
    assert np.abs(ours_psnr - skimage_psnr(pred, target, data_range)).max() < 1e-4, name


def test_ssim_and_psnr_match_skimage_on_phantom_pairs(phantom_pairs):
    for name, pred, target, data_range in phantom_pairs:
        ours = metrics.ssim(pred, target, data_range=data_range, reduction="none").numpy()
        reference = skimage_ssim(pred, target, data_range)
        assert np.abs(ours - reference).max() < 1e-4, (name, ours, reference)
        assert (reference < 1).all(), name       # the degradations are visible to both
        ours_psnr = metrics.psnr(pred, target, data_range=data_range, reduction="none").numpy()
        assert np.abs(ours_psnr - skimage_psnr(pred, target, data_range)).max() < 1e-4, name


def test_ssim_float64_input_is_exact():
    generator = torch.Generator().manual_seed(3)
    target = torch.rand(2, 1, 32, 32, generator=generator, dtype=torch.float64)
    pred = target + 0.1 * torch.randn(target.shape, generator=generator, dtype=torch.float64)
    ours = metrics.ssim(pred, target, data_range=1.0, reduction="none").numpy()
    assert np.abs(ours - skimage_ssim(pred, target, 1.0)).max() < 1e-10


def test_data_range_matters():
    "The same images scored with the wrong data range give a different SSIM: the argument is not decorative."
    pred, target = random_pairs()[0][1:3]
    assert abs(metrics.ssim(pred, target, 2.0) - metrics.ssim(pred, target, 255.0)) > 0.1


def test_hausdorff95_matches_brute_force():
    "HD95 from distance transforms equals the brute-force distances between boundary pixel sets."
    rng = np.random.default_rng(0)
    for _ in range(5):
        masks = []
        for _ in range(2):
            rows, columns = np.mgrid[:48, :48]
            centre, radii = rng.uniform(14, 34, size=2), rng.uniform(5, 12, size=2)
            masks.append(((rows - centre[0]) / radii[0]) ** 2 + ((columns - centre[1]) / radii[1]) ** 2 <= 1)
        spacing = (0.7, 1.3)
        boundaries = [metrics._boundary(mask) for mask in masks]
        points = [np.argwhere(boundary) * np.array(spacing) for boundary in boundaries]
        distances = cdist(points[0], points[1])
        expected = max(np.percentile(distances.min(1), 95), np.percentile(distances.min(0), 95))
        ours = metrics.hausdorff95(torch.from_numpy(masks[0])[None, None], torch.from_numpy(masks[1])[None, None],
                                   spacing_mm=spacing)
        assert abs(ours.item() - expected) < 1e-4


def test_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, size=300)
    scores = np.round(rng.normal(size=300) + labels, 1)   # rounding makes ties
    assert abs(metrics.auc(scores, labels) - roc_auc_score(labels, scores)) < 1e-12


def test_frechet_distance_matches_scipy_sqrtm():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(300, 12)), rng.normal(size=(250, 12)) @ rng.normal(size=(12, 12)) * 0.3 + 0.5
    covariance_a, covariance_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = (((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(covariance_a) + np.trace(covariance_b)
                - 2 * np.trace(linalg.sqrtm(covariance_a @ covariance_b).real))
    assert abs(metrics.frechet_distance(a, b) - expected) < 1e-6 * max(1.0, expected)


def test_prdc_matches_a_direct_loop():
    "prdc against a loop over samples written straight from the definitions of Naeem et al. (2020)."
    rng = np.random.default_rng(3)
    real, fake, k = rng.normal(size=(60, 5)), rng.normal(size=(50, 5)) * 1.3, 4
    def radius(points, i):
        return np.sort(np.linalg.norm(points - points[i], axis=1))[k]
    real_radii = np.array([radius(real, i) for i in range(len(real))])
    fake_radii = np.array([radius(fake, j) for j in range(len(fake))])
    inside = lambda x, centres, radii: [np.linalg.norm(x - c) < r for c, r in zip(centres, radii)]
    precision = np.mean([any(inside(y, real, real_radii)) for y in fake])
    recall = np.mean([any(inside(x, fake, fake_radii)) for x in real])
    density = np.mean([sum(inside(y, real, real_radii)) for y in fake]) / k
    coverage = np.mean([min(np.linalg.norm(fake - x, axis=1)) < r for x, r in zip(real, real_radii)])
    ours = metrics.prdc(real, fake, k=k)
    assert ours == pytest.approx(dict(precision=precision, recall=recall, density=density, coverage=coverage))


def test_bootstrap_interval_covers_the_truth_in_simulation():
    "Nominal 95% intervals of a mean (percentile bootstrap) and of an AUC cover the true value about 95% of the time."
    hits = [metrics.bootstrap_ci(np.random.default_rng(seed).normal(3.0, 2.0, size=40), n_boot=1000, seed=seed).contains(3.0)
            for seed in range(300)]
    assert 0.90 <= np.mean(hits) <= 0.99
    true_auc = 0.5 * (1 + math.erf(1.0 / 2))   # Phi(1 / sqrt 2) for unit normals one apart
    auc_hits = []
    for seed in range(60):
        rng = np.random.default_rng(100 + seed)
        labels = np.arange(120) % 2
        scores = rng.normal(size=120) + labels
        auc_hits.append(metrics.bootstrap_ci(metrics.auc, scores, labels, n_boot=400, seed=seed).contains(true_auc))
    assert np.mean(auc_hits) >= 0.85


def test_feature_encoder_cache_roundtrip(tmp_path):
    "Trained on first use, saved atomically, reloaded with weights_only, rebuilt when the file is corrupt."
    metrics._LOADED_ENCODERS.clear()
    kwargs = dict(image_size=32, channels=1, cache_dir=tmp_path, n_images=40, steps=3)
    encoder = metrics.get_feature_encoder(**kwargs)
    path = metrics.feature_encoder_path(32, 1, cache_dir=tmp_path)
    assert path.is_file() and [p.name for p in path.parent.iterdir()] == [path.name]   # no temporary left behind
    torch.load(path, weights_only=True)
    images = torch.rand(5, 1, 32, 32) * 2 - 1
    metrics._LOADED_ENCODERS.clear()
    reloaded = metrics.get_feature_encoder(**kwargs)
    assert torch.equal(metrics.extract_features(encoder, images), metrics.extract_features(reloaded, images))
    path.write_bytes(b"not a checkpoint")
    metrics._LOADED_ENCODERS.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rebuilt = metrics.get_feature_encoder(**kwargs)
    assert any("not a usable feature encoder" in str(w.message) for w in caught)
    assert torch.equal(metrics.extract_features(rebuilt, images), metrics.extract_features(encoder, images))
    metrics._LOADED_ENCODERS.clear()
