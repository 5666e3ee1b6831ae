"""Property-based tests of the public functions that take one image or
frames (issue 25, part 1): the pixel evidence, the upscale verdict on an
array, the resampling and periodicity features and the single-image
degradations of ``skforensics.datasets``.

The same strategies and properties as tests/test_hypothesis.py: every
dtype, shape, layout and value range either gets an answer or the
documented ValueError or TypeError with a message; the input is never
modified; a C-contiguous copy gets the same answer. Where an answer comes,
the dtype and range rules of :func:`skforensics.utils.check_images` held:
no function reads 8-bit data in a float array, integers of unknown range,
NaN or infinity as pixels.
"""

import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.fuzz


def _load_helpers():
    import importlib.util

    path = os.path.join(os.path.dirname(__file__), "_hypothesis_images.py")
    spec = importlib.util.spec_from_file_location("_skf_hypothesis_images", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_h = _load_helpers()
budget, image_collections, behaves = _h.budget, _h.image_collections, _h.behaves

SIZES = ((1, 1), (2, 300), (7, 9), (16, 16), (17, 33), (33, 20), (40, 36))
one_image = image_collections(sizes=SIZES, n_images=(1, 1), forms=("list",)).map(
    lambda X: X[0]
)


def _readable(image):
    """Whether check_images accepts the image: what every function must
    refuse otherwise."""
    from skforensics.utils import check_images

    try:
        check_images([np.asarray(image)])
    except (ValueError, TypeError):
        return False
    return True


def _refused_unless_readable(func, image, **kwargs):
    out = behaves(func, image, **kwargs)
    if out is not None:
        image = np.asarray(image)
        # Alpha and 2-channel images are the functions' own business; the
        # dtype and value rules are not.
        values = image[..., :1] if image.ndim == 3 else image
        assert _readable(values), "an answer for pixels check_images refuses"
    return out


@budget(40)
@given(image=one_image)
def test_jpeg_evidence(image):
    from skforensics.inspection import jpeg_evidence

    def check(out):
        assert out.verdict in ("compressed", "never compressed", "unknown")

    _refused_unless_readable(
        lambda im: jpeg_evidence(im), image, rtol=1e-5, atol=1e-6, check=check
    )


@budget(20)
@given(
    image=image_collections(
        sizes=((64, 64), (64, 200), (70, 65), (40, 64), (2, 300)),
        n_images=(1, 1),
        forms=("list",),
    ).map(lambda X: X[0])
)
def test_upscale_verdict_on_arrays(image):
    from skforensics.inspection import upscale_verdict
    from skforensics.models import pretrained

    estimator = pretrained("upscale-factor")

    def check(out):
        assert 0 <= out.p_upscaled <= 1 and out.factor >= 1

    _refused_unless_readable(
        lambda im: upscale_verdict(im, estimator=estimator),
        image,
        rtol=1e-4,
        atol=1e-5,
        check=check,
    )


@budget(20)
@given(
    name=st.sampled_from(
        ["resize_image", "rescale_image", "unsharp_mask", "video_round_trip"]
    ),
    image=one_image,
)
def test_single_image_degradations(name, image):
    from skforensics import datasets

    func = {
        "resize_image": lambda im: datasets.resize_image(im, (9, 11)),
        "rescale_image": lambda im: datasets.rescale_image(im, 1.5),
        "unsharp_mask": datasets.unsharp_mask,
        "video_round_trip": datasets.video_round_trip,
    }[name]

    def check(out):
        assert out.dtype == np.float32 and np.isfinite(out).all()

    _refused_unless_readable(func, image, rtol=1e-5, atol=1e-6, check=check)


@budget(20)
@given(
    name=st.sampled_from(["descale_curve", "resampling_periodicity"]),
    X=image_collections(sizes=SIZES, n_images=(1, 2)),
)
def test_resampling_features(name, X):
    from skforensics import feature

    behaves(getattr(feature, name), X, rtol=1e-4, atol=1e-6)
