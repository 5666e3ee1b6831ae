"""PyTorch modules for patch-based forensics and image quality (pure torch).

Nothing here imports scikit-learn or skorch: the modules are plain
:class:`torch.nn.Module` subclasses that take NCHW float tensors. The
scikit-learn estimators that train them live in :mod:`skforensics.models`.
"""

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skforensics.nn needs PyTorch, which is an optional dependency: "
        "pip install skforensics[torch]"
    ) from exc

from ._hyper_cnn import HyperImageCNN
from ._jpeg_quality import JPEGQualityNet
from ._kang import KangCNN
from ._patch_cnn import PatchCNN
from ._ranking import RankingHingeLoss, SiameseRankingNet, ranking_hinge_loss

__all__ = [
    "HyperImageCNN",
    "JPEGQualityNet",
    "KangCNN",
    "PatchCNN",
    "RankingHingeLoss",
    "SiameseRankingNet",
    "ranking_hinge_loss",
]
