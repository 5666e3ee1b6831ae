import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402

from skforensics.models import PatchRankingRegressor, select_patches  # noqa: E402
from skforensics.models._selective import PatchPairDataset  # noqa: E402
from skforensics.nn import SiameseRankingNet  # noqa: E402
from skforensics.utils import make_test_images  # noqa: E402


def _localized(n=4, size=32, patch=8, seed=0):
    """Smooth references; each distorted image has noise in one tile."""
    rng = np.random.default_rng(seed)
    reference = make_test_images(n, size=size, random_state=seed)
    X = reference.copy()
    tiles = []
    for i in range(n):
        r, c = patch * rng.integers(size // patch, size=2)
        X[i, r:r + patch, c:c + patch] = rng.random((patch, patch))
        tiles.append((i, r, c))
    return X, reference, tiles


def test_select_patches_keeps_the_distorted_tiles():
    X, reference, tiles = _localized()
    patches, is_ref, source = select_patches(X, reference, patch_size=8, balance=False)
    kept = [(s, p) for s, p, r in zip(source, patches, is_ref) if not r]
    assert len(kept) == len(tiles)
    for (i, r, c), (s, p) in zip(tiles, kept):
        assert s == i
        np.testing.assert_array_equal(p, X[i, r:r + 8, c:c + 8])
    # every tile of every (distinct) reference
    assert is_ref.sum() == 4 * 16
    assert all(p.shape == (8, 8) for p in patches)
    # views, not copies, and read-only
    assert np.shares_memory(patches[0], X)
    assert not patches[0].flags.writeable


def test_select_patches_balances_and_is_seeded():
    X, reference, _ = _localized()
    patches, is_ref, source = select_patches(X, reference, patch_size=8, random_state=0)
    assert is_ref.sum() == (~is_ref).sum() == 4
    again = select_patches(X, reference, patch_size=8, random_state=0)
    np.testing.assert_array_equal(source, again[2])


def test_select_patches_threshold_and_repeated_references():
    X, reference, _ = _localized()
    # a threshold of -1 keeps no distorted patch, 1.01 keeps all of them
    assert select_patches(X, reference, patch_size=8, ssim_threshold=-1,
                          balance=False)[1].all()
    _, is_ref, _ = select_patches(X, reference, patch_size=8, ssim_threshold=1.01,
                                  balance=False)
    assert (~is_ref).sum() == 64
    # the same reference behind two distortions counts once
    _, is_ref, _ = select_patches(X[:2], reference[[0, 0]], patch_size=8, balance=False)
    assert is_ref.sum() == 16


def test_select_patches_colour_and_stride():
    X, reference, _ = _localized()
    Xc, refc = np.repeat(X[..., None], 3, -1), np.repeat(reference[..., None], 3, -1)
    patches, is_ref, _ = select_patches(Xc, refc, patch_size=8, stride=4, balance=False)
    assert patches[0].shape == (8, 8, 3)
    assert is_ref.sum() == 4 * 49


def test_select_patches_bad_input():
    X, reference, _ = _localized()
    with pytest.raises(ValueError, match="reference has 3 images but X has 4"):
        select_patches(X, reference[:3], patch_size=8)
    with pytest.raises(ValueError, match="Image 1 of X has shape .* same shape"):
        select_patches([X[0], X[1]], [reference[0], reference[1][:24]], patch_size=8)
    with pytest.raises(ValueError, match="at least 40x40"):
        select_patches(X, reference, patch_size=40)
    with pytest.raises(ValueError, match="'ssim_threshold' parameter"):
        select_patches(X, reference, patch_size=8, ssim_threshold="high")


def test_pair_dataset_labels_and_shuffled_order():
    X = make_test_images(6, size=16, random_state=0)
    y = np.array([0, 0, 0, 1, 1, 2])
    ds = PatchPairDataset(X, y, patch_size=(8, 8), n_pairs=400, random_state=0)
    a, b = ds.pairs_[:, 0], ds.pairs_[:, 3]
    assert (y[a] != y[b]).all()
    np.testing.assert_array_equal(ds.labels_, np.where(y[a] > y[b], 1.0, -1.0))
    # shuffled channel order: both labels are frequent
    assert 0.35 < (ds.labels_ > 0).mean() < 0.65
    x, label = ds[0]
    assert x["x1"].shape == (1, 8, 8) and x["x2"].shape == (1, 8, 8)
    assert label.item() in (-1.0, 1.0)
    first = ds.pairs_.copy()
    assert not np.array_equal(ds.resample(1).pairs_, first)
    np.testing.assert_array_equal(ds.resample(0).pairs_, first)


def test_ranking_regressor_learns_the_order():
    """Brighter-noise images rank higher after a short training."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 4).astype(float)
    X = np.full((16, 24, 24), 0.5, dtype=np.float32)
    X += (rng.standard_normal((16, 24, 24)) * (0.02 + 0.08 * y[:, None, None])).astype(
        np.float32
    )
    ranker = PatchRankingRegressor(
        patch_size=8, max_epochs=3, verbose=0, random_state=0, lr=3e-3,
        module__n_filters=8, module__n_hidden=16, module__dropout=0.0,
    ).fit(np.clip(X, 0, 1), y)
    assert isinstance(ranker.module_, SiameseRankingNet)
    assert ranker.score(np.clip(X, 0, 1), y) > 0.8
    assert ranker.predict(np.clip(X, 0, 1)).shape == (16,)
    assert not hasattr(ranker, "predict_proba")
    assert ranker.history_[-1, "train_loss"] < ranker.history_[0, "train_loss"]


def test_ranking_regressor_bad_targets():
    X = make_test_images(4, size=16)
    ranker = PatchRankingRegressor(patch_size=8, max_epochs=1, verbose=0)
    with pytest.raises(ValueError, match="at least 2 distinct values"):
        clone(ranker).fit(X, np.ones(4))
    with pytest.raises(ValueError, match="y has 3 entries"):
        clone(ranker).fit(X, np.arange(3))
    with pytest.raises(ValueError, match="NaN"):
        clone(ranker).fit(X, np.array([0, 1, np.nan, 1]))


def test_ranking_regressor_margin_is_the_criterion_margin():
    ranker = PatchRankingRegressor(criterion__margin=1.5, patch_size=8, max_epochs=1,
                                   verbose=0, random_state=0)
    ranker.fit(make_test_images(4, size=16), [0, 1, 0, 1])
    assert ranker.criterion_.margin == 1.5
    assert PatchRankingRegressor().initialize().criterion_.margin == 3.0
