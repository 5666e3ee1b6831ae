import io
import pickle

import joblib
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, GroupKFold  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from skorch.callbacks import EarlyStopping  # noqa: E402

from skforensics.feature import (  # noqa: E402
    GrayscaleTransformer,
    extract_patches,
    patch_corners,
)
from skforensics.models import (  # noqa: E402
    ImageSplit,
    PatchCNNClassifier,
    PatchCNNRegressor,
    PatchDataset,
)
from skforensics.nn import PatchCNN  # noqa: E402
from skforensics.utils import LazyImages, make_test_images  # noqa: E402

SMALL = dict(
    patch_size=16,
    max_epochs=2,
    verbose=0,
    random_state=0,
    module__n_filters=4,
    module__n_hidden=8,
    module__pool_size=2,
)


def _toy_data(n=8, size=32, seed=0):
    """Class 1 has a period-2 checkerboard added, class 0 not."""
    X = make_test_images(n, size=size, random_state=seed)
    y = np.arange(n) % 2
    checker = (np.indices((size, size)).sum(0) % 2).astype(np.float32) * 0.3
    X = X * 0.7
    X[y == 1] += checker
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def data():
    return _toy_data()


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return PatchCNNClassifier(**SMALL).fit(X, y)


@pytest.fixture(scope="module")
def fitted_regressor(data):
    X, y = data
    return PatchCNNRegressor(
        patch_size=16, max_epochs=2, verbose=0, random_state=0,
        module__n_filters=4, module__n_hidden=8,
    ).fit(X, y.astype(float))


# ---------------------------------------------------------------- PatchDataset
def test_patch_dataset_grid_is_lazy_and_matches_patch_corners():
    X = make_test_images(3, size=(40, 56))
    ds = PatchDataset(X, [0, 1, 2], patch_size=(16, 16), sampling="grid", stride=8)
    rows, cols = patch_corners((40, 56), 16, stride=8)
    assert len(ds) == 3 * len(rows) * len(cols)
    # Only corners are stored, not patches.
    assert ds.patch_index_.shape == (len(ds), 4)
    i = len(rows) * len(cols) + 5  # the 6th patch of image 1
    patch, target = ds[i]
    r, c = rows[5 // len(cols)], cols[5 % len(cols)]
    np.testing.assert_array_equal(patch[0].numpy(), X[1, r:r + 16, c:c + 16])
    assert int(target) == 1


def test_patch_dataset_random_resamples_each_epoch_deterministically():
    X = make_test_images(4, size=64)
    ds = PatchDataset(X, np.zeros(4), patch_size=(16, 16), sampling="random",
                      n_patches=5, random_state=3)
    epoch0 = ds.patch_index_.copy()
    assert len(ds) == 20
    np.testing.assert_array_equal(np.bincount(epoch0[:, 0]), [5, 5, 5, 5])
    ds.resample(1)
    assert not np.array_equal(ds.patch_index_, epoch0)
    again = PatchDataset(X, np.zeros(4), patch_size=(16, 16), sampling="random",
                         n_patches=5, random_state=3).resample(1)
    np.testing.assert_array_equal(again.patch_index_, ds.patch_index_)


def test_patch_dataset_channels_and_augmentation():
    X = make_test_images(2, size=32, n_channels=3)
    ds = PatchDataset(X, [0, 1], patch_size=(16, 16), sampling="center",
                      augment=True, random_state=0)
    ds.patch_index_[:, 3] = [5, 0]  # flip + rot90, identity
    flipped, _ = ds[0]
    plain, _ = ds[1]
    assert flipped.shape == plain.shape == (3, 16, 16)
    ref = np.moveaxis(X[0, 8:24, 8:24], -1, 0)
    np.testing.assert_allclose(
        flipped.numpy(), np.rot90(ref[:, :, ::-1], 1, axes=(1, 2))
    )
    np.testing.assert_allclose(plain.numpy(), np.moveaxis(X[1, 8:24, 8:24], -1, 0))


def test_image_split_is_by_image_and_stratified():
    X = make_test_images(10, size=32)
    y = np.array([0] * 5 + [1] * 5)
    ds = PatchDataset(X, y, patch_size=(16, 16), random_state=0)
    train, valid = ImageSplit(0.4)(ds)
    assert not set(train.indices) & set(valid.indices)
    assert sorted(set(train.indices) | set(valid.indices)) == list(range(10))
    assert np.bincount(y[valid.indices]).tolist() == [2, 2]
    assert len(valid) == 4 * 4  # four tiles per held-out image
    with pytest.raises(ValueError, match="test_size"):
        ImageSplit(1.5)(ds)


# ---------------------------------------------------------------- classifier
def test_fit_predict_shapes_and_probabilities(fitted, data):
    X, y = data
    proba = fitted.predict_proba(X)
    assert proba.shape == (8, 2)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)
    assert set(fitted.predict(X)) <= {0, 1}
    assert fitted.n_channels_in_ == 1 and fitted.patch_size_ == (16, 16)
    assert fitted.decision_function(X).shape == (8,)


def test_string_labels_are_kept():
    X, y = _toy_data()
    labels = np.array(["real", "upscaled"])[y]
    clf = PatchCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(X, labels)
    assert clf.classes_.tolist() == ["real", "upscaled"]
    assert set(clf.predict(X)) <= {"real", "upscaled"}


def test_learns_a_separable_toy_task():
    X, y = _toy_data(16, seed=1)
    clf = PatchCNNClassifier(
        **{**SMALL, "max_epochs": 6, "lr": 3e-3}, sampling="grid", batch_size=8
    ).fit(X, y)
    assert clf.score(X, y) >= 0.9
    X_test, y_test = _toy_data(8, seed=2)
    assert clf.score(X_test, y_test) >= 0.75


def test_patch_map_is_consistent_with_mean_pooling(fitted, data):
    X, _ = data
    maps = fitted.predict_patch_map(X)
    assert maps.shape == (8, 2, 2)
    np.testing.assert_allclose(
        maps.reshape(8, -1).mean(1), fitted.predict_proba(X)[:, 1], rtol=1e-5
    )


def test_patch_map_list_for_images_of_several_sizes(fitted):
    X = [make_test_images(1, size=(32, 48))[0], make_test_images(1, size=64)[0]]
    maps = fitted.predict_patch_map(X)
    assert isinstance(maps, list)
    assert [m.shape for m in maps] == [(2, 3), (4, 4)]
    assert fitted.predict_proba(X).shape == (2, 2)


def test_inference_matches_the_unfused_module(fitted, data):
    # Prediction folds batch norm into the convolutions and uses
    # channels_last; the centre-tile probability must equal the plain module.
    X, _ = data
    clf = clone(fitted).set_params(predict_sampling="center")
    clf.__dict__.update(
        {k: v for k, v in fitted.__dict__.items() if k.endswith("_")}
    )
    patches = np.stack([extract_patches(x, 16, sampling="center")[0, 0] for x in X])
    module = fitted.module_.eval()
    with torch.no_grad():
        ref = torch.softmax(module(torch.from_numpy(patches)[:, None]), 1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X), ref, atol=1e-5)


@pytest.mark.parametrize("batch", [1, 3, 64])
def test_predict_does_not_depend_on_batch_size(fitted, data, batch):
    X, _ = data
    clf = clone(fitted)
    clf.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_")})
    clf.set_params(predict_batch_size=batch)
    np.testing.assert_allclose(
        clf.predict_patch_map(X), fitted.predict_patch_map(X), atol=1e-6
    )


def test_pooling_options(fitted, data):
    X, _ = data
    maps = fitted.predict_patch_map(X).reshape(8, -1)
    clf = clone(fitted)
    clf.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_")})
    clf.set_params(pooling="vote")
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], (maps > 0.5).mean(1))
    clf.set_params(pooling="max")
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], maps.max(1), rtol=1e-6)
    clf.set_params(pooling="minmax")
    np.testing.assert_allclose(
        clf.predict_proba(X)[:, 1], (maps.max(1) + maps.min(1)) / 2, rtol=1e-6
    )


def test_refit_with_fixed_seed_is_identical(data):
    X, y = data
    a = PatchCNNClassifier(**SMALL).fit(X, y)
    b = PatchCNNClassifier(**SMALL).fit(X, y)
    c = PatchCNNClassifier(**{**SMALL, "random_state": 1}).fit(X, y)
    for pa, pb in zip(a.module_.parameters(), b.module_.parameters()):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.allclose(a.predict_proba(X), c.predict_proba(X))


def test_fit_does_not_touch_global_torch_rng(data):
    X, y = data
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    PatchCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


def test_fit_does_not_mutate_or_reorder_input():
    X, y = _toy_data()
    X_list = [x.copy() for x in X]
    X_before, y_before = X.copy(), y.copy()
    clf = PatchCNNClassifier(**{**SMALL, "max_epochs": 1, "augment": True})
    clf.fit(X, y)
    clf.fit(X_list, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    for a, b in zip(X_list, X_before):
        np.testing.assert_array_equal(a, b)


def test_uint8_and_float_inputs_agree(fitted, data):
    X, _ = data
    X8 = np.round(np.clip(X, 0, 1) * 255).astype(np.uint8)
    np.testing.assert_allclose(
        fitted.predict_proba(X8),
        fitted.predict_proba(X8.astype(np.float32) / 255),
        atol=1e-6,
    )


def test_lazy_images(tmp_path, fitted, data):
    from PIL import Image

    X, _ = data
    paths = []
    for i, x in enumerate(X[:3]):
        path = tmp_path / f"{i}.png"
        Image.fromarray(np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)).save(path)
        paths.append(path)
    lazy = LazyImages(paths)
    assert fitted.predict_proba(lazy).shape == (3, 2)
    clf = PatchCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(lazy, [0, 1, 0])
    assert clf.predict(lazy).shape == (3,)


def test_internal_validation_split_and_early_stopping(data):
    X, y = data
    clf = PatchCNNClassifier(
        **{**SMALL, "max_epochs": 20},
        train_split=ImageSplit(0.25),
        callbacks=[("early", EarlyStopping(patience=1, threshold=10.0))],
    ).fit(X, y)
    history = clf.history_
    assert "valid_loss" in history[-1] and "valid_acc" in history[-1]
    assert 0 <= history[-1, "valid_acc"] <= 1
    # threshold=10 means no epoch improves enough: it stops after patience + 1.
    assert len(history) == 2


def test_sampling_options_change_the_number_of_training_patches(data):
    X, y = data
    for sampling, n_batches in [("grid", 1), ("center", 1), ("random", 2)]:
        clf = PatchCNNClassifier(
            **{**SMALL, "max_epochs": 1}, sampling=sampling, n_patches=5,
            batch_size=32,
        ).fit(X, y)
        # 8 images: grid 32 tiles, centre 8, random 40 patches.
        assert clf.history_[-1, "train_batch_count"] == n_batches


def test_clone_and_set_params_module(fitted, data):
    X, y = data
    clf = clone(fitted)
    assert not hasattr(clf, "module_")
    clf.set_params(module__n_filters=6, max_epochs=1)
    clf.fit(X, y)
    conv = next(m for m in clf.module_.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.out_channels == 6
    # set_params on a fitted net re-initialises the module.
    clf.set_params(module__n_hidden=5)
    assert clf.module_.head[1].out_features == 5


def test_pickle_and_joblib_round_trip(fitted, data):
    X, _ = data
    expected = fitted.predict_proba(X)
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    buffer = io.BytesIO()
    joblib.dump(fitted, buffer)
    buffer.seek(0)
    loaded = joblib.load(buffer)
    assert next(loaded.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


@pytest.mark.parametrize("front_end", ["residual", "constrained"])
def test_residual_front_ends_survive_a_model_file(front_end, data, tmp_path):
    # The fixed filters are rebuilt, not stored; the learnt ones are stored.
    from skforensics.utils import load_model, save_model

    X, y = data
    clf = PatchCNNClassifier(**{**SMALL, "max_epochs": 1}, module__front_end=front_end)
    clf.fit(X, y)
    save_model(clf, tmp_path / "net.skf")
    loaded = load_model(tmp_path / "net.skf")
    assert loaded.module_.front_end == front_end
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_grid_search_with_group_kfold(data):
    X, y = data
    groups = np.repeat(np.arange(4), 2)
    search = GridSearchCV(
        PatchCNNClassifier(**{**SMALL, "max_epochs": 1}),
        {"module__n_hidden": [4, 8]},
        cv=GroupKFold(2),
    )
    search.fit(X, y, groups=groups)
    assert search.cv_results_["mean_test_score"].shape == (2,)
    assert search.best_estimator_.predict(X).shape == (8,)


def test_pipeline_after_grayscale_step():
    X, y = _toy_data()
    X_rgb = np.repeat(X[..., None], 3, axis=-1)
    pipe = Pipeline([
        ("gray", GrayscaleTransformer()),
        ("cnn", PatchCNNClassifier(**{**SMALL, "max_epochs": 1})),
    ]).fit(X_rgb, y)
    assert pipe[-1].n_channels_in_ == 1
    assert pipe.predict_proba(X_rgb).shape == (8, 2)


def test_rgb_images_use_three_input_channels():
    X, y = _toy_data()
    X_rgb = np.repeat(X[..., None], 3, axis=-1)
    clf = PatchCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(X_rgb, y)
    assert clf.n_channels_in_ == 3
    assert clf.module_.features[0].in_channels == 3
    with pytest.raises(ValueError, match="Expected 3-channel images; got a 1-channel"):
        clf.predict(X)


# ---------------------------------------------------------------- bad input
def test_predict_before_fit():
    X, _ = _toy_data()
    for method in ("predict", "predict_proba", "predict_patch_map"):
        with pytest.raises(NotFittedError):
            getattr(PatchCNNClassifier(**SMALL), method)(X)
    with pytest.raises(NotFittedError):
        PatchCNNRegressor(patch_size=16).predict(X)


def test_images_smaller_than_patch():
    X = make_test_images(4, size=12)
    match = r"at least 16x16.*patch_size=\(16, 16\).*12x12"
    with pytest.raises(ValueError, match=match):
        PatchCNNClassifier(**SMALL).fit(X, [0, 1, 0, 1])


def test_small_image_at_predict(fitted):
    with pytest.raises(ValueError, match=r"16x16.*got a 8x8 image"):
        fitted.predict(make_test_images(2, size=8))


def test_mixed_gray_and_rgb():
    X, y = _toy_data(4)
    mixed = [X[0], np.repeat(X[1][..., None], 3, -1), X[2], X[3]]
    with pytest.raises(ValueError, match="mixes grayscale and colour"):
        PatchCNNClassifier(**SMALL).fit(mixed, y)


def test_rgb_where_the_module_expects_one_channel():
    X, y = _toy_data(4)
    X_rgb = np.repeat(X[..., None], 3, axis=-1)
    with pytest.raises(ValueError, match="3-channel images but the module.*1-channel"):
        PatchCNNClassifier(**SMALL, module__in_channels=1).fit(X_rgb, y)


@pytest.mark.parametrize(
    "y, match",
    [
        ([0, 1, 0], "y has 3 entries but X has 8 images"),
        ([1] * 8, "at least 2 classes.*only class 1"),
        ([0, 1, np.nan, 1, 0, 1, 0, 1], "NaN"),
        (np.zeros((8, 2)), r"shape \(n_images,\)"),
    ],
)
def test_bad_targets(data, y, match):
    X, _ = data
    with pytest.raises(ValueError, match=match):
        PatchCNNClassifier(**SMALL).fit(X, y)


def test_regressor_bad_targets(data):
    X, _ = data
    with pytest.raises(ValueError, match="NaN"):
        PatchCNNRegressor(patch_size=16).fit(X, [0.1] * 7 + [np.nan])
    with pytest.raises(ValueError, match="y has 2 entries"):
        PatchCNNRegressor(patch_size=16).fit(X, [0.1, 0.2])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_pixels(data, bad):
    X, y = data
    X = X.copy()
    X[3, 5, 5] = bad
    with pytest.raises(ValueError, match="non-finite pixels"):
        PatchCNNClassifier(**SMALL).fit(X, y)


def test_patch_size_incompatible_with_module(data):
    X, y = data
    # The module's own check: too small for its poolings.
    with pytest.raises(ValueError, match="could not build its module PatchCNN"):
        PatchCNNClassifier(**{**SMALL, "module__pool_size": 4, "patch_size": 8}).fit(
            X, y
        )
    # A module built for 32x32 patches given 16x16 ones: caught at fit.
    with pytest.raises(ValueError, match=r"'patch_size' parameter.*\(16, 16\).*cannot"):
        PatchCNNClassifier(
            module=PatchCNN(patch_size=32, pool_size=2), patch_size=16,
            max_epochs=1, verbose=0,
        ).fit(X, y)


def test_module_with_wrong_number_of_outputs(data):
    X, _ = data
    y3 = np.arange(8) % 3
    with pytest.raises(ValueError, match="3 classes.*module__n_outputs=3"):
        PatchCNNClassifier(**SMALL, module__n_outputs=2).fit(X, y3)


@pytest.mark.parametrize(
    "param, value, match",
    [
        ("patch_size", (8, 8, 8), "The 'patch_size' parameter of PatchCNNClassifier"),
        ("pooling", "median", "The 'pooling' parameter of PatchCNNClassifier"),
        ("sampling", "all", "The 'sampling' parameter"),
        ("predict_sampling", "random", "The 'predict_sampling' parameter"),
        ("n_patches", 0, "The 'n_patches' parameter"),
        ("stride", -1, "The 'stride' parameter"),
    ],
)
def test_bad_parameters_fail_at_fit(data, param, value, match):
    X, y = data
    clf = PatchCNNClassifier(**SMALL).set_params(**{param: value})  # no error yet
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


# ---------------------------------------------------------------- regressor
def test_regressor_predictions_and_pooling(fitted_regressor, data):
    X, _ = data
    pred = fitted_regressor.predict(X)
    maps = fitted_regressor.predict_patch_map(X)
    assert pred.shape == (8,) and maps.shape == (8, 2, 2)
    np.testing.assert_allclose(pred, maps.reshape(8, -1).mean(1), rtol=1e-5)
    reg = clone(fitted_regressor)
    reg.__dict__.update(
        {k: v for k, v in fitted_regressor.__dict__.items() if k.endswith("_")}
    )
    reg.set_params(pooling="vote")
    np.testing.assert_allclose(
        reg.predict(X), np.median(maps.reshape(8, -1), 1), rtol=1e-5
    )


def test_regressor_learns_brightness():
    rng = np.random.default_rng(0)
    y = rng.uniform(0.2, 0.8, 16)
    X = (y[:, None, None] + 0.05 * rng.standard_normal((16, 32, 32))).astype(
        np.float32
    )
    reg = PatchCNNRegressor(
        patch_size=16, max_epochs=15, verbose=0, random_state=0, lr=3e-3,
        module__n_filters=8, module__n_hidden=16, module__dropout=0.0,
    ).fit(X, y)
    assert np.corrcoef(reg.predict(X), y)[0, 1] > 0.9
    assert reg.score(X, y) > 0.5


def test_failed_fit_leaves_the_estimator_unfitted(data):
    X, _ = data
    clf = PatchCNNClassifier(**SMALL)
    with pytest.raises(ValueError):
        clf.fit(X, [0] * 8)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    assert "_fit_geometry_" not in clf.get_params()


def test_pipeline_after_mscn_step(data):
    from skforensics.feature import MSCNTransformer

    X, y = data
    pipe = Pipeline([
        ("mscn", MSCNTransformer()),
        ("cnn", PatchCNNClassifier(**{**SMALL, "max_epochs": 1}, check_range=False)),
    ]).fit(X, y)
    # MSCN coefficients are not in [0, 1]: check_range=False takes them as given.
    proba = pipe.predict_proba(X)
    maps = pipe[-1].predict_patch_map(pipe[:-1].transform(X))
    np.testing.assert_allclose(maps.reshape(8, -1).mean(1), proba[:, 1], rtol=1e-5)
    # By default, the feature maps are taken for 0..255 data and refused.
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        clone(pipe).set_params(cnn__check_range=True).fit(X, y)


def test_regressor_has_no_predict_proba(fitted_regressor):
    assert not hasattr(fitted_regressor, "predict_proba")
    assert not hasattr(PatchCNNRegressor(), "predict_proba")


def test_regressor_targets_far_from_zero_train_like_centred_ones():
    # The net learns standardised targets: an offset and a scale of y give
    # the same net, and predictions come back in y's units.
    from skforensics.models import PatchCNNRegressor
    from skforensics.utils import make_test_images

    X = make_test_images(6, size=16)
    y = np.linspace(0, 1, 6)
    params = dict(patch_size=8, max_epochs=2, verbose=0, random_state=0,
                  module__n_filters=4, module__n_hidden=6)
    base = PatchCNNRegressor(**params).fit(X, y)
    shifted = PatchCNNRegressor(**params).fit(X, 100 + 10 * y)
    assert shifted.y_mean_ == pytest.approx(100 + 10 * y.mean())
    np.testing.assert_allclose(
        shifted.predict(X), 100 + 10 * base.predict(X), rtol=1e-4
    )


def test_patch_map_and_verdict_in_one_pass(fitted, fitted_regressor, data, monkeypatch):
    X, _ = data
    for est, flag, answer in (
        (fitted, "return_proba", fitted.predict_proba),
        (fitted_regressor, "return_prediction", fitted_regressor.predict),
    ):
        expected_maps, expected = est.predict_patch_map(X), answer(X)
        calls = []
        original = type(est)._patch_outputs

        def counting(self, *args, original=original, **kwargs):
            calls.append(args[-1])
            return original(self, *args, **kwargs)

        monkeypatch.setattr(type(est), "_patch_outputs", counting)
        maps, pooled = est.predict_patch_map(X, **{flag: True})
        monkeypatch.undo()
        assert calls == ["grid"]  # one pass over the tiles gives both
        np.testing.assert_allclose(maps, expected_maps, rtol=1e-6)
        np.testing.assert_allclose(pooled, expected, rtol=1e-6)


# ---------------------------------------------------------------- partial_fit
def test_partial_fit_on_an_unfitted_net_is_fit(data):
    X, y = data
    labels = np.array(["real", "upscaled"])[y]
    a = PatchCNNClassifier(**SMALL).partial_fit(X, labels)
    b = PatchCNNClassifier(**SMALL).fit(X, labels)
    assert a.classes_.tolist() == ["real", "upscaled"]
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_partial_fit_continues_with_the_fitted_labels_and_checks(data):
    X, y = data
    labels = np.array(["real", "upscaled"])[y]
    clf = PatchCNNClassifier(**SMALL).fit(X, labels)
    before = [p.detach().clone() for p in clf.module_.parameters()]
    # One class only is fine for more training: the labels are the fitted ones.
    clf.partial_fit(X[y == 1], labels[y == 1])
    assert clf.classes_.tolist() == ["real", "upscaled"]
    assert len(clf.history_) == 2 * SMALL["max_epochs"]
    changed = [not torch.equal(p, q) for p, q in zip(before, clf.module_.parameters())]
    assert any(changed)
    with pytest.raises(ValueError, match=r"labels \['other'\] that PatchCNNClassifier"):
        clf.partial_fit(X[:2], np.array(["real", "other"]))
    with pytest.raises(ValueError, match="Expected 1-channel images"):
        clf.partial_fit(np.repeat(X[..., None], 3, axis=-1), labels)


def test_partial_fit_of_a_regressor_keeps_its_target_scale(fitted_regressor, data):
    X, y = data
    reg = clone(fitted_regressor).fit(X, 10 + 5 * y)
    mean, scale = reg.y_mean_, reg.y_scale_
    captured = []
    reg.get_loss = lambda y_pred, y_true, *a, **k: (
        captured.append(y_true) or type(reg).get_loss(reg, y_pred, y_true, *a, **k)
    )
    reg.partial_fit(X, 10 + 5 * y)
    del reg.get_loss
    assert (reg.y_mean_, reg.y_scale_) == (mean, scale)
    # The net keeps learning standardised scores, not y's units.
    seen = torch.cat([t.reshape(-1) for t in captured])
    assert float(seen.abs().max()) <= 1.0 + 1e-6


# ------------------------------------------------ patch supervision (masks)
def _masked_data(n=8, size=32):
    """Odd images carry a bright 6x6 square; their masks mark it."""
    X = make_test_images(n, size=size, random_state=0) * 0.5
    y = np.arange(n) % 2
    masks = np.zeros((n, size, size), dtype=bool)
    for i in np.flatnonzero(y):
        r, c = 4 + 2 * i, 20 - 2 * i
        masks[i, r : r + 6, c : c + 6] = True
    X[masks] = 1.0
    return X.astype(np.float32), y, masks


def test_patch_dataset_mean_of_the_map_per_patch():
    images = np.zeros((2, 32, 48), dtype=np.float32)
    maps = np.zeros((2, 32, 48), dtype=np.float32)
    maps[0, :8, :16] = 4.0  # a quarter of the first 16x16 tile, half of it
    maps[1, 16:, 32:] = 2.0
    ds = PatchDataset(
        images, [0.0, 0.0], patch_size=(16, 16), masks=maps,
        target_dtype=torch.float32, target_offset=1.0, target_scale=0.5,
    )
    expected = np.zeros(12)
    expected[0] = 4.0 * 128 / 256
    expected[11] = 2.0
    np.testing.assert_allclose(ds.patch_targets(), (expected - 1.0) / 0.5)
    assert float(ds[0][1]) == pytest.approx((2.0 - 1.0) / 0.5)


def test_patch_dataset_label_rule_is_the_central_part():
    """A patch takes its image's label when its middle half holds a masked
    pixel, class 0 otherwise; an image of class 0 gives class 0 only."""
    images = np.zeros((2, 16, 16), dtype=np.float32)
    masks = np.zeros((2, 16, 16), dtype=bool)
    masks[:, 7, 7] = True  # centre of the 16x16 patch at (0, 0)
    ds = PatchDataset(images, [1, 0], patch_size=(16, 16), masks=masks,
                      mask_target="label")
    assert ds.patch_targets().tolist() == [1, 0]
    masks[:, 7, 7] = False
    masks[:, 1, 1] = True  # in the patch's border band, at the image border
    assert ds.patch_targets().tolist() == [1, 0]
    images = np.zeros((2, 32, 32), dtype=np.float32)
    masks = np.zeros((2, 32, 32), dtype=bool)
    masks[:, 17, 17] = True  # in the border band of the patch at (2, 2)
    ds = PatchDataset(images, [1, 0], patch_size=(16, 16), masks=masks,
                      mask_target="label", stride=2)
    targets = ds.patch_targets().reshape(2, 9, 9)
    # Patches at (2, 2) and (4, 4) hold it in their band, (6, 6) in its middle.
    assert targets[0, 1, 1] == 0 and targets[0, 2, 2] == 0 and targets[0, 3, 3] == 1
    assert not targets[1].any()


@pytest.mark.parametrize("sampling", ["mask", "contour"])
def test_mask_sampling_centres_half_of_the_patches(sampling):
    images = np.zeros((3, 64, 64), dtype=np.float32)
    masks = np.zeros((3, 64, 64), dtype=bool)
    masks[0, 20:40, 24:44] = True
    masks[1, 60:, 60:] = True  # in a corner: patches are moved inside
    ds = PatchDataset(images, [1, 1, 1], patch_size=(16, 16), sampling=sampling,
                      n_patches=5, masks=masks, mask_target="label")
    index = ds.patch_index_
    assert len(ds) == 15
    targets = ds.patch_targets()
    for i in (0, 1):
        rows = np.flatnonzero(index[:, 0] == i)
        assert targets[rows[:3]].all()  # ceil(5 / 2) centred on the mask
        assert (index[rows, 1] <= 48).all() and (index[rows, 2] <= 48).all()
    if sampling == "contour":
        centres = index[index[:, 0] == 0][:3, 1:3] + 8
        inner = masks[0].copy()
        inner[21:39, 25:43] = False
        assert inner[centres[:, 0], centres[:, 1]].all()
    # An empty mask: uniform patches, all of class 0.
    assert (targets[index[:, 0] == 2] == 0).all()
    # New draws each epoch, reproducibly.
    again = PatchDataset(images, [1, 1, 1], patch_size=(16, 16), sampling=sampling,
                         n_patches=5, masks=masks, mask_target="label")
    np.testing.assert_array_equal(again.patch_index_, index)
    assert not np.array_equal(ds.resample(1).patch_index_, index)


def test_mask_sampling_needs_masks():
    with pytest.raises(ValueError, match="pass masks"):
        PatchDataset(np.zeros((1, 16, 16)), [0], patch_size=(8, 8), sampling="mask")
    with pytest.raises(ValueError, match="sampling='mask'"):
        PatchCNNClassifier(sampling="mask", **SMALL).fit(*_masked_data()[:2])


class _RecordTargets(EarlyStopping.__mro__[1]):  # a plain skorch Callback
    def __init__(self):
        self.targets = []

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        self.targets.append((dataset_train.patch_index_.copy(),
                             dataset_train.patch_targets()))


def test_classifier_trains_on_patch_labels_from_masks():
    X, y, masks = _masked_data()
    record = _RecordTargets()
    clf = PatchCNNClassifier(sampling="contour", n_patches=6,
                             callbacks=[("record", record)], **SMALL)
    clf.fit(X, y, masks=masks)
    assert not hasattr(clf, "_fit_masks")  # kept for the fit only
    index, targets = record.targets[0]
    # Patches of class-0 images are class 0; those of class-1 images are
    # class 1 exactly when the mask is in their central part.
    for (i, r, c, _), t in zip(index, targets):
        top, left = (0 if r == 0 else 4), (0 if c == 0 else 4)
        bottom, right = (16 if r == 16 else 12), (16 if c == 16 else 12)
        window = masks[i, r : r + 16, c : c + 16][top:bottom, left:right]
        assert t == y[i] * window.any()
    assert 0 < targets.mean() < 0.5
    assert clf.predict_proba(X).shape == (8, 2)
    # Without masks the same net repeats the image labels.
    record.targets.clear()
    clf.set_params(sampling="random").fit(X, y)
    index, targets = record.targets[0]
    np.testing.assert_array_equal(targets, y[index[:, 0]])


def test_regressor_learns_patch_means_and_standardises_by_the_maps():
    X, y, masks = _masked_data()
    maps = masks * np.float32(3.0)
    record = _RecordTargets()
    reg = PatchCNNRegressor(PatchCNN, sampling="mask", n_patches=4,
                            callbacks=[("record", record)], **SMALL)
    reg.fit(X, np.linspace(0, 1, 8), masks=maps)
    assert reg.y_mean_ == pytest.approx(maps.mean(), rel=1e-6)
    assert reg.y_scale_ == pytest.approx(maps.std(), rel=1e-5)
    index, targets = record.targets[0]
    for (i, r, c, _), t in zip(index, targets):
        mean = maps[i, r : r + 16, c : c + 16].mean()
        assert t == pytest.approx((mean - reg.y_mean_) / reg.y_scale_, rel=1e-5)
    assert reg.predict(X).shape == (8,)
    # partial_fit takes them too, with the fitted standardisation.
    reg.partial_fit(X, np.linspace(0, 1, 8), masks=maps)
    assert reg.y_mean_ == pytest.approx(maps.mean(), rel=1e-6)


@pytest.mark.parametrize(
    "masks, error, match",
    [
        (np.zeros((7, 32, 32), bool), ValueError, "7 maps but X has 8"),
        (np.zeros((8, 32, 30), bool), ValueError, r"shape \(32, 30\)"),
        (np.full((8, 32, 32), 2), ValueError, "other than 0 and 1"),
        ("masks", TypeError, "one per image"),
    ],
)
def test_bad_masks(masks, error, match):
    X, y, _ = _masked_data()
    with pytest.raises(error, match=match):
        PatchCNNClassifier(**SMALL).fit(X, y, masks=masks)


def test_regressor_refuses_nan_maps():
    X, y, masks = _masked_data()
    maps = masks.astype(np.float32)
    maps[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PatchCNNRegressor(PatchCNN, **SMALL).fit(X, y.astype(float), masks=maps)


def test_masks_of_the_first_class_only_are_refused():
    """Masks on images of classes_[0] only would label every patch
    classes_[0]: the message says to encode y the other way round."""
    X, y, masks = _masked_data()
    with pytest.raises(ValueError, match="sorts first"):
        PatchCNNClassifier(**SMALL).fit(X, 1 - y, masks=masks)


def test_masks_reach_the_net_through_metadata_routing():
    """set_fit_request(masks=True): cross_validate, GridSearchCV and Pipeline
    pass the masks, split with the images (sampling='contour' fails
    without them)."""
    import sklearn
    from sklearn.model_selection import cross_validate
    from sklearn.preprocessing import FunctionTransformer

    X, y, masks = _masked_data()
    with sklearn.config_context(enable_metadata_routing=True):
        clf = PatchCNNClassifier(sampling="contour", **SMALL)
        clf.set_fit_request(masks=True)
        result = cross_validate(clf, X, y, params={"masks": masks}, cv=2)
        assert len(result["test_score"]) == 2
        search = GridSearchCV(clf, {"lr": [1e-3, 1e-2]}, cv=2)
        search.fit(X, y, masks=list(masks))
        assert search.best_estimator_.predict(X).shape == (8,)
        pipe = Pipeline([("identity", FunctionTransformer()), ("net", clf)])
        assert pipe.fit(X, y, masks=masks).predict(X).shape == (8,)
        # Not requested: scikit-learn refuses to drop them silently.
        with pytest.raises(TypeError, match="not routed"):
            cross_validate(clone(clf).set_fit_request(masks=False), X, y,
                           params={"masks": masks}, cv=2)


def test_masks_with_an_image_split():
    """The validation split holds out whole images, with their masks."""
    X, y, masks = _masked_data()
    record = _RecordTargets()
    clf = PatchCNNClassifier(sampling="contour", n_patches=4,
                             train_split=ImageSplit(0.25),
                             callbacks=[("record", record)], **SMALL)
    clf.fit(X, y, masks=masks)
    index, targets = record.targets[0]
    assert len(np.unique(index[:, 0])) == 6
    assert np.isfinite(clf.history[-1, "valid_loss"])


@pytest.mark.slow
def test_patch_labels_beat_image_labels_on_the_synthetic_task():
    """Eq. 3 of the hyper-image paper, small: averaging a net trained on the
    maps' patch labels tracks the score; the same net trained on image
    labels does not (0.80 against 0.26 when written, 6 CPU-seconds)."""
    from skforensics.datasets import make_localized_artifacts
    from skforensics.metrics import srocc

    X, y, _, maps = make_localized_artifacts(
        400, image_size=64, patch_size=8, n_patches=(1, 3), return_maps=True,
        random_state=0,
    )
    kwargs = dict(
        patch_size=8, stride=6, n_patches=16, max_epochs=6, verbose=0,
        random_state=0, module__kernel_size=3, module__n_filters=16,
        module__n_hidden=32, module__dropout=0.0,
    )
    patch_labels = PatchCNNRegressor(sampling="mask", **kwargs)
    patch_labels.fit(X[:300], y[:300], masks=maps[:300])
    image_labels = PatchCNNRegressor(**kwargs).fit(X[:300], 5 - y[:300])
    # The maps measure distortion: the score falls as they rise.
    with_masks = srocc(y[300:], -patch_labels.predict(X[300:]))
    without = srocc(y[300:], -image_labels.predict(X[300:]))
    assert with_masks > 0.7
    assert with_masks > without + 0.3
