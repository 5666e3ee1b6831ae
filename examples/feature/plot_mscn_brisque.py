"""
=============================================
MSCN maps and BRISQUE features of upscaling
=============================================

Upscaling a downscaled image cannot restore the fine detail the downscale
removed. The mean-subtracted contrast-normalised (MSCN) coefficients of
BRISQUE make that visible: a natural photograph has MSCN coefficients with
heavy tails, an upscaled one has them squeezed towards zero. This is what
Figs. 1 and 2 of the fake-4K report show; here we reproduce them on the
photographs that scikit-image ships.
"""

# %%
# Real and upscaled images
# ------------------------
# :func:`~skforensics.datasets.make_rescaled_images` pairs every source image
# with a copy downscaled by 2 and upscaled back with a random kernel.
import numpy as np

from skforensics.datasets import load_sample_images, make_rescaled_images

X, y, groups = make_rescaled_images(
    load_sample_images(), factor=2, kernels=("bicubic", "lanczos"), random_state=0
)
real, fake = X[0], X[1]
print(f"{len(X)} images, {int(np.sum(y))} upscaled")

# %%
# MSCN maps
# ---------
# The upscaled map is smoother: neighbouring coefficients agree more and
# their magnitudes shrink, and the histogram (log scale) loses its tails.
# :class:`~skforensics.inspection.MSCNDisplay` computes the coefficients with
# :func:`~skforensics.feature.mscn` and draws the maps next to their
# histograms.
import matplotlib.pyplot as plt

from skforensics.inspection import MSCNDisplay

MSCNDisplay.from_images([real, fake], labels=["real", "upscaled x2"])

# %%
# BRISQUE features
# ----------------
# The 36 features summarise those distributions. The shape of the
# generalised Gaussian fitted to the MSCN coefficients (first scale) rises for
# upscaled images, and the variance of the horizontal pairwise product
# changes too: densities over all images separate the two classes.
# :class:`~skforensics.inspection.BRISQUEFeatureDisplay` draws one density
# per class and chosen feature.
from skforensics.feature import BRISQUEExtractor
from skforensics.inspection import BRISQUEFeatureDisplay

brisque = BRISQUEExtractor()
features = brisque.fit_transform(X)
names = list(brisque.get_feature_names_out())
BRISQUEFeatureDisplay.from_features(
    features,
    y,
    feature_names=["s1_mscn_shape", "s1_h_left_var"],
    all_feature_names=names,
    class_names={0: "real", 1: "upscaled"},
)
shape = features[:, names.index("s1_mscn_shape")]
print(
    f"mean MSCN shape: real {shape[y == 0].mean():.3f}, "
    f"upscaled {shape[y == 1].mean():.3f}"
)
plt.show()
