"""Integer parameters of the public functions are checked, never coerced.

Every keyword-only parameter of a public function whose default is an int
(or None, where the documentation says int) is given 2.5 and "3": each must
be refused with a ValueError or TypeError, not truncated to 2 or parsed as
3 (upscale_verdict read ``n_frames=2.7`` as 2, extract_patches took
``n_patches="3"``, apply_images handed ``n_jobs=2.5`` to joblib). The
parameters are found from the signatures, so a new one is checked too; a
new public function must be added to ``CALLS``.
"""

import importlib
import inspect
import warnings

import numpy as np
import pytest

MODULES = ("skforensics.feature", "skforensics.inspection", "skforensics.datasets",
           "skforensics.utils")


def _image(shape=(96, 96, 3)):
    return (np.random.default_rng(0).random(shape) * 255).astype(np.uint8)


# name: (positional arguments, keywords that make the int parameters count,
# parameters with a None default that take an int).
CALLS = {
    "brisque_features": (lambda: (_image((2, 48, 48)),), {}, ("n_jobs",)),
    "mscn": (lambda: (_image((2, 48, 48)),), {}, ("n_jobs",)),
    "extract_patches": (lambda: (_image(), 16), {"sampling": "random"}, ("n_patches",)),
    "patch_corners": (lambda: ((96, 96), 16), {"sampling": "random"}, ("n_patches",)),
    "upscale_verdict": (lambda: (_image(),), {}, ()),
    "jpeg_evidence": (lambda: (_image(),), {"double": False, "resized": False}, ()),
    "apply_images": (lambda: (np.flip, _image((2, 8, 8))), {}, ("n_jobs",)),
    "make_test_images": (lambda: (), {}, ()),
    "make_localized_artifacts": (lambda: (4,), {"image_size": 64}, ()),
    "read_video_frames": (None, {}, ("n_frames",)),
    "make_collages": (lambda: (_image((3, 64, 64)),), {"random_state": 0}, ()),
    "make_degraded_images": (lambda: (_image((2, 64, 64)),), {"codecs": "none"}, ()),
    "make_jpeg_images": (lambda: (_image((2, 64, 64)),), {}, ()),
    "make_rescaled_images": (lambda: (_image((2, 64, 64)),), {}, ()),
    "video_round_trip": (lambda: (_image((32, 32, 3)),), {}, ()),
    "write_video": ("write_video", {}, ()),
}
# Public functions without an int parameter to check, with why.
NO_INT_PARAMETERS = {
    "descale_curve", "resampling_periodicity", "grid_strides", "jpeg_audit",
    "closest_libjpeg_quality", "draw_quantization_tables", "jpeg_with_tables",
    "libjpeg_tables", "load_image_folder", "load_iqa_dataset", "load_sample_images",
    "rescale_image", "resize_image", "unsharp_mask", "check_images", "image_shapes",
    "load_model",
    "read_image", "save_model", "to_grayscale",
}


def _public_functions():
    for module in MODULES:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj):
                yield name, obj


def _int_parameters(func, none_ints):
    for name, p in inspect.signature(func).parameters.items():
        if p.kind != p.KEYWORD_ONLY:
            continue
        default = p.default
        is_int = isinstance(default, int) and not isinstance(default, bool)
        if is_int or (default is None and name in none_ints):
            yield name


def test_every_public_function_is_listed():
    names = {name for name, _ in _public_functions()}
    assert names == set(CALLS) | (names & NO_INT_PARAMETERS)
    for name, func in _public_functions():
        if name in NO_INT_PARAMETERS:
            # Listed there rightly: no keyword-only int parameter.
            assert not list(_int_parameters(func, ())), name


CASES = [
    (name, parameter)
    for name, func in _public_functions()
    if name in CALLS
    for parameter in _int_parameters(func, CALLS[name][2])
]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    pytest.importorskip("av")
    from skforensics.datasets import write_video

    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    write_video(path, _image((3, 64, 64, 3)))
    return path


@pytest.mark.parametrize("name, parameter", CASES)
@pytest.mark.parametrize("bad", [2.5, "3"])
def test_int_parameters_are_not_coerced(name, parameter, bad, request):
    func = dict(_public_functions())[name]
    make_args, keywords, _ = CALLS[name]
    if make_args is None:
        args = (request.getfixturevalue("video"),)
    elif make_args == "write_video":
        pytest.importorskip("av")
        args = (request.getfixturevalue("tmp_path") / "out.mp4", _image((2, 32, 32, 3)))
    else:
        args = make_args()
    func(*args, **keywords)  # the call itself is valid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, TypeError)) as exc:
            func(*args, **{**keywords, parameter: bad})
    message = str(exc.value)
    # numpy's own message for a seed does not name the parameter.
    assert parameter in message or (parameter == "random_state" and "seed" in message)
