"""Models trained by the project and shipped inside the package."""

import functools
from importlib import resources

import numpy as np
import torch
from sklearn.pipeline import Pipeline
from torch import nn

from ..feature import GrayscaleTransformer
from ..nn import PatchCNN
from ._patch import PatchCNNClassifier
from ._serialization import load_pretrained_jpeg

__all__ = ["pretrained"]

# The upscale models: one fitted six-class PatchCNNClassifier, shipped as a
# save_model file (read with load_model: no pickle), and two views of it.
# upscale.json beside it records how it was trained.
UPSCALE_FILE = "upscale.skf"
_MODELS = ("upscale-detector", "upscale-factor")
# The pixelwise JPEG estimators: name -> weights file for load_pretrained_jpeg.
JPEG_MODELS = {
    "jpeg-quality": "jpeg-quality.skf",
    "jpeg-quality-fast": "jpeg-quality-fast.skf",
}


def _weights_path(filename):
    return resources.files("skforensics.models").joinpath("weights", filename)


def pretrained(name="upscale-detector"):
    """Load a model trained by skforensics, offline, as a fitted estimator.

    ``"upscale-detector"``
        Tells whether an image or a video frame was upscaled (a "fake 4K"
        frame, an enlarged photograph), also after the JPEG or video codec,
        sharpening or denoising that real files go through. A
        :class:`~sklearn.pipeline.Pipeline` of a luminance step (ITU-R
        BT.601, :class:`~skforensics.feature.GrayscaleTransformer`) and a
        :class:`PatchCNNClassifier` on 64x64 tiles, pooling the tile
        probabilities by their mean. It accepts grayscale or RGB images,
        ``uint8`` or float in [0, 1], of any size from 64x64 up (a list for
        mixed sizes, a :class:`~skforensics.datasets.LazyVideoFrames` for
        video frames). ``predict_proba(X)[:, 1]`` is the probability that
        an image was upscaled; ``predict`` gives 1 for upscaled, 0 for
        native; ``[-1].predict_patch_map`` on luminance images gives the
        tile map.

    ``"upscale-factor"``
        The same net with all its classes: ``predict`` gives the scale
        factor, 1.0 for a native image, else 1.25, 1.5, 2, 2.4 or 3 (1728p,
        1440p, 1080p, 900p and 720p content brought to 2160p), hence the
        native size (the image's size divided by the factor);
        ``predict_proba`` the probability of each. Its probability of 1.0
        is one minus the detector's probability of an upscale.
        :func:`skforensics.inspection.upscale_verdict` judges whole image
        and video files with this net: it scores only the textured tiles,
        adds the periodic trace an upscale leaves in the second derivative,
        pools both over the frames of a video and decides with a combiner
        trained on real video files (``weights/upscale-pooling.json``). Use
        it for verdicts on files; ``predict_proba`` here is the plain mean
        over every tile of an image.

        Both are one :class:`~skforensics.nn.PatchCNN` (the fake-4K
        report's six 3x3 convolutions of 16 filters) with six outputs,
        trained by ``scripts/train_upscale_detector.py`` (seed 0) on 189 of
        the 237 real images of the project's data (never-compressed film
        scans, aerials, textures and video-sequence frames, and camera
        photographs downsampled from large originals): real 128x128
        windows, the same windows downscaled and upscaled back by each
        factor with OpenCV, Pillow and FFmpeg (swscale) kernels, and real
        windows softened by Gaussian, motion and defocus blur, each window
        then sharpened or denoised and encoded as JPEG, H.264 or HEVC at
        random strengths, the same chain for real and fake. The per-condition
        figures on the 48 held-out images are in ``weights/README.md`` and
        the user guide (:ref:`fake4k`).

    ``"jpeg-quality"``
        Tells whether an image was ever JPEG-compressed, at which quality,
        and where, from its pixels alone (a PNG that hides a JPEG history
        too): a fitted :class:`PixelwiseJPEGRegressor`, as
        :func:`load_pretrained_jpeg` returns it. It accepts grayscale or RGB
        images, ``uint8`` or float in [0, 1], of any size (a list for mixed
        sizes). ``predict`` gives the quality factor, ``predict_proba(X)[:,
        1]`` the probability of an ever-compressed image and
        ``predict_maps`` both per pixel. On 16 held-out photographs its
        quality error averages 1.6 over qualities 10 to 95, it detects 98%
        of the images saved at qualities 97 to 100 and calls none of the
        never-compressed ones compressed; maps of a 1920x1080 image take
        about 2.2 s on 2 CPU cores. It is loaded with
        ``inference_precision="auto"``: its dilated convolutions run in
        bfloat16 on CPUs that have it (the same held-out figures), in
        float32 elsewhere. The user guide gives the training data and all
        figures.

    ``"jpeg-quality-fast"``
        The same estimator with the previous weights, a net without the
        pooled quality tests: maps in about 1.2 s at 1920x1080 (2 s in
        float32), but a quality error of 2.0, and 81% of the Q97 to Q100
        images detected (half of the Q100 ones).

    Parameters
    ----------
    name : {"upscale-detector", "upscale-factor", "jpeg-quality", \
            "jpeg-quality-fast"}, default="upscale-detector"
        The model.

    Returns
    -------
    estimator : Pipeline
        A fitted estimator on CPU; nothing is downloaded.

    Raises
    ------
    ValueError
        If ``name`` is not a shipped model.
    FileNotFoundError
        If the model's weights are missing from the installation.

    Notes
    -----
    The upscale net looks for the traces of interpolation. It was not
    trained on upscaling by learned super-resolution, nor on factors outside
    1.25 to 3; flat tiles (sky, walls) carry no evidence either way.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import pretrained
    >>> detector = pretrained("upscale-detector")
    >>> X = np.zeros((2, 128, 128, 3), dtype=np.uint8)
    >>> detector.predict_proba(X).shape
    (2, 2)
    """
    if name in JPEG_MODELS:
        # bfloat16 dilated convolutions where the CPU has them: the same
        # held-out figures at about half the cost (the model card).
        return load_pretrained_jpeg(
            path=_weights_path(JPEG_MODELS[name]), inference_precision="auto"
        )
    if name not in _MODELS:
        available = [*_MODELS, *JPEG_MODELS]
        raise ValueError(
            f"Unknown pretrained model {name!r}; available: "
            f"{', '.join(repr(k) for k in sorted(available))}."
        )
    return _load_upscale(name)


class _NativeVsUpscaled(nn.Module):
    """Two logits, native and upscaled, from the multi-class upscale net.

    The shipped net scores "native" and each scale factor; the detector's
    probability of an upscale is one minus that of "native". Returning the
    two log-probabilities as logits makes the classifier's softmax give
    exactly ``[p_native, 1 - p_native]``.
    """

    def __init__(self, in_channels=1, patch_size=64, n_outputs=2, n_classes=6,
                 front_end="pixels"):
        super().__init__()
        self.net = PatchCNN(in_channels=in_channels, patch_size=patch_size,
                            n_outputs=n_classes, front_end=front_end)
        self.in_channels = self.net.in_channels
        self.patch_size = self.net.patch_size

    def forward(self, x):
        logp = torch.log_softmax(self.net(x), dim=1)
        rest = torch.logsumexp(logp[:, 1:], dim=1, keepdim=True)
        return torch.cat([logp[:, :1], rest], dim=1)


def upscale_factor_classifier(state_dict, *, classes, patch_size, seed, front_end="pixels"):
    """The shipped factor model: a fitted PatchCNNClassifier from its weights.

    ``scripts/train_upscale_detector.py`` saves what this returns with
    :func:`~skforensics.utils.save_model` as ``weights/upscale.skf``.

    Parameters
    ----------
    state_dict : dict of str to torch.Tensor
        The weights of a :class:`~skforensics.nn.PatchCNN` with
        ``len(classes)`` outputs and one input channel.
    classes : sequence of float
        The scale factors, 1.0 (native) first.
    patch_size : int
        The tile size the net was trained on.
    seed : int
        The training seed, kept as ``random_state``.
    front_end : str, default="pixels"
        The net's ``front_end`` (see :class:`~skforensics.nn.PatchCNN`).

    Returns
    -------
    classifier : PatchCNNClassifier
        Fitted, on CPU, pooling the tile probabilities by their mean.
    """
    clf = PatchCNNClassifier(**_upscale_params(patch_size, seed),
                             module__front_end=front_end)
    return clf._load_fitted(
        state_dict, n_channels=1, classes=[float(c) for c in classes]
    )


def _upscale_params(patch_size, seed):
    return {
        "patch_size": patch_size,
        "pooling": "mean",
        "predict_sampling": "grid",
        "verbose": 0,
        "random_state": seed,
    }


def _load_upscale(name):
    from ..utils import load_model

    with resources.as_file(_weights_path(UPSCALE_FILE)) as path:
        # The package's own classes are trusted by default: nothing else is.
        clf = load_model(path, device="cpu")
    step = "factor"
    if name == "upscale-detector":
        factor = clf
        clf = PatchCNNClassifier(
            module=_NativeVsUpscaled,
            module__n_classes=len(factor.classes_),
            module__front_end=factor.module_.front_end,
            **_upscale_params(factor.patch_size, factor.random_state),
        )
        state = {f"net.{k}": v for k, v in factor.module_.state_dict().items()}
        clf._load_fitted(state, n_channels=1, classes=[0, 1])
        step = "detector"
    grayscale = GrayscaleTransformer().fit(np.zeros((1, 64, 64, 3), dtype=np.float32))
    return Pipeline([("grayscale", grayscale), (step, clf)])


UPSCALE_POOLING_FILE = "upscale-pooling.json"


def load_upscale_pooling():
    """The combiner of :func:`skforensics.inspection.upscale_verdict`, as a dict.

    A logistic regression over the pooled evidence of a file (feature names,
    their means and scales, coefficients and intercept), trained by
    ``scripts/train_upscale_pooling.py`` and stored as JSON: no pickle.
    """
    return dict(_read_upscale_pooling())


@functools.lru_cache(maxsize=1)
def _read_upscale_pooling():
    import json

    return json.loads(_weights_path(UPSCALE_POOLING_FILE).read_text())
