"""The Displays of skforensics, one per file, as :mod:`sklearn.metrics._plot`.

Each Display stores its data in ``__init__``, computes it in a
``from_estimator`` classmethod that ends in ``from_predictions`` (or
``from_features``, ``from_images``), and draws it with ``plot(ax=None,
...)``, which returns the Display with the figure, the axes and the artists
as attributes, as :class:`sklearn.metrics.RocCurveDisplay` does. The checks
and the verdict words they share live in :mod:`._plotting`. matplotlib is
imported only by ``plot``.
"""

from .brisque_feature import BRISQUEFeatureDisplay
from .jpeg_map import JPEGMapDisplay
from .mscn import MSCNDisplay
from .patch_score import PatchScoreDisplay

__all__ = [
    "BRISQUEFeatureDisplay",
    "JPEGMapDisplay",
    "MSCNDisplay",
    "PatchScoreDisplay",
]
