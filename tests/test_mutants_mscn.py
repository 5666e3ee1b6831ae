"""Tests that pin MSCN where mutation testing (issue 25) found them loose.

mutmut over ``feature/_mscn.py`` and ``feature/_color.py`` left alive
mutants that computed only the first strip of rows of a tall image, shifted
a strip's halo, dropped the parameters on the lazy path or the worker path,
or changed the transformer's dtype tags; a second run (the second half of
the module) found the transformer ignoring its own parameters, ``n_jobs``
dropped on the way to the workers or left unvalidated, and a strip height
that is not a whole number of rows. Each test below fails on one of them.
"""

import numpy as np
import pytest
from scipy import ndimage

from skforensics.feature import GrayscaleTransformer, MSCNTransformer, mscn
from skforensics.feature import _mscn as mscn_module
from skforensics.utils import LazyImages


def _reference(image, sigma=7 / 6, window=7, C=1 / 255, mode="constant"):
    """MSCN written out directly with scipy on the whole image, in float64
    (the package rounds its taps to 2**-24: agreement to about 1e-6)."""
    r = window // 2
    x = np.arange(-r, r + 1)
    taps = np.exp(-0.5 * (x / sigma) ** 2)
    taps /= taps.sum()
    image = image.astype(np.float64)

    def blur(a):
        a = ndimage.correlate1d(a, taps, axis=0, mode=mode)
        return ndimage.correlate1d(a, taps, axis=1, mode=mode)

    mu = blur(image)
    sd = np.sqrt(np.abs(blur(image * image) - mu * mu))
    return (image - mu) / (sd + C)


@pytest.mark.parametrize("mode", ["constant", "wrap"])
def test_every_strip_of_a_tall_image_is_computed(mode, monkeypatch):
    # Strips of 8 rows: a 61-row image takes 8 strips, each with its halo.
    monkeypatch.setattr(mscn_module, "_STRIP_PIXELS", 8 * 40)
    rng = np.random.default_rng(0)
    image = rng.random((61, 40))
    got = mscn([image], mode=mode)[0]
    np.testing.assert_allclose(got, _reference(image, mode=mode), atol=1e-5)


def test_strips_do_not_change_float32_output(monkeypatch):
    rng = np.random.default_rng(1)
    image = rng.random((50, 24)).astype(np.float32)
    whole = mscn([image])[0]
    monkeypatch.setattr(mscn_module, "_STRIP_PIXELS", 8 * 24)
    np.testing.assert_array_equal(mscn([image])[0], whole)
    assert whole.dtype == np.float32


def test_lazy_images_get_the_parameters(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(2)
    pixels = (rng.random((32, 40)) * 255).astype(np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    params = dict(sigma=2.0, window=9, C=0.1, mode="reflect")
    lazy = mscn(LazyImages([tmp_path / "a.png"]), **params)
    eager = mscn([pixels / np.float64(255)], **params)
    np.testing.assert_allclose(np.asarray(lazy[0]), eager[0], atol=1e-6)
    assert not np.allclose(eager[0], mscn([pixels / np.float64(255)])[0])


def test_workers_get_the_parameters():
    rng = np.random.default_rng(3)
    X = [rng.random((20, 20)) for _ in range(4)]
    params = dict(sigma=2.0, window=5, C=0.05)
    serial = mscn(X, **params)
    parallel = mscn(X, n_jobs=2, **params)
    np.testing.assert_array_equal(np.stack(parallel), np.stack(serial))
    np.testing.assert_allclose(serial[0], _reference(X[0], **params), atol=1e-5)


def test_transformer_tags():
    tags = MSCNTransformer().__sklearn_tags__()
    assert tags.transformer_tags.preserves_dtype == ["float64", "float32"]


def test_transformer_n_jobs():
    assert MSCNTransformer(n_jobs=2).n_jobs == 2
    X = np.random.default_rng(4).random((3, 16, 16))
    t = MSCNTransformer(sigma=2.0, n_jobs=2).fit(X)
    np.testing.assert_array_equal(t.transform(X), MSCNTransformer(sigma=2.0).fit(X).transform(X))


@pytest.mark.parametrize("transformer", [GrayscaleTransformer, MSCNTransformer])
def test_transform_before_fit_names_the_fitted_attribute(transformer):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted yet"):
        transformer().transform(np.zeros((1, 8, 8)))


def test_strips_of_a_budget_that_is_not_a_whole_number_of_rows(monkeypatch):
    # 407 pixels of a 40-pixel-wide image: strips of 10 whole rows.
    monkeypatch.setattr(mscn_module, "_STRIP_PIXELS", 10 * 40 + 7)
    image = np.random.default_rng(5).random((45, 40))
    np.testing.assert_allclose(mscn([image])[0], _reference(image), atol=1e-5)


def test_transformer_applies_its_parameters():
    X = np.random.default_rng(6).random((2, 20, 24))
    params = dict(sigma=2.0, window=9, C=0.1, mode="reflect")
    got = MSCNTransformer(**params).fit_transform(X)
    np.testing.assert_array_equal(got, mscn(X, **params))
    np.testing.assert_allclose(got[0], _reference(X[0], **params), atol=1e-5)


def test_n_jobs_is_validated_with_the_function_named():
    with pytest.raises(ValueError, match="^The 'n_jobs' parameter of mscn must be"):
        mscn(np.zeros((2, 16, 16)), n_jobs=0)


@pytest.mark.parametrize("as_list", [False, True])
def test_n_jobs_reaches_the_workers(as_list, monkeypatch):
    # Under joblib's threading backend (one job unless told otherwise),
    # n_jobs=2 computes the images in worker threads, the default in the
    # caller's thread; the answer is the same.
    import threading

    import joblib

    threads = set()
    one = mscn_module._mscn_map

    def recording(image, **kwargs):
        threads.add(threading.get_ident())
        return one(image, **kwargs)

    monkeypatch.setattr(mscn_module, "_mscn_map", recording)
    X = np.random.default_rng(7).random((4, 16, 16))
    X = list(X) if as_list else X
    caller = {threading.get_ident()}
    expected = np.stack(mscn(X))
    with joblib.parallel_backend("threading", n_jobs=1):
        for n_jobs in (None, 2):
            for run in (
                lambda: mscn(X, n_jobs=n_jobs),
                lambda: MSCNTransformer(n_jobs=n_jobs).fit(X).transform(X),
            ):
                threads.clear()
                np.testing.assert_array_equal(np.stack(run()), expected)
                if n_jobs is None:
                    assert threads == caller
                else:
                    assert threads and not threads & caller
