"""Models trained by the project and shipped inside the package."""

import json
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

# The upscale models: one net (weights file, metadata file), two views.
_UPSCALE_FILES = ("upscale.pt", "upscale.json")
_MODELS = ("upscale-detector", "upscale-factor")
# The pixelwise JPEG estimators: name -> weights file for load_pretrained_jpeg.
JPEG_MODELS = {
    "jpeg-quality": "jpeg-quality.pt",
    "jpeg-quality-fast": "jpeg-quality-fast.pt",
}


def _weights_path(filename):
    return resources.files("skforensics.models").joinpath("weights", filename)


def pretrained(name="upscale-detector"):
    """Load a model trained by skforensics, offline, as a fitted estimator.

    ``"upscale-detector"``
        Tells whether an image was upscaled (a "fake 4K" frame, an
        enlarged photograph). A :class:`~sklearn.pipeline.Pipeline` of a
        luminance step (ITU-R BT.601,
        :class:`~skforensics.feature.GrayscaleTransformer`)
        and a :class:`PatchCNNClassifier` with the report's
        :class:`~skforensics.nn.PatchCNN` on 64x64 tiles, pooling the tile
        probabilities by their mean. It accepts grayscale or RGB images,
        ``uint8`` or float in [0, 1], of any size from 64x64 up (a list for
        mixed sizes). ``predict_proba(X)[:, 1]`` is the probability that an
        image was upscaled; ``predict`` gives 1 for upscaled, 0 for native;
        ``[-1].predict_patch_map`` on luminance images gives the tile map.

        Trained by ``scripts/train_upscale_detector.py`` (seed 0) on 95 of
        the 119 never-compressed images of the project's lossless set
        (McMaster, USC-SIPI aerials and textures): real 128x128 crops
        against the same windows downscaled and upscaled back, x2 with
        OpenCV cubic, Lanczos-4 and linear and Pillow's antialiased cubic
        (area or same-kernel downscaling), plus x1.5 and x3, quantised to
        8 bits. On the 24 held-out images (whole, real or x2 bicubic /
        Lanczos after area downscaling) it classifies 100% of the images
        with all tiles pooled (no real image called upscaled) and 98.6%
        from the centre tile alone. The script's docstring and
        ``weights/README.md`` give the settings and all figures.

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
        4 to 5 s on 2 CPU cores. The user guide gives the training data
        and all figures.

    ``"jpeg-quality-fast"``
        The same estimator with the previous weights, a net without the
        pooled quality tests: maps in about 2.2 s at 1920x1080, but a
        quality error of 2.0, and 81% of the Q97 to Q100 images detected
        (half of the Q100 ones).

    Parameters
    ----------
    name : {"upscale-detector", "jpeg-quality", "jpeg-quality-fast"}, \
            default="upscale-detector"
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
    The detector looks for the traces of interpolation; it was not trained
    on JPEG-compressed images, whose block artefacts may raise false alarms,
    nor on upscaling by learned super-resolution.

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
        return load_pretrained_jpeg(path=_weights_path(JPEG_MODELS[name]))
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

    def __init__(self, in_channels=1, patch_size=64, n_outputs=2, n_classes=6):
        super().__init__()
        self.net = PatchCNN(in_channels=in_channels, patch_size=patch_size,
                            n_outputs=n_classes)
        self.in_channels = self.net.in_channels
        self.patch_size = self.net.patch_size

    def forward(self, x):
        logp = torch.log_softmax(self.net(x), dim=1)
        rest = torch.logsumexp(logp[:, 1:], dim=1, keepdim=True)
        return torch.cat([logp[:, :1], rest], dim=1)


def _load_upscale(name):
    weights_file, meta_file = _UPSCALE_FILES
    meta = json.loads(_weights_path(meta_file).read_text())
    with _weights_path(weights_file).open("rb") as f:
        state = torch.load(f, map_location="cpu", weights_only=True)
    factors = [float(c) for c in meta["classes"]]
    common = dict(patch_size=meta["patch_size"], pooling="mean",
                  predict_sampling="grid", verbose=0, random_state=meta["seed"])
    if name == "upscale-detector":
        clf = PatchCNNClassifier(
            module=_NativeVsUpscaled, module__n_classes=len(factors), **common
        )
        state = {f"net.{k}": v for k, v in state.items()}
        classes = [0, 1]
    else:
        clf = PatchCNNClassifier(**common)
        classes = factors
    clf._load_fitted(state, n_channels=1, classes=classes)
    grayscale = GrayscaleTransformer().fit(np.zeros((1, 64, 64, 3), dtype=np.float32))
    step = "detector" if name == "upscale-detector" else "factor"
    return Pipeline([("grayscale", grayscale), (step, clf)])
