import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import BaseEstimator, TransformerMixin, clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402

from skforensics.models import (  # noqa: E402
    HyperImageClassifier,
    HyperImageNetClassifier,
    HyperImageNetRegressor,
    HyperImageRegressor,
    PatchCNNClassifier,
    PatchCNNRegressor,
    PatchEmbedder,
)
from skforensics.nn import HyperImageCNN  # noqa: E402
from skforensics.utils import make_test_images  # noqa: E402

TINY = dict(
    patch_size=8,
    max_epochs=1,
    verbose=0,
    random_state=0,
    module__n_filters=4,
    module__n_hidden=6,
)
STAGE2 = dict(
    max_epochs=2,
    verbose=0,
    random_state=0,
    module__n_filters=(4,),
    module__n_hidden=(8,),
)


def _stage2(**kwargs):
    """Meta-estimator parameters with a small second stage."""
    callbacks = kwargs.pop("callbacks", None)
    stage2 = {**STAGE2, "max_epochs": kwargs.pop("max_epochs", 2)}
    if callbacks is not None:
        stage2["callbacks"] = callbacks
    return {"final_estimator": HyperImageNetRegressor(**stage2), **kwargs}


def _data(n=8, size=20, seed=0):
    X = make_test_images(n, size=size, random_state=seed)
    return X, np.linspace(1, 5, n)


def _regressor(**kwargs):
    embedder = PatchEmbedder(PatchCNNRegressor(**TINY), grid=(2, 3))
    return HyperImageRegressor(embedder, **_stage2(**{"cv": 2, **kwargs}))


@pytest.fixture(scope="module")
def fitted():
    X, y = _data()
    return _regressor().fit(X, y)


def test_regressor_fit_predict(fitted):
    X, _ = _data()
    pred = fitted.predict(X)
    assert pred.shape == (8,) and pred.dtype == np.float64
    assert fitted.hyper_image_shape_ == (2, 3, 6)
    stage2 = fitted.final_estimator_
    assert isinstance(stage2.module_, HyperImageCNN)
    assert stage2.module_.in_channels == 6 and stage2.module_.grid == (2, 3)
    assert fitted.transform(X).shape == (8, 2, 3, 6)
    assert not hasattr(fitted, "predict_proba")
    assert not hasattr(stage2, "predict_proba")
    assert isinstance(stage2.criterion_, torch.nn.L1Loss)


def test_classifier_fit_predict():
    X, _ = _data()
    y = np.array(["a", "b"] * 4)
    clf_net = PatchCNNClassifier(
        patch_size=8, max_epochs=1, verbose=0, random_state=0, module__n_filters=4,
        module__n_hidden=6, module__n_blocks=1, module__pool_size=2,
    )
    model = HyperImageClassifier(
        PatchEmbedder(clf_net, grid=(2, 2)),
        HyperImageNetClassifier(**STAGE2),
        cv=2,
    ).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (8, 2)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    assert set(model.predict(X)) <= {"a", "b"}
    assert list(model.classes_) == ["a", "b"]
    assert model.final_estimator_.module_.head[-1].out_features == 2
    assert isinstance(model.final_estimator_.criterion_, torch.nn.CrossEntropyLoss)
    with pytest.raises(ValueError, match="continuous values"):
        clone(model).fit(X, np.linspace(0, 1, 8))
    with pytest.raises(ValueError, match="at least 2 classes"):
        clone(model).fit(X, np.zeros(8))


def test_nested_params_reachable(fitted):
    params = _regressor().get_params()
    for key in (
        "embedder__estimator__lr",
        "embedder__estimator__module__n_hidden",
        "embedder__grid",
        "final_estimator__module__n_filters",
        "final_estimator__lr",
        "cv",
    ):
        assert key in params
    model = _regressor().set_params(
        embedder__estimator__lr=0.05,
        embedder__grid=(3, 3),
        final_estimator__module__dropout=0.5,
        final_estimator__lr=0.01,
    )
    stage2 = model.final_estimator
    assert model.embedder.estimator.lr == 0.05 and model.embedder.grid == (3, 3)
    assert stage2.module__dropout == 0.5 and stage2.lr == 0.01
    # the nested values survive clone
    cloned = clone(model)
    assert cloned.embedder.estimator.lr == 0.05
    assert cloned.final_estimator.module__dropout == 0.5
    X, y = _data()
    model.fit(X, y)
    assert model.final_estimator_.module_.head[3].p == 0.5
    assert model.embedder_.estimator_.lr == 0.05
    assert model.hyper_image_shape_[:2] == (3, 3)


def test_gridsearch_over_both_stages():
    X, y = _data()
    search = GridSearchCV(
        _regressor(max_epochs=1),
        {
            "embedder__estimator__lr": [1e-3, 1e-2],
            "final_estimator__module__dropout": [0.0, 0.5],
        },
        cv=GroupKFold(2),
    )
    search.fit(X, y, groups=np.arange(8) // 2)
    assert len(search.cv_results_["params"]) == 4
    assert search.predict(X).shape == (8,)


def test_refit_identical_and_pickle(fitted):
    X, y = _data()
    np.testing.assert_array_equal(clone(fitted).fit(X, y).predict(X), fitted.predict(X))
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))


def test_prefit_warns_and_uses_the_embedder(fitted):
    X, y = _data()
    embedder = fitted.embedder_
    model = HyperImageRegressor(embedder, cv="prefit", **_stage2())
    with pytest.warns(UserWarning, match="cv='prefit' trains the second stage"):
        model.fit(X, y)
    assert model.embedder_ is embedder
    # a frozen embedder survives clone and also works with cv="prefit"
    frozen = HyperImageRegressor(FrozenEstimator(embedder), cv="prefit", **_stage2())
    with pytest.warns(UserWarning, match="prefit"):
        clone(frozen).fit(X, y)


def test_prefit_with_unfitted_embedder():
    X, y = _data()
    model = _regressor(cv="prefit")
    with pytest.raises(NotFittedError):
        model.fit(X, y)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        _regressor().predict(np.zeros((2, 20, 20), dtype=np.float32))


@pytest.mark.parametrize("cv", [1, 0, "loo", 2.5, True])
def test_bad_cv(cv):
    X, y = _data()
    with pytest.raises(ValueError, match="'cv' parameter of HyperImageRegressor"):
        _regressor(cv=cv).fit(X, y)


def test_cv_must_partition_the_images():
    X, y = _data()
    splits = [(np.arange(4, 8), np.arange(4)), (np.arange(4, 8), np.arange(4))]
    with pytest.raises(ValueError, match="exactly one test fold"):
        _regressor(cv=splits).fit(X, y)


def test_bad_embedder():
    X, y = _data()
    with pytest.raises(TypeError, match="'embedder' parameter"):
        HyperImageRegressor(PatchCNNRegressor(**TINY), **_stage2()).fit(X, y)


def test_bad_targets():
    X, y = _data()
    model = _regressor()
    with pytest.raises(ValueError, match="y has 7 entries but X has 8 images"):
        model.fit(X, y[:7])
    y_nan = y.copy()
    y_nan[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(X, y_nan)
    with pytest.raises(ValueError, match="shape \\(n_images,\\)"):
        model.fit(X, np.zeros((8, 2)))


def test_too_small_images_name_the_minimum():
    X, y = _data(size=8)
    with pytest.raises(ValueError, match=r"at least 9x10 .*2x3 grid of 8x8"):
        _regressor().fit(X, y)


def test_reference_is_split_with_the_folds():
    rng = np.random.default_rng(0)
    reference = np.full((8, 20, 20), 0.5, dtype=np.float32)
    reference += rng.random((8, 1, 1)).astype(np.float32) * 0.3
    X = reference.copy()
    X[:, 4:12, 4:12] = rng.random((8, 8, 8))
    y = np.linspace(1, 4, 8)
    model = _regressor().fit(X, y, reference=reference, reference_y=5.0)
    assert model.predict(X).shape == (8,)
    with pytest.raises(ValueError, match="only used together with reference"):
        _regressor().fit(X, y, reference_y=5.0)


# ----------------------------------------------- no data from the test folds
_LOG = []


def _ids(X):
    return np.rint(np.asarray(X)[:, 0, 0] * 1000).astype(int)


class _RecordingEmbedder(TransformerMixin, BaseEstimator):
    """Stand-in embedder: a hyper-image holds the image id and whether the
    embedder was fitted on that image."""

    def __init__(self, grid=(2, 2)):
        self.grid = grid

    def fit(self, X, y=None):
        self.seen_ = set(_ids(X).tolist())
        _LOG.append(("fit", frozenset(self.seen_)))
        return self

    def transform(self, X):
        ids = _ids(X)
        H = np.zeros((len(ids),) + tuple(self.grid) + (3,), dtype=np.float32)
        H[..., 0] = ids[:, None, None]
        H[..., 1] = np.isin(ids, list(self.seen_))[:, None, None]
        H[..., 2] = ids[:, None, None] % 7
        return H


class _Stage2Recorder(Callback):
    def on_train_begin(self, net, X=None, y=None, **kwargs):
        X = np.asarray(X)
        X = np.asarray(X)  # hyper-images, channel last
        _LOG.append(("stage2", frozenset(np.rint(X[:, 0, 0, 0]).astype(int).tolist()),
                     float(X[..., 1].max())))


def _id_images(n=12):
    ids = np.arange(1, n + 1)
    X = np.ones((n, 16, 16), dtype=np.float32) * (ids / 1000.0)[:, None, None]
    return X, ids, np.linspace(1, 5, n)


def test_out_of_fold_hyper_images_for_stage2():
    """With an integer cv, stage 2 trains only on hyper-images made by an
    embedder that never saw the image."""
    X, ids, y = _id_images()
    _LOG.clear()
    model = HyperImageRegressor(
        _RecordingEmbedder(), **_stage2(cv=3, callbacks=[("rec", _Stage2Recorder())])
    ).fit(X, y)
    fits = [entry[1] for entry in _LOG if entry[0] == "fit"]
    stage2 = [entry for entry in _LOG if entry[0] == "stage2"]
    assert len(fits) == 4  # all images, then one per fold
    assert fits[0] == frozenset(ids.tolist())
    for seen in fits[1:]:
        assert len(seen) == 8
    assert len(stage2) == 1
    _, stage2_ids, seen_flag = stage2[0]
    assert stage2_ids == frozenset(ids.tolist())
    assert seen_flag == 0.0  # out of fold: no hyper-image from a fitted-on image
    # the embedder used at prediction is the one fitted on all images
    assert model.embedder_.seen_ == set(ids.tolist())


def test_no_data_from_the_evaluation_fold():
    """Under an outer split, neither stage 1 nor stage 2 ever sees a test image."""
    X, ids, y = _id_images()
    model = HyperImageRegressor(
        _RecordingEmbedder(), **_stage2(cv=3, callbacks=[("rec", _Stage2Recorder())])
    )
    for train, test in KFold(3, shuffle=True, random_state=0).split(X):
        _LOG.clear()
        fitted = clone(model).fit(X[train], y[train])
        fitted.predict(X[test])
        test_ids = set(ids[test].tolist())
        seen = set()
        for entry in _LOG:
            seen |= entry[1]
        assert seen == set(ids[train].tolist())
        assert not seen & test_ids
        assert len([e for e in _LOG if e[0] == "fit"]) == 4


def test_stage2_of_prefit_sees_in_fold_hyper_images():
    """The contrast: with cv='prefit' every hyper-image comes from an
    embedder fitted on that very image (the leakage the warning is about)."""
    X, ids, y = _id_images()
    embedder = _RecordingEmbedder().fit(X, y)
    _LOG.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        HyperImageRegressor(
            embedder, **_stage2(cv="prefit", callbacks=[("rec", _Stage2Recorder())])
        ).fit(X, y)
    assert _LOG[-1][0] == "stage2" and _LOG[-1][2] == 1.0


def test_ensemble_averages_the_fold_embedders(fitted):
    X, y = _data()
    assert fitted.ensemble and len(fitted.fold_embedders_) == 2

    def stage2(embedder, model=fitted):
        net = model.final_estimator_
        H = embedder.transform(X)  # channel last: the net transposes it
        out = np.concatenate([o.numpy() for o in net.forward_iter(H, training=False)])
        return out.ravel() * net.y_scale_ + net.y_mean_

    expected = np.mean([stage2(e) for e in fitted.fold_embedders_], axis=0)
    np.testing.assert_allclose(fitted.predict(X), expected, rtol=1e-5, atol=1e-6)
    single = clone(fitted).set_params(ensemble=False).fit(X, y)
    np.testing.assert_allclose(
        single.predict(X), stage2(single.embedder_, single), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="'ensemble' parameter"):
        clone(fitted).set_params(ensemble="yes").fit(X, y)


# ------------------------------------------------- the second stage alone
def test_stage2_nets_on_hyper_images():
    rng = np.random.default_rng(0)
    H = rng.random((8, 2, 3, 5)).astype(np.float32)
    reg = HyperImageNetRegressor(**STAGE2).fit(H, np.linspace(10, 20, 8))
    pred = reg.predict(H)
    assert pred.shape == (8,) and reg.hyper_image_shape_ == (2, 3, 5)
    assert reg.module_.in_channels == 5 and reg.module_.grid == (2, 3)
    assert 5 < pred.mean() < 25  # standardised targets are mapped back
    clf = HyperImageNetClassifier(**STAGE2).fit(H, ["x", "y"] * 4)
    assert clf.predict_proba(H).shape == (8, 2)
    assert set(clf.predict(H)) <= {"x", "y"}
    with pytest.raises(ValueError, match=r"shape \(n_images, U, V, D\)"):
        reg.predict(H[0])
    with pytest.raises(ValueError, match="fitted on"):
        reg.predict(H[:, :, :2])
    with pytest.raises(NotFittedError):
        HyperImageNetRegressor().predict(H)


def test_stage2_parameters_checked_before_torch():
    H = np.zeros((4, 2, 2, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="'lr' parameter of HyperImageNetRegressor"):
        HyperImageNetRegressor(lr=-1).fit(H, np.arange(4.0))
    with pytest.raises(ValueError, match="'final_estimator' parameter"):
        _regressor(final_estimator="net").fit(*_data())


def test_hyper_image_estimators_are_transformers():
    X = make_test_images(6, size=24, random_state=0)
    y = np.linspace(1, 5, 6)
    model = HyperImageRegressor(
        PatchEmbedder(PatchCNNRegressor(check_range=False, **TINY), grid=(2, 2)),
        HyperImageNetRegressor(**STAGE2),
        cv=2,
    )
    assert isinstance(model, TransformerMixin)
    X = (X - 0.5) * 4  # high-pass-like input: the patch net allows it
    H = model.fit_transform(X, y)
    assert H.shape == (6, 2, 2, 6)
    np.testing.assert_allclose(H, model.transform(X))


class _MaskRecordingEmbedder(_RecordingEmbedder):
    """Records, at each fit, the images and the ids written in their masks."""

    def fit(self, X, y=None, masks=None):
        super().fit(X, y)
        mask_ids = [int(np.asarray(m)[0, 0]) for m in masks]
        _LOG.append(("masks", _ids(X).tolist(), mask_ids))
        return self


def test_masks_are_split_with_the_folds():
    """Each fold's first stage gets the masks of its own images only: the
    patches of an image stay on one side of every split."""
    X, ids, y = _id_images()
    masks = [np.full((16, 16), i, dtype=np.float32) for i in ids]
    _LOG.clear()
    HyperImageRegressor(
        _MaskRecordingEmbedder(), HyperImageNetRegressor(**STAGE2), cv=3
    ).fit(X, y, masks=masks)
    fits = [entry for entry in _LOG if entry[0] == "masks"]
    assert len(fits) == 4  # all images, then each fold
    for _, image_ids, mask_ids in fits:
        assert image_ids == mask_ids
    assert sorted(fits[0][1]) == ids.tolist()
    assert all(len(f[1]) == 8 for f in fits[1:])
    with pytest.raises(ValueError, match="11 maps but X has 12"):
        HyperImageRegressor(_MaskRecordingEmbedder(), cv=3).fit(X, y, masks=masks[:11])


def test_classifier_with_masks_end_to_end():
    X = make_test_images(8, size=24, random_state=0) * 0.5
    y = np.array(["authentic", "spliced"] * 4)
    masks = np.zeros((8, 24, 24), dtype=bool)
    masks[1::2, 8:14, 8:14] = True
    X[masks] = 1.0
    net = PatchCNNClassifier(sampling="contour", n_patches=4, **TINY,
                             module__n_blocks=1, module__pool_size=2)
    model = HyperImageClassifier(
        PatchEmbedder(net, grid=(2, 2)), HyperImageNetClassifier(max_epochs=1,
                                                                 verbose=0), cv=2
    )
    model.fit(X, y, masks=masks)
    assert model.predict(X).shape == (8,)
    assert set(model.predict(X)) <= {"authentic", "spliced"}


def test_masks_routed_by_cross_validate():
    """With metadata routing, cross_validate splits the masks with the images
    and the hyper-image estimator splits them again with its folds."""
    import sklearn
    from sklearn.model_selection import cross_validate

    X, ids, y = _id_images()
    masks = np.stack([np.full((16, 16), i, dtype=np.float32) for i in ids])
    _LOG.clear()
    with sklearn.config_context(enable_metadata_routing=True):
        model = HyperImageRegressor(
            _MaskRecordingEmbedder(), HyperImageNetRegressor(**STAGE2), cv=2
        ).set_fit_request(masks=True)
        cross_validate(model, X, y, params={"masks": masks}, cv=2)
    fits = [entry for entry in _LOG if entry[0] == "masks"]
    assert len(fits) == 6  # per outer split: all its images, then 2 folds
    for _, image_ids, mask_ids in fits:
        assert image_ids == mask_ids
