"""Scikit-learn estimators built on skorch: patch CNNs and pretrained models.

Every estimator takes an image collection as ``X`` with one target per
image; patches are sampled inside torch datasets and never become rows.
This subpackage needs the ``torch`` extra: ``pip install skforensics[torch]``.
"""

try:
    import skorch  # noqa: F401
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"skforensics.models needs PyTorch and skorch ({exc.name} is missing): "
        "pip install skforensics[torch]"
    ) from exc

from ._datasets import ImageSplit, PatchDataset
from ._embedder import PatchEmbedder
from ._hyper import HyperImageClassifier, HyperImageRegressor
from ._hyper_net import HyperImageNetClassifier, HyperImageNetRegressor
from ._jpeg import PixelwiseJPEGRegressor
from ._patch import PatchCNNClassifier, PatchCNNRegressor
from ._pretrained import pretrained
from ._selective import PatchRankingRegressor, select_patches
from ._serialization import load_pretrained_jpeg

__all__ = [
    "HyperImageClassifier",
    "HyperImageNetClassifier",
    "HyperImageNetRegressor",
    "HyperImageRegressor",
    "ImageSplit",
    "PatchCNNClassifier",
    "PatchCNNRegressor",
    "PatchDataset",
    "PatchEmbedder",
    "PatchRankingRegressor",
    "PixelwiseJPEGRegressor",
    "load_pretrained_jpeg",
    "pretrained",
    "select_patches",
]
