"""Features of images: numpy and scipy only, never torch.

MSCN normalisation, patch grids, BRISQUE features, the periodic traces of
resampling and the descale-and-compare test, as functions and
scikit-learn transformers.
"""

from ._brisque import BRISQUEExtractor, brisque_features
from ._color import GrayscaleTransformer
from ._descale import descale_curve
from ._mscn import MSCNTransformer, mscn
from ._patches import PatchGridExtractor, extract_patches, grid_strides, patch_corners
from ._resampling import resampling_periodicity

__all__ = [
    "BRISQUEExtractor",
    "GrayscaleTransformer",
    "MSCNTransformer",
    "PatchGridExtractor",
    "brisque_features",
    "descale_curve",
    "extract_patches",
    "grid_strides",
    "mscn",
    "patch_corners",
    "resampling_periodicity",
]
