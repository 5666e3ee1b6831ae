import numpy as np
import pytest

from skforensics.datasets import make_localized_artifacts


@pytest.fixture(scope="module")
def data():
    return make_localized_artifacts(200, return_positions=True, random_state=0)


def _patch_mask(shape, corners, size):
    mask = np.zeros(shape, dtype=bool)
    for r, c in corners:
        mask[r : r + size, c : c + size] = True
    return mask


def test_shapes_and_types(data):
    X, y, groups, positions = data
    assert X.shape == (200, 128, 128) and X.dtype == np.float32
    assert y.shape == (200,) and y.dtype == np.float64
    np.testing.assert_array_equal(groups, np.arange(200))
    assert len(positions) == 200
    assert 0.0 <= X.min() and X.max() <= 1.0


def test_deterministic_with_random_state():
    a = make_localized_artifacts(5, random_state=1)
    b = make_localized_artifacts(5, random_state=1)
    c = make_localized_artifacts(5, random_state=2)
    for first, second in zip(a, b):
        np.testing.assert_array_equal(first, second)
    assert not np.array_equal(a[0], c[0])


def test_positions_inside_and_not_overlapping(data):
    X, _, _, positions = data
    counts = [len(p) for p in positions]
    assert set(counts) == {1, 2, 3, 4, 5}
    for corners in positions:
        assert corners.shape[1] == 2
        assert corners.min() >= 0 and corners.max() <= 128 - 16
        coverage = np.zeros((128, 128), dtype=int)
        for r, c in corners:
            coverage[r : r + 16, c : c + 16] += 1
        assert coverage.max() == 1


def _eq3_alpha(image, background, r, c, size=128, patch=16):
    """Eq. 3 of Chandakkar & Li, written out from the paper."""
    p = image[r : r + patch, c : c + patch].astype(np.float64)
    dissimilarity = np.sum(np.abs(float(background) - p) / (patch * patch))
    patch_centre = np.array([r + (patch - 1) / 2, c + (patch - 1) / 2])
    image_centre = np.array([(size - 1) / 2, (size - 1) / 2])
    corner_centre = np.array([(patch - 1) / 2, (patch - 1) / 2])
    dist_n = np.linalg.norm(corner_centre - image_centre)
    return dissimilarity + (1 - np.linalg.norm(patch_centre - image_centre) / dist_n)


def test_paper_score_follows_eq3(data):
    X, y, _, positions = data
    for image, score, corners in zip(X, y, positions):
        background = image[~_patch_mask(image.shape, corners, 16)][0]
        alphas = [_eq3_alpha(image, background, r, c) for r, c in corners]
        assert score == pytest.approx(5 - np.sqrt(np.sum(np.square(alphas))), abs=1e-6)
    assert y.min() >= 5 - 2 * np.sqrt(5) and y.max() <= 5


def test_paper_patches_have_a_dark_and_a_bright_shade_in_random_shares(data):
    X, _, _, positions = data
    shares = []
    for image, corners in zip(X[:60], positions[:60]):
        mask = _patch_mask(image.shape, corners, 16)
        assert np.ptp(image[~mask]) == 0
        for r, c in corners:
            values, counts = np.unique(
                image[r : r + 16, c : c + 16], return_counts=True
            )
            assert len(values) <= 2
            if len(values) == 2:
                assert values[0] < 0.5 <= values[1]
                shares.append(counts[1] / 256)
    # A random percentage of each patch is bright, not always half.
    assert min(shares) < 0.2 and max(shares) > 0.8


def test_paper_centre_penalty_is_one_at_the_centre_and_zero_in_corners():
    # A patch whose shades equal the background has only the location term.
    image = np.full((128, 128), 0.3)
    assert _eq3_alpha(image, 0.3, 56, 56) == pytest.approx(1.0)
    for r, c in [(0, 0), (0, 112), (112, 0), (112, 112)]:
        assert _eq3_alpha(image, 0.3, r, c) == pytest.approx(0.0, abs=1e-12)
    # The generator uses the same dist_N: centred patches score lower.
    X, y, _, positions = make_localized_artifacts(
        300, n_patches=1, vary="position", return_positions=True, random_state=0
    )
    dist = np.array([np.hypot(*(p[0] - 56)) for p in positions])
    order = np.argsort(dist)
    assert np.all(np.diff(y[order]) >= -1e-9)


def test_paper_vary_position_fixes_background_and_patches():
    X, y, _, positions = make_localized_artifacts(
        100, n_patches=3, vary="position", return_positions=True, random_state=0
    )
    backgrounds = {
        image[~_patch_mask(image.shape, p, 16)][0] for image, p in zip(X, positions)
    }
    assert len(backgrounds) == 1
    # The k-th patch of every image is the same array (content and scrambling).
    for k in range(3):
        first = X[0][tuple(slice(v, v + 16) for v in positions[0][k])]
        for image, p in zip(X[1:], positions[1:]):
            np.testing.assert_array_equal(
                image[tuple(slice(v, v + 16) for v in p[k])], first
            )
    assert np.ptp(y) > 0.3
    # With all images alike but for the positions, a position-blind model
    # (the pixel histogram) carries no information.
    hist = {tuple(np.unique(image, return_counts=True)[1]) for image in X}
    assert len(hist) == 1


@pytest.fixture(scope="module")
def gaussian_data():
    return make_localized_artifacts(
        200, score="gaussian", return_positions=True, random_state=0
    )


def test_gaussian_background_is_constant_and_patches_have_two_halves(gaussian_data):
    X, _, _, positions = gaussian_data
    for image, corners in zip(X[:50], positions[:50]):
        mask = _patch_mask(image.shape, corners, 16)
        assert np.ptp(image[~mask]) == 0
        for r, c in corners:
            values, counts = np.unique(
                image[r : r + 16, c : c + 16], return_counts=True
            )
            assert len(values) <= 2
            if len(values) == 2:
                assert counts.tolist() == [128, 128]


def _alpha(image, background, r, c, scale=0.25):
    contrast = np.sqrt(
        np.mean((image[r : r + 16, c : c + 16].astype(np.float64) - background) ** 2)
    )
    centre = (128 - 16) / 2
    d2 = (r - centre) ** 2 + (c - centre) ** 2
    return contrast * np.exp(-d2 / (2 * (scale * 128) ** 2))


def test_gaussian_score_follows_the_formula(gaussian_data):
    X, y, _, positions = gaussian_data
    for image, score, corners in zip(X, y, positions):
        background = image[~_patch_mask(image.shape, corners, 16)][0]
        alphas = [_alpha(image, background, r, c) for r, c in corners]
        assert score == pytest.approx(5 - np.sqrt(np.sum(np.square(alphas))), abs=1e-6)


@pytest.mark.parametrize("score", ["paper", "gaussian"])
def test_score_falls_with_the_number_of_patches(score):
    means = [
        make_localized_artifacts(300, n_patches=k, score=score, random_state=k)[
            1
        ].mean()
        for k in range(1, 6)
    ]
    assert all(a > b for a, b in zip(means, means[1:]))


def test_gaussian_score_falls_with_patch_contrast():
    # One patch each, position-blind: the score is 5 minus its RMS contrast.
    X, y, _, positions = make_localized_artifacts(
        100,
        n_patches=1,
        score="gaussian",
        location_scale=None,
        return_positions=True,
        random_state=0,
    )
    contrast = []
    for image, (corner,) in zip(X, positions):
        r, c = corner
        background = image[0, 0] if (r, c) != (0, 0) else image[-1, -1]
        contrast.append(
            np.sqrt(np.mean((image[r : r + 16, c : c + 16] - background) ** 2))
        )
    order = np.argsort(contrast)
    assert np.all(np.diff(y[order]) <= 1e-6)


def test_gaussian_vary_position_only_moves_the_score_with_location():
    X, y, _, positions = make_localized_artifacts(
        200,
        n_patches=1,
        score="gaussian",
        vary="position",
        return_positions=True,
        random_state=0,
    )
    # Same background and shades everywhere: the pixel histogram is fixed ...
    assert np.unique(X).tolist() == [0.0, 0.5, 1.0]
    # ... yet the score falls as the patch nears the centre.
    centre = (128 - 16) / 2
    dist = np.array([np.hypot(*(p[0] - centre)) for p in positions])
    order = np.argsort(dist)
    assert np.all(np.diff(y[order]) >= -1e-9)
    assert np.ptp(y) > 0.3


@pytest.mark.parametrize("score", ["paper", "gaussian"])
def test_no_patches_scores_five(score):
    X, y, _ = make_localized_artifacts(10, n_patches=0, score=score, random_state=0)
    np.testing.assert_array_equal(y, 5.0)
    assert np.ptp(X, axis=(1, 2)).max() == 0


def test_crowded_images_still_place_every_patch():
    # 16 patches of 8x8 fill a 32x32 image exactly.
    X, y, _, positions = make_localized_artifacts(
        3,
        image_size=32,
        patch_size=8,
        n_patches=16,
        return_positions=True,
        random_state=0,
    )
    for corners in positions:
        assert len(corners) == 16
        coverage = np.zeros((32, 32), dtype=int)
        for r, c in corners:
            coverage[r : r + 8, c : c + 8] += 1
        assert coverage.max() == 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"n_patches": (3, 1)},
            "The 'n_patches' parameter of make_localized_artifacts must be",
        ),
        ({"n_patches": 65}, r"at most \(image_size // patch_size\)\*\*2"),
        ({"n_patches": (1.0, 2)}, "The 'n_patches' parameter"),
        (
            {"patch_size": 200},
            "The 'patch_size' parameter of make_localized_artifacts must be an "
            "int in \\[2, image_size=128\\]",
        ),
        ({"n_samples": 0}, "The 'n_samples' parameter"),
        ({"score": "eq3"}, "The 'score' parameter of make_localized_artifacts"),
    ],
)
def test_bad_parameters(kwargs, match):
    params = {"n_samples": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_localized_artifacts(**params)


@pytest.mark.parametrize("score", ["paper", "gaussian"])
def test_maps_give_the_score_and_leave_the_draws_unchanged(score):
    X, y, groups = make_localized_artifacts(30, score=score, random_state=3)
    X2, y2, groups2, maps, positions = make_localized_artifacts(
        30, score=score, return_maps=True, return_positions=True, random_state=3
    )
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert maps.shape == X.shape and maps.dtype == np.float32
    energy = maps.sum(axis=(1, 2), dtype=np.float64) / 16**2
    np.testing.assert_allclose(y, 5 - np.sqrt(energy), atol=1e-5)
    # Non-zero exactly on the patches, constant on each.
    for image_maps, corners in zip(maps, positions):
        inside = np.zeros(image_maps.shape, dtype=bool)
        for r, c in corners:
            patch = image_maps[r : r + 16, c : c + 16]
            assert np.ptp(patch) == 0
            inside[r : r + 16, c : c + 16] = True
        assert not image_maps[~inside].any()
        assert (image_maps[inside] > 0).all() or score == "gaussian"


def test_maps_without_positions():
    out = make_localized_artifacts(3, n_patches=0, return_maps=True, random_state=0)
    assert len(out) == 4 and not out[3].any()
    np.testing.assert_array_equal(out[1], 5.0)
