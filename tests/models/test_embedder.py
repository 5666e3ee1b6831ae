import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402

from skforensics.feature import patch_corners  # noqa: E402
from skforensics.models import (  # noqa: E402
    PatchCNNClassifier,
    PatchCNNRegressor,
    PatchEmbedder,
    PatchRankingRegressor,
)
from skforensics.utils import make_test_images  # noqa: E402

TINY = dict(
    patch_size=8,
    max_epochs=1,
    verbose=0,
    random_state=0,
    module__n_filters=4,
    module__n_hidden=6,
)


def _data(n=6, size=20, seed=0):
    X = make_test_images(n, size=size, random_state=seed)
    return X, np.linspace(0, 1, n)


@pytest.fixture(scope="module")
def fitted():
    X, y = _data()
    return PatchEmbedder(PatchCNNRegressor(**TINY), grid=(3, 4)).fit(X, y)


def test_transform_shape_dtype_and_attributes(fitted):
    X, _ = _data()
    H = fitted.transform(X)
    assert H.shape == (6, 3, 4, 6) and H.dtype == np.float32
    assert fitted.layer_ == "head.4"  # Kang: the second ReLU of the head
    assert fitted.n_features_out_ == 6
    assert fitted.patch_size_ == (8, 8) and fitted.grid_ == (3, 4)
    assert fitted.min_image_size_ == (10, 11)
    assert (H >= 0).all()  # post-ReLU


def test_embeddings_are_the_layer_on_the_eq2_grid(fitted):
    """Each hyper-pixel is the chosen layer's output on the patch at the
    corners of patch_corners(grid=...) (eq. 2), for any image size."""
    module = fitted.estimator_.module_.eval()
    store = {}
    handle = module.head[4].register_forward_hook(
        lambda m, i, o: store.__setitem__("out", o.detach().clone())
    )
    images = [make_test_images(1, size=s, random_state=1)[0] for s in (20, 37)]
    images.append(np.random.default_rng(0).random((25, 41)).astype(np.float32))
    try:
        for image in images:
            H = fitted.transform([image])[0]
            rows, cols = patch_corners(image.shape, 8, grid=(3, 4))
            for u, r in enumerate(rows):
                for v, c in enumerate(cols):
                    patch = torch.from_numpy(image[r:r + 8, c:c + 8].copy())
                    with torch.no_grad():
                        module(patch[None, None])
                    np.testing.assert_allclose(
                        H[u, v], store["out"][0].numpy(), rtol=1e-5, atol=1e-6
                    )
    finally:
        handle.remove()


def test_images_of_any_size_give_the_same_grid(fitted):
    images = [np.random.default_rng(i).random((h, w)).astype(np.float32)
              for i, (h, w) in enumerate([(20, 20), (64, 30), (11, 200)])]
    H = fitted.transform(images)
    assert H.shape == (3, 3, 4, 6)


def test_max_size_shrinks_isotropically():
    X, y = _data(size=40)
    small = X[:, ::2, ::2]
    emb = PatchEmbedder(PatchCNNRegressor(**TINY), grid=(2, 2), max_size=20).fit(X, y)
    ref = PatchEmbedder(FrozenEstimator(emb.estimator_), grid=(2, 2)).fit(small)
    # area interpolation by 2 is the 2x2 mean
    pooled = X.reshape(6, 20, 2, 20, 2).mean(axis=(2, 4))
    np.testing.assert_allclose(emb.transform(X), ref.transform(pooled), atol=1e-5)
    # a wide image is shrunk by the larger ratio, and keeps its aspect
    wide = np.random.default_rng(0).random((40, 80)).astype(np.float32)
    assert emb.transform([wide]).shape == (1, 2, 2, 6)
    assert small.shape[1:] == (20, 20)


def test_default_layer_of_patch_cnn_and_explicit_layer():
    X, y = _data(size=24)
    clf = PatchCNNClassifier(
        patch_size=8, max_epochs=1, verbose=0, random_state=0,
        module__n_filters=4, module__n_hidden=5, module__n_blocks=1,
        module__pool_size=2,
    )
    emb = PatchEmbedder(clf, grid=(2, 2)).fit(X, (y > 0.5).astype(int))
    assert emb.layer_ == "head.2" and emb.n_features_out_ == 5
    conv = PatchEmbedder(clf, grid=(2, 2), layer="features.2").fit(
        X, (y > 0.5).astype(int)
    )
    # a convolutional layer is flattened: 4 maps of 8x8
    assert conv.transform(X).shape == (6, 2, 2, 4 * 8 * 8)


def test_ranking_regressor_as_estimator():
    X, y = _data(size=24)
    ranker = PatchRankingRegressor(**TINY)
    emb = PatchEmbedder(ranker, grid=(2, 2)).fit(X, y)
    assert emb.layer_ == "branch.head.4"
    assert emb.transform(X).shape == (6, 2, 2, 6)


def test_prefit_and_frozen_estimators_are_not_refitted(fitted):
    X, y = _data()
    net = fitted.estimator_
    emb = PatchEmbedder(net, grid=(3, 4), cv="prefit").fit(X)
    assert emb.estimator_ is net
    np.testing.assert_array_equal(emb.transform(X), fitted.transform(X))
    frozen = PatchEmbedder(FrozenEstimator(net), grid=(3, 4))
    H = clone(frozen).fit(X, y).transform(X)
    np.testing.assert_array_equal(H, fitted.transform(X))


def test_refit_identical_and_pickle(fitted):
    X, y = _data()
    again = clone(fitted).fit(X, y)
    np.testing.assert_array_equal(again.transform(X), fitted.transform(X))
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(X), fitted.transform(X))


def test_memory_caches_fit_and_embeddings(tmp_path, monkeypatch):
    from skforensics.models import _embedding

    X, y = _data()
    emb = PatchEmbedder(PatchCNNRegressor(**TINY), grid=(2, 2), memory=str(tmp_path))
    H1 = clone(emb).fit(X, y).transform(X)
    calls = []
    original = _embedding._embed
    monkeypatch.setattr(
        _embedding, "_embed", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    fit = PatchCNNRegressor.fit
    def counting_fit(self, *args, **kwargs):
        calls.append("fit")
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(PatchCNNRegressor, "fit", counting_fit)
    H2 = clone(emb).fit(X, y).transform(X)
    np.testing.assert_array_equal(H1, H2)
    assert calls == []  # neither refitted nor re-embedded


def test_selective_fit_with_reference():
    rng = np.random.default_rng(0)
    levels = rng.random((4, 1, 1)).astype(np.float32) * 0.3
    reference = np.full((4, 24, 24), 0.5, dtype=np.float32) + levels
    X = reference.copy()
    X[:, 8:16, 8:16] = rng.random((4, 8, 8))
    y = np.array([1.0, 2.0, 3.0, 4.0])
    emb = PatchEmbedder(PatchCNNRegressor(**TINY), grid=(3, 3), random_state=0)
    emb.fit(X, y, reference=reference, reference_y=5.0)
    assert emb.transform(X).shape == (4, 3, 3, 6)
    # the net was trained on single patches (grid sampling)
    assert emb.estimator_.sampling == "grid"
    with pytest.raises(ValueError, match="reference_y is required"):
        clone(emb).fit(X, y, reference=reference)
    with pytest.raises(ValueError, match="same shape"):
        clone(emb).fit(X, y, reference=reference[:, :20], reference_y=5.0)
    with pytest.raises(ValueError, match="reference has 3 images but X has 4"):
        clone(emb).fit(X, y, reference=reference[:3], reference_y=5.0)


# ------------------------------------------------------------------ bad input
def test_too_small_images_name_the_minimum(fitted):
    with pytest.raises(ValueError, match=r"at least 10x11 .* 3x4 grid of 8x8 patches"):
        fitted.transform(np.zeros((2, 9, 30), dtype=np.float32))
    X, y = _data(size=12)
    with pytest.raises(ValueError, match=r"at least 15x15 .*8x8 grid"):
        PatchEmbedder(PatchCNNRegressor(**TINY), grid=(8, 8)).fit(X, y)


@pytest.mark.parametrize("grid", [(0, 3), (3, -1), (0, 0), 4, (2, 2, 2), (2.0, 2)])
def test_bad_grid(grid):
    X, y = _data()
    with pytest.raises(ValueError, match="'grid' parameter of PatchEmbedder must be"):
        PatchEmbedder(PatchCNNRegressor(**TINY), grid=grid).fit(X, y)


@pytest.mark.parametrize(
    "param, value",
    [("cv", 3), ("max_size", 0), ("batch_size", 0), ("layer", 3), ("balance", "yes")],
)
def test_bad_params(param, value):
    X, y = _data()
    emb = PatchEmbedder(PatchCNNRegressor(**TINY), grid=(2, 2))
    emb.set_params(**{param: value})
    with pytest.raises(ValueError, match=f"'{param}' parameter of PatchEmbedder"):
        emb.fit(X, y)


def test_unfitted_estimator_with_prefit():
    X, y = _data()
    emb = PatchEmbedder(PatchCNNRegressor(**TINY), cv="prefit")
    with pytest.raises(NotFittedError, match="cv='prefit' but its estimator"):
        emb.fit(X, y)


def test_not_fitted_transform():
    with pytest.raises(NotFittedError):
        PatchEmbedder().transform(np.zeros((1, 40, 40)))


class _NoActivation(torch.nn.Module):
    def __init__(self, in_channels=1, patch_size=(8, 8)):
        super().__init__()
        self.linear = torch.nn.Linear(in_channels * patch_size[0] * patch_size[1], 1)

    def forward(self, x):
        return self.linear(x.flatten(1))


def test_estimator_without_embeddable_layer():
    X, y = _data()
    net = PatchCNNRegressor(_NoActivation, patch_size=8, max_epochs=1, verbose=0)
    with pytest.raises(ValueError, match="no embeddable layer"):
        PatchEmbedder(net, grid=(2, 2)).fit(X, y)
    with pytest.raises(ValueError, match="must name a submodule.*'linear'"):
        PatchEmbedder(net, grid=(2, 2), layer="head.4").fit(X, y)


def test_estimator_that_is_no_patch_network():
    X, y = _data()
    with pytest.raises(TypeError, match="torch patch estimator"):
        PatchEmbedder(Ridge()).fit(X, y)


def test_bad_targets():
    X, y = _data()
    emb = PatchEmbedder(PatchCNNRegressor(**TINY), grid=(2, 2))
    with pytest.raises(ValueError, match="y has 5 entries but X has 6 images"):
        emb.fit(X, y[:5])
    y_nan = y.copy()
    y_nan[2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        emb.fit(X, y_nan)
    with pytest.raises(ValueError, match="requires y"):
        emb.fit(X)


def test_channel_mismatch_at_transform(fitted):
    with pytest.raises(ValueError, match="Expected 1-channel images"):
        fitted.transform(np.zeros((1, 20, 20, 3), dtype=np.float32))


def test_lazy_images_and_lists(fitted, tmp_path):
    from PIL import Image

    from skforensics.utils import LazyImages

    X, _ = _data()
    X8 = (X * 255).round().astype(np.uint8)
    paths = []
    for i, image in enumerate(X8):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(image).save(paths[-1])
    lazy = LazyImages(paths)
    np.testing.assert_allclose(
        fitted.transform(lazy), fitted.transform(X8), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        fitted.transform(list(X8)), fitted.transform(X8), rtol=1e-5, atol=1e-6
    )


def test_check_range_of_the_patch_net_reaches_the_embedder():
    """High-pass or MSCN inputs (values outside [0, 1]) are embedded when the
    patch net says check_range=False, and refused with the default."""
    X, y = _data()
    X = (X - 0.5) * 4  # a feature map, not an image
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        PatchEmbedder(PatchCNNRegressor(**TINY), grid=(2, 2)).fit(X, y)
    net = PatchCNNRegressor(check_range=False, **TINY)
    embedder = PatchEmbedder(net, grid=(2, 2)).fit(X, y)
    assert embedder.transform(X).shape == (6, 2, 2, 6)
    # Prefit and frozen estimators carry it too.
    fitted_net = clone(net).fit(X, y)
    for estimator, cv in ((fitted_net, "prefit"), (FrozenEstimator(fitted_net), None)):
        H = PatchEmbedder(estimator, grid=(2, 2), cv=cv).fit(X).transform(X)
        assert H.shape == (6, 2, 2, 6)


CLF = dict(TINY, module__n_hidden=5, module__n_blocks=1, module__pool_size=2)


def _masked(n=6, size=20):
    X, _ = _data(n, size)
    masks = np.zeros((n, size, size), dtype=bool)
    masks[1::2, 6:12, 6:12] = True
    return X, np.arange(n) % 2, masks


def test_masks_go_to_the_patch_estimator():
    """fit(masks=...) trains the first stage on patch labels: its net fails
    with sampling='contour' unless the masks reach it."""
    X, y, masks = _masked()
    net = PatchCNNClassifier(sampling="contour", **CLF)
    with pytest.raises(ValueError, match="sampling='contour'"):
        PatchEmbedder(net, grid=(2, 2)).fit(X, y)
    embedder = PatchEmbedder(net, grid=(2, 2)).fit(X, y, masks=masks)
    assert embedder.transform(X).shape == (6, 2, 2, 5)


def test_masks_are_shrunk_with_the_images(monkeypatch):
    X, y, masks = _masked(size=24)
    seen = {}
    fit = PatchCNNClassifier.fit

    def spy(self, X, y, *, masks=None, **kwargs):
        seen["shapes"] = [np.shape(m) for m in masks]
        seen["any"] = [bool(np.any(m)) for m in masks]
        return fit(self, X, y, masks=masks, **kwargs)

    monkeypatch.setattr(PatchCNNClassifier, "fit", spy)
    PatchEmbedder(PatchCNNClassifier(**CLF), grid=(2, 2), max_size=12).fit(
        X, y, masks=masks
    )
    assert seen["shapes"] == [(12, 12)] * 6
    assert seen["any"] == [False, True] * 3


def test_masks_with_reference_or_a_net_without_masks():
    X, y, masks = _masked()
    with pytest.raises(ValueError, match="not both"):
        PatchEmbedder(PatchCNNRegressor(**TINY), grid=(2, 2)).fit(
            X, y, masks=masks, reference=X, reference_y=1.0
        )
    with pytest.raises(TypeError, match="takes no masks"):
        PatchEmbedder(PatchRankingRegressor(**TINY), grid=(2, 2)).fit(
            X, y.astype(float), masks=masks
        )
